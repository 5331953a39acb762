// Package dashboard gives the desk console its figures, limited to what the
// user's scope covers, and the live stream of wristband alarms.
package dashboard

import (
	"context"
	"slices"
	"time"

	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

// Scope limits the figures: everything, or these communities and
// organisations' activities (and the co-building units a unit contact
// serves: their projects and rooms).
type Scope struct {
	All          bool
	CommunityIDs []int64
	OrgIDs       []int64
	UnitIDs      []int64
}

// Covers reports whether something of a community, or owned by an
// organisation or unit (0: none), is in the scope.
func (sc Scope) Covers(communityID, orgID int64) bool {
	return sc.All || slices.Contains(sc.CommunityIDs, communityID) ||
		orgID != 0 && (slices.Contains(sc.OrgIDs, orgID) || slices.Contains(sc.UnitIDs, orgID))
}

// Today is what happens today (China time).
type Today struct {
	Sessions      int
	Checkins      int
	Registrations int
}

// DayCount is the sign-ups of one day and category.
type DayCount struct {
	Date     string // 2006-01-02, China time
	Category string
	Count    int
}

// OrgMinutes is the service minutes credited this month per party organisation.
type OrgMinutes struct {
	OrgID   int64
	OrgName string
	Minutes int
}

// Alarms sums up wristband alarms.
type Alarms struct {
	Open             int
	AckedToday       int
	MedianAckSeconds int // over the last 30 days; 0 when none
}

// Figures are the dashboard.
type Figures struct {
	Today        Today
	SignupsByDay []DayCount
	HoursByOrg   []OrgMinutes
	Alarms       Alarms
	GeneratedAt  time.Time
}

// Cobuild sums up co-building (issue 15) in a scope.
type Cobuild struct {
	OpenNeeds        int // needs with quantity left to claim
	NeedQuantity     int // quantity asked by the needs shown open or full (not closed or expired)
	NeedClaimed      int // of it, claimed
	ProjectsActive   int // claimed or in progress
	ProjectsOverdue  int // of them, past their due time
	PendingWishes    int // residents' wishes waiting for review
	PendingReportIns int // party members' report-ins waiting for review
}

// Window is the periods the figures cover.
type Window struct {
	DayStart, DayEnd time.Time // today
	DaysFrom         time.Time // first day of the sign-up series
	MonthStart       time.Time
	AckSince         time.Time
}

// Alarm is one alarm as the live board shows it.
type Alarm struct {
	ID          int64
	WristbandID int64
	Type        string
	Status      string
	WearerName  string
	CommunityID int64
	OpenedAt    time.Time
	AckedAt     *time.Time
	ResolvedAt  *time.Time
}

// Store reads the figures.
type Store interface {
	Figures(ctx context.Context, sc Scope, w Window) (Figures, error)
	// AlarmsAfter lists alarms in scope with an id above afterID, oldest first.
	AlarmsAfter(ctx context.Context, sc Scope, afterID int64, limit int) ([]Alarm, error)
	// AlarmsChanged lists alarms in scope acknowledged or resolved at or after since.
	AlarmsChanged(ctx context.Context, sc Scope, since time.Time) ([]Alarm, error)
	// LastAlarmID is the newest alarm's id (0: none).
	LastAlarmID(ctx context.Context) (int64, error)
	// Cobuild sums up co-building in sc at now.
	Cobuild(ctx context.Context, sc Scope, now time.Time) (Cobuild, error)
	// CommunitiesOf lists the communities of a subdistrict.
	CommunitiesOf(ctx context.Context, subdistrictID int64) ([]int64, error)
}

// Service computes the dashboard.
type Service struct {
	store Store
	now   func() time.Time
}

// NewService builds the service; now may be nil.
func NewService(store Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, now: now}
}

// SignupDays is how many days the sign-up series covers.
const SignupDays = 14

var errOutOfScope = errs.Forbidden("FORBIDDEN", "没有权限查看该范围的数据")

// ScopeFor is u's scope narrowed to a subdistrict and/or a community (0:
// not narrowed); narrowing outside the scope is refused.
func (s *Service) ScopeFor(ctx context.Context, u resident.User, subdistrictID, communityID int64) (Scope, error) {
	cs := u.ConsoleScope()
	if cs.Level == resident.LevelNone {
		return Scope{}, errs.Forbidden("FORBIDDEN", "没有权限进行此操作")
	}
	served := u.Serves()
	sc := Scope{All: served.All, CommunityIDs: served.CommunityIDs, OrgIDs: served.OrgIDs, UnitIDs: cs.UnitIDs}
	if subdistrictID != 0 {
		comms, err := s.store.CommunitiesOf(ctx, subdistrictID)
		if err != nil {
			return Scope{}, err
		}
		if !sc.All && !cs.SeesSubdistrict(subdistrictID) {
			comms = slices.DeleteFunc(comms, func(c int64) bool { return !slices.Contains(sc.CommunityIDs, c) })
			if len(comms) == 0 {
				return Scope{}, errOutOfScope
			}
		}
		sc = Scope{CommunityIDs: comms}
	}
	if communityID != 0 {
		if !sc.All && !slices.Contains(sc.CommunityIDs, communityID) {
			return Scope{}, errOutOfScope
		}
		sc = Scope{CommunityIDs: []int64{communityID}}
	}
	return sc, nil
}

// Figures computes the dashboard for sc.
func (s *Service) Figures(ctx context.Context, sc Scope) (Figures, error) {
	now := s.now().In(cst.Zone)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, cst.Zone)
	w := Window{DayStart: day, DayEnd: day.AddDate(0, 0, 1), DaysFrom: day.AddDate(0, 0, 1-SignupDays),
		MonthStart: time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, cst.Zone), AckSince: day.AddDate(0, 0, -30)}
	f, err := s.store.Figures(ctx, sc, w)
	f.GeneratedAt = now.UTC()
	return f, err
}

// Cobuild sums up co-building in sc.
func (s *Service) Cobuild(ctx context.Context, sc Scope) (Cobuild, error) {
	return s.store.Cobuild(ctx, sc, s.now())
}

// Median returns the median of xs (0 for none).
func Median(xs []int) int {
	if len(xs) == 0 {
		return 0
	}
	ys := slices.Clone(xs)
	slices.Sort(ys)
	m := len(ys) / 2
	if len(ys)%2 == 1 {
		return ys[m]
	}
	return (ys[m-1] + ys[m]) / 2
}
