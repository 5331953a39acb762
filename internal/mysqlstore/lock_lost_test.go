package mysqlstore

import (
	"errors"
	"fmt"
	"testing"

	mysqldrv "github.com/go-sql-driver/mysql"

	"gongjian/internal/activity"
	"gongjian/internal/errs"
)

// A cancellation's transaction that lost a deadlock or a lock wait says so
// (the service runs it again whole) and is still UNAVAILABLE; every other
// failure is left as it was.
func TestLockLostMarksOnlyDeadlocksAndLockWaits(t *testing.T) {
	deadlock := &mysqldrv.MySQLError{Number: 1213, Message: "Deadlock found"}
	timeout := &mysqldrv.MySQLError{Number: 1205, Message: "Lock wait timeout exceeded"}
	dup := &mysqldrv.MySQLError{Number: 1062, Message: "Duplicate entry"}
	for _, tc := range []struct {
		name string
		err  error
		lost bool
	}{
		{"deadlock, translated", translate(deadlock, nil), true},
		{"lock wait timeout, translated", translate(timeout, nil), true},
		{"deadlock, raw", deadlock, true},
		{"duplicate", translate(dup, nil), false},
		{"commit unclear", fmt.Errorf("%w: %v", activity.ErrUnclear, deadlock), false},
		{"fenced", activity.ErrFenced, false},
		{"none", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := lockLost(tc.err)
			if errors.Is(got, activity.ErrLockLost) != tc.lost {
				t.Fatalf("lockLost(%v) = %v", tc.err, got)
			}
			if !tc.lost {
				if got != tc.err {
					t.Fatalf("lockLost(%v) changed it to %v", tc.err, got)
				}
				return
			}
			if errs.KindOf(got) != errs.KindUnavailable || errs.CodeOf(got) != "UNAVAILABLE" {
				t.Fatalf("lockLost(%v) = %v, want UNAVAILABLE", tc.err, got)
			}
			if again := lockLost(got); again != got {
				t.Fatalf("marked twice: %v", again)
			}
		})
	}
}
