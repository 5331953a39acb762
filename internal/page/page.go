// Package page is keyset (cursor) paging, shared by every list that grows
// without end (registrations, hours, messages, audit, needs, bookings…).
//
// A list is ordered by one sort key and the row id (both descending or both
// ascending); a page asks for the rows after a position and one more than
// the limit, so the store knows whether a next page exists without counting:
//
//	rows := store.List(ctx, filter, req.After, req.Limit+1)
//	items, next := page.Trim(rows, req.Limit, func(r Row) page.Cursor { return page.Cursor{Key: r.StartsAt.UnixMicro(), ID: r.ID} })
//
// and in SQL, descending: WHERE (key < ? OR (key = ? AND id < ?)) ORDER BY key DESC, id DESC LIMIT ?
// with an index on (filter columns…, key, id). The cursor a client sees is
// opaque (base64url); a tampered one is refused with BAD_CURSOR.
package page

import (
	"encoding/base64"
	"encoding/binary"

	"gongjian/internal/errs"
)

// MaxLimit is the largest page any list serves; DefaultLimit when none is asked.
const (
	MaxLimit     = 100
	DefaultLimit = 20
)

// Cursor is a position in a keyset-ordered list: the sort key of the last
// row served (a time as Unix microseconds, a number, or 0 when the list is
// ordered by id alone) and its id.
type Cursor struct {
	Key int64
	ID  int64
}

// Request is one page: the rows after After (nil: the first page), at most Limit.
type Request struct {
	After *Cursor
	Limit int
}

var errBadCursor = errs.Invalid("BAD_CURSOR", "翻页位置无效，请从第一页重新加载")

// Encode gives the opaque string a client sends back as ?cursor=.
func (c Cursor) Encode() string {
	b := make([]byte, 0, 2*binary.MaxVarintLen64+1)
	b = append(b, 1) // version
	b = binary.AppendVarint(b, c.Key)
	b = binary.AppendVarint(b, c.ID)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode parses a cursor made by Encode; "" is the first page (nil).
func Decode(s string) (*Cursor, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 3 || b[0] != 1 {
		return nil, errBadCursor
	}
	b = b[1:]
	key, n := binary.Varint(b)
	if n <= 0 {
		return nil, errBadCursor
	}
	id, m := binary.Varint(b[n:])
	if m <= 0 || n+m != len(b) || id <= 0 {
		return nil, errBadCursor
	}
	return &Cursor{Key: key, ID: id}, nil
}

// Parse builds a Request from the query's cursor ("" for the first page)
// and limit (0 when absent: def); a limit must be 1..MaxLimit.
func Parse(cursor string, limit int, def int) (Request, error) {
	after, err := Decode(cursor)
	if err != nil {
		return Request{}, err
	}
	if limit == 0 {
		limit = def
	}
	if limit < 1 || limit > MaxLimit {
		return Request{}, errs.Invalid("BAD_LIMIT", "每页条数应在 1 到 100 之间")
	}
	return Request{After: after, Limit: limit}, nil
}

// Within is limit when it is 1..MaxLimit, and def otherwise (for callers
// that take any limit rather than refuse one out of range).
func Within(limit, def int) int {
	if limit <= 0 || limit > MaxLimit {
		return def
	}
	return limit
}

// WithinPeek is Within for a store asked one row more than the page (at
// most MaxLimit+1), so that a keyset list knows whether another follows.
func WithinPeek(limit, def int) int {
	if limit <= 0 || limit > MaxLimit+1 {
		return def
	}
	return limit
}

// Trim cuts rows (fetched with limit+1) to the page and returns the cursor
// of the next page, or "" when this is the last one.
func Trim[T any](rows []T, limit int, at func(T) Cursor) ([]T, string) {
	if len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	return rows, at(rows[len(rows)-1]).Encode()
}
