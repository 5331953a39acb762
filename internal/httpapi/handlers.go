package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"gongjian/internal/resident"
)

// The shapes many handlers share, for the routes that do no more than
// pass the request to one service call: the route names the service's
// method and the DTO that shows its answer.

// The request bodies many routes share.
type (
	reasonReq struct {
		Reason string `json:"reason"`
	}
	noteReq struct {
		Note string `json:"note"`
	}
	userIDReq struct {
		UserID int64 `json:"user_id"`
	}
	// decisionReq is an approval's or a rejection's optional body: the
	// decision's text is "note"; "reason", as every other rejection names
	// it, is taken as well.
	decisionReq struct {
		Note   string `json:"note"`
		Reason string `json:"reason"`
	}
)

func (r reasonReq) reason() string { return r.Reason }

func (r userIDReq) userID() int64 { return r.UserID }

// text is the decision's note, or its reason when the note is left out.
func (r decisionReq) text() string {
	if r.Note == "" {
		return r.Reason
	}
	return r.Note
}

// byID answers the object the path's id names: get finds it, to shows it.
func byID[T, D any](get func(context.Context, int64) (T, error), to func(T) D) gin.HandlerFunc {
	return func(c *gin.Context) {
		if id, ok := idParam(c, "id"); ok {
			x, err := get(c.Request.Context(), id)
			respond(c, http.StatusOK, to(x), err)
		}
	}
}

// userAction has the current user act on the object the path's id names
// and answers status with the result, shown by to.
func userAction[T, D any](a *API, status int, act func(context.Context, resident.User, int64) (T, error), to func(T) D) gin.HandlerFunc {
	return func(c *gin.Context) {
		if u, id, ok := a.meAnd(c, "id"); ok {
			x, err := act(c.Request.Context(), u, id)
			respond(c, status, to(x), err)
		}
	}
}

// bodyAction is userAction for actions that take a JSON body: read into
// an R, it is passed on as arg gives it.
func bodyAction[R, A, T, D any](a *API, arg func(R) A, act func(context.Context, resident.User, int64, A) (T, error), to func(T) D) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req R
		if u, id, ok := a.meAndWith(c, "id", &req); ok {
			x, err := act(c.Request.Context(), u, id, arg(req))
			respond(c, http.StatusOK, to(x), err)
		}
	}
}

// reasonAction is userAction for actions that take a reason: the body
// {"reason": "..."}.
func reasonAction[T, D any](a *API, act func(context.Context, resident.User, int64, string) (T, error), to func(T) D) gin.HandlerFunc {
	return bodyAction(a, reasonReq.reason, act, to)
}

// decision has the current user approve or reject the object the path's
// id names, with the optional body's text (see decisionReq).
func decision[T, D any](a *API, approve bool, decide func(context.Context, resident.User, int64, bool, string) (T, error), to func(T) D) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req decisionReq
		if u, id, ok := a.meAndWith(c, "id", optional(&req)); ok {
			x, err := decide(c.Request.Context(), u, id, approve, req.text())
			respond(c, http.StatusOK, to(x), err)
		}
	}
}

// removeFrom has the current user remove what the path parameter param
// names from the object the path's id names, and answers 204 No Content.
func removeFrom(a *API, param string, remove func(context.Context, resident.User, int64, int64) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		var sub int64
		if u, id, ok := a.meAndWith(c, "id", pathParam(&sub, param)); ok {
			noContent(c, remove(c.Request.Context(), u, id, sub))
		}
	}
}

// items answers {"items": [...]}: what list gives, shown by to.
func items[T, D any](list func(context.Context) ([]T, error), to func(T) D) gin.HandlerFunc {
	return func(c *gin.Context) {
		xs, err := list(c.Request.Context())
		respondItems(c, xs, to, err)
	}
}

// ownItems answers {"items": [...]}: what list gives for the id the
// caller's token proves, shown by to (no role needed: the list is the
// caller's own).
func ownItems[T, D any](list func(context.Context, int64) ([]T, error), to func(T) D) gin.HandlerFunc {
	return func(c *gin.Context) {
		xs, err := list(c.Request.Context(), userID(c))
		respondItems(c, xs, to, err)
	}
}

// userItems answers {"items": [...]}: what list gives the current user,
// shown by to.
func userItems[T, D any](a *API, list func(context.Context, resident.User) ([]T, error), to func(T) D) gin.HandlerFunc {
	return func(c *gin.Context) {
		if u, ok := a.me(c); ok {
			xs, err := list(c.Request.Context(), u)
			respondItems(c, xs, to, err)
		}
	}
}

// statusItems is userItems for lists filtered by ?status= (the service
// checks the value).
func statusItems[T, D any](a *API, list func(context.Context, resident.User, string) ([]T, error), to func(T) D) gin.HandlerFunc {
	return func(c *gin.Context) {
		if u, ok := a.me(c); ok {
			xs, err := list(c.Request.Context(), u, c.Query("status"))
			respondItems(c, xs, to, err)
		}
	}
}

// statusPage is statusItems for a review queue kept newest first by id and
// read a page at a time: ?status=, ?cursor= (the next_cursor of the
// previous page: the id of its last row), ?limit= (1..100, default 50). It
// answers items and next_cursor (null on the last page).
func statusPage[T, D any](a *API, list func(context.Context, resident.User, string, int64, int) ([]T, error), id func(T) int64, to func(T) D) gin.HandlerFunc {
	return func(c *gin.Context) {
		var p idPage
		if u, ok := a.meWith(c, p.query("", 50)); ok {
			xs, err := list(c.Request.Context(), u, c.Query("status"), p.From, p.peek())
			respondIDPage(c, p, xs, id, to, err)
		}
	}
}

// trimIDs cuts rows keyed by id, fetched with limit+1, to the page and
// gives its next_cursor: the id of its last row (a decimal string) when
// another row follows, else null (see cursorPageDTO), so that an exactly
// full last page answers null rather than a cursor to an empty page.
func trimIDs[T any](rows []T, limit int, id func(T) int64) ([]T, *string) {
	if len(rows) <= limit {
		return rows, nil
	}
	rows = rows[:limit]
	return rows, nextCursor(strconv.FormatInt(id(rows[len(rows)-1]), 10))
}
