package audit

import (
	"context"
	"time"

	"gongjian/internal/errs"
	"gongjian/internal/page"
	"gongjian/internal/resident"
)

// Filter selects entries.
type Filter struct {
	All            bool    // every subdistrict (district admins)
	SubdistrictIDs []int64 // else these
	// Narrowing inside the scope (0: none); outside it → 403 FORBIDDEN.
	SubdistrictID, CommunityID int64
	ActorID                    int64
	ActorRole                  string // the role the actor acted in (actor_role)
	RequestID                  string
	Action                     string
	ObjectType                 string
	ObjectID                   int64
	From, To                   time.Time
	After                      *page.Cursor
	Limit                      int
}

// Store reads the log (entries are written by the stores' transactions).
type Store interface {
	List(ctx context.Context, f Filter) ([]Entry, error)
	// Record writes the notes of ctx in a transaction of their own, for
	// an action that changes no row (an export handed out).
	Record(ctx context.Context) error
}

// Service browses the log.
type Service struct{ store Store }

// NewService builds the service.
func NewService(store Store) *Service { return &Service{store: store} }

var (
	errForbidden  = errs.Forbidden("FORBIDDEN", "只有管理员可以查看操作日志")
	errOutOfScope = errs.Forbidden("FORBIDDEN", "没有权限查看该范围的数据")
)

// Scope fills f's scope for u: district admins see every entry, a
// subdistrict's admins their subdistrict's; nobody else any.
func Scope(u resident.User, f *Filter) error {
	sc := u.ConsoleScope()
	switch {
	case !sc.Admin:
		return errForbidden
	case u.IsDistrictAdmin():
		f.All = true
	default:
		f.All, f.SubdistrictIDs = false, sc.SubdistrictIDs
		if f.SubdistrictID != 0 && !sc.SeesSubdistrict(f.SubdistrictID) || f.CommunityID != 0 && !sc.SeesCommunity(f.CommunityID) {
			return errOutOfScope
		}
	}
	return nil
}

// List lists the entries u may see, newest first.
func (s *Service) List(ctx context.Context, u resident.User, f Filter) ([]Entry, string, error) {
	if err := Scope(u, &f); err != nil {
		return nil, "", err
	}
	f.Limit = page.Within(f.Limit, page.DefaultLimit)
	want := f.Limit
	f.Limit++
	rows, err := s.store.List(ctx, f)
	if err != nil {
		return nil, "", err
	}
	items, next := page.Trim(rows, want, func(e Entry) page.Cursor { return page.Cursor{ID: e.ID} })
	return items, next, nil
}

// Record writes the notes of ctx now (an action that changes no row).
func (s *Service) Record(ctx context.Context) error { return s.store.Record(ctx) }
