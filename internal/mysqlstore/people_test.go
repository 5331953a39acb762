package mysqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"gongjian/internal/activity"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/resident"
)

// Searches by name fragment and phone digits find the same people whether
// a name matches a few accounts (their ids are looked up first) or very
// many (registrations are read in page order), a family member by their
// own name, and phones by the generated phone_tail column, which follows
// every write of the masked phone (rows written straight to the table
// included).
func TestPeopleAndRegistrationSearch(t *testing.T) {
	for name, db := range bothDialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			g := db.G
			exec := func(q string, args ...any) {
				t.Helper()
				if err := g.Exec(q, args...).Error; err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			user := func(open, real, nick, phone string) int64 {
				t.Helper()
				exec("INSERT INTO users (open_id, nickname, real_name, community_id, phone_masked, created_at, updated_at) VALUES (?, ?, ?, 1, ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", open, nick, real, phone)
				var id int64
				if err := g.Raw("SELECT id FROM users WHERE open_id = ?", open).Scan(&id).Error; err != nil {
					t.Fatal(err)
				}
				return id
			}
			reg := func(userID, dependentID int64) int64 {
				t.Helper()
				key := fmt.Sprintf("u%dd%d", userID, dependentID)
				exec("INSERT INTO registrations (activity_id, session_id, group_key, user_id, dependent_id, attendee_key, live_key, status, first_status, source, created_at, updated_at) VALUES (1, 1, ?, ?, ?, ?, ?, 'confirmed', 'confirmed', 'self', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
					key, userID, dependentID, key, key)
				var id int64
				if err := g.Raw("SELECT id FROM registrations WHERE group_key = ?", key).Scan(&id).Error; err != nil {
					t.Fatal(err)
				}
				return id
			}
			wang := user("o-wang", "王小明", "明明", "139****5678")
			li := user("o-li", "李四", "", "138****1278")
			nick := user("o-nick", "", "Tom小明", "")
			exec("INSERT INTO dependents (user_id, name, relation, birth_date, gender, created_at, updated_at) VALUES (?, '王小红', 'child', '2015-01-01', 'female', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", li)
			var hong int64
			if err := g.Raw("SELECT id FROM dependents WHERE name = '王小红'").Scan(&hong).Error; err != nil {
				t.Fatal(err)
			}
			rWang, rLi, rHong, rNick := reg(wang, 0), reg(li, 0), reg(li, hong), reg(nick, 0)

			residents := mysqlstore.NewResidentStore(db)
			acts := mysqlstore.NewActivityStore(db)
			people := func(q string) string {
				t.Helper()
				us, err := residents.People(ctx, resident.PeopleFilter{All: true, Query: q, Limit: 50})
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, u := range us {
					ids = append(ids, fmt.Sprint(u.ID))
				}
				return strings.Join(ids, " ")
			}
			regs := func(q string, limit int) string {
				t.Helper()
				ds, err := acts.Registrations(ctx, activity.RegistrationFilter{ScopeAll: true, Query: q, Newest: true, Limit: limit})
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, d := range ds {
					ids = append(ids, fmt.Sprint(d.Registration.ID))
				}
				return strings.Join(ids, " ")
			}
			ids := func(xs ...int64) string { return strings.Trim(fmt.Sprint(xs), "[]") }
			for _, c := range []struct {
				q            string
				people, regs string
			}{
				{"小明", ids(nick, wang), ids(rNick, rWang)},
				{"王小", ids(wang), ids(rHong, rWang)},
				{"王小红", "", ids(rHong)},
				{"李四", ids(li), ids(rLi)},
				{"tom", ids(nick), ids(rNick)},
				{"5678", ids(wang), ids(rWang)},
				{"78", ids(li, wang), ids(rHong, rLi, rWang)},
				{"8", ids(li, wang), ids(rHong, rLi, rWang)},
				{"139****5678", ids(wang), ids(rWang)},
				{"139****", "", ""},
				{"45678", "", ""},
				{"1234", "", ""},
			} {
				if got := people(c.q); got != c.people {
					t.Errorf("people %q: got [%s], want [%s]", c.q, got, c.people)
				}
				if got := regs(c.q, 20); got != c.regs {
					t.Errorf("registrations %q: got [%s], want [%s]", c.q, got, c.regs)
				}
			}
			// A changed phone is found by its new digits at once.
			exec("UPDATE users SET phone_masked = '137****1234' WHERE id = ?", wang)
			if got := people("1234"); got != ids(wang) {
				t.Errorf("after a phone change, people 1234: [%s]", got)
			}
			if got := people("5678"); got != "" {
				t.Errorf("after a phone change, people 5678: [%s]", got)
			}
			// A name more accounts have than a search looks up one by one
			// (500): the newest registrations are still served, in order.
			var want []int64
			for i := range 600 {
				want = append(want, reg(user(fmt.Sprintf("o-zhang%d", i), fmt.Sprintf("张%d", i), "", ""), 0))
			}
			if got := regs("张", 3); got != ids(want[599], want[598], want[597]) {
				t.Errorf("a common name: got [%s]", got)
			}
			if got := regs("张59", 3); got != ids(want[599], want[598], want[597]) {
				t.Errorf("a name of a few (张59…): got [%s]", got)
			}
		})
	}
}
