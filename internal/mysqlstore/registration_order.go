package mysqlstore

// waitlistOrder is the order of a session's waitlist: the quota's decision
// numbers (the position a resident was told), then ids for rows decided
// before decisions were numbered. Those rows (decision 0) were all decided
// before any numbered one, so they come first, in id order: no backfill.
const waitlistOrder = "decision, id"

// registrationOrderMigrations add the decision number to registrations
// (issue 13 point 12).
var registrationOrderMigrations = []Migration{
	{ID: "0700_registration_decision", Up: createTables(&registrationRow{})},
	// The waitlist read in its order: positions, promotion candidates and
	// staff's waitlist page walk an index instead of sorting.
	{ID: "1220_registrations_waitlist_order_indexes", Up: createIndexes(
		index{"registrations", "idx_registrations_session_waitlist", "session_id, status, decision, id"},
		index{"registrations", "idx_registrations_activity_waitlist", "activity_id, status, decision, id"},
	)},
}
