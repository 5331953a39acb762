package wristband

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"gongjian/internal/errs"
	"gongjian/internal/page"
	"gongjian/internal/resident"
)

// BandView is what a guardian (or staff) sees of one worn wristband.
type BandView struct {
	Binding    Binding
	Device     Device
	Owner      bool // the viewer is the primary guardian
	Latest     map[Kind]Reading
	OpenAlarms int
}

// MyBands lists the wristbands the user guards, with the latest location and
// readings. Each location shown is written to the access log.
func (s *Service) MyBands(ctx context.Context, a Actor) ([]BandView, error) {
	a.Staff = false
	bs, err := s.store.GuardedBindings(ctx, a.User.ID)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(bs))
	for _, b := range bs {
		ids = append(ids, b.ID)
	}
	counts, err := s.store.OpenAlarmCounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]BandView, 0, len(bs))
	var viewed []Binding
	for _, b := range bs {
		v, err := s.band(ctx, b)
		if err != nil {
			return nil, err
		}
		v.Owner, v.OpenAlarms = b.OwnerUserID == a.User.ID, counts[b.ID]
		if _, ok := v.Latest[KindLocation]; ok {
			viewed = append(viewed, b)
		}
		out = append(out, v)
	}
	if err := s.logView(ctx, a, ViewLatestLocation, viewed...); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) band(ctx context.Context, b Binding) (BandView, error) {
	dev, err := s.store.DeviceByID(ctx, b.DeviceID)
	if err != nil {
		return BandView{}, err
	}
	latest, err := s.store.LatestReadings(ctx, b.ID)
	if err != nil {
		return BandView{}, err
	}
	return BandView{Binding: b, Device: dev, Latest: latest}, nil
}

// Readings lists a wristband's readings of the current binding, newest first.
// Locations in the answer are written to the access log.
func (s *Service) Readings(ctx context.Context, a Actor, deviceID int64, f ReadingFilter) ([]Reading, error) {
	b, _, err := s.access(ctx, a, deviceID)
	if err != nil {
		return nil, err
	}
	for _, k := range f.Kinds {
		if !ValidKind(k) {
			return nil, errs.Invalid("BAD_QUERY", "数据类型无效，请重新选择")
		}
	}
	if len(f.Kinds) == 0 {
		f.Kinds = Kinds
	}
	// One more than the page: whether another follows (the caller trims
	// it); only the page's readings count as viewed.
	size := page.Within(f.Limit, 50)
	f.Limit = size + 1
	rs, err := s.store.Readings(ctx, b.ID, f)
	if err != nil {
		return nil, err
	}
	for _, r := range rs[:min(len(rs), size)] {
		if r.Kind == KindLocation {
			if err := s.logView(ctx, a, ViewLocationHistory, b); err != nil {
				return nil, err
			}
			break
		}
	}
	return rs, nil
}

// Thresholds returns the wearer's alarm limits and whether they are their own.
func (s *Service) Thresholds(ctx context.Context, a Actor, deviceID int64) (Thresholds, bool, error) {
	b, _, err := s.access(ctx, a, deviceID)
	if err != nil {
		return Thresholds{}, false, err
	}
	return s.thresholdsOf(ctx, b)
}

func (s *Service) thresholdsOf(ctx context.Context, b Binding) (Thresholds, bool, error) {
	t, ok, err := s.store.Thresholds(ctx, b.WearerKey())
	if err != nil || !ok {
		return DefaultThresholds, false, err
	}
	return t, true, nil
}

// ThresholdsPatch changes some limits; nil fields keep their value.
type ThresholdsPatch struct {
	SystolicHigh, SystolicLow, DiastolicHigh *int
	GlucoseHigh, GlucoseLow                  *float64 // mmol/L
	HeartRateHigh, HeartRateLow              *int
	Reset                                    bool // back to the defaults
}

// SetThresholds changes the wearer's limits (primary guardian or staff).
func (s *Service) SetThresholds(ctx context.Context, a Actor, deviceID int64, p ThresholdsPatch) (Thresholds, error) {
	b, err := s.ownerAccess(ctx, a, deviceID)
	if err != nil {
		return Thresholds{}, err
	}
	t, _, err := s.thresholdsOf(ctx, b)
	if err != nil {
		return Thresholds{}, err
	}
	if p.Reset {
		t = DefaultThresholds
	}
	set := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	set(&t.SystolicHigh, p.SystolicHigh)
	set(&t.SystolicLow, p.SystolicLow)
	set(&t.DiastolicHigh, p.DiastolicHigh)
	set(&t.HeartRateHigh, p.HeartRateHigh)
	set(&t.HeartRateLow, p.HeartRateLow)
	if p.GlucoseHigh != nil {
		t.GlucoseHigh = toTenths(*p.GlucoseHigh)
	}
	if p.GlucoseLow != nil {
		t.GlucoseLow = toTenths(*p.GlucoseLow)
	}
	if err := t.Validate(); err != nil {
		return Thresholds{}, err
	}
	if err := s.store.SaveThresholds(ctx, b.WearerKey(), t, a.User.ID); err != nil {
		return Thresholds{}, err
	}
	return t, nil
}

func toTenths(v float64) int { return int(math.Round(v * 10)) }

// Alarms lists the alarms of a wristband's current binding, newest first.
// Guardians get them without the location (they see it in their list of
// wristbands); staff get the location, and that view is logged.
func (s *Service) Alarms(ctx context.Context, a Actor, deviceID int64, statuses []AlarmStatus, beforeID int64, limit int) ([]Alarm, error) {
	b, _, err := s.access(ctx, a, deviceID)
	if err != nil {
		return nil, err
	}
	size := page.Within(limit, 50)
	as, err := s.store.Alarms(ctx, AlarmFilter{BindingID: b.ID, Statuses: statuses, BeforeID: beforeID, Limit: size + 1})
	if err != nil {
		return nil, err
	}
	return s.shapePage(ctx, a, as, size)
}

// StaffAlarms lists the alarms of the communities the staff member serves.
func (s *Service) StaffAlarms(ctx context.Context, u resident.User, communityID int64, statuses []AlarmStatus, beforeID int64, limit int) ([]Alarm, error) {
	sc, ok := ScopeOf(u)
	if !ok {
		return nil, ErrNotStaff
	}
	if communityID != 0 {
		// Narrowing to one community: only within the scope.
		if !sc.All && !slices.Contains(sc.Communities, communityID) {
			return nil, errCommunityOutOfScope
		}
		sc = Scope{Communities: []int64{communityID}}
	}
	size := page.Within(limit, 50)
	as, err := s.store.Alarms(ctx, AlarmFilter{Scope: &sc, Statuses: statuses, BeforeID: beforeID, Limit: size + 1})
	if err != nil {
		return nil, err
	}
	return s.shapePage(ctx, StaffActor(u), as, size)
}

// shapePage shapes a page of size alarms read with one more (whether
// another page follows; the caller trims it): only the page's alarm
// locations count as viewed, and the extra one never carries its location.
func (s *Service) shapePage(ctx context.Context, a Actor, as []Alarm, size int) ([]Alarm, error) {
	if _, err := s.shape(ctx, a, as[:min(len(as), size)]); err != nil {
		return nil, err
	}
	for i := size; i < len(as); i++ {
		as[i].Lat, as[i].Lng = nil, nil
	}
	return as, nil
}

// shape strips alarm locations for guardians and logs staff's views of them.
func (s *Service) shape(ctx context.Context, a Actor, as []Alarm) ([]Alarm, error) {
	seen := map[int64]bool{}
	var viewed []Binding
	for i := range as {
		if !a.Staff {
			as[i].Lat, as[i].Lng = nil, nil
			continue
		}
		if as[i].Lat != nil && !seen[as[i].BindingID] {
			seen[as[i].BindingID] = true
			viewed = append(viewed, Binding{ID: as[i].BindingID, DeviceID: as[i].DeviceID})
		}
	}
	if err := s.logView(ctx, a, ViewAlarmLocation, viewed...); err != nil {
		return nil, err
	}
	return as, nil
}

// HandleAlarm acknowledges (ack) or resolves an alarm with a note. Guardians
// handle alarms of the wristband they guard (deviceID); staff those of their
// communities (deviceID 0). A note is required to resolve.
func (s *Service) HandleAlarm(ctx context.Context, a Actor, deviceID, alarmID int64, ack bool, note string) (Alarm, error) {
	al, err := s.store.Alarm(ctx, alarmID)
	if err != nil {
		return Alarm{}, errs.NotFoundAs(err, errAlarmNotFound)
	}
	if a.Staff {
		if !IsStaff(a.User) || !a.User.IsStaffOf(al.CommunityID) {
			return Alarm{}, errAlarmNotFound
		}
	} else {
		b, _, err := s.access(ctx, a, deviceID)
		if err != nil {
			return Alarm{}, err
		}
		if al.BindingID != b.ID {
			return Alarm{}, errAlarmNotFound
		}
	}
	if note, err = text(note, !ack, errNoteRequired); err != nil {
		return Alarm{}, err
	}
	now := s.now().UTC()
	from, to := []AlarmStatus{StatusOpen, StatusAcked}, StatusResolved
	if ack {
		from, to = []AlarmStatus{StatusOpen}, StatusAcked
	}
	ok, err := s.store.TransitionAlarm(ctx, alarmID, from, to, now, a.User.ID, note)
	if err != nil {
		return Alarm{}, err
	}
	cur, err := s.store.Alarm(ctx, alarmID)
	if err != nil {
		return Alarm{}, err
	}
	if !ok {
		if cur.Status == StatusResolved {
			return Alarm{}, errAlarmResolved
		}
		return Alarm{}, errAlarmAcked
	}
	if !a.Staff {
		cur.Lat, cur.Lng = nil, nil
	} else if cur.Lat != nil {
		// Staff see the alarm's location in the answer: log that view.
		if err := s.logView(ctx, a, ViewAlarmLocation, Binding{ID: cur.BindingID, DeviceID: cur.DeviceID}); err != nil {
			return Alarm{}, err
		}
	}
	return cur, nil
}

// DeviceDetail is a device with its current and past bindings (staff).
type DeviceDetail struct {
	Device  Device
	Current *BandView
	History []Binding // newest first, the current one included
}

// redact hides a binding outside the staff member's communities.
func redact(b Binding) Binding {
	return Binding{ID: b.ID, DeviceID: b.DeviceID, WearerName: "其他社区居民", StartedAt: b.StartedAt, EndedAt: b.EndedAt, EndReason: b.EndReason}
}

// staffDevice loads a device for staff: ErrNotStaff for anyone else,
// ErrNotFound when there is no such device.
func (s *Service) staffDevice(ctx context.Context, u resident.User, deviceID int64) (Device, error) {
	if !IsStaff(u) {
		return Device{}, ErrNotStaff
	}
	if imei, ok := imeiAsID(deviceID); ok {
		// The device named by its IMEI in place of its id (staff read it
		// off the wristband or its box).
		dev, err := s.store.DeviceByIMEI(ctx, imei)
		return dev, notFound(err)
	}
	dev, err := s.store.DeviceByID(ctx, deviceID)
	return dev, notFound(err)
}

// imeiAsID reads a device "id" of 14 or 15 digits as the IMEI it is (with
// its leading zero restored): no device id grows that large.
func imeiAsID(id int64) (string, bool) {
	if id < 1e13 || id >= 1e15 {
		return "", false
	}
	imei := fmt.Sprintf("%015d", id)
	return imei, ValidateIMEI(imei) == nil
}

// Device returns a device with its binding history for staff. Bindings of
// wearers outside the staff member's communities are redacted; the current
// wearer's latest location, if shown, is logged.
func (s *Service) Device(ctx context.Context, u resident.User, deviceID int64) (DeviceDetail, error) {
	dev, err := s.staffDevice(ctx, u, deviceID)
	if err != nil {
		return DeviceDetail{}, err
	}
	deviceID = dev.ID // the device may have been named by its IMEI
	hist, err := s.store.BindingsOfDevice(ctx, deviceID)
	if err != nil {
		return DeviceDetail{}, err
	}
	d := DeviceDetail{Device: dev}
	for i, b := range hist {
		if !u.IsStaffOf(b.CommunityID) {
			hist[i] = redact(b)
			continue
		}
		if b.Active() {
			v, err := s.band(ctx, b)
			if err != nil {
				return DeviceDetail{}, err
			}
			counts, err := s.store.OpenAlarmCounts(ctx, []int64{b.ID})
			if err != nil {
				return DeviceDetail{}, err
			}
			v.OpenAlarms = counts[b.ID]
			if _, ok := v.Latest[KindLocation]; ok {
				if err := s.logView(ctx, StaffActor(u), ViewLatestLocation, b); err != nil {
					return DeviceDetail{}, err
				}
			}
			d.Current = &v
		}
	}
	d.History = hist
	return d, nil
}

// Devices lists registered devices for staff; bindings outside their
// communities are redacted.
func (s *Service) Devices(ctx context.Context, u resident.User, f DeviceFilter) ([]DeviceListItem, error) {
	if !IsStaff(u) {
		return nil, ErrNotStaff
	}
	f.IMEI = NormalizeIMEI(f.IMEI)
	if strings.Trim(f.IMEI, "0123456789") != "" || len(f.IMEI) > 15 {
		return nil, errs.Invalid("BAD_QUERY", "手环号应为数字（可只填前几位）")
	}
	f.Limit = clampLimit(f.Limit)
	items, err := s.store.ListDevices(ctx, f)
	if err != nil {
		return nil, err
	}
	for i, it := range items {
		if it.Binding != nil && !u.IsStaffOf(it.Binding.CommunityID) {
			r := redact(*it.Binding)
			items[i].Binding = &r
		}
	}
	return items, nil
}

// ManagesRegistry reports whether u manages the device registry as a whole:
// admins and subdistrict-wide staff (community staff serve their wearers).
func ManagesRegistry(u resident.User) bool {
	sc, ok := ScopeOf(u)
	return ok && sc.All
}

// Unattached lists pushes for unknown or unbound devices, kept aside for the
// staff who manage the device registry (their locations belong to nobody a
// community serves); they are purged after UnattachedDays.
func (s *Service) Unattached(ctx context.Context, u resident.User, beforeID int64, limit int) ([]Unattached, error) {
	if !ManagesRegistry(u) {
		return nil, ErrNotStaff
	}
	return s.store.UnattachedPushes(ctx, beforeID, clampLimit(limit))
}
