package main

import (
	"gongjian/internal/activity"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/residence"
)

// newResidence wires confirmed residence (issue 13 point 5): community-only
// eligibility asks it, and a confirmed change re-checks registrations
// through the activities.
func newResidence(db *mysqlstore.DB, activities *activity.Service) *residence.Service {
	svc := residence.NewService(mysqlstore.NewResidenceStore(db), activities, nil)
	activities.UseResidence(svc)
	return svc
}
