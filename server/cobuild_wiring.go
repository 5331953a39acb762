package main

import (
	"gongjian/config"
	"gongjian/internal/cobuild"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/pii"
)

// newCobuild wires co-building (issue 15): its store, the people it reads
// and WeChat's content security.
func newCobuild(cfg config.Config, db *mysqlstore.DB, people *mysqlstore.ResidentStore, box *pii.Box, checker cobuild.Checker) *cobuild.Service {
	return cobuild.NewService(mysqlstore.NewCobuildStore(db), people, box, checker, cobuild.Config{
		WishesPerResident: cfg.Cobuild.WishesPerResident, SupportThreshold: cfg.Cobuild.SupportThreshold,
	}, nil)
}
