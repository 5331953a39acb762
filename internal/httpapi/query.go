package httpapi

import (
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/page"
)

type pageDTO[T any] struct {
	Items    []T `json:"items"`
	Total    int `json:"total"`
	Page     int `json:"page"`
	PageSize int `json:"page_size"`
}

// cursorPageDTO is a keyset page. Every keyset list follows one
// convention: next_cursor is always there, null on the last page (never
// "" and never left out; docs/console-api.md, the OpenAPI files).
type cursorPageDTO[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
	Limit      int     `json:"limit"`
}

func cursorPage[T any](items []T, next string, limit int) cursorPageDTO[T] {
	return cursorPageDTO[T]{Items: items, NextCursor: nextCursor(next), Limit: limit}
}

// nextCursor is a page's next_cursor: null when there is no next page ("").
func nextCursor(next string) *string {
	if next == "" {
		return nil
	}
	return &next
}

// sizeSpellings are the names a page's size is asked by on every list,
// keyset or numbered: limit (the keyset lists' name), page_size (the
// numbered pages'), and size and per_page, which clients written from
// issue 14's "at most 100 a page" also send. Each keeps its list's range
// (over 100 stays refused).
var sizeSpellings = []string{"limit", "page_size", "size", "per_page"}

// sizeName is the query parameter that gives a page's size: name (the
// list's own spelling) when given, else the first other spelling given,
// else name (the default applies).
func sizeName(c *gin.Context, name string) string {
	if c.Query(name) != "" {
		return name
	}
	for _, n := range sizeSpellings {
		if c.Query(n) != "" {
			return n
		}
	}
	return name
}

// querySize reads a page's size as queryInt does, under the list's own
// name or another of sizeSpellings (sizeName). A size over max under
// another spelling is served as max, not refused: those spellings were
// once ignored (answered with the default page), and "at most 100 a page"
// (issue 14) is kept either way; under the list's own name it stays a 400.
func querySize(c *gin.Context, name string, def, min, max int) (int, error) {
	n := sizeName(c, name)
	own := n == name || (name == "limit" && n == "page_size") // keyset lists took page_size for limit before: over max it stays refused
	if v, err := strconv.Atoi(c.Query(n)); !own && err == nil && v > max {
		return max, nil
	}
	return queryInt(c, n, def, min, max)
}

// keyset reads ?cursor= and ?limit= (or another of sizeSpellings).
func keyset(c *gin.Context, def int) (page.Request, error) {
	limit, err := keysetLimit(c, def)
	if err != nil {
		return page.Request{}, err
	}
	return page.Parse(c.Query("cursor"), limit, def)
}

// keysetLimit reads keyset's ?limit= (or another of sizeSpellings) alone.
func keysetLimit(c *gin.Context, def int) (int, error) {
	limit, err := querySize(c, "limit", def, 1, page.MaxLimit)
	if err != nil {
		return 0, errs.Invalid("BAD_LIMIT", "每页条数应在 1 到 100 之间")
	}
	return limit, nil
}

// keysetParam reads ?cursor= and ?limit= into *req (see keyset).
func keysetParam(req *page.Request, def int) fromRequest {
	return func(c *gin.Context) (err error) {
		*req, err = keyset(c, def)
		return err
	}
}

// cursorParam reads ?cursor= (the next_cursor of the previous page, an
// opaque page.Cursor: BAD_CURSOR when tampered) and ?limit= (1..100, def
// when absent: BAD_QUERY otherwise, as the resident and cobuild lists)
// into *req.
func cursorParam(req *page.Request, def int) fromRequest {
	return func(c *gin.Context) error {
		after, err := page.Decode(c.Query("cursor"))
		if err != nil {
			return err
		}
		limit, err := querySize(c, "limit", def, 1, page.MaxLimit)
		*req = page.Request{After: after, Limit: limit}
		return err
	}
}

var errFormat = errs.Invalid("BAD_FORMAT", "导出格式无效，请重新选择")

// formatParam reads an export's ?format=: json (the default) or xlsx.
func formatParam(xlsx *bool) fromRequest {
	return func(c *gin.Context) error {
		format := c.DefaultQuery("format", "json")
		*xlsx = format == "xlsx"
		if format != "json" && !*xlsx {
			return errFormat
		}
		return nil
	}
}

// pageParams reads ?page= and ?page_size= into *page and *size (see
// paging).
func pageParams(page, size *int, defSize, maxSize int) fromRequest {
	return func(c *gin.Context) (err error) {
		*page, *size, err = paging(c, defSize, maxSize)
		return err
	}
}

// pageOf is a numbered page of xs, shown by to.
func pageOf[T, D any](xs []T, to func(T) D, total, page, size int) pageDTO[D] {
	return pageDTO[D]{Items: dtos(xs, to), Total: total, Page: page, PageSize: size}
}

func paging(c *gin.Context, defSize, maxSize int) (int, int, error) {
	page, err := queryInt(c, "page", 1, 1, 100000)
	if err != nil {
		return 0, 0, err
	}
	size, err := querySize(c, "page_size", defSize, 1, maxSize)
	return page, size, err
}

// queryTime reads a time query parameter: RFC 3339 (an offset's "+" may
// arrive unescaped, as a space), or a date in China time (endOfDay: the start of the next day). A time outside the years
// the database holds (inDatabaseRange) is refused: the driver cannot send
// it, and a filter on it was a 500.
func queryTime(c *gin.Context, name string, endOfDay bool) (time.Time, error) {
	s := c.Query(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil && strings.Count(s, " ") == 1 {
		// An offset's "+" written into the URL unescaped arrives as a
		// space ("…T09:00:00 08:00"): read it as meant.
		t, err = time.Parse(time.RFC3339, strings.Replace(s, " ", "+", 1))
	}
	if err != nil {
		if t, err = time.ParseInLocation(dateLayout, s, cst.Zone); err != nil {
			return time.Time{}, errs.Invalid("BAD_QUERY", "日期格式不正确，请重新选择日期").With("param", name)
		}
		if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
	}
	if !inDatabaseRange(t) {
		return time.Time{}, errDateRange.With("param", name)
	}
	return t, nil
}

var errDateRange = errs.Invalid("BAD_QUERY", "日期超出范围，请重新选择日期")

// inDatabaseRange is true for a time in the years 1000..9998 (UTC): what
// MySQL's DATETIME holds and its driver can send, with a year to spare for
// the ranges a list builds from it (the rooms' week after from).
func inDatabaseRange(t time.Time) bool {
	y := t.UTC().Year()
	return y >= 1000 && y <= 9998
}

// queryBool reads a yes/no query parameter: absent or empty is no; 1/0,
// true/false in any of Go's spellings (True, TRUE, t, F: what Python's
// requests sends for a bool is True/False), else BAD_QUERY.
func queryBool(c *gin.Context, name string) (bool, error) {
	v := c.Query(name)
	if v == "" {
		return false, nil
	}
	if b, err := strconv.ParseBool(v); err == nil {
		return b, nil
	}
	return false, errBadQuery.With("param", name)
}
