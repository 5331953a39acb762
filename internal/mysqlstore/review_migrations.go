package mysqlstore

// reviewMigrations are the schema steps of the second review (issue 12) and
// of issue 13's hours and wristband points: the credit cap per person and
// session, corrections waiting for a second approval, presences held for
// review, wristband bind codes and token versions.
var reviewMigrations = []Migration{
	{ID: "0600_hours_credit_cap_and_corrections", Up: createTables(&hoursCreditLockRow{}, &hourCorrectionRow{})},
	{ID: "0601_presence_review", Up: createTables(&presenceRow{})},
	{ID: "0602_wristband_bind_secrets", Up: createTables(&wbDeviceRow{}, &wbBindCodeRow{})},
}
