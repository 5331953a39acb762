package mysqlstore

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"gongjian/internal/pii"
	"gongjian/internal/resident"
)

// phoneSearch reports whether a searched text is phone digits ("5678",
// "139****5678") rather than a name.
func phoneSearch(text string) bool {
	return strings.Trim(text, "0123456789*") == "" && strings.ContainsAny(text, "0123456789")
}

// likeEscaper escapes LIKE's wildcards in a searched text (with ESCAPE
// '!': a backslash means different things to MySQL and SQLite).
var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

func likePattern(text string) string { return "%" + likeEscaper.Replace(text) + "%" }

// peopleMigrations index searches by phone digits: users.phone_tail is
// the masked phone's last four digits, last first, a column the database
// computes on every write (generated), so "5678", "78" and "139****5678"
// are a prefix of an index instead of a scan of every account.
var peopleMigrations = []Migration{{ID: "1270_users_phone_tail", Up: func(tx *gorm.DB) error {
	db := tx.Session(&gorm.Session{NewDB: true})
	if !db.Migrator().HasColumn("users", "phone_tail") {
		expr := "VARCHAR(4) AS (REVERSE(RIGHT(phone_masked, 4))) VIRTUAL"
		if tx.Dialector.Name() != "mysql" {
			expr = "TEXT GENERATED ALWAYS AS (substr(phone_masked, -1, 1) || substr(phone_masked, -2, 1) || substr(phone_masked, -3, 1) || substr(phone_masked, -4, 1)) VIRTUAL"
		}
		if err := db.Exec("ALTER TABLE users ADD COLUMN phone_tail " + expr).Error; err != nil {
			return err
		}
	}
	return createIndexes(index{"users", "idx_users_phone_tail", "phone_tail"})(tx)
}},
	// A name matches anywhere in it ("小明" finds 王小明), which no index
	// can seek; this one lets the search read the names alone (a short
	// index) instead of every account's whole row: 100,000 accounts, 68 →
	// 20 ms on a loaded machine.
	{ID: "1271_users_names", Up: createIndexes(index{"users", "idx_users_names", "real_name, nickname"})},
}

// phoneTail is the users.phone_tail prefix every account a phone search
// finds has: the text's last (up to four) digits, last first.
func phoneTail(text string) string {
	var b []byte
	for i := len(text) - 1; i >= 0 && len(b) < 4 && text[i] != '*'; i-- {
		b = append(b, text[i])
	}
	return string(b)
}

// personMatch narrows a query of users to those named like text (the real
// name, else the nickname) or, for phone digits, whose masked phone ends
// with them ("5678"), is the masked form given ("139****5678") or that of
// the whole number given ("13912345678"); phone digits read the
// phone_tail index first.
func personMatch(q *gorm.DB, text string) *gorm.DB {
	if phoneSearch(text) {
		return phoneMatch(q, text)
	}
	return nameMatch(q, text)
}

// phoneMatch narrows a query of users to those whose masked phone matches
// the phone digits text (see personMatch).
func phoneMatch(q *gorm.DB, text string) *gorm.DB {
	if tail := phoneTail(text); tail != "" {
		q = q.Where("phone_tail LIKE ?", tail+"%")
	}
	if strings.Contains(text, "*") {
		return q.Where("phone_masked = ?", text)
	}
	if len(text) == 11 && text[0] == '1' {
		// A whole mainland number (as a resident tells it to the
		// desk): the accounts showing its masked form.
		return q.Where("phone_masked = ?", pii.MaskPhone(text))
	}
	return q.Where("phone_masked LIKE ?", "%"+text)
}

// nameMatch narrows a query of users to those named like text: the real
// name, else the nickname, holds it.
func nameMatch(q *gorm.DB, text string) *gorm.DB {
	like := likePattern(text)
	return q.Where("(real_name LIKE ? ESCAPE '!' OR (real_name = '' AND nickname LIKE ? ESCAPE '!'))", like, like)
}

// People lists residents for staff, newest account first, keyset-paged
// (resident.PeopleFilter).
func (s *ResidentStore) People(ctx context.Context, f resident.PeopleFilter) ([]resident.User, error) {
	q := s.g(ctx).Model(&userRow{})
	if !f.All {
		q = q.Where("community_id IN ?", append(f.CommunityIDs, -1))
	}
	// Each text given narrows further; each is read as ?q= is (a name
	// field given digits still finds the phone, as it did alone).
	for _, text := range []string{f.Query, f.Name, f.Phone} {
		if text = strings.TrimSpace(text); text != "" {
			q = personMatch(q, text)
		}
	}
	if f.Role != "" && f.Role != resident.RoleResident {
		q = q.Where("id IN (?)", s.g(ctx).Model(&roleRow{}).Select("user_id").Where("role = ?", f.Role))
	}
	if f.After != nil {
		q = q.Where("id < ?", f.After.ID)
	}
	var rows []userRow
	if err := q.Order("id DESC").Limit(max(f.Limit, 1)).Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	return s.usersWithRoles(ctx, rows)
}
