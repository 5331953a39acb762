package mysqlstore

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
)

// Migration is one versioned schema step. IDs sort in application order
// ("0001_foundation", "0100_activities", …). Up must be idempotent: MySQL
// DDL is not transactional, so a step interrupted half-way is run again.
type Migration struct {
	ID string
	Up func(tx *gorm.DB) error
}

// createTables is the usual Up: create the given rows' tables and indexes.
func createTables(rows ...any) func(tx *gorm.DB) error {
	return func(tx *gorm.DB) error {
		opts := tx
		if tx.Dialector.Name() == "mysql" {
			opts = tx.Set("gorm:table_options", "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci")
		}
		return opts.AutoMigrate(rows...)
	}
}

type schemaMigration struct {
	ID        string    `gorm:"primaryKey;size:100"`
	AppliedAt time.Time `gorm:"not null"`
}

func (schemaMigration) TableName() string { return "schema_migrations" }

// migrations returns every step, sorted by ID. Each feature adds its own
// steps in its own file through registerMigrations.
func migrations() []Migration {
	all := []Migration{}
	for _, group := range migrationGroups {
		all = append(all, group...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	return all
}

// migrationGroups is filled by the feature files' package-level variables
// (plain data, no init functions).
var migrationGroups = [][]Migration{
	foundationMigrations,
	outboxMigrations,
	wristbandMigrations,
	notifyMigrations,
	activityMigrations,
	hoursMigrations,
	checkinMigrations,
	keyRegistryMigrations,
	mediaMigrations,
	reviewMigrations,
	scaleMigrations,
	subdistrictMigrations,
	auditMigrations,
	roomsMigrations,
	cobuildMigrations,
	registrationOrderMigrations,
	dependentIDNumberMigrations,
	residenceMigrations,
	peopleMigrations,
}

// migrateLock names the migration lock of the current database (lock
// names are at most 64 characters).
const migrateLock = "LEFT(CONCAT('gongjian_migrate:', DATABASE()), 64)"

// Migrate applies every pending migration. On MySQL it holds a named lock so
// several processes starting together migrate once.
func (db *DB) Migrate(ctx context.Context) (applied []string, err error) {
	run := func(conn *gorm.DB) error {
		// Each statement gets a fresh session: a gorm.DB reused across
		// statements carries the previous model into the next one.
		tx := conn.Session(&gorm.Session{NewDB: true})
		if err := tx.AutoMigrate(&schemaMigration{}); err != nil {
			return fmt.Errorf("migrate: schema_migrations: %w", err)
		}
		var done []schemaMigration
		if err := tx.Find(&done).Error; err != nil {
			return err
		}
		have := map[string]bool{}
		for _, d := range done {
			have[d.ID] = true
		}
		for _, m := range migrations() {
			if have[m.ID] {
				continue
			}
			if err := m.Up(conn.Session(&gorm.Session{NewDB: true})); err != nil {
				return fmt.Errorf("migrate %s: %w", m.ID, err)
			}
			if err := conn.Session(&gorm.Session{NewDB: true}).Create(&schemaMigration{ID: m.ID, AppliedAt: time.Now().UTC()}).Error; err != nil {
				return fmt.Errorf("migrate %s: record: %w", m.ID, err)
			}
			applied = append(applied, m.ID)
		}
		return nil
	}
	if db.Dialect != "mysql" {
		// SQLite DDL is transactional and an IMMEDIATE transaction excludes
		// other writers, so the whole run is one transaction.
		return applied, db.G.WithContext(ctx).Transaction(run)
	}
	err = db.G.WithContext(ctx).Connection(func(tx *gorm.DB) error {
		var got int
		// The lock is the database's own: deployments (and tests) sharing
		// one MariaDB server with their own databases migrate side by side.
		if err := tx.Raw("SELECT GET_LOCK(" + migrateLock + ", 60)").Scan(&got).Error; err != nil {
			return err
		}
		if got != 1 {
			return fmt.Errorf("migrate: could not take the migration lock")
		}
		defer tx.Exec("SELECT RELEASE_LOCK(" + migrateLock + ")")
		return run(tx)
	})
	return applied, err
}

// Pending lists migrations not applied yet.
func (db *DB) Pending(ctx context.Context) ([]string, error) {
	var done []schemaMigration
	if db.G.Migrator().HasTable(&schemaMigration{}) {
		if err := db.G.WithContext(ctx).Find(&done).Error; err != nil {
			return nil, err
		}
	}
	have := map[string]bool{}
	for _, d := range done {
		have[d.ID] = true
	}
	var out []string
	for _, m := range migrations() {
		if !have[m.ID] {
			out = append(out, m.ID)
		}
	}
	return out, nil
}
