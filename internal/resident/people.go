package resident

import (
	"context"

	"gongjian/internal/page"
)

// PeopleFilter selects residents for staff (the console's people page),
// newest account first, one keyset page at a time.
type PeopleFilter struct {
	All          bool    // every community's residents
	CommunityIDs []int64 // else these communities'
	// Query: a name fragment (real name, else nickname) or phone digits:
	// the last digits ("5678") or the masked form ("139****5678").
	Query string
	// Name and Phone (issue 17: "residents search by masked phone or
	// name"): the console's 姓名 and 手机号 boxes, each read as Query is;
	// every text given (Query, Name, Phone) narrows the list further.
	Name, Phone string
	// Role: only those holding this granted role ("" or resident: everyone).
	Role  string
	After *page.Cursor // nil = the first page
	Limit int          // rows to read (the service asks one more than it serves)
}

// People lists one keyset page of the residents in f's scope that match
// its query, with their roles, and the next page's cursor ("" on the
// last). A scope of no community (an organisation's staff) holds nobody.
func (s *Service) People(ctx context.Context, f PeopleFilter, req page.Request) ([]User, string, error) {
	if !f.All && len(f.CommunityIDs) == 0 {
		return []User{}, "", nil
	}
	f.After, f.Limit = req.After, req.Limit+1
	us, err := s.store.People(ctx, f)
	if err != nil {
		return nil, "", err
	}
	us, next := page.Trim(us, req.Limit, func(u User) page.Cursor { return page.Cursor{ID: u.ID} })
	return us, next, nil
}
