package mysqlstore

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/rooms"
)

// Rows of rooms, bookings, closures and cultural teams (issue 16).

type roomRow struct {
	ID            int64  `gorm:"primaryKey;autoIncrement"`
	CommunityID   int64  `gorm:"not null;index:idx_rooms_owner,priority:1"`
	OrgID         int64  `gorm:"not null;default:0;index:idx_rooms_owner,priority:2"`
	Name          string `gorm:"size:60;not null"`
	Kind          string `gorm:"size:24;not null;index"`
	Place         string `gorm:"size:200;not null;default:''"`
	Capacity      int    `gorm:"not null"`
	Facilities    string `gorm:"type:text"`
	Photos        string `gorm:"type:text"`
	Description   string `gorm:"size:1000;not null;default:''"`
	Hours         string `gorm:"type:text"`
	SlotMinutes   int    `gorm:"not null"`
	MinMinutes    int    `gorm:"not null"`
	MaxMinutes    int    `gorm:"not null"`
	AheadDays     int    `gorm:"not null"`
	WeeklyHours   int    `gorm:"not null;default:0"`
	Audience      string `gorm:"size:100;not null"`
	NeedsApproval bool   `gorm:"not null;default:false"`
	GraceMinutes  int    `gorm:"not null"`
	Active        bool   `gorm:"not null;default:true"`
	CreatedBy     int64  `gorm:"not null;default:0"`
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (roomRow) TableName() string { return "rooms" }

// roomSlotRow is one occupied quarter hour of a room: the key (room, slot)
// is what makes two overlapping bookings impossible. Holder > 0 is a
// booking, < 0 a closure.
type roomSlotRow struct {
	RoomID int64 `gorm:"primaryKey;autoIncrement:false"`
	Slot   int64 `gorm:"primaryKey;autoIncrement:false"`
	Holder int64 `gorm:"not null;index"`
}

func (roomSlotRow) TableName() string { return "room_slots" }

type roomBookingRow struct {
	ID               int64     `gorm:"primaryKey;autoIncrement"`
	RoomID           int64     `gorm:"not null;index:idx_rb_room,priority:1"`
	SeriesID         int64     `gorm:"not null;default:0;index"`
	StartsAt         time.Time `gorm:"not null;index:idx_rb_room,priority:2"`
	EndsAt           time.Time `gorm:"not null"`
	Purpose          string    `gorm:"size:100;not null"`
	Attendance       int       `gorm:"not null"`
	Status           string    `gorm:"size:16;not null;index:idx_rb_status,priority:1"`
	For              string    `gorm:"column:booked_for;size:12;not null"`
	BookedBy         int64     `gorm:"not null;index:idx_rb_booker,priority:1;uniqueIndex:uq_rb_idem,priority:1"`
	TeamID           int64     `gorm:"not null;default:0;index"`
	OrgID            int64     `gorm:"not null;default:0"`
	GuestName        string    `gorm:"size:30;not null;default:''"`
	GuestPhoneSealed string    `gorm:"size:255;not null;default:''"`
	GuestPhoneMasked string    `gorm:"size:20;not null;default:''"`
	Reason           string    `gorm:"size:200;not null;default:''"`
	ForUserID        int64     `gorm:"not null;default:0"` // the registered resident a desk booking is for (1340)
	BookerKey        string    `gorm:"size:80;not null"`
	IdemKey          *string   `gorm:"size:64;uniqueIndex:uq_rb_idem,priority:2"`
	WeekStart        time.Time `gorm:"not null"`
	CountedMinutes   int       `gorm:"not null;default:0"` // minutes counted against the weekly limit
	ExpiresAt        *time.Time
	ReleaseAt        time.Time `gorm:"not null;index:idx_rb_status,priority:2"`
	DecidedBy        int64     `gorm:"not null;default:0"`
	DecidedAt        *time.Time
	DecisionNote     string `gorm:"size:200;not null;default:''"`
	CheckedInAt      *time.Time
	CheckedInBy      int64     `gorm:"not null;default:0"`
	CancelledBy      int64     `gorm:"not null;default:0"`
	CancelReason     string    `gorm:"size:200;not null;default:''"`
	CreatedAt        time.Time `gorm:"index:idx_rb_booker,priority:2"`
	UpdatedAt        time.Time
}

func (roomBookingRow) TableName() string { return "room_bookings" }

// roomWeeklyRow counts one booker's minutes in one room in one week; the
// weekly limit is a conditional update of it.
type roomWeeklyRow struct {
	RoomID    int64     `gorm:"primaryKey;autoIncrement:false"`
	BookerKey string    `gorm:"primaryKey;size:80"`
	WeekStart time.Time `gorm:"primaryKey"`
	Minutes   int       `gorm:"not null;default:0"`
}

func (roomWeeklyRow) TableName() string { return "room_weekly_minutes" }

type roomSeriesRow struct {
	ID         int64 `gorm:"primaryKey;autoIncrement"`
	RoomID     int64 `gorm:"not null;index"`
	EveryWeeks int   `gorm:"not null"`
	Until      time.Time
	CreatedAt  time.Time
}

func (roomSeriesRow) TableName() string { return "room_series" }

type roomClosureRow struct {
	ID        int64     `gorm:"primaryKey;autoIncrement"`
	RoomID    int64     `gorm:"not null;index:idx_rc_room,priority:1"`
	StartsAt  time.Time `gorm:"not null;index:idx_rc_room,priority:2"`
	EndsAt    time.Time `gorm:"not null"`
	Reason    string    `gorm:"size:200;not null"`
	CreatedBy int64     `gorm:"not null;default:0"`
	CreatedAt time.Time
}

func (roomClosureRow) TableName() string { return "room_closures" }

type teamRow struct {
	ID          int64  `gorm:"primaryKey;autoIncrement"`
	CommunityID int64  `gorm:"not null;index"`
	OrgID       int64  `gorm:"not null;default:0"`
	Name        string `gorm:"size:60;not null;uniqueIndex:uq_teams_name"`
	Kind        string `gorm:"size:24;not null"`
	Description string `gorm:"size:1000;not null;default:''"`
	LeaderID    int64  `gorm:"not null;index"`
	Active      bool   `gorm:"not null;default:true"`
	CreatedBy   int64  `gorm:"not null;default:0"`
	CreatedAt   time.Time
}

func (teamRow) TableName() string { return "teams" }

type teamMemberRow struct {
	TeamID    int64  `gorm:"primaryKey;autoIncrement:false"`
	UserID    int64  `gorm:"primaryKey;autoIncrement:false;index"`
	Status    string `gorm:"size:12;not null"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (teamMemberRow) TableName() string { return "team_members" }

var roomsMigrations = []Migration{
	{ID: "1000_rooms", Up: createTables(&roomRow{}, &roomSlotRow{}, &roomBookingRow{}, &roomWeeklyRow{}, &roomSeriesRow{}, &roomClosureRow{})},
	{ID: "1001_teams", Up: createTables(&teamRow{}, &teamMemberRow{})},
	// A resident's and a team's bookings page by start time (issue 14):
	// each page reads its own rows of the index, however long the history.
	{ID: "1280_room_bookings_page_indexes", Up: createIndexes(
		index{"room_bookings", "idx_rb_booker_starts", "booked_by, starts_at, id"},
		index{"room_bookings", "idx_rb_team_starts", "team_id, starts_at, id"},
	)},
	// Desk bookings for a registered resident are the resident's too: they
	// list them among their own (for_user_id, filled from the booker key
	// those bookings already count against, "user:<id>").
	{ID: "1340_room_bookings_for_user", Up: func(tx *gorm.DB) error {
		if m := tx.Migrator(); !m.HasColumn(&roomBookingRow{}, "ForUserID") {
			if err := m.AddColumn(&roomBookingRow{}, "ForUserID"); err != nil {
				return err
			}
		}
		if err := backfillForUser(tx.Session(&gorm.Session{NewDB: true})); err != nil {
			return err
		}
		return createIndexes(index{"room_bookings", "idx_rb_for_user_starts", "for_user_id, starts_at, id"})(tx)
	}},
}

// backfillForUser sets for_user_id of the desk bookings made for a
// registered resident before 1340 (idempotent).
func backfillForUser(tx *gorm.DB) error {
	var rows []roomBookingRow
	err := tx.Select("id, booker_key").Where("booked_for = ? AND for_user_id = 0 AND booker_key LIKE ?", rooms.ForDesk, "user:%").Find(&rows).Error
	if err != nil {
		return err
	}
	for _, r := range rows {
		id, err := strconv.ParseInt(strings.TrimPrefix(r.BookerKey, "user:"), 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		if err := tx.Session(&gorm.Session{NewDB: true}).Model(&roomBookingRow{}).Where("id = ?", r.ID).Update("for_user_id", id).Error; err != nil {
			return err
		}
	}
	return nil
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func toRoom(r roomRow) rooms.Room {
	out := rooms.Room{ID: r.ID, CommunityID: r.CommunityID, OrgID: r.OrgID, Name: r.Name, Kind: r.Kind, Place: r.Place,
		Capacity: r.Capacity, Description: r.Description, Active: r.Active, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt,
		Rules: rooms.Rules{SlotMinutes: r.SlotMinutes, MinMinutes: r.MinMinutes, MaxMinutes: r.MaxMinutes, AheadDays: r.AheadDays,
			WeeklyHours: r.WeeklyHours, NeedsApproval: r.NeedsApproval, GraceMinutes: r.GraceMinutes}}
	_ = json.Unmarshal([]byte(r.Facilities), &out.Facilities)
	_ = json.Unmarshal([]byte(r.Photos), &out.Photos)
	_ = json.Unmarshal([]byte(r.Hours), &out.Hours)
	_ = json.Unmarshal([]byte(r.Audience), &out.Rules.Audience)
	return out
}

func fromRoom(r rooms.Room) roomRow {
	x := r.Rules
	return roomRow{ID: r.ID, CommunityID: r.CommunityID, OrgID: r.OrgID, Name: r.Name, Kind: r.Kind, Place: r.Place, Capacity: r.Capacity,
		Facilities: jsonText(r.Facilities), Photos: jsonText(r.Photos), Description: r.Description, Hours: jsonText(r.Hours),
		SlotMinutes: x.SlotMinutes, MinMinutes: x.MinMinutes, MaxMinutes: x.MaxMinutes, AheadDays: x.AheadDays, WeeklyHours: x.WeeklyHours,
		Audience: jsonText(x.Audience), NeedsApproval: x.NeedsApproval, GraceMinutes: x.GraceMinutes, Active: r.Active, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt}
}

func toBooking(r roomBookingRow) rooms.Booking {
	b := rooms.Booking{ID: r.ID, RoomID: r.RoomID, SeriesID: r.SeriesID, StartsAt: r.StartsAt.UTC(), EndsAt: r.EndsAt.UTC(), Purpose: r.Purpose,
		Attendance: r.Attendance, Status: r.Status, For: r.For, BookedBy: r.BookedBy, TeamID: r.TeamID, OrgID: r.OrgID,
		GuestName: r.GuestName, GuestPhoneSealed: r.GuestPhoneSealed, GuestPhoneMasked: r.GuestPhoneMasked, Reason: r.Reason,
		ForUser: r.ForUserID, BookerKey: r.BookerKey, ReleaseAt: r.ReleaseAt.UTC(), DecidedBy: r.DecidedBy, DecidedAt: r.DecidedAt, DecisionNote: r.DecisionNote,
		CheckedInAt: r.CheckedInAt, CheckedInBy: r.CheckedInBy, CancelledBy: r.CancelledBy, CancelReason: r.CancelReason, CreatedAt: r.CreatedAt}
	if r.IdemKey != nil {
		b.IdemKey = *r.IdemKey
	}
	if r.ExpiresAt != nil {
		b.ExpiresAt = r.ExpiresAt.UTC()
	}
	return b
}
