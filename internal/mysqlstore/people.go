package mysqlstore

import (
	"context"
	"strings"

	"gorm.io/gorm"

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

// personMatch narrows a query of users to those named like text (the real
// name, else the nickname) or, for phone digits, whose masked phone ends
// with them ("5678") or is the masked form given ("139****5678").
func personMatch(q *gorm.DB, text string) *gorm.DB {
	switch {
	case phoneSearch(text) && strings.Contains(text, "*"):
		return q.Where("phone_masked = ?", text)
	case phoneSearch(text):
		return q.Where("phone_masked LIKE ?", "%"+text)
	}
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
	if text := strings.TrimSpace(f.Query); text != "" {
		q = personMatch(q, text)
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
