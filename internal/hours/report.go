package hours

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"gongjian/internal/cst"
	"gongjian/internal/errs"
	"gongjian/internal/page"
	"gongjian/internal/resident"
)

// PersonTotal is one person's minutes in a report.
type PersonTotal struct {
	Rank          int
	UserID        int64
	Name          string
	OrgID         int64
	OrgName       string
	CommunityID   int64
	CommunityName string
	Minutes       int
	Entries       int
}

// CommunityTotal is one community's minutes.
type CommunityTotal struct {
	CommunityID int64
	Name        string
	Minutes     int
	Persons     int
}

// Report is the roll-up of a date range.
type Report struct {
	From, To     time.Time // [From, To)
	TotalMinutes int
	Entries      int
	Persons      []PersonTotal // by minutes, most first
	Orgs         []OrgTotal    // tree order, rolled up
	Communities  []CommunityTotal
	Leaderboard  []PersonTotal // the first LeaderboardSize persons
}

// LeaderboardSize is how many persons the leaderboard shows.
const LeaderboardSize = 20

// ParseRange reads from/to dates (2025-03-01, inclusive, CST) into [From, To).
// Either may also be an RFC 3339 time, taken as the instant it names (to
// then ends the range there, exclusive).
func ParseRange(from, to string, now time.Time) (time.Time, time.Time, error) {
	bad := errs.Invalid("BAD_DATE_RANGE", "日期格式应为 2025-03-01，且开始日期不晚于结束日期")
	n := now.In(cst.Zone)
	f := time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, cst.Zone)
	t := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, cst.Zone).AddDate(0, 0, 1)
	read := func(s string, dst *time.Time, end bool) bool {
		if s == "" {
			return true
		}
		if d, err := time.ParseInLocation("2006-01-02", s, cst.Zone); err == nil {
			if end {
				d = d.AddDate(0, 0, 1)
			}
			*dst = d
			return true
		}
		x, err := time.Parse(time.RFC3339, s)
		*dst = x
		return err == nil
	}
	if !read(from, &f, false) || !read(to, &t, true) {
		return f, t, bad
	}
	// MySQL's driver cannot send a time before the year 1 (UTC): keep to
	// the years DATETIME holds.
	if !f.Before(t) || t.Sub(f) > 3*366*24*time.Hour || f.UTC().Year() < 1000 || t.UTC().Year() > 9999 {
		return f, t, bad
	}
	return f, t, nil
}

// reportScope is what u may see: admins all; staff of organisations their
// subtrees' members; community staff their communities' people.
func reportScope(u resident.User, tree []Org) (Filter, bool) {
	sv := u.Serves()
	if sv.All {
		return Filter{All: true}, true
	}
	f := Filter{CommunityIDs: sv.CommunityIDs, OrgIDs: Subtree(tree, sv.OrgIDs)}
	return f, len(f.OrgIDs) > 0 || len(f.CommunityIDs) > 0
}

// Report rolls the ledger up for [from, to): per person, per organisation
// (each organisation counting everything below it) and per community.
func (s *Service) Report(ctx context.Context, u resident.User, from, to time.Time) (Report, error) {
	tree, err := s.orgs.OrgTree(ctx)
	if err != nil {
		return Report{}, err
	}
	f, ok := reportScope(u, tree)
	if !ok {
		return Report{}, errs.Forbidden("FORBIDDEN", "只有工作人员可以查看服务时长统计")
	}
	f.From, f.To = from, to
	sums, err := s.store.Sums(ctx, f)
	if err != nil {
		return Report{}, err
	}
	cs, err := s.people.ListCommunities(ctx)
	if err != nil {
		return Report{}, err
	}
	return s.buildReport(ctx, from, to, tree, cs, sums), nil
}

func (s *Service) buildReport(ctx context.Context, from, to time.Time, tree []Org, cs []resident.Community, sums []Sum) Report {
	r := Report{From: from, To: to}
	orgName := map[int64]string{}
	for _, o := range tree {
		orgName[o.ID] = o.Name
	}
	comName := map[int64]string{}
	for _, c := range cs {
		comName[c.ID] = c.Name
	}
	persons := map[int64]*PersonTotal{}
	// A person who moved between organisations or communities in the range
	// is listed under the one with most of their minutes.
	byOrg, byCom := map[int64]map[int64]int{}, map[int64]map[int64]int{}
	add := func(m map[int64]map[int64]int, user, id int64, n int) {
		if m[user] == nil {
			m[user] = map[int64]int{}
		}
		m[user][id] += n
	}
	coms := map[int64]*CommunityTotal{}
	comPersons := map[int64]map[int64]bool{}
	for _, x := range sums {
		r.TotalMinutes += x.Minutes
		r.Entries += x.Entries
		p := persons[x.UserID]
		if p == nil {
			p = &PersonTotal{UserID: x.UserID}
			persons[x.UserID] = p
		}
		p.Minutes += x.Minutes
		p.Entries += x.Entries
		add(byOrg, x.UserID, x.OrgID, x.Minutes)
		add(byCom, x.UserID, x.CommunityID, x.Minutes)
		if x.CommunityID != 0 {
			c := coms[x.CommunityID]
			if c == nil {
				c = &CommunityTotal{CommunityID: x.CommunityID, Name: comName[x.CommunityID]}
				coms[x.CommunityID] = c
				comPersons[x.CommunityID] = map[int64]bool{}
			}
			c.Minutes += x.Minutes
			comPersons[x.CommunityID][x.UserID] = true
		}
	}
	best := func(m map[int64]map[int64]int, user int64) int64 {
		var id int64
		most, found := 0, false
		for d, n := range m[user] {
			if d != 0 && (!found || n > most || n == most && d < id) {
				id, most, found = d, n, true
			}
		}
		return id
	}
	ids := make([]int64, 0, len(persons))
	for id := range persons {
		ids = append(ids, id)
	}
	names, _ := s.store.Names(ctx, ids)
	for _, p := range persons {
		p.OrgID, p.CommunityID = best(byOrg, p.UserID), best(byCom, p.UserID)
		p.OrgName, p.CommunityName, p.Name = orgName[p.OrgID], comName[p.CommunityID], names[p.UserID]
		r.Persons = append(r.Persons, *p)
	}
	sort.Slice(r.Persons, func(i, j int) bool {
		if r.Persons[i].Minutes != r.Persons[j].Minutes {
			return r.Persons[i].Minutes > r.Persons[j].Minutes
		}
		return r.Persons[i].UserID < r.Persons[j].UserID
	})
	for i := range r.Persons {
		r.Persons[i].Rank = i + 1
		if i > 0 && r.Persons[i].Minutes == r.Persons[i-1].Minutes {
			r.Persons[i].Rank = r.Persons[i-1].Rank
		}
	}
	r.Leaderboard = r.Persons[:min(LeaderboardSize, len(r.Persons))]
	// Party organisations (and any other organisation its members' hours
	// count for) in tree order.
	types := map[int64]string{}
	for _, o := range tree {
		types[o.ID] = o.Type
	}
	for _, o := range RollUp(tree, sums) {
		if t := types[o.OrgID]; t == "" || t == OrgParty || o.Minutes != 0 {
			r.Orgs = append(r.Orgs, o)
		}
	}
	for id, c := range coms {
		c.Persons = len(comPersons[id])
		r.Communities = append(r.Communities, *c)
	}
	sort.Slice(r.Communities, func(i, j int) bool { return r.Communities[i].CommunityID < r.Communities[j].CommunityID })
	return r
}

// ---- the service record ----

// RecordLine is one service in a record: the net of an activity session's
// entries (corrections included), dated by its earliest entry; its content,
// place and organiser are those of its first entry, Sources those of all
// its entries in the order they were written.
type RecordLine struct {
	ActivityID int64
	SessionID  int64
	Content    string
	Date       time.Time
	Place      string
	Organiser  string
	Minutes    int
	Sources    []string
	// FirstEntryID is the line's first ledger entry: lines of the same date
	// follow its order.
	FirstEntryID int64
}

// Record is a person's 志愿服务记录.
type Record struct {
	Number         string
	UserID         int64
	Name           string
	IDNumberMasked string
	Lines          []RecordLine // oldest first
	TotalMinutes   int
	GeneratedAt    time.Time
	// Issuer names who issues the record; VerifyURL is the public page
	// that verifies it by its number (printed with its QR code).
	Issuer    string
	VerifyURL string
}

// RecordSummary is the state of a person's record: the lines (activity
// sessions with a positive net) counted and totalled, the dates of the first
// and last, and the last ledger entry of the person it was made from
// (corrections included).
type RecordSummary struct {
	TotalMinutes int
	Lines        int
	From, To     time.Time
	LastEntryID  int64
}

// RecordLineMax is the most lines a record page holds (the JSON record pages;
// the printable record reads all its lines in pages of this size).
const RecordLineMax = 500

// Record builds the person's whole service record (every line: the printable
// sheet). Its number identifies the person and the ledger state it was made
// from, with a keyed check so a printed record can be verified against the
// ledger (VerifyRecord).
func (s *Service) Record(ctx context.Context, userID int64) (Record, error) {
	rec, next, err := s.RecordPage(ctx, userID, nil, RecordLineMax)
	for err == nil && next != nil {
		var more []RecordLine
		if more, err = s.store.RecordLines(ctx, userID, next, RecordLineMax+1); err == nil {
			more, next = trimLines(more, RecordLineMax)
			rec.Lines = append(rec.Lines, more...)
		}
	}
	if err != nil {
		return Record{}, err
	}
	return rec, nil
}

// RecordPage is the person's service record with the lines after the cursor
// (oldest first, at most limit) and the cursor of the next page (nil on the
// last). The lines are netted in the database per activity session, so a
// page costs the same whatever the length of the person's history.
func (s *Service) RecordPage(ctx context.Context, userID int64, after *page.Cursor, limit int) (Record, *page.Cursor, error) {
	u, err := s.people.UserByID(ctx, userID)
	if err != nil {
		return Record{}, nil, err
	}
	sum, err := s.store.RecordSummary(ctx, userID, math.MaxInt64)
	if err != nil {
		return Record{}, nil, err
	}
	var lines []RecordLine
	if limit > 0 {
		if lines, err = s.store.RecordLines(ctx, userID, after, limit+1); err != nil {
			return Record{}, nil, err
		}
	}
	lines, next := trimLines(lines, limit)
	masked, err := s.store.IdentityMasked(ctx, userID)
	if err != nil {
		return Record{}, nil, err
	}
	rec := Record{UserID: userID, Name: displayName(u), IDNumberMasked: masked, Lines: lines, TotalMinutes: sum.TotalMinutes,
		GeneratedAt: s.now().UTC(), Issuer: s.cfg.RecordIssuer}
	rec.Number = s.recordNumber(userID, sum.LastEntryID, sum.TotalMinutes)
	rec.VerifyURL = s.RecordURL(rec.Number)
	return rec, next, nil
}

// trimLines keeps limit lines and gives the cursor after the last one when
// more were read.
func trimLines(lines []RecordLine, limit int) ([]RecordLine, *page.Cursor) {
	if len(lines) <= limit {
		return lines, nil
	}
	lines = lines[:limit]
	c := lines[limit-1].Cursor()
	return lines, &c
}

// Cursor is the line's position in its record: its date (ms) and its first
// entry.
func (l RecordLine) Cursor() page.Cursor {
	return page.Cursor{Key: l.Date.UnixMilli(), ID: l.FirstEntryID}
}

// recordNumber is ZYJL-<user>-<last entry>-<check>, the check being a keyed
// hash of the three values.
func (s *Service) recordNumber(userID, lastEntry int64, total int) string {
	m := hmac.New(sha256.New, []byte(s.box.Hash("gongjian/hours/record")))
	fmt.Fprintf(m, "%d|%d|%d", userID, lastEntry, total)
	check := base32.StdEncoding.EncodeToString(m.Sum(nil))[:6]
	return fmt.Sprintf("ZYJL-%06d-%d-%s", userID, lastEntry, strings.ToUpper(check))
}
