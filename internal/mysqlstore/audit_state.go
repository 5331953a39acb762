package mysqlstore

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"gongjian/internal/audit"
)

// auditedRows are the row models of the kinds of object whose state an
// audit entry records before and after its change: the object's status
// columns and the columns the request names (changes["before"] and
// changes["after"] hold the columns that changed).
var auditedRows = map[string]any{
	"activity": &activityRow{}, "session": &sessionRow{}, "registration": &registrationRow{},
	"claim": &hourClaimRow{}, "correction": &hourCorrectionRow{}, "presence": &presenceRow{},
	"need": &cbNeedRow{}, "project": &cbProjectRow{}, "wish": &cbWishRow{}, "proposal": &cbProposalRow{},
	"residence_application": &residenceRow{}, "room": &roomRow{}, "booking": &roomBookingRow{},
	"community": &communityRow{}, "subdistrict": &subdistrictRow{}, "unit": &cbUnitRow{}, "team": &teamRow{},
	"alarm": &wbAlarmRow{},
}

// stateColumns are always read: an object's state.
var stateColumns = []string{"status", "review_status", "no_show"}

var auditSchemas sync.Map // object type → *schema.Schema

// auditState is the state of the objects a transaction's audit notes name,
// read before the change (by note: its index among the pending notes).
type auditState map[int]map[string]any

// auditColumns are the columns of e's object to read: its state columns
// and those its changes name (never its id or times of writing).
func auditColumns(db *gorm.DB, e audit.Entry) (string, []string) {
	model, ok := auditedRows[e.ObjectType]
	if !ok || e.ObjectID == 0 {
		return "", nil
	}
	var sch *schema.Schema
	if v, ok := auditSchemas.Load(e.ObjectType); ok {
		sch = v.(*schema.Schema)
	} else {
		stmt := &gorm.Statement{DB: db}
		if stmt.Parse(model) != nil {
			return "", nil
		}
		sch = stmt.Schema
		auditSchemas.Store(e.ObjectType, sch)
	}
	var cols []string
	for _, f := range sch.Fields {
		name := f.DBName
		if name == "" || name == "id" || name == "created_at" || name == "updated_at" {
			continue
		}
		if _, named := e.Changes[name]; named || slices.Contains(stateColumns, name) {
			cols = append(cols, name)
		}
	}
	return sch.Table, cols
}

// auditStart reads, as a transaction begins, the state of the objects the
// pending audit notes of ctx name (for auditFinish).
func auditStart(ctx context.Context, tx *gorm.DB) (auditState, error) {
	return readAuditState(tx, audit.Pending(ctx, time.Now()))
}

// auditFinish writes the pending audit notes of ctx inside tx, the
// change's transaction, with what changed since auditStart; it returns
// how many it wrote (audit.Written once tx has committed).
func auditFinish(ctx context.Context, tx *gorm.DB, before auditState) (int, error) {
	notes := audit.Pending(ctx, time.Now())
	if len(notes) == 0 {
		return 0, nil
	}
	if err := withBeforeAfter(tx, notes, before); err != nil {
		return 0, err
	}
	return len(notes), writeAudit(tx, notes)
}

// readAuditState reads the columns of each note's object inside tx.
func readAuditState(tx *gorm.DB, notes []audit.Entry) (auditState, error) {
	st := auditState{}
	for i, e := range notes {
		table, cols := auditColumns(tx, e)
		if len(cols) == 0 {
			continue
		}
		var rows []map[string]any
		if err := tx.Session(&gorm.Session{NewDB: true}).Table(table).Select(cols).Where("id = ?", e.ObjectID).Limit(1).Find(&rows).Error; err != nil {
			return nil, err
		}
		if len(rows) == 1 {
			st[i] = plainValues(rows[0])
		}
	}
	return st, nil
}

// plainValues makes the values a map scan gives JSON-friendly (text as
// strings, times in UTC).
func plainValues(m map[string]any) map[string]any {
	for k, v := range m {
		switch x := v.(type) {
		case []byte:
			m[k] = string(x)
		case time.Time:
			m[k] = x.UTC()
		case *time.Time:
			if x != nil {
				m[k] = x.UTC()
			}
		}
	}
	return m
}

// withBeforeAfter adds to each note whose object was read before the
// change the columns that changed: changes["before"] and changes["after"].
func withBeforeAfter(tx *gorm.DB, notes []audit.Entry, before auditState) error {
	if len(before) == 0 {
		return nil
	}
	after, err := readAuditState(tx, notes)
	if err != nil {
		return err
	}
	for i, old := range before {
		if i >= len(notes) {
			continue
		}
		now := after[i]
		b, a := map[string]any{}, map[string]any{}
		for k, v := range old {
			if nv, ok := now[k]; ok && !sameValue(v, nv) {
				b[k], a[k] = v, nv
			}
		}
		if len(b) == 0 {
			continue
		}
		ch := maps.Clone(notes[i].Changes)
		if ch == nil {
			ch = map[string]any{}
		}
		ch["before"], ch["after"] = audit.Clean(b), audit.Clean(a)
		notes[i].Changes = ch
	}
	return nil
}

func sameValue(a, b any) bool {
	if ta, ok := a.(time.Time); ok {
		tb, ok := b.(time.Time)
		return ok && ta.Equal(tb)
	}
	return a == b
}
