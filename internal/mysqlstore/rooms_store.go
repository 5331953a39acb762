package mysqlstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/errs"
	"gongjian/internal/rooms"
)

// RoomStore keeps rooms, bookings, closures and teams.
type RoomStore struct{ base }

// NewRoomStore returns the rooms store.
func NewRoomStore(db *DB) *RoomStore { return &RoomStore{base{db}} }

var _ rooms.Store = (*RoomStore)(nil)

var errUnknownCommunity = errs.Invalid("UNKNOWN_COMMUNITY", "所选社区不存在")

// communityExists refuses a community id nobody created.
func (s *RoomStore) communityExists(ctx context.Context, id int64) error {
	var n int64
	if err := s.g(ctx).Model(&communityRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return translate(err, nil)
	}
	if n == 0 {
		return errUnknownCommunity
	}
	return nil
}

// CreateRoom inserts a room (of an existing community).
func (s *RoomStore) CreateRoom(ctx context.Context, r *rooms.Room) error {
	if err := s.communityExists(ctx, r.CommunityID); err != nil {
		return err
	}
	row := fromRoom(*r)
	row.ID = 0
	// In the helper's transaction: the staff change and its audit entry together.
	if err := s.db.transaction(ctx, func(tx *gorm.DB) error { row.ID = 0; return tx.Create(&row).Error }); err != nil {
		return translate(err, nil)
	}
	r.ID, r.CreatedAt = row.ID, row.CreatedAt
	return nil
}

// UpdateRoom writes a room's fields.
func (s *RoomStore) UpdateRoom(ctx context.Context, r rooms.Room) error {
	row := fromRoom(r)
	return translate(s.db.transaction(ctx, func(tx *gorm.DB) error {
		return tx.Model(&roomRow{}).Where("id = ?", r.ID).Select("*").Omit("id", "created_at", "created_by").Updates(&row).Error
	}), nil)
}

// Room loads one room.
func (s *RoomStore) Room(ctx context.Context, id int64) (rooms.Room, error) {
	return byID(s.g(ctx), id, rooms.ErrRoomNotFound, toRoom)
}

// Rooms lists rooms by filter, by community and name.
func (s *RoomStore) Rooms(ctx context.Context, f rooms.RoomFilter) ([]rooms.Room, error) {
	q := s.g(ctx).Model(&roomRow{})
	q = whereEq(q, "community_id", f.CommunityID)
	q = whereEq(q, "org_id", f.OrgID)
	q = whereEq(q, "kind", f.Kind)
	if f.MinCapacity > 0 {
		q = q.Where("capacity >= ?", f.MinCapacity)
	}
	if len(f.IDs) > 0 {
		q = q.Where("id IN ?", f.IDs)
	}
	if !f.WithClosed {
		q = q.Where("active = ?", true)
	}
	return findAs(q.Order("community_id, id").Limit(1000), toRoom)
}

// UnitCommunities lists the communities of an organisation.
func (s *RoomStore) UnitCommunities(ctx context.Context, orgID int64) ([]int64, error) {
	var n int64
	if err := s.g(ctx).Model(&organizationRow{}).Where("id = ?", orgID).Count(&n).Error; err != nil {
		return nil, translate(err, nil)
	}
	if n == 0 {
		return nil, rooms.ErrUnitNotFound
	}
	var out []int64
	err := s.g(ctx).Model(&orgCommunityRow{}).Where("org_id = ?", orgID).Pluck("community_id", &out).Error
	return out, translate(err, nil)
}

// ---- closures ----

// Closures lists a room's closures overlapping [from, to).
func (s *RoomStore) Closures(ctx context.Context, roomID int64, from, to time.Time) ([]rooms.Closure, error) {
	var rows []roomClosureRow
	if err := s.g(ctx).Where("room_id = ? AND starts_at < ? AND ends_at > ?", roomID, to.UTC(), from.UTC()).Order("starts_at").Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	out := make([]rooms.Closure, 0, len(rows))
	for _, r := range rows {
		out = append(out, rooms.Closure{ID: r.ID, RoomID: r.RoomID, StartsAt: r.StartsAt.UTC(), EndsAt: r.EndsAt.UTC(), Reason: r.Reason, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt})
	}
	return out, nil
}

// DeleteClosure removes a closure and frees its slots. Granules it held
// that another closure of the room also covers (that closure skipped them
// when it was added) pass to that closure: they stay closed.
func (s *RoomStore) DeleteClosure(ctx context.Context, roomID, id int64) error {
	return translate(s.db.transaction(ctx, func(tx *gorm.DB) error {
		var c roomClosureRow
		if err := tx.Where("id = ? AND room_id = ?", id, roomID).Take(&c).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return rooms.ErrClosureNotFound
			}
			return err
		}
		if err := tx.Delete(&roomClosureRow{}, c.ID).Error; err != nil {
			return err
		}
		var held []int64
		if err := tx.Model(&roomSlotRow{}).Where("room_id = ? AND holder = ?", roomID, -id).Pluck("slot", &held).Error; err != nil {
			return err
		}
		if err := tx.Where("room_id = ? AND holder = ?", roomID, -id).Delete(&roomSlotRow{}).Error; err != nil {
			return err
		}
		var others []roomClosureRow
		if err := tx.Where("room_id = ? AND starts_at < ? AND ends_at > ?", roomID, c.EndsAt.UTC(), c.StartsAt.UTC()).Order("id").Find(&others).Error; err != nil {
			return err
		}
		var keep []roomSlotRow
		for _, g := range held {
			for _, o := range others {
				if rooms.SlotOf(o.StartsAt) <= g && g < rooms.SlotOf(o.EndsAt) {
					keep = append(keep, roomSlotRow{RoomID: roomID, Slot: g, Holder: -o.ID})
					break
				}
			}
		}
		return occupy(tx, keep)
	}), nil)
}
