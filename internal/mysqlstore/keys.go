package mysqlstore

import (
	"context"
	"time"
)

// keyRegistryRow records which key a purpose is bound to for good, e.g. the
// data key the personal-data look-up hashes are derived from: hashes are
// compared with stored ones, so they must not change when keys rotate.
type keyRegistryRow struct {
	Purpose   string    `gorm:"primaryKey;size:32"`
	KeyID     string    `gorm:"size:32;not null"`
	CreatedAt time.Time `gorm:"not null"`
}

func (keyRegistryRow) TableName() string { return "key_registry" }

var keyRegistryMigrations = []Migration{
	{ID: "0500_key_registry", Up: createTables(&keyRegistryRow{})},
}

// BindKey returns the key id bound to purpose, binding keyID when none is
// yet (the first process to ask wins; every later one gets its answer).
func (db *DB) BindKey(ctx context.Context, purpose, keyID string) (string, error) {
	g := db.G.WithContext(ctx)
	var row keyRegistryRow
	if err := g.Where("purpose = ?", purpose).Limit(1).Find(&row).Error; err != nil {
		return "", translate(err, nil)
	}
	if row.KeyID != "" {
		return row.KeyID, nil
	}
	err := g.Create(&keyRegistryRow{Purpose: purpose, KeyID: keyID, CreatedAt: time.Now().UTC()}).Error
	if err != nil && !IsDuplicate(err) {
		return "", translate(err, nil)
	}
	if err := g.Where("purpose = ?", purpose).Take(&row).Error; err != nil {
		return "", translate(err, nil)
	}
	return row.KeyID, nil
}
