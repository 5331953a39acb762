package activity_test

import (
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"
)

// heavierTransaction begins a transaction that has written 200 rows into
// a table of its own: when it and an operation under test deadlock,
// MySQL rolls back the lighter one, the operation. The caller goes on to
// take the rows the deadlock needs, then commits; it is rolled back at
// the end of the test otherwise.
func (e *env) heavierTransaction(t *testing.T) *gorm.DB {
	t.Helper()
	g := e.db.G
	table := fmt.Sprintf("deadlock_ballast_%d", time.Now().UnixNano())
	if err := g.Exec("CREATE TABLE " + table + " (id INT PRIMARY KEY)").Error; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Exec("DROP TABLE " + table) })
	other := g.Begin()
	t.Cleanup(func() { other.Rollback() })
	for i := 0; i < 200; i++ {
		if err := other.Exec("INSERT INTO "+table+" (id) VALUES (?)", i).Error; err != nil {
			t.Fatal(err)
		}
	}
	return other
}
