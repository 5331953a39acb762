package mysqlstore

import "gorm.io/gorm"

// dependentIDNumberMigrations make an ID number unique per account among
// its family members (issue 13 point 4): the key column is filled from the
// hash for members still on an account; where an account already holds
// the same number twice, the later member keeps no key (it stays usable,
// and the resident is asked to correct it when editing it).
var dependentIDNumberMigrations = []Migration{
	{ID: "0701_dependent_id_number_key", Up: func(tx *gorm.DB) error {
		if err := tx.Migrator().AddColumn(&dependentRow{}, "IDNumberKey"); err != nil && !tx.Migrator().HasColumn(&dependentRow{}, "IDNumberKey") {
			return err
		}
		if err := tx.Exec(`UPDATE dependents SET id_number_key = id_number_hash
			WHERE id_number_key IS NULL AND id IN (SELECT MIN(id) FROM
				(SELECT id, user_id, id_number_hash FROM dependents WHERE deleted_at IS NULL AND id_number_hash <> '') x
				GROUP BY user_id, id_number_hash)`).Error; err != nil {
			return err
		}
		return createTables(&dependentRow{})(tx)
	}},
}
