package mysqlstore

import (
	"context"
	"database/sql/driver"
	"fmt"
	"time"

	"gongjian/internal/hours"
	"gongjian/internal/page"
)

// A person's service record is netted in the database per activity session
// from this index alone, so a record page costs the same whatever the
// length of the person's history (issue 14: 5,000 entries of one person).
var hoursRecordMigration = Migration{ID: "1264_hours_ledger_record", Up: createIndexes(
	index{"hours_ledger", "idx_ledger_user_record", "user_id, activity_id, session_id, source, served_at, minutes"})}

// recordLinesSQL nets the person's entries per activity session: a line is
// dated by its earliest entry and ordered by that date and its first entry.
const recordLinesSQL = `SELECT activity_id, session_id, MIN(served_at) AS line_date, MIN(id) AS first_id, SUM(minutes) AS minutes
FROM hours_ledger WHERE user_id = ? AND id <= ? GROUP BY activity_id, session_id HAVING SUM(minutes) > 0`

type recordLineRow struct {
	ActivityID, SessionID, FirstID int64
	LineDate                       dbTime
	Minutes                        int
}

// RecordSummary implements hours.Store.
func (s *HoursStore) RecordSummary(ctx context.Context, userID, upTo int64) (hours.RecordSummary, error) {
	var sum struct {
		Total, LineCount int
		FromAt, ToAt     dbTime
	}
	err := s.g(ctx).Raw("SELECT COALESCE(SUM(minutes), 0) AS total, COUNT(*) AS line_count, MIN(line_date) AS from_at, MAX(line_date) AS to_at FROM ("+
		recordLinesSQL+") g", userID, upTo).Scan(&sum).Error
	if err != nil {
		return hours.RecordSummary{}, translate(err, nil)
	}
	var last int64
	err = s.g(ctx).Raw("SELECT COALESCE(MAX(id), 0) FROM hours_ledger WHERE user_id = ? AND id <= ?", userID, upTo).Scan(&last).Error
	if err != nil {
		return hours.RecordSummary{}, translate(err, nil)
	}
	return hours.RecordSummary{TotalMinutes: sum.Total, Lines: sum.LineCount, From: sum.FromAt.Time, To: sum.ToAt.Time, LastEntryID: last}, nil
}

// RecordLines implements hours.Store: one netting query for the page, one
// query for the content and sources of its (at most limit) lines.
func (s *HoursStore) RecordLines(ctx context.Context, userID int64, after *page.Cursor, limit int) ([]hours.RecordLine, error) {
	q, args := recordLinesSQL, []any{userID, int64(1<<63 - 1)}
	if after != nil {
		at := time.UnixMilli(after.Key).UTC()
		q += " AND (MIN(served_at) > ? OR (MIN(served_at) = ? AND MIN(id) > ?))"
		args = append(args, at, at, after.ID)
	}
	var rows []recordLineRow
	if err := s.g(ctx).Raw(q+" ORDER BY line_date, first_id LIMIT ?", append(args, limit)...).Scan(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	type key struct{ a, s int64 }
	at := make(map[key]int, len(rows))
	pairs := make([][]any, 0, len(rows))
	out := make([]hours.RecordLine, len(rows))
	for i, r := range rows {
		at[key{r.ActivityID, r.SessionID}] = i
		pairs = append(pairs, []any{r.ActivityID, r.SessionID})
		out[i] = hours.RecordLine{ActivityID: r.ActivityID, SessionID: r.SessionID, Date: r.LineDate.Time, Minutes: r.Minutes, FirstEntryID: r.FirstID}
	}
	// The first entry of each line names its content; the sources come
	// from the index (grouped, in the order they first appeared), however
	// many entries a line nets.
	firstIDs := make([]int64, len(rows))
	for i, r := range rows {
		firstIDs[i] = r.FirstID
	}
	var firsts []struct {
		ID                            int64
		Content, Place, OrganiserName string
	}
	if err := s.g(ctx).Model(&hoursLedgerRow{}).Select("id, content, place, organiser_name").Where("id IN ?", firstIDs).
		Scan(&firsts).Error; err != nil {
		return nil, translate(err, nil)
	}
	byFirst := make(map[int64]int, len(rows))
	for i, r := range rows {
		byFirst[r.FirstID] = i
	}
	for _, f := range firsts {
		l := &out[byFirst[f.ID]]
		l.Content, l.Place, l.Organiser = f.Content, f.Place, f.OrganiserName
	}
	var sources []struct {
		ActivityID, SessionID, FirstID int64
		Source                         string
	}
	if err := s.g(ctx).Raw("SELECT activity_id, session_id, source, MIN(id) AS first_id FROM hours_ledger WHERE user_id = ? AND (activity_id, session_id) IN ? "+
		"GROUP BY activity_id, session_id, source ORDER BY first_id", userID, pairs).Scan(&sources).Error; err != nil {
		return nil, translate(err, nil)
	}
	for _, x := range sources {
		l := &out[at[key{x.ActivityID, x.SessionID}]]
		l.Sources = append(l.Sources, x.Source)
	}
	return out, nil
}

// dbTime scans a time computed by an aggregate: MariaDB gives a time,
// SQLite (the embedded default) the text it stores; NULL is the zero time.
type dbTime struct{ time.Time }

var dbTimeLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", time.RFC3339Nano}

// Scan implements sql.Scanner.
func (t *dbTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		t.Time = time.Time{}
		return nil
	case time.Time:
		t.Time = x.UTC()
		return nil
	case []byte:
		return t.parse(string(x))
	case string:
		return t.parse(x)
	}
	return fmt.Errorf("dbTime: cannot scan %T", v)
}

func (t *dbTime) parse(s string) error {
	for _, l := range dbTimeLayouts {
		if p, err := time.Parse(l, s); err == nil {
			t.Time = p.UTC()
			return nil
		}
	}
	return fmt.Errorf("dbTime: cannot parse %q", s)
}

// Value implements driver.Valuer (GORM maps a type it can scan only when
// it can also write it).
func (t dbTime) Value() (driver.Value, error) { return t.Time, nil }
