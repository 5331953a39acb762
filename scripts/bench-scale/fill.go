package main

import (
	"database/sql"
	"fmt"
	"time"

	"gongjian/internal/wxemu"
)

// volumes are the rows the fill writes at -scale 1: a district after a
// few years (issue 14).
type volumes struct {
	users, open, finished, regs, bigRegs, heavyRegs, outbox, heavyMessages, hours, heavyHours int
}

func volumesAt(f float64) volumes {
	n := func(x int) int { return max(1, int(float64(x)*f)) }
	return volumes{users: n(100000), open: n(5000), finished: n(2500), regs: n(1000000), bigRegs: n(50000), heavyRegs: n(2000),
		outbox: n(1000000), heavyMessages: n(500), hours: n(100000), heavyHours: n(5000)}
}

// Names of the accounts the bench logs in as.
const (
	appID     = "wxemulator0000000"
	adminName = "bench-scale-admin"
	heavyName = "bench-scale-heavy" // the resident with 2,000 registrations and 5,000 hours entries
)

// seedBase writes the communities, the host organisation and the heavy
// resident (whose open id the emulator's login maps to).
func seedBase(db *sql.DB) (community, org, heavy int64, err error) {
	now := time.Now().UTC()
	for i, name := range []string{"阳光社区", "幸福里社区", "和平社区"} {
		r, err := db.Exec("INSERT INTO communities (name, address, created_at) VALUES (?, ?, ?)", name, fmt.Sprintf("第%d街道", i+1), now)
		if err != nil {
			return 0, 0, 0, err
		}
		if i == 0 {
			community, _ = r.LastInsertId()
		}
	}
	r, err := db.Exec("INSERT INTO organizations (name, type, parent_id, created_at) VALUES ('区青少年宫', 'co_building_unit', 0, ?)", now)
	if err != nil {
		return 0, 0, 0, err
	}
	org, _ = r.LastInsertId()
	if _, err := db.Exec("INSERT INTO organization_communities (org_id, community_id) SELECT ?, id FROM communities", org); err != nil {
		return 0, 0, 0, err
	}
	r, err = db.Exec("INSERT INTO users (open_id, community_id, real_name, created_at, updated_at) VALUES (?, ?, '王秀英', ?, ?)",
		wxemu.OpenID(appID, heavyName), community, now, now)
	if err != nil {
		return 0, 0, 0, err
	}
	heavy, _ = r.LastInsertId()
	return community, org, heavy, nil
}

// fill writes the volumes with set-based SQL (INSERT … SELECT over a
// sequence table), quietly; it returns the id of the activity with the
// most registrations.
func fill(db *sql.DB, v volumes, org, heavy int64) (big int64, err error) {
	step := func(what string, q string, args ...any) {
		if err != nil {
			return
		}
		t := time.Now()
		var r sql.Result
		if r, err = db.Exec(q, args...); err != nil {
			err = fmt.Errorf("%s: %w", what, err)
			return
		}
		n, _ := r.RowsAffected()
		fmt.Printf("  %-34s %9d rows  %5.1f s\n", what, n, time.Since(t).Seconds())
	}
	need := max(v.users, v.regs, v.outbox, v.hours, v.open+v.finished)
	step("sequence", "CREATE TABLE bench_seq (n INT NOT NULL PRIMARY KEY)")
	step("sequence", "INSERT INTO bench_seq VALUES (1)")
	for k := 1; k < need && err == nil; k *= 2 {
		step("sequence", "INSERT INTO bench_seq SELECT n + ? FROM bench_seq WHERE n + ? <= ?", k, k, need)
	}
	now := time.Now().UTC().Truncate(time.Minute)
	step("users", `INSERT INTO users (open_id, community_id, real_name, created_at, updated_at)
SELECT CONCAT('obench-', n), 1 + n % 3, CONCAT('居民', n), ?, ? FROM bench_seq WHERE n <= ?`, now, now, v.users)
	// Open activities: first sessions spread over the next 60 days, two
	// sessions a day apart; finished ones over the last year.
	const cols = `title, category, description, community_id, host_org_id, address, lat, lng, cover_url, status, signup_opens_at, signup_closes_at,
cancel_deadline_minutes, per_account_limit, series, popular, community_only, min_age, max_age, roles, questions, first_starts_at, last_ends_at,
cancel_reason, quota_epoch, created_by, created_at, updated_at`
	spread := 60 * 24 * 60 / max(1, v.open) // minutes between first sessions
	step("activities (open)", `INSERT INTO activities (`+cols+`)
SELECT CONCAT('社区活动 ', n), 'lecture', '', 1 + n % 3, ?, '社区活动室', 0, 0, '', 'published', ?, DATE_ADD(?, INTERVAL 30 DAY),
 60, 0, 0, 0, 0, 0, 0, '', '[]', ? + INTERVAL (1440 + n * ?) MINUTE, ? + INTERVAL (2880 + 120 + n * ?) MINUTE,
 '', 1, 0, ?, ? FROM bench_seq WHERE n <= ?`, org, now.Add(-24*time.Hour), now, now, spread, now, spread, now, now, v.open)
	step("activities (finished)", `INSERT INTO activities (`+cols+`)
SELECT CONCAT('往期活动 ', n), 'lecture', '', 1 + n % 3, ?, '社区活动室', 0, 0, '', 'finished', ?, ?,
 60, 0, 0, 0, 0, 0, 0, '', '[]', ? - INTERVAL (n * 200) MINUTE, ? - INTERVAL (n * 200 - 1560) MINUTE,
 '', 1, 0, ?, ? FROM bench_seq WHERE n <= ?`, org, now.Add(-400*24*time.Hour), now.Add(-400*24*time.Hour), now.Add(-48*time.Hour), now.Add(-48*time.Hour), now, now, v.finished)
	if err != nil {
		return 0, err
	}
	if err = db.QueryRow("SELECT MIN(id) FROM activities WHERE status = 'published' AND title LIKE '社区活动 %'").Scan(&big); err != nil {
		return 0, err
	}
	step("sessions", `INSERT INTO sessions (activity_id, starts_at, ends_at, capacity, waitlist_capacity, created_at, updated_at)
SELECT a.id, a.first_starts_at + INTERVAL k.k DAY, a.first_starts_at + INTERVAL k.k DAY + INTERVAL 2 HOUR,
 IF(a.id = ?, ?, 200), 20, ?, ? FROM activities a JOIN (SELECT 0 AS k UNION ALL SELECT 1) k WHERE a.title LIKE '%活动 %'`, big, v.bigRegs, now, now)
	var sess, firstSess int
	if err == nil {
		err = db.QueryRow("SELECT COUNT(*), MIN(id) FROM sessions").Scan(&sess, &firstSess)
	}
	const rcols = `activity_id, session_id, group_key, user_id, dependent_id, attendee_key, live_key, status, first_status, first_position, no_show, source, reason, cancel_reason, cancelled_by, created_at, updated_at, starts_at, ends_at`
	// The big activity: bigRegs residents over its two sessions.
	step("registrations (big activity)", `INSERT INTO registrations (`+rcols+`)
SELECT s.activity_id, s.id, CONCAT('b', q.n), q.n + 1, 0, CONCAT('u', q.n + 1), CONCAT('u', q.n + 1), 'confirmed', 'confirmed', 0, 0, 'self', '', '', 0, ?, ?, s.starts_at, s.ends_at
FROM bench_seq q JOIN sessions s ON s.activity_id = ? AND s.id = (SELECT MIN(id) FROM sessions WHERE activity_id = ?) + q.n % 2 WHERE q.n <= ?`, now, now, big, big, v.bigRegs)
	// The heavy resident: one registration in each of heavyRegs sessions.
	step("registrations (heavy resident)", `INSERT IGNORE INTO registrations (`+rcols+`)
SELECT s.activity_id, s.id, CONCAT('h', s.id), ?, 0, CONCAT('u', ?), CONCAT('u', ?), 'confirmed', 'confirmed', 0, 0, 'self', '', '', 0, ?, ?, s.starts_at, s.ends_at
FROM sessions s WHERE s.activity_id <> ? ORDER BY s.id LIMIT ?`, heavy, heavy, heavy, now, now, big, v.heavyRegs)
	// The rest: each session gets residents (k * m + session) % users, distinct per session.
	rest := v.regs - v.bigRegs - v.heavyRegs
	m := max(1, v.users/(rest/max(1, sess)+3))
	step("registrations (everyone)", `INSERT IGNORE INTO registrations (`+rcols+`)
SELECT s.activity_id, s.id, CONCAT('r', q.n), u, 0, CONCAT('u', u), CONCAT('u', u), 'confirmed', 'confirmed', 0, 0, 'self', '', '', 0, ?, ?, s.starts_at, s.ends_at
FROM (SELECT n, ? + n % ? AS sid, (FLOOR(n / ?) * ? + n % ?) % ? + 1 AS u FROM bench_seq WHERE n <= ?) q
JOIN sessions s ON s.id = q.sid WHERE s.activity_id <> ?`, now, now, firstSess, sess, sess, m, sess, v.users, rest, big)
	step("session counters", "DELETE FROM session_counters")
	step("session counters", `INSERT INTO session_counters (session_id, activity_id, confirmed, waitlisted, updated_at)
SELECT s.id, s.activity_id, COUNT(r.id), 0, ? FROM sessions s LEFT JOIN registrations r ON r.session_id = s.id AND r.status = 'confirmed' GROUP BY s.id, s.activity_id`,
		now.Add(-time.Hour))
	// What the server keeps on each activity for the "has seats" filter
	// (mysqlstore/activity_seats.go; no series here).
	step("seats until", `UPDATE activities SET seats_until = (SELECT MAX(s.starts_at) FROM sessions s
WHERE s.activity_id = activities.id AND s.capacity > COALESCE((SELECT c.confirmed FROM session_counters c WHERE c.session_id = s.id), 0))`)
	step("outbox", `INSERT INTO outbox (user_id, template_key, dedup_key, title, body, page, activity_id, registration_id, status, due_at, read_at, created_at, updated_at, priority, sent_at)
SELECT IF(n <= ?, ?, n % ? + 1), 'registration_confirmed', CONCAT('bench-', n), '报名成功', '您已成功报名「社区活动」，请按时参加。', 'pages/registrations/index', 0, 0,
 'sent', DATE_SUB(?, INTERVAL n SECOND), IF(n % 3 = 0, NULL, ?), DATE_SUB(?, INTERVAL n SECOND), ?, 1, DATE_SUB(?, INTERVAL n SECOND)
FROM bench_seq WHERE n <= ?`, v.heavyMessages, heavy, v.users, now, now, now, now, now, v.outbox)
	step("hours ledger", `INSERT INTO hours_ledger (user_id, activity_id, session_id, minutes, source, served_at, activity_title, content, place, organiser_name, host_org_id, created_at)
SELECT IF(n <= ?, ?, n % ? + 1), 0, 0, 120, 'checkin', DATE_SUB(?, INTERVAL n * 7 MINUTE), '往期活动', '志愿服务', '社区活动室', '区青少年宫', ?, ?
FROM bench_seq WHERE n <= ?`, v.heavyHours, heavy, v.users, now, org, now, v.hours)
	step("sequence", "DROP TABLE bench_seq")
	if err == nil {
		var rows *sql.Rows
		if rows, err = db.Query("ANALYZE TABLE activities, sessions, registrations, session_counters, outbox, hours_ledger, users"); err == nil {
			rows.Close()
		}
	}
	return big, err
}
