package mysqlstore

import (
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// Indexes that let every list page in the database at a district's size
// (issue 14): each serves one list's filter and order, so a page reads only
// its own rows, however long the history.
var scaleMigrations = []Migration{
	// Public list: published, not over, by first session (deep pages walk
	// the index alone: last_ends_at is in it).
	{ID: "0800_activities_list_indexes", Up: createIndexes(
		index{"activities", "idx_activities_public", "status, first_starts_at, id, last_ends_at"},
		index{"activities", "idx_activities_public_community", "status, community_id, first_starts_at, id"},
		index{"activities", "idx_activities_public_category", "status, category, first_starts_at, id"},
		// Staff list: newest first, by status or by scope.
		index{"activities", "idx_activities_status_id", "status, id"},
		index{"activities", "idx_activities_community_status", "community_id, status, id"},
		index{"activities", "idx_activities_org_status", "host_org_id, status, id"},
	)},
	// Staff registrations (keyset by id) and per-session counts/waitlists.
	{ID: "0801_registrations_list_indexes", Up: createIndexes(
		index{"registrations", "idx_registrations_activity", "activity_id, id"},
		index{"registrations", "idx_registrations_activity_status", "activity_id, status, id"},
		index{"registrations", "idx_registrations_session_status", "session_id, status, id"},
	)},
	counterMigrations[0],
	counterMigrations[1],
	seatsUntilMigration,
	registrationTimesMigration,
	hoursRecordMigration,
	redundantIndexesMigration,
	unusedOutboxIndexesMigration,
	reviewPagingMigration,
	// The outbox retention purge walks old notices by time; a resident's
	// messages page newest first.
	{ID: "0804_outbox_purge_messages_indexes", Up: createIndexes(
		index{"outbox", "idx_outbox_created", "created_at, id"},
		index{"outbox", "idx_outbox_user_id", "user_id, id"},
		index{"outbox", "idx_outbox_user_unread", "user_id, read_at, due_at"},
	)},
}

type index struct{ table, name, cols string }

// redundantIndexesMigration drops indexes that a longer one serves (a
// resident's registrations by user_id alone: idx_registrations_user_starts;
// notices by user_id: idx_outbox_user_id; nothing reads notices by user and
// creation time): every sign-up wrote them into two of the largest tables,
// and at a district's size they crowded the buffer pool.
var redundantIndexesMigration = Migration{ID: "1265_drop_redundant_indexes", Up: dropIndexes(
	index{table: "registrations", name: "idx_registrations_user_id"},
	index{table: "outbox", name: "idx_outbox_user"},
)}

// unusedOutboxIndexesMigration drops two outbox indexes no query reads:
// notices by registration and by status and due time (the resident's messages go
// through the user indexes, the sender's claim and recovery through
// idx_outbox_claim). Every sign-up's confirmation notice wrote both.
var unusedOutboxIndexesMigration = Migration{ID: "1272_drop_unused_outbox_indexes", Up: dropIndexes(
	index{table: "outbox", name: "idx_outbox_registration_id"},
	index{table: "outbox", name: "idx_outbox_due"},
)}

// dropIndexes drops the indexes that are there (idempotent).
func dropIndexes(ix ...index) func(tx *gorm.DB) error {
	return func(tx *gorm.DB) error {
		for _, i := range ix {
			m := tx.Session(&gorm.Session{NewDB: true}).Migrator()
			if !m.HasIndex(i.table, i.name) {
				continue
			}
			if err := m.DropIndex(i.table, i.name); err != nil {
				return fmt.Errorf("drop index %s: %w", i.name, err)
			}
		}
		return nil
	}
}

// createIndexes adds the indexes that are not there yet (idempotent: a
// step interrupted half-way is run again).
func createIndexes(ix ...index) func(tx *gorm.DB) error {
	return func(tx *gorm.DB) error {
		for _, i := range ix {
			if tx.Session(&gorm.Session{NewDB: true}).Migrator().HasIndex(i.table, i.name) {
				continue
			}
			cols := strings.Join(strings.Fields(i.cols), " ")
			if err := tx.Session(&gorm.Session{NewDB: true}).Exec(fmt.Sprintf("CREATE INDEX %s ON %s (%s)", i.name, i.table, cols)).Error; err != nil {
				return fmt.Errorf("index %s: %w", i.name, err)
			}
		}
		return nil
	}
}
