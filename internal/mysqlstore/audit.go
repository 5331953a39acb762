package mysqlstore

import (
	"context"
	"encoding/json"
	"reflect"
	"time"

	"gorm.io/gorm"

	"gongjian/internal/audit"
)

// auditRow is one entry of the append-only audit log.
type auditRow struct {
	ID            int64     `gorm:"primaryKey;autoIncrement"`
	At            time.Time `gorm:"not null;index:idx_audit_at,priority:1"`
	ActorID       int64     `gorm:"not null;default:0;index:idx_audit_actor,priority:1"`
	ActorName     string    `gorm:"size:64;not null;default:''"`
	ActorRole     string    `gorm:"size:24;not null;default:''"`
	Action        string    `gorm:"size:100;not null;index:idx_audit_action,priority:1"`
	ObjectType    string    `gorm:"size:32;not null;default:'';index:idx_audit_object,priority:1"`
	ObjectID      int64     `gorm:"not null;default:0;index:idx_audit_object,priority:2"`
	CommunityID   int64     `gorm:"not null;default:0"`
	SubdistrictID int64     `gorm:"not null;default:0;index:idx_audit_sub,priority:1"`
	Changes       string    `gorm:"type:text"`
	IP            string    `gorm:"size:64;not null;default:''"`
	RequestID     string    `gorm:"size:64;not null;default:''"`
}

func (auditRow) TableName() string { return "audit_log" }

// auditMigrations: the audit log, and triggers that refuse to change or
// remove an entry (append-only, in MySQL/MariaDB and SQLite alike).
var auditMigrations = []Migration{
	{ID: "1101_audit_log", Up: func(tx *gorm.DB) error {
		if err := createTables(&auditRow{})(tx); err != nil {
			return err
		}
		for _, op := range []string{"UPDATE", "DELETE"} {
			name := "audit_log_no_" + map[string]string{"UPDATE": "update", "DELETE": "delete"}[op]
			if err := tx.Exec("DROP TRIGGER IF EXISTS " + name).Error; err != nil {
				return err
			}
			var ddl string
			if tx.Dialector.Name() == "mysql" {
				ddl = "CREATE TRIGGER " + name + " BEFORE " + op + " ON audit_log FOR EACH ROW " +
					"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_log is append-only'"
			} else {
				ddl = "CREATE TRIGGER " + name + " BEFORE " + op + " ON audit_log BEGIN " +
					"SELECT RAISE(ABORT, 'audit_log is append-only'); END"
			}
			if err := tx.Exec(ddl).Error; err != nil {
				return err
			}
		}
		return nil
	}},
}

// createdObjects names the audited kind of object each table's rows are.
var createdObjects = map[string]string{
	"activities": "activity", "organizations": "organization", "communities": "community", "subdistricts": "subdistrict",
	"cobuild_units": "unit", "cobuild_needs": "need", "cobuild_resources": "resource", "cobuild_claims": "cobuild_claim",
	"rooms": "room", "room_closures": "closure", "room_bookings": "booking", "teams": "team",
}

// noteCreatedObjects registers the callback that gives an audit note
// creating an object the id of its row when the row is inserted (one row
// alone: a batch creates no one object), so entries of creations name
// what was created.
func noteCreatedObjects(g *gorm.DB) error {
	return g.Callback().Create().After("gorm:create").Register("gongjian:audit_created", func(tx *gorm.DB) {
		st := tx.Statement
		typ, ok := createdObjects[st.Table]
		if tx.Error != nil || !ok || st.Schema == nil || st.Schema.PrioritizedPrimaryField == nil || st.Context == nil {
			return
		}
		rv := reflect.Indirect(st.ReflectValue)
		if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
			if rv.Len() != 1 {
				return
			}
			rv = reflect.Indirect(rv.Index(0))
		}
		if rv.Kind() != reflect.Struct {
			return
		}
		if v, zero := st.Schema.PrioritizedPrimaryField.ValueOf(st.Context, rv); !zero {
			if id, ok := v.(int64); ok {
				audit.Created(st.Context, typ, id)
			}
		}
	})
}

// objectCommunities reads the community of an audited object by its id,
// per kind of object (those that belong to one).
var objectCommunities = map[string]string{
	"activity":              "SELECT community_id FROM activities WHERE id = ?",
	"session":               "SELECT a.community_id FROM sessions s JOIN activities a ON a.id = s.activity_id WHERE s.id = ?",
	"registration":          "SELECT a.community_id FROM registrations r JOIN activities a ON a.id = r.activity_id WHERE r.id = ?",
	"presence":              "SELECT a.community_id FROM self_presences p JOIN activities a ON a.id = p.activity_id WHERE p.id = ?",
	"claim":                 "SELECT community_id FROM hour_claims WHERE id = ?",
	"correction":            "SELECT community_id FROM hour_corrections WHERE id = ?",
	"need":                  "SELECT community_id FROM cobuild_needs WHERE id = ?",
	"cobuild_claim":         "SELECT community_id FROM cobuild_claims WHERE id = ?",
	"project":               "SELECT community_id FROM cobuild_projects WHERE id = ?",
	"wish":                  "SELECT community_id FROM cobuild_wishes WHERE id = ?",
	"proposal":              "SELECT community_id FROM cobuild_proposals WHERE id = ?",
	"residence_application": "SELECT community_id FROM residence_applications WHERE id = ?",
	"room":                  "SELECT community_id FROM rooms WHERE id = ?",
	"closure":               "SELECT r.community_id FROM room_closures c JOIN rooms r ON r.id = c.room_id WHERE c.id = ?",
	"booking":               "SELECT r.community_id FROM room_bookings b JOIN rooms r ON r.id = b.room_id WHERE b.id = ?",
	"team":                  "SELECT community_id FROM teams WHERE id = ?",
	"community":             "SELECT id FROM communities WHERE id = ?",
}

// objectCommunity is the community of the object an entry is about (0:
// none, unknown or gone), read inside tx.
func objectCommunity(tx *gorm.DB, objectType string, id int64) (int64, error) {
	q, ok := objectCommunities[objectType]
	if !ok || id == 0 {
		return 0, nil
	}
	var ids []int64
	if err := tx.Session(&gorm.Session{NewDB: true}).Raw(q, id).Scan(&ids).Error; err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return ids[0], nil
}

// writeAudit inserts entries inside tx (the change's transaction), placing
// each in a community and its subdistrict: the one the change names (the
// request's community_id), else its object's, else its actor's.
func writeAudit(tx *gorm.DB, entries []audit.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	rows := make([]auditRow, 0, len(entries))
	subOf := map[int64]int64{}
	for _, e := range entries {
		comm := e.CommunityID
		if comm == 0 {
			c, err := objectCommunity(tx, e.ObjectType, e.ObjectID)
			if err != nil {
				return err
			}
			comm = c
		}
		if comm == 0 {
			// A subdistrict itself, or the one the change names (an admin
			// role over a subdistrict): that subdistrict's entry.
			if sub := entrySubdistrict(e); sub != 0 {
				r, err := entryRow(e, 0, sub)
				if err != nil {
					return err
				}
				rows = append(rows, r)
				continue
			}
			comm = e.Actor.CommunityID
		}
		sub, ok := subOf[comm]
		if !ok && comm != 0 {
			var ids []int64
			if err := tx.Session(&gorm.Session{NewDB: true}).Model(&communityRow{}).Where("id = ?", comm).Pluck("subdistrict_id", &ids).Error; err != nil {
				return err
			}
			if len(ids) > 0 {
				sub = ids[0]
			}
			subOf[comm] = sub
		}
		r, err := entryRow(e, comm, sub)
		if err != nil {
			return err
		}
		rows = append(rows, r)
	}
	return tx.Session(&gorm.Session{NewDB: true}).Create(&rows).Error
}

// entrySubdistrict is the subdistrict an entry of no community is about:
// a subdistrict's own, or the subdistrict_id its changes name (0: none).
func entrySubdistrict(e audit.Entry) int64 {
	if e.ObjectType == "subdistrict" && e.ObjectID != 0 {
		return e.ObjectID
	}
	switch v := e.Changes["subdistrict_id"].(type) {
	case int64:
		return max(v, 0)
	case float64:
		if v > 0 && v == float64(int64(v)) {
			return int64(v)
		}
	}
	return 0
}

// entryRow is e as the log's row, in community comm of subdistrict sub.
func entryRow(e audit.Entry, comm, sub int64) (auditRow, error) {
	if len(e.Action) > 100 {
		e.Action = e.Action[:100]
	}
	ch := ""
	if len(e.Changes) > 0 {
		b, err := json.Marshal(e.Changes)
		if err != nil {
			return auditRow{}, err
		}
		ch = string(b)
	}
	return auditRow{At: e.At.UTC(), ActorID: e.Actor.UserID, ActorName: e.Actor.Name, ActorRole: e.Actor.Role,
		Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID, CommunityID: comm, SubdistrictID: sub,
		Changes: ch, IP: e.Actor.IP, RequestID: e.Actor.RequestID}, nil
}

// AuditStore reads the audit log (audit.Store); entries are written only
// by the transaction helper, with their change.
type AuditStore struct{ base }

// NewAuditStore returns the store.
func NewAuditStore(db *DB) *AuditStore { return &AuditStore{base{db}} }

// Record writes entries in a transaction of their own: for changes that
// are not database rows (an export handed out).
func (s *AuditStore) Record(ctx context.Context) error {
	return s.db.transaction(ctx, func(*gorm.DB) error { return nil })
}

// List lists entries newest first, keyset-paged by id.
func (s *AuditStore) List(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	q := s.db.G.WithContext(ctx).Model(&auditRow{})
	if !f.All {
		q = q.Where("subdistrict_id IN ?", append(f.SubdistrictIDs, -1))
	}
	q = whereEq(q, "subdistrict_id", f.SubdistrictID)
	q = whereEq(q, "community_id", f.CommunityID)
	q = whereEq(q, "actor_id", f.ActorID)
	q = whereEq(q, "actor_role", f.ActorRole)
	q = whereEq(q, "request_id", f.RequestID)
	q = whereEq(q, "action", f.Action)
	q = whereEq(q, "object_type", f.ObjectType)
	q = whereEq(q, "object_id", f.ObjectID)
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To.UTC())
	}
	if f.After != nil {
		q = q.Where("id < ?", f.After.ID)
	}
	var rows []auditRow
	if err := q.Order("id DESC").Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	out := make([]audit.Entry, 0, len(rows))
	for _, r := range rows {
		e := audit.Entry{ID: r.ID, At: r.At, Action: r.Action, ObjectType: r.ObjectType, ObjectID: r.ObjectID,
			CommunityID: r.CommunityID, SubdistrictID: r.SubdistrictID,
			Actor: audit.Actor{UserID: r.ActorID, Name: r.ActorName, Role: r.ActorRole, IP: r.IP, RequestID: r.RequestID}}
		if r.Changes != "" {
			_ = json.Unmarshal([]byte(r.Changes), &e.Changes)
		}
		out = append(out, e)
	}
	return out, nil
}
