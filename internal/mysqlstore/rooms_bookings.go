package mysqlstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/notify"
	"gongjian/internal/rooms"
)

var errIdemUsed = errors.New("rooms: idempotency key used")

func slotRows(roomID, holder int64, from, to time.Time) []roomSlotRow {
	var out []roomSlotRow
	for s := rooms.SlotOf(from); s < rooms.SlotOf(to.Add(rooms.Granule-time.Second)); s++ {
		out = append(out, roomSlotRow{RoomID: roomID, Slot: s, Holder: holder})
	}
	return out
}

// occupy inserts slot rows; a slot already held fails with ErrSlotTaken.
func occupy(tx *gorm.DB, rows []roomSlotRow) error {
	for i := 0; i < len(rows); i += 500 {
		if err := tx.Create(rows[i:min(i+500, len(rows))]).Error; err != nil {
			if IsDuplicate(err) {
				return rooms.ErrSlotTaken
			}
			return err
		}
	}
	return nil
}

type weekKey struct {
	room int64
	key  string
	week time.Time
}

// CreateBookings writes bookings, their slots and weekly counters in one
// transaction (see rooms.Store).
func (s *RoomStore) CreateBookings(ctx context.Context, ser *rooms.Series, bs []rooms.NewBooking, notices []notify.Notice) ([]rooms.Booking, error) {
	if len(bs) == 0 {
		return nil, nil
	}
	first := bs[0].Booking
	if first.IdemKey != "" {
		if ex, err := s.byIdem(ctx, first.BookedBy, first.IdemKey); err != nil || len(ex) > 0 {
			return ex, err
		}
	}
	err := s.db.transaction(ctx, func(tx *gorm.DB) error {
		var seriesID int64
		if ser != nil {
			row := roomSeriesRow{RoomID: ser.RoomID, EveryWeeks: ser.EveryWeeks, Until: ser.Until.UTC()}
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
			seriesID, ser.ID, ser.CreatedAt = row.ID, row.ID, row.CreatedAt
		}
		var slots []roomSlotRow
		sums := map[weekKey]int{}
		limits := map[weekKey]int{}
		var order []weekKey
		for i, nb := range bs {
			b := nb.Booking
			row := roomBookingRow{RoomID: b.RoomID, SeriesID: seriesID, StartsAt: b.StartsAt.UTC(), EndsAt: b.EndsAt.UTC(), Purpose: b.Purpose,
				Attendance: b.Attendance, Status: b.Status, For: b.For, BookedBy: b.BookedBy, TeamID: b.TeamID, OrgID: b.OrgID,
				GuestName: b.GuestName, GuestPhoneSealed: b.GuestPhoneSealed, GuestPhoneMasked: b.GuestPhoneMasked, Reason: b.Reason,
				ForUserID: b.ForUser, BookerKey: b.BookerKey, WeekStart: nb.WeekStart.UTC(), ReleaseAt: b.ReleaseAt.UTC()}
			if i == 0 && b.IdemKey != "" {
				k := b.IdemKey
				row.IdemKey = &k
			}
			if !b.ExpiresAt.IsZero() {
				e := b.ExpiresAt.UTC()
				row.ExpiresAt = &e
			}
			if nb.LimitMinutes > 0 {
				row.CountedMinutes = b.Minutes()
			}
			if err := tx.Create(&row).Error; err != nil {
				if IsDuplicate(err) {
					return errIdemUsed
				}
				return err
			}
			b.ID, b.SeriesID, b.CreatedAt = row.ID, seriesID, row.CreatedAt
			slots = append(slots, slotRows(b.RoomID, b.ID, b.StartsAt, b.EndsAt)...)
			if nb.LimitMinutes > 0 {
				k := weekKey{b.RoomID, b.BookerKey, nb.WeekStart.UTC()}
				if _, ok := sums[k]; !ok {
					order = append(order, k)
				}
				sums[k] += b.Minutes()
				limits[k] = nb.LimitMinutes
			}
		}
		if err := occupy(tx, slots); err != nil {
			return err
		}
		for _, k := range order {
			if err := createUnlessExists(tx, &roomWeeklyRow{RoomID: k.room, BookerKey: k.key, WeekStart: k.week}).Error; err != nil {
				return err
			}
			res := tx.Model(&roomWeeklyRow{}).Where("room_id = ? AND booker_key = ? AND week_start = ? AND minutes + ? <= ?", k.room, k.key, k.week, sums[k], limits[k]).
				Update("minutes", gorm.Expr("minutes + ?", sums[k]))
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return rooms.ErrWeeklyLimit.With("week", k.week.Format(time.RFC3339)).With("limit_hours", limits[k]/60)
			}
		}
		return AddNotices(tx, notices)
	})
	if errors.Is(err, errIdemUsed) {
		return s.byIdem(ctx, first.BookedBy, first.IdemKey)
	}
	return nil, translate(err, nil)
}

// byIdem returns the bookings an idempotency key made: the booking, or
// every occurrence of its series.
func (s *RoomStore) byIdem(ctx context.Context, userID int64, key string) ([]rooms.Booking, error) {
	var row roomBookingRow
	err := s.g(ctx).Where("booked_by = ? AND idem_key = ?", userID, key).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err, nil)
	}
	if row.SeriesID == 0 {
		return s.fill(ctx, []roomBookingRow{row})
	}
	return s.Bookings(ctx, rooms.BookingFilter{SeriesID: row.SeriesID})
}

// Booking loads one booking.
func (s *RoomStore) Booking(ctx context.Context, id int64) (rooms.Booking, error) {
	return byIDFilled(ctx, s.g(ctx), id, rooms.ErrBookingNotFound, s.fill)
}

// Bookings lists bookings by filter, by start time (newest first for one
// booker's or resident's list, in time order otherwise), keyset-paged after f.After.
// Indexes: idx_rb_booker_starts (booked_by, starts_at, id),
// idx_rb_for_user_starts (for_user_id, starts_at, id),
// idx_rb_team_starts (team_id, starts_at, id), idx_rb_room (room_id,
// starts_at; InnoDB appends id).
func (s *RoomStore) Bookings(ctx context.Context, f rooms.BookingFilter) ([]rooms.Booking, error) {
	q := s.g(ctx).Model(&roomBookingRow{})
	desc := false
	if len(f.RoomIDs) > 0 {
		q = q.Where("room_id IN ?", f.RoomIDs)
	}
	if f.BookedBy != 0 {
		q = q.Where("booked_by = ?", f.BookedBy)
		desc = true
	}
	if f.ForUser != 0 {
		q = q.Where("for_user_id = ?", f.ForUser)
		desc = true
	}
	if len(f.TeamIDs) > 0 {
		q = q.Where("team_id IN ?", f.TeamIDs)
	}
	if len(f.Statuses) > 0 {
		q = q.Where("status IN ?", f.Statuses)
	}
	if !f.From.IsZero() {
		// The second bound is implied by the first (no booking is longer
		// than rooms.MaxSpan) and bounds the index range on starts_at.
		q = q.Where("ends_at > ? AND starts_at > ?", f.From.UTC(), f.From.Add(-rooms.MaxSpan).UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("starts_at < ?", f.To.UTC())
	}
	q = whereEq(q, "series_id", f.SeriesID)
	order := "starts_at, id"
	if desc {
		order = "starts_at DESC, id DESC"
	}
	if f.After != nil {
		at := time.UnixMicro(f.After.Key).UTC()
		if desc {
			q = q.Where("(starts_at < ? OR (starts_at = ? AND id < ?))", at, at, f.After.ID)
		} else {
			q = q.Where("(starts_at > ? OR (starts_at = ? AND id > ?))", at, at, f.After.ID)
		}
	}
	limit := f.Limit
	if limit <= 0 || limit > 100000 {
		limit = 5000
	}
	var rows []roomBookingRow
	if err := q.Order(order).Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	return s.fill(ctx, rows)
}

// fill translates rows and adds the room's and team's names and the booker's name.
func (s *RoomStore) fill(ctx context.Context, rows []roomBookingRow) ([]rooms.Booking, error) {
	roomIDs, teamIDs, userIDs, orgIDs := map[int64]bool{}, map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
	for _, r := range rows {
		if r.OrgID != 0 {
			orgIDs[r.OrgID] = true
		}
		roomIDs[r.RoomID] = true
		if r.TeamID != 0 {
			teamIDs[r.TeamID] = true
		}
		userIDs[r.BookedBy] = true
	}
	var rs []roomRow
	if err := s.g(ctx).Select("id, name, community_id, org_id").Where("id IN ?", keys(roomIDs)).Find(&rs).Error; err != nil {
		return nil, translate(err, nil)
	}
	byRoom := map[int64]roomRow{}
	for _, r := range rs {
		byRoom[r.ID] = r
	}
	teams, err := namesByID(s.g(ctx), keys(teamIDs), "id, name", func(t teamRow) (int64, string) { return t.ID, t.Name })
	if err != nil {
		return nil, err
	}
	names, err := s.userNames(ctx, keys(userIDs))
	if err != nil {
		return nil, err
	}
	orgs, err := orgNames(s.g(ctx), keys(orgIDs))
	if err != nil {
		return nil, err
	}
	out := make([]rooms.Booking, 0, len(rows))
	for _, r := range rows {
		b := toBooking(r)
		rm := byRoom[r.RoomID]
		b.RoomName, b.CommunityID, b.RoomOrgID = rm.Name, rm.CommunityID, rm.OrgID
		b.TeamName, b.BookerName, b.OrgName = teams[r.TeamID], names[r.BookedBy], orgs[r.OrgID]
		out = append(out, b)
	}
	return out, nil
}

// changeStatus moves one booking inside tx (see SetStatus).
func changeStatus(tx *gorm.DB, id int64, from []string, ch rooms.StatusChange) error {
	up := map[string]any{"status": ch.To, "updated_at": ch.At}
	switch ch.To {
	case rooms.StatusConfirmed, rooms.StatusRejected:
		up["decided_by"], up["decided_at"], up["decision_note"] = ch.By, ch.At, ch.Note
	case rooms.StatusCheckedIn:
		up["checked_in_by"], up["checked_in_at"] = ch.By, ch.At
	case rooms.StatusCancelled:
		up["cancelled_by"], up["cancel_reason"] = ch.By, ch.Note
	}
	var row roomBookingRow
	if err := tx.Select("id, room_id, booker_key, week_start, counted_minutes").Where("id = ?", id).Take(&row).Error; err != nil {
		return err
	}
	if ch.Refund {
		up["counted_minutes"] = 0
	}
	res := tx.Model(&roomBookingRow{}).Where("id = ? AND status IN ?", id, from).Updates(up)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return rooms.ErrStateChanged
	}
	holds := false
	for _, h := range rooms.Holding {
		holds = holds || h == ch.To
	}
	if !holds {
		if err := tx.Where("room_id = ? AND holder = ?", row.RoomID, id).Delete(&roomSlotRow{}).Error; err != nil {
			return err
		}
	}
	if ch.Refund && row.CountedMinutes > 0 {
		return tx.Model(&roomWeeklyRow{}).Where("room_id = ? AND booker_key = ? AND week_start = ?", row.RoomID, row.BookerKey, row.WeekStart).
			Update("minutes", gorm.Expr("minutes - ?", row.CountedMinutes)).Error
	}
	return nil
}

// SetStatus changes a booking's status (see rooms.Store).
func (s *RoomStore) SetStatus(ctx context.Context, id int64, from []string, ch rooms.StatusChange, notices []notify.Notice) (rooms.Booking, error) {
	err := s.db.transaction(ctx, func(tx *gorm.DB) error {
		if err := changeStatus(tx, id, from, ch); err != nil {
			return err
		}
		return AddNotices(tx, notices)
	})
	if err != nil {
		return rooms.Booking{}, translate(err, rooms.ErrBookingNotFound)
	}
	return s.Booking(ctx, id)
}

// Occupied maps the room's held granules in [from, to) to their holders.
func (s *RoomStore) Occupied(ctx context.Context, roomID int64, from, to time.Time) (map[int64]int64, error) {
	var rows []roomSlotRow
	if err := s.g(ctx).Where("room_id = ? AND slot >= ? AND slot < ?", roomID, rooms.SlotOf(from), rooms.SlotOf(to.Add(rooms.Granule-time.Second))).
		Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	out := make(map[int64]int64, len(rows))
	for _, r := range rows {
		out[r.Slot] = r.Holder
	}
	return out, nil
}

// AddClosure records a closure, cancels the bookings it overlaps and
// occupies its slots, in one transaction. A booking written between the
// look-up and the slots' insert makes the insert fail; it is then
// cancelled too and the insert tried again. What already happened stays:
// bookings that ended by the change's time (cancel.At) are not cancelled,
// and the closure occupies its granules from that time on (no booking can
// start in the past anyway).
func (s *RoomStore) AddClosure(ctx context.Context, c *rooms.Closure, cancel rooms.StatusChange, notice func(rooms.Booking) []notify.Notice) ([]rooms.Booking, error) {
	var cancelled []rooms.Booking
	err := s.db.transaction(ctx, func(tx *gorm.DB) error {
		cancelled = nil
		row := roomClosureRow{RoomID: c.RoomID, StartsAt: c.StartsAt.UTC(), EndsAt: c.EndsAt.UTC(), Reason: c.Reason, CreatedBy: c.CreatedBy}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		c.ID, c.CreatedAt = row.ID, row.CreatedAt
		// The closure takes the room from the granule after now: the
		// current one is partly past, and a booking under way keeps it.
		from := c.StartsAt
		if now := rooms.SlotTime(rooms.SlotOf(cancel.At.Add(rooms.Granule - time.Nanosecond))); now.After(from) {
			from = now
		}
		var slots []roomSlotRow
		if c.EndsAt.After(from) {
			slots = slotRows(c.RoomID, -row.ID, from, c.EndsAt)
		}
		for attempt := 0; ; attempt++ {
			var rows []roomBookingRow
			// A locking read sees bookings committed since the transaction began.
			q := s.db.forUpdate(tx)
			if err := q.Where("room_id = ? AND status IN ? AND starts_at < ? AND ends_at > ? AND ends_at > ?", c.RoomID, rooms.Holding, c.EndsAt.UTC(), c.StartsAt.UTC(), cancel.At.UTC()).
				Find(&rows).Error; err != nil {
				return err
			}
			for _, r := range rows {
				if underWay(r, from, cancel.At) {
					if !r.EndsAt.After(from) {
						continue // over before the closure takes the room
					}
					b, err := cutShort(tx, r, from, cancel.At)
					if err != nil {
						return err
					}
					if err := AddNotices(tx, notice(b)); err != nil {
						return err
					}
					continue
				}
				if err := changeStatus(tx, r.ID, rooms.Holding, cancel); err != nil {
					return err
				}
				b := toBooking(r)
				b.Status, b.CancelledBy, b.CancelReason = cancel.To, cancel.By, cancel.Note
				if err := AddNotices(tx, notice(b)); err != nil {
					return err
				}
				cancelled = append(cancelled, b)
			}
			err := occupy(tx, slots)
			if err == nil {
				return nil
			}
			if !errors.Is(err, rooms.ErrSlotTaken) || attempt >= 5 {
				return err
			}
			// Another closure holds some of the slots: they stay closed;
			// occupy the rest.
			var held []int64
			if err := tx.Model(&roomSlotRow{}).Where("room_id = ? AND slot >= ? AND slot < ? AND holder < 0", c.RoomID, slots[0].Slot, slots[len(slots)-1].Slot+1).
				Pluck("slot", &held).Error; err != nil {
				return err
			}
			skip := map[int64]bool{}
			for _, h := range held {
				skip[h] = true
			}
			rest := slots[:0:0]
			for _, sl := range slots {
				if !skip[sl.Slot] {
					rest = append(rest, sl)
				}
			}
			slots = rest
		}
	})
	return cancelled, translate(err, nil)
}

// underWay reports whether a closure taking the room from `from` (at now)
// leaves the booking's use in place: it has started, and it is checked in
// or its check-in time ends before the closure begins (a confirmed booking
// still in its check-in time, or a pending one, has not begun: cancelled).
func underWay(r roomBookingRow, from, now time.Time) bool {
	if r.StartsAt.After(now) || !r.StartsAt.Before(from) {
		return false
	}
	return r.Status == rooms.StatusCheckedIn || r.Status == rooms.StatusConfirmed && r.ReleaseAt.Before(from)
}

// cutShort ends a booking under way at `to` (where a closure begins): its
// later slots are freed and their minutes given back to the weekly count.
func cutShort(tx *gorm.DB, r roomBookingRow, to, now time.Time) (rooms.Booking, error) {
	cut := int(r.EndsAt.Sub(to) / time.Minute)
	back := min(cut, r.CountedMinutes)
	res := tx.Model(&roomBookingRow{}).Where("id = ? AND status = ? AND ends_at = ?", r.ID, r.Status, r.EndsAt).
		Updates(map[string]any{"ends_at": to, "counted_minutes": r.CountedMinutes - back, "updated_at": now})
	if res.Error != nil {
		return rooms.Booking{}, res.Error
	}
	if res.RowsAffected == 0 {
		return rooms.Booking{}, rooms.ErrStateChanged
	}
	if err := tx.Where("room_id = ? AND holder = ? AND slot >= ?", r.RoomID, r.ID, rooms.SlotOf(to)).Delete(&roomSlotRow{}).Error; err != nil {
		return rooms.Booking{}, err
	}
	if back > 0 {
		if err := tx.Model(&roomWeeklyRow{}).Where("room_id = ? AND booker_key = ? AND week_start = ?", r.RoomID, r.BookerKey, r.WeekStart).
			Update("minutes", gorm.Expr("minutes - ?", back)).Error; err != nil {
			return rooms.Booking{}, err
		}
	}
	b := toBooking(r)
	b.EndsAt, b.ShortenedFrom = to, r.EndsAt
	return b, nil
}

// DueNoShows lists confirmed bookings not checked in by their release time.
func (s *RoomStore) DueNoShows(ctx context.Context, now time.Time, limit int) ([]rooms.Booking, error) {
	var rows []roomBookingRow
	if err := s.g(ctx).Where("status = ? AND release_at <= ?", rooms.StatusConfirmed, now.UTC()).Order("release_at").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	return s.fill(ctx, rows)
}

// DuePending lists pending bookings nobody decided in time.
func (s *RoomStore) DuePending(ctx context.Context, now time.Time, limit int) ([]rooms.Booking, error) {
	var rows []roomBookingRow
	if err := s.g(ctx).Where("status = ? AND expires_at <= ?", rooms.StatusPending, now.UTC()).Order("expires_at").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	return s.fill(ctx, rows)
}
