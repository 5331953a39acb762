package mysqlstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"gongjian/internal/mysqlstore"
	"gongjian/internal/resident"
	"gongjian/internal/testenv"
)

// bothDialects opens a fresh, migrated SQLite file and (when reachable) a
// fresh MariaDB database.
func bothDialects(t *testing.T) map[string]*mysqlstore.DB {
	kinds := map[string]mysqlstore.Options{"sqlite": {SQLitePath: filepath.Join(t.TempDir(), "s.db")}}
	if dsn := testenv.DSN(t); dsn != "" {
		kinds["mysql"] = mysqlstore.Options{DSN: dsn}
	}
	out := map[string]*mysqlstore.DB{}
	for name, o := range kinds {
		db, err := mysqlstore.Open(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		out[name] = db
	}
	return out
}

// A database from before subdistricts (communities, roles) gains them: every
// existing community lands in 默认街道, roles survive, and subdistrict
// admins can be granted beside district ones.
func TestExistingCommunitiesMigrateIntoTheDefaultSubdistrict(t *testing.T) {
	for name, db := range bothDialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			g := db.G
			// Back to the schema before 1100: no subdistricts, communities without one.
			for _, q := range []string{
				"DROP TABLE subdistricts",
				"INSERT INTO communities (name, address, subdistrict_id, created_at) VALUES ('老城社区', '', 0, CURRENT_TIMESTAMP), ('新村社区', '', 0, CURRENT_TIMESTAMP)",
				"DELETE FROM schema_migrations WHERE id = '1100_subdistricts'",
			} {
				if err := g.Exec(q).Error; err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			store := mysqlstore.NewResidentStore(db)
			u, err := store.EnsureUser(ctx, "o-migrate-staff")
			if err == nil {
				err = g.Exec("INSERT INTO user_roles (user_id, role, community_id, org_id, subdistrict_id, granted_by, created_at) VALUES (?, 'staff', 1, 0, 0, 0, CURRENT_TIMESTAMP)", u.ID).Error
			}
			if err != nil {
				t.Fatal(err)
			}
			applied, err := db.Migrate(ctx)
			if err != nil || len(applied) != 1 || applied[0] != "1100_subdistricts" {
				t.Fatalf("migrate: %v %v", applied, err)
			}
			subs, err := store.ListSubdistricts(ctx, nil)
			if err != nil || len(subs) != 1 || subs[0].Name != "默认街道" || subs[0].CommunityCount != 2 {
				t.Fatalf("subdistricts after the migration: %+v %v", subs, err)
			}
			comms, err := store.ListCommunities(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range comms {
				if c.SubdistrictID != subs[0].ID {
					t.Errorf("community %s in subdistrict %d", c.Name, c.SubdistrictID)
				}
			}
			// Roles survive; the same admin role limited to a subdistrict is a role of its own.
			if err := store.GrantRole(ctx, u.ID, resident.Role{Role: "admin"}, 0); err != nil {
				t.Fatal(err)
			}
			if err := store.GrantRole(ctx, u.ID, resident.Role{Role: "admin", SubdistrictID: subs[0].ID}, 0); err != nil {
				t.Fatal(err)
			}
			if err := store.GrantRole(ctx, u.ID, resident.Role{Role: "admin", SubdistrictID: subs[0].ID}, 0); err != nil {
				t.Fatal(err) // idempotent
			}
			got, err := store.UserByID(ctx, u.ID)
			if err != nil || len(got.Roles) != 3 {
				t.Fatalf("roles: %+v %v", got.Roles, err)
			}
			sc := resident.User{Roles: got.Roles[2:]}.ConsoleScope()
			if sc.Level != resident.LevelSubdistrict || len(sc.CommunityIDs) != 2 {
				t.Fatalf("a subdistrict admin's scope: %+v", sc)
			}
			// New communities go to the default subdistrict unless told otherwise.
			c := resident.Community{Name: "后来社区"}
			if err := store.CreateCommunity(ctx, &c); err != nil || c.SubdistrictID != subs[0].ID {
				t.Fatalf("new community: %+v %v", c, err)
			}
		})
	}
}

// The audit log refuses UPDATE and DELETE in both dialects.
func TestAuditLogAppendOnlyInBothDialects(t *testing.T) {
	for name, db := range bothDialects(t) {
		t.Run(name, func(t *testing.T) {
			g := db.G
			if err := g.Exec("INSERT INTO audit_log (at, actor_id, action, changes) VALUES (CURRENT_TIMESTAMP, 1, 'role.grant', '{}')").Error; err != nil {
				t.Fatal(err)
			}
			if err := g.Exec("UPDATE audit_log SET action = 'role.revoke'").Error; err == nil {
				t.Error("UPDATE allowed")
			}
			if err := g.Exec("DELETE FROM audit_log").Error; err == nil {
				t.Error("DELETE allowed")
			}
			var n int64
			g.Table("audit_log").Where("action = 'role.grant'").Count(&n)
			if n != 1 {
				t.Fatalf("entries left as they were: %d", n)
			}
		})
	}
}
