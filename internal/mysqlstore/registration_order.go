package mysqlstore

// waitlistOrder is the order of a session's waitlist: the quota's decision
// numbers (the position a resident was told), then ids for rows decided
// before decisions were numbered.
const waitlistOrder = "decision, id"

// registrationOrderMigrations add the decision number to registrations
// (issue 13 point 12).
var registrationOrderMigrations = []Migration{
	{ID: "0700_registration_decision", Up: createTables(&registrationRow{})},
}
