package httpapi

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gongjian/internal/errs"
	"gongjian/internal/notify"
	"gongjian/internal/page"
)

type askDTO struct {
	Key        string `json:"key"`
	TemplateID string `json:"template_id"`
}

type grantDTO struct {
	TemplateID string `json:"template_id"`
	Status     string `json:"status"`  // last answer: accept | reject | ban | "" (never asked)
	Balance    int    `json:"balance"` // one-time sends left
	LongTerm   bool   `json:"long_term"`
}

type subscriptionsDTO struct {
	Ask    []askDTO            `json:"ask"`
	Grants map[string]grantDTO `json:"grants"`
}

func toSubscriptionsDTO(s notify.Subscriptions) subscriptionsDTO {
	out := subscriptionsDTO{Ask: make([]askDTO, 0, len(s.Ask)), Grants: map[string]grantDTO{}}
	for _, a := range s.Ask {
		out.Ask = append(out.Ask, askDTO{Key: a.Key, TemplateID: a.TemplateID})
	}
	for k, g := range s.Grants {
		out.Grants[k] = grantDTO{TemplateID: g.TemplateID, Status: g.Status, Balance: g.Balance, LongTerm: g.LongTerm}
	}
	return out
}

func (a *API) getSubscriptions(c *gin.Context) {
	s, err := a.d.Notify.Subscriptions(c.Request.Context(), userID(c))
	respond(c, http.StatusOK, toSubscriptionsDTO(s), err)
}

func (a *API) postSubscriptions(c *gin.Context) {
	var req struct {
		Results map[string]string `json:"results"`
	}
	if read(c, &req) {
		s, err := a.d.Notify.RecordSubscriptions(c.Request.Context(), userID(c), a.d.Notify.WeChatResults(req.Results))
		respond(c, http.StatusOK, toSubscriptionsDTO(s), err)
	}
}

type messageDTO struct {
	ID          int64      `json:"id"`
	TemplateKey string     `json:"template_key"`
	Title       string     `json:"title"`
	Body        string     `json:"body"`
	Page        string     `json:"page,omitempty"`
	ActivityID  int64      `json:"activity_id,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	Read        bool       `json:"read"`
	ReadAt      *time.Time `json:"read_at,omitempty"`
}

func toMessageDTO(m notify.Message) messageDTO {
	return messageDTO{ID: m.ID, TemplateKey: m.TemplateKey, Title: m.Title, Body: m.Body, Page: m.Page,
		ActivityID: m.ActivityID, CreatedAt: m.At, Read: m.ReadAt != nil, ReadAt: m.ReadAt}
}

func (a *API) listMessages(c *gin.Context) {
	before, err := queryID(c, "before_id")
	if err != nil {
		fail(c, err)
		return
	}
	// ?cursor= (the next_cursor of the previous page) is the same position.
	if cur, err := page.Decode(c.Query("cursor")); err != nil {
		fail(c, err)
		return
	} else if cur != nil {
		before = cur.ID
	}
	limit, err := querySize(c, "limit", 20, 1, notify.MaxPage)
	if err != nil {
		fail(c, err)
		return
	}
	// One more than the page: whether another page follows (no cursor to
	// an empty page when this one holds the last message).
	ms, unread, err := a.d.Notify.Messages(c.Request.Context(), userID(c), before, limit+1)
	if err != nil {
		fail(c, err)
		return
	}
	var next int64
	var cursor *string
	if len(ms) > limit {
		ms = ms[:limit]
		next = ms[len(ms)-1].ID
		s := page.Cursor{ID: next}.Encode()
		cursor = &s
	}
	items := dtos(ms, toMessageDTO)
	// unread_count: the count as issue 4 words it ("with unread counts").
	c.JSON(http.StatusOK, gin.H{"items": items, "unread": unread, "unread_count": unread, "next_before_id": next, "next_cursor": cursor})
}

func (a *API) readMessage(c *gin.Context) {
	if id, ok := idParam(c, "id"); ok {
		unread, err := a.d.Notify.MarkRead(c.Request.Context(), userID(c), id)
		respond(c, http.StatusOK, gin.H{"id": id, "read": true, "unread": unread, "unread_count": unread}, err)
	}
}

type messageRecordDTO struct {
	ID          int64      `json:"id"`
	UserID      int64      `json:"user_id"`
	TemplateKey string     `json:"template_key"`
	Title       string     `json:"title"`
	Status      string     `json:"status"`
	Attempts    int        `json:"attempts"`
	ErrCode     int        `json:"err_code,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
	MsgID       string     `json:"msg_id,omitempty"` // a string: WeChat's ids exceed JavaScript's safe integers
	DueAt       time.Time  `json:"due_at"`
	SentAt      *time.Time `json:"sent_at,omitempty"`
	Read        bool       `json:"read"`
	CreatedAt   time.Time  `json:"created_at"`
}

func (a *API) activityMessages(c *gin.Context) {
	var p idPage
	var statuses []string
	u, id, ok := a.meAndWith(c, "id", p.query("after_id", 50), messageStatuses(&statuses))
	if !ok {
		return
	}
	rs, counts, err := a.d.Notify.ActivityMessages(c.Request.Context(), u, id, p.From, p.peek(), statuses...)
	rs, cursor := trimIDs(rs, p.Limit, func(r notify.MessageRecord) int64 { return r.ID })
	// next_after_id is the older name of next_cursor (0 on the last page).
	var next int64
	if cursor != nil {
		next = rs[len(rs)-1].ID
	}
	respond(c, http.StatusOK, gin.H{"activity_id": id, "counts": counts, "items": dtos(rs, toMessageRecordDTO),
		"next_cursor": cursor, "next_after_id": next}, err)
}

// messageStatuses reads ?status=: the delivery states to list (comma
// separated, or the parameter repeated; none: all).
func messageStatuses(out *[]string) fromRequest {
	return func(c *gin.Context) error {
		for _, v := range c.QueryArray("status") {
			for _, p := range strings.Split(v, ",") {
				st := strings.ToLower(strings.TrimSpace(p))
				if st == "" {
					continue
				}
				if !slices.Contains(notify.Statuses, st) {
					return errs.Invalid("BAD_QUERY", "消息状态无效，请重新选择").With("param", "status")
				}
				*out = append(*out, st)
			}
		}
		return nil
	}
}

func toMessageRecordDTO(r notify.MessageRecord) messageRecordDTO {
	d := messageRecordDTO{ID: r.ID, UserID: r.UserID, TemplateKey: r.TemplateKey, Title: r.Title, Status: r.Status,
		Attempts: r.Attempts, ErrCode: r.ErrCode, LastError: r.LastError, DueAt: r.DueAt, SentAt: r.SentAt,
		Read: r.ReadAt != nil, CreatedAt: r.CreatedAt}
	if r.MsgID != 0 {
		d.MsgID = strconv.FormatInt(r.MsgID, 10)
	}
	return d
}
