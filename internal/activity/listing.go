package activity

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"gongjian/internal/errs"
	"gongjian/internal/page"
	"gongjian/internal/pii"
	"gongjian/internal/resident"
)

// ListQuery selects activities for residents.
type ListQuery struct {
	Category    string
	CommunityID int64
	From, To    time.Time
	HasSeats    bool
	Page        int
	PageSize    int
}

// totalTTL: how long a list's total is reused (a change made by this
// process forgets it at once; another process's within this time).
const totalTTL = 2 * time.Second

type totalEntry struct {
	n   int
	at  time.Time
	gen int64
}

// totals caches the totals of activity lists for totalTTL: counting is the
// one part of a page that grows with the number of activities.
type totals struct {
	gen atomic.Int64 // bumped by every change of an activity
	mu  sync.Mutex
	m   map[string]totalEntry
}

func (t *totals) forget() { t.gen.Add(1) }

func (t *totals) get(key string, now time.Time, count func() (int, error)) (int, error) {
	gen := t.gen.Load()
	t.mu.Lock()
	if t.m == nil {
		t.m = map[string]totalEntry{}
	}
	e, ok := t.m[key]
	t.mu.Unlock()
	if ok && e.gen == gen && now.Sub(e.at) < totalTTL && now.Sub(e.at) >= 0 {
		return e.n, nil
	}
	n, err := count()
	if err != nil {
		return 0, err
	}
	t.mu.Lock()
	if len(t.m) > 10000 {
		t.m = map[string]totalEntry{} // many distinct filters: start over
	}
	t.m[key] = totalEntry{n: n, at: now, gen: gen}
	t.mu.Unlock()
	return n, nil
}

// seatsSettler is a store whose "has seats" column is refreshed after the
// changes commit: SettleSeats waits (briefly) for the refresh of the
// changes this process made before the call and returns the version of
// the seats then.
type seatsSettler interface {
	SettleSeats(context.Context) uint64
}

// List lists published activities that are not over, by first session
// still held (Activity.HeldStart); q.From and q.To match held sessions only.
func (s *Service) List(ctx context.Context, q ListQuery) ([]ActivityView, int, error) {
	now := s.now()
	f := ActivityFilter{
		Category: q.Category, CommunityID: q.CommunityID, From: q.From, To: q.To,
		Statuses: []string{StatusPublished}, EndsAfter: now, ScopeAll: true,
	}
	if q.HasSeats {
		f.HasSeatsAt = now
		// The filter's column is refreshed just after a sign-up or a
		// cancellation commits: a store that can wait for the changes
		// this process answered before the list does, briefly, and a
		// total counted before the last refresh is not reused.
		if st, ok := s.store.(seatsSettler); ok {
			f.seatsVersion = st.SettleSeats(ctx)
		}
	}
	return s.listPage(ctx, f, q.Page, q.PageSize)
}

// listPage reads one page of activities and their live counts (Redis, one
// pipelined round trip for the page; MySQL for a quota not loaded).
func (s *Service) listPage(ctx context.Context, f ActivityFilter, pageNo, size int) ([]ActivityView, int, error) {
	offset := (max(pageNo, 1) - 1) * size
	acts, err := s.store.ListActivities(ctx, f, offset, size)
	if err != nil {
		return nil, 0, err
	}
	total, err := s.totals.get(f.key(), s.now(), func() (int, error) { return s.store.CountActivities(ctx, f) })
	if err != nil {
		return nil, 0, err
	}
	// What this page saw beats a cached total.
	switch {
	case len(acts) == 0:
		total = min(total, offset) // past the end: there are at most offset
	case len(acts) < size:
		total = offset + len(acts) // the last page: exact
	default:
		total = max(total, offset+len(acts))
	}
	counts, err := s.counts(ctx, acts)
	if err != nil {
		return nil, 0, err
	}
	views := make([]ActivityView, 0, len(acts))
	for _, a := range acts {
		views = append(views, s.view(a, counts))
	}
	return views, total, nil
}

// AdminQuery narrows the staff list: a status, a community, a category
// (each "" or 0 = any).
type AdminQuery struct {
	Status      string
	CommunityID int64
	Category    string
}

// AdminList lists the activities a staff member manages (drafts included),
// newest first.
func (s *Service) AdminList(ctx context.Context, u resident.User, q AdminQuery, pageNo, size int) ([]ActivityView, int, error) {
	sv := u.Serves()
	f := ActivityFilter{ScopeAll: sv.All, ScopeOrgs: sv.OrgIDs, ScopeCommunities: sv.CommunityIDs, NewestFirst: true,
		CommunityID: q.CommunityID, Category: q.Category}
	if q.Status != "" {
		f.Statuses = []string{q.Status}
	}
	if !f.ScopeAll && len(f.ScopeOrgs) == 0 && len(f.ScopeCommunities) == 0 {
		return nil, 0, errs.Forbidden("FORBIDDEN", "没有权限进行此操作")
	}
	return s.listPage(ctx, f, pageNo, size)
}

// StaffRegistration is a registration as staff see it.
type StaffRegistration struct {
	RegistrationDetail
	Name  string // full or masked
	Phone string // full or masked; "" when the account has none
}

// ActivityRegistrations lists one keyset page of an activity's
// registrations for staff, in sign-up order, and the next page's cursor
// ("" on the last); names and phones are masked unless the staff member
// may see them.
func (s *Service) ActivityRegistrations(ctx context.Context, u resident.User, activityID int64, f RegistrationFilter, req page.Request) ([]StaffRegistration, string, error) {
	a, err := s.managed(ctx, u, activityID)
	if err != nil {
		return nil, "", err
	}
	return s.registrationsPage(ctx, u, &a, f, req)
}

// ScopedRegistrations lists one keyset page of the registrations of every
// activity in f's scope (the console's registrations page), newest first;
// u must serve something. Names and phones are masked unless u may see
// those of the registration's activity.
func (s *Service) ScopedRegistrations(ctx context.Context, u resident.User, f RegistrationFilter, req page.Request) ([]StaffRegistration, string, error) {
	if !f.ScopeAll && len(f.ScopeCommunities) == 0 && len(f.ScopeOrgs) == 0 {
		return nil, "", errs.Forbidden("FORBIDDEN", "没有权限进行此操作")
	}
	f.Newest = true
	return s.registrationsPage(ctx, u, nil, f, req)
}

// registrationsPage reads one keyset page: of activity a (nil: of f's scope).
func (s *Service) registrationsPage(ctx context.Context, u resident.User, a *Activity, f RegistrationFilter, req page.Request) ([]StaffRegistration, string, error) {
	if a != nil {
		f.ActivityID, f.ScopeAll, f.Newest = a.ID, true, false
	}
	f.After, f.Limit = req.After, req.Limit+1
	ds, err := s.store.Registrations(ctx, f)
	if err != nil {
		return nil, "", err
	}
	ds, next := page.Trim(ds, req.Limit, func(d RegistrationDetail) page.Cursor {
		return page.Cursor{Key: d.Registration.Decision, ID: d.Registration.ID}
	})
	out := make([]StaffRegistration, 0, len(ds))
	for _, d := range ds {
		r := d.Registration
		sr := StaffRegistration{RegistrationDetail: d, Name: pii.MaskName(r.AttendeeName), Phone: r.PhoneMasked}
		if CanSeePersonalData(u, &d.Activity) {
			sr.Name = r.AttendeeName
			if r.PhoneSealed != "" && s.box != nil {
				if p, err := s.box.Open(r.PhoneSealed); err == nil {
					sr.Phone = p
				}
			}
		}
		sr.Registration.PhoneSealed = ""
		out = append(out, sr)
	}
	return out, next, nil
}
