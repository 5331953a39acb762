package rooms

import (
	"context"
	"slices"
	"time"

	"gongjian/internal/defaults"
	"gongjian/internal/errs"
	"gongjian/internal/imageurl"
	"gongjian/internal/page"
	"gongjian/internal/patch"
	"gongjian/internal/pii"
	"gongjian/internal/resident"
)

// Config are the booking settings that are not a room's own rules.
type Config struct {
	// PendingTTL: a booking waiting for approval is released when nobody
	// decided within this time (or by its start, whichever is first).
	PendingTTL time.Duration
	// OpenBefore: a booking's ticket is accepted from this long before its start.
	OpenBefore time.Duration
	// MaxSeries is the most occurrences one recurring booking may have.
	MaxSeries int
}

// Defaults.
const (
	DefaultPendingTTL = 72 * time.Hour
	DefaultOpenBefore = 30 * time.Minute
	DefaultMaxSeries  = 60
)

// Service holds the rules of rooms, bookings and teams.
type Service struct {
	store   Store
	tickets Tickets
	box     *pii.Box
	cfg     Config
	now     func() time.Time
	images  imageurl.Checker // nil: no photo address is accepted
	// residences says where residents' residence is confirmed: rooms open
	// to "residents of the community" and team joins look at it. Nil (tests
	// of other things): the profile's community.
	residences Residences
	// people finds the resident desk staff book for by account id.
	people People
}

// Residences tells the community a resident's residence is confirmed in
// (0 = none; internal/residence).
type Residences interface {
	ConfirmedCommunity(ctx context.Context, userID int64) (int64, error)
}

// UseResidences makes "residents of the community" mean residents whose
// residence the community confirmed (wiring).
func (s *Service) UseResidences(r Residences) { s.residences = r }

// homeOf is the community u is a resident of: the confirmed residence
// (the profile's community only without residences wired).
func (s *Service) homeOf(ctx context.Context, u resident.User) (int64, error) {
	if s.residences == nil {
		return u.CommunityID, nil
	}
	return s.residences.ConfirmedCommunity(ctx, u.ID)
}

// residentOf checks that u is a confirmed resident of the community:
// refused with elsewhere when their residence is confirmed in another
// community, with unconfirmed (the same code, telling them to apply)
// when it is not confirmed at all.
func (s *Service) residentOf(ctx context.Context, u resident.User, communityID int64, elsewhere, unconfirmed *errs.Error) error {
	home, err := s.homeOf(ctx, u)
	switch {
	case err != nil:
		return err
	case home == 0:
		return unconfirmed
	case home != communityID:
		return elsewhere
	}
	return nil
}

// UseImages sets the rule for rooms' photo addresses (imageurl.Policy: an
// https URL on a configured host or one of the editor's own uploads).
func (s *Service) UseImages(images imageurl.Checker) { s.images = images }

var errPhotoURL = errs.Invalid("INVALID_PHOTO_URL", "场地照片地址无效，请上传图片，或使用允许的图片网站的安全链接")

// checkPhotos checks the photo addresses an editor gives: those of photos
// not among before (kept from an earlier edit) must pass the image rule.
func (s *Service) checkPhotos(ctx context.Context, editorID int64, photos, before []string) error {
	kept := map[string]bool{}
	for _, p := range before {
		kept[p] = true
	}
	for _, p := range photos {
		if kept[p] {
			continue
		}
		if err := imageurl.Require(ctx, s.images, editorID, p, errPhotoURL); err != nil {
			return err
		}
	}
	return nil
}

// NewService builds the service; now may be nil (time.Now).
func NewService(store Store, tickets Tickets, box *pii.Box, cfg Config, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	defaults.Fill(&cfg, Config{
		PendingTTL: DefaultPendingTTL, OpenBefore: DefaultOpenBefore, MaxSeries: DefaultMaxSeries,
	})
	return &Service{store: store, tickets: tickets, box: box, cfg: cfg, now: now}
}

// Owns reports whether u manages the room and decides its bookings: the
// owning unit's staff and contacts for a unit's room, the community's staff
// for a community room, and administrators. Community staff do not decide
// a unit's bookings (they may book its rooms on a resident's behalf).
func Owns(u resident.User, r Room) bool {
	if u.IsAdmin() {
		return true
	}
	if r.OrgID != 0 {
		return u.IsStaffOfOrg(r.OrgID) || u.IsContactOf(r.OrgID)
	}
	return u.IsStaffOf(r.CommunityID)
}

// IsDesk reports whether u may book the room on a resident's behalf: the
// community's staff and the room's owners.
func IsDesk(u resident.User, r Room) bool { return u.IsStaffOf(r.CommunityID) || Owns(u, r) }

// CreateRoom adds a room: community staff for their community, a unit's
// staff or contact for the unit (in one of its communities), admins.
func (s *Service) CreateRoom(ctx context.Context, u resident.User, r Room) (Room, error) {
	if err := s.checkOwner(ctx, u, &r); err != nil {
		return Room{}, err
	}
	if err := normalizeRoom(&r); err != nil {
		return Room{}, err
	}
	if err := s.checkPhotos(ctx, u.ID, r.Photos, nil); err != nil {
		return Room{}, err
	}
	r.Active, r.CreatedBy = true, u.ID
	if err := s.store.CreateRoom(ctx, &r); err != nil {
		return Room{}, err
	}
	return r, nil
}

// checkOwner checks the room's owners: its community, and its unit (one
// that co-builds with the community). A unit's room given without its
// community is in the unit's community when the unit co-builds with one
// only.
func (s *Service) checkOwner(ctx context.Context, u resident.User, r *Room) error {
	if r.OrgID != 0 {
		cs, err := s.store.UnitCommunities(ctx, r.OrgID)
		if err != nil {
			return err
		}
		if r.CommunityID <= 0 && len(cs) == 1 {
			r.CommunityID = cs[0]
		}
		if r.CommunityID > 0 && !slices.Contains(cs, r.CommunityID) {
			return errs.Invalid("UNIT_NOT_IN_COMMUNITY", "该共建单位不在所选社区")
		}
	}
	if r.CommunityID <= 0 {
		return errs.Invalid("INVALID_COMMUNITY", "请选择场地所在社区")
	}
	if !Owns(u, *r) {
		return errForbidden
	}
	return nil
}

// RoomPatch changes a room; nil fields stay, and so do the rules not
// given in Rules.
type RoomPatch struct {
	Name, Kind, Place, Description *string
	Capacity                       *int
	Facilities, Photos             *[]string
	Hours                          *[]DayHours
	Rules                          *RulesPatch
	Active                         *bool
}

// RulesPatch changes a room's rules; nil fields stay.
type RulesPatch struct {
	SlotMinutes, MinMinutes, MaxMinutes, AheadDays, WeeklyHours, GraceMinutes *int
	Audience                                                                  *[]string
	NeedsApproval                                                             *bool
}

// UpdateRoom changes a room (its owners). Bookings already made stay.
func (s *Service) UpdateRoom(ctx context.Context, u resident.User, id int64, p RoomPatch) (Room, error) {
	r, err := s.store.Room(ctx, id)
	if err != nil {
		return Room{}, err
	}
	if !Owns(u, r) {
		return Room{}, errForbidden
	}
	before := r.Photos
	ApplyPatch(&r, p)
	if err := normalizeRoom(&r); err != nil {
		return Room{}, err
	}
	if err := s.checkPhotos(ctx, u.ID, r.Photos, before); err != nil {
		return Room{}, err
	}
	return r, s.store.UpdateRoom(ctx, r)
}

// Room returns one room.
func (s *Service) Room(ctx context.Context, id int64) (Room, error) {
	r, err := s.store.Room(ctx, id)
	if err != nil {
		return Room{}, err
	}
	return r, nil
}

// Rooms lists the rooms matching f whoever may book them (seeding and
// other internal uses; f.WithClosed: inactive ones too). What a caller is
// shown is Directory.
func (s *Service) Rooms(ctx context.Context, f RoomFilter) ([]Room, error) {
	return s.store.Rooms(ctx, f)
}

// Directory lists the active rooms matching f that viewer (nil: a visitor
// without a token) may book, by the rule of the free-room search:
// residents their community's rooms open to residents, team leaders and
// units the rooms open to them in their communities (units their own rooms
// too), staff the rooms of their scope, visitors the rooms open to
// residents. Staff-only rooms are not shown to anyone else.
func (s *Service) Directory(ctx context.Context, viewer *resident.User, f RoomFilter) ([]Room, error) {
	rs, _, err := s.bookableRooms(ctx, viewer, f)
	return rs, err
}

// room loads a room for an action of its owners.
func (s *Service) owned(ctx context.Context, u resident.User, id int64) (Room, error) {
	r, err := s.store.Room(ctx, id)
	if err != nil {
		return Room{}, err
	}
	if !Owns(u, r) {
		return Room{}, errForbidden
	}
	return r, nil
}

// Managed lists the rooms u runs the desk of (owners and community
// staff), inactive ones included.
func (s *Service) Managed(ctx context.Context, u resident.User, communityID int64) ([]Room, error) {
	rs, err := s.store.Rooms(ctx, RoomFilter{CommunityID: communityID, WithClosed: true})
	if err != nil {
		return nil, err
	}
	out := []Room{}
	for _, r := range rs {
		if IsDesk(u, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// Desk lists a page of the bookings of the rooms u runs the desk of, from
// the start of today on (statuses empty: those holding slots), in time
// order, with the rooms and the cursor of the next page ("" on the last);
// pending ones are the approval list of the rooms u owns.
func (s *Service) Desk(ctx context.Context, u resident.User, communityID int64, statuses []string, req page.Request) ([]Booking, []Room, string, error) {
	rs, err := s.Managed(ctx, u, communityID)
	if err != nil || len(rs) == 0 {
		return []Booking{}, rs, "", err
	}
	ids := make([]int64, 0, len(rs))
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	if len(statuses) == 0 {
		statuses = Holding
	}
	bs, next, err := s.bookingPage(ctx, BookingFilter{RoomIDs: ids, Statuses: statuses, From: dayStart(s.now())}, req)
	return bs, rs, next, err
}

// ApplyPatch sets p's fields on r.
func ApplyPatch(r *Room, p RoomPatch) {
	patch.Apply(r, p)
}
