package notify

import (
	"context"
	"sort"
	"time"

	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

// ActivityDirectory tells which community and organisation run an
// activity, so their staff may see its notices. It is implemented over the
// activity tables; without it only admins see them.
type ActivityDirectory interface {
	// ActivityOwner returns the activity's community and organisation ids
	// (0 when none), or a KindNotFound error.
	ActivityOwner(ctx context.Context, activityID int64) (communityID, orgID int64, err error)
}

// Service answers the resident- and staff-facing questions: which
// subscriptions to ask for, the grants, the in-app messages, and the
// delivery state of an activity's notices.
type Service struct {
	store      Store
	templates  *Templates
	source     ReminderSource    // optional
	activities ActivityDirectory // optional
	now        func() time.Time
}

// NewService builds the service. source and activities may be nil.
func NewService(store Store, templates *Templates, source ReminderSource, activities ActivityDirectory, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, templates: templates, source: source, activities: activities, now: now}
}

// Subscription results of wx.requestSubscribeMessage.
const (
	ResultAccept = "accept"
	ResultReject = "reject"
	ResultBan    = "ban"
	// ResultFilter: WeChat's background filtered the template out (its
	// title is the same as another's); the user was not asked. Accepted in
	// a report and recorded as nothing.
	ResultFilter = "filter"
)

// MaxResultsPerReport is the most templates one report may carry:
// wx.requestSubscribeMessage asks for at most 3 at once.
const MaxResultsPerReport = 3

// AskItem is a template the mini-program should ask the user for.
type AskItem struct {
	Key        string
	TemplateID string
	// Need is how many sends are expected (e.g. upcoming activities to be
	// reminded of) and Have the grants left: Need > Have.
	Need, Have int
}

// Subscriptions is the user's subscription state.
type Subscriptions struct {
	Ask    []AskItem
	Grants map[string]GrantState // by template key, for every template
}

var (
	errUnknownTemplate = errs.Invalid("UNKNOWN_TEMPLATE", "不认识的消息类型")
	errBadResult       = errs.Invalid("BAD_SUBSCRIPTION_RESULT", "订阅结果无效，请重新选择是否接收通知")
	errNoResults       = errs.Invalid("EMPTY_RESULTS", "请提交订阅结果")
	errTooManyResults  = errs.Invalid("TOO_MANY_RESULTS", "一次最多提交 3 个消息的订阅结果")
	errNoMessage       = errs.NotFound("MESSAGE_NOT_FOUND", "消息不存在")
	errNoActivity      = errs.NotFound("ACTIVITY_NOT_FOUND", "活动不存在")
	errNotStaff        = errs.Forbidden("FORBIDDEN", "没有权限查看此活动的消息")
)

// Subscriptions tells which templates the mini-program should ask for now:
// every template with an id that the user has not banned and whose grants
// left are fewer than the sends expected — one for each kind of message,
// and for reminders one per upcoming activity not reminded yet. Long-term
// templates once accepted are not asked again, unless WeChat has since
// answered 43101 for them (the user turned them off). Templates needed most come
// first (the mini-program can ask for 3 at a time).
func (s *Service) Subscriptions(ctx context.Context, userID int64) (Subscriptions, error) {
	gs, err := s.store.Grants(ctx, userID)
	if err != nil {
		return Subscriptions{}, err
	}
	byKey := map[string]GrantState{}
	for _, g := range gs {
		byKey[g.TemplateKey] = g
	}
	upcoming := 0
	if s.source != nil {
		if upcoming, err = s.source.UpcomingUnreminded(ctx, userID, s.now()); err != nil {
			return Subscriptions{}, err
		}
	}
	out := Subscriptions{Grants: map[string]GrantState{}}
	for _, t := range s.templates.All() {
		g, ok := byKey[t.Key]
		if !ok || g.TemplateID != t.ID {
			// Never asked, or asked for a template id no longer in use.
			g = GrantState{TemplateKey: t.Key, TemplateID: t.ID}
		}
		g.LongTerm = t.LongTerm
		out.Grants[t.Key] = g
		// A template without an id is never asked for: the mini-program
		// has no id to ask with (its notices are in-app only).
		if t.ID == "" || g.Status == ResultBan {
			continue
		}
		if t.LongTerm {
			if g.Status != ResultAccept {
				out.Ask = append(out.Ask, AskItem{Key: t.Key, TemplateID: t.ID, Need: 1})
			}
			continue
		}
		need := 1
		if t.Key == ActivityReminder {
			need = max(1, upcoming)
		}
		if g.Balance < need {
			out.Ask = append(out.Ask, AskItem{Key: t.Key, TemplateID: t.ID, Need: need, Have: g.Balance})
		}
	}
	sort.SliceStable(out.Ask, func(i, j int) bool {
		a, b := out.Ask[i], out.Ask[j]
		return a.Need-a.Have > b.Need-b.Have
	})
	return out, nil
}

// RecordSubscriptions records what wx.requestSubscribeMessage returned,
// by template key: accept adds one send (a long-term template is allowed
// from then on), reject changes nothing already granted, ban stops sending
// that template until a later accept; filter (WeChat did not show the
// template) records nothing.
func (s *Service) RecordSubscriptions(ctx context.Context, userID int64, results map[string]string) (Subscriptions, error) {
	if len(results) == 0 {
		return Subscriptions{}, errNoResults
	}
	if len(results) > MaxResultsPerReport {
		return Subscriptions{}, errTooManyResults
	}
	var rs []GrantResult
	for key, res := range results {
		// A known template without a WeChat id yet is recorded too (as its
		// grants would be under an id no longer in use): the report is
		// the resident's answer, and a refusal would lose it.
		t, ok := s.templates.Get(key)
		if !ok {
			return Subscriptions{}, errUnknownTemplate.With("key", key)
		}
		switch res {
		case ResultAccept, ResultReject, ResultBan:
		case ResultFilter:
			continue
		default:
			return Subscriptions{}, errBadResult.With("key", key)
		}
		rs = append(rs, GrantResult{TemplateKey: key, TemplateID: t.ID, Result: res, LongTerm: t.LongTerm})
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].TemplateKey < rs[j].TemplateKey })
	if len(rs) > 0 {
		if err := s.store.RecordGrants(ctx, userID, rs, s.now()); err != nil {
			return Subscriptions{}, err
		}
	}
	return s.Subscriptions(ctx, userID)
}

// MaxPage is the largest page of messages.
const MaxPage = 100

// Messages returns the user's in-app messages, newest first, before
// message id beforeID (0: from the newest), and the number of unread ones.
// Every notice is there once it is due — sent as a WeChat message or not —
// except cancelled ones. limit may be one more than MaxPage: a page asks
// for one more row than it shows, to know whether another page follows.
func (s *Service) Messages(ctx context.Context, userID, beforeID int64, limit int) ([]Message, int, error) {
	if limit <= 0 || limit > MaxPage+1 {
		limit = 20
	}
	return s.store.Messages(ctx, userID, s.now(), beforeID, limit)
}

// MarkRead marks one of the user's messages read and returns the unread count.
func (s *Service) MarkRead(ctx context.Context, userID, id int64) (int, error) {
	n, err := s.store.MarkRead(ctx, userID, id, s.now())
	if errs.KindOf(err) == errs.KindNotFound {
		return 0, errNoMessage
	}
	return n, err
}

// ActivityMessages returns the delivery state of an activity's notices,
// after notice id afterID, and the count of its notices by status. Admins
// may see every activity; staff of the activity's community or
// organisation theirs (when an ActivityDirectory is wired).
func (s *Service) ActivityMessages(ctx context.Context, viewer resident.User, activityID, afterID int64, limit int, statuses ...string) ([]MessageRecord, map[string]int, error) {
	if !viewer.IsAdmin() && (s.activities == nil || !viewer.IsAnyStaff()) {
		return nil, nil, errNotStaff
	}
	// An activity that does not exist is 404 for admins too, not an empty list.
	if s.activities != nil {
		community, org, err := s.activities.ActivityOwner(ctx, activityID)
		if err != nil {
			return nil, nil, errs.NotFoundAs(err, errNoActivity)
		}
		if !viewer.IsAdmin() && !(community != 0 && viewer.IsStaffOf(community)) && !(org != 0 && viewer.IsStaffOfOrg(org)) {
			return nil, nil, errNotStaff
		}
	}
	if limit <= 0 || limit > MaxPage+1 { // one more than a page: whether another follows
		limit = 50
	}
	return s.store.ActivityMessages(ctx, activityID, afterID, limit, statuses)
}
