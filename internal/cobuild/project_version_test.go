package cobuild_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"gongjian/internal/cobuild"
	"gongjian/internal/errs"
	"gongjian/internal/resident"
)

// Two progress updates of one project made at the same moment never
// silently overwrite each other: an update made on an older version (sent
// by the client, or read by the service before another write landed) is
// refused with 409 PROJECT_CHANGED and the project keeps the newer write.
// Units' contacts and staff adding milestones at once, each retrying on
// PROJECT_CHANGED, all find their milestone in the end.
func TestProjectProgressNoLostUpdate(t *testing.T) {
	e := newEnv(t, cobuild.Config{})
	unit, contact := e.unit("区图书馆")
	c, err := e.svc.ClaimNeed(e.ctx, contact, e.need(1, false).ID, cobuild.ClaimInput{UnitID: unit.ID})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.svc.UpdateProject(e.ctx, contact, c.ProjectID, cobuild.ProjectUpdate{Action: "start"})
	if err != nil {
		t.Fatal(err)
	}
	changed := func(err error) bool {
		return errs.KindOf(err) == errs.KindConflict && errs.CodeOf(err) == "PROJECT_CHANGED"
	}

	// A client's stale version.
	seen := p.Version
	plan := "第一周采购图书"
	if p, err = e.svc.UpdateProject(e.ctx, e.staffA, p.ID, cobuild.ProjectUpdate{Action: "progress", Plan: &plan, Version: &seen}); err != nil || p.Version == seen {
		t.Fatalf("update on the current version: %+v %v", p, err)
	}
	other := "改为第二周"
	if _, err := e.svc.UpdateProject(e.ctx, contact, p.ID, cobuild.ProjectUpdate{Action: "progress", Plan: &other, Version: &seen}); !changed(err) {
		t.Fatalf("update on a stale version: %v, want 409 PROJECT_CHANGED", err)
	}
	if got, _ := e.svc.Project(e.ctx, p.ID); got.Plan != plan {
		t.Fatalf("the stale update overwrote the plan: %q", got.Plan)
	}

	// A service's stale read (no version sent): the write made between
	// the read and this write is not overwritten.
	stale, err := e.store.Project(e.ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdateProject(e.ctx, contact, p.ID, cobuild.ProjectUpdate{Milestones: []cobuild.Milestone{{Title: "联系出版社"}}}); err != nil {
		t.Fatal(err)
	}
	stale.Plan = "覆盖"
	if err := e.store.UpdateProject(e.ctx, stale, stale.Status, nil); !changed(err) {
		t.Fatalf("write over a stale read: %v, want 409 PROJECT_CHANGED", err)
	}
	if got, _ := e.svc.Project(e.ctx, p.ID); got.Plan != plan || len(got.Milestones) != 1 {
		t.Fatalf("the stale write lost an update: %+v", got)
	}

	// Many at once.
	const writers = 8
	var wg sync.WaitGroup
	errc := make(chan error, writers)
	for i := range writers {
		who := contact
		if i%2 == 1 {
			who = e.staffA
		}
		wg.Add(1)
		go func(i int, who resident.User) {
			defer wg.Done()
			title := fmt.Sprintf("里程碑-%d", i)
			for try := 0; try < 100; try++ {
				cur, err := e.svc.Project(e.ctx, p.ID)
				if err != nil {
					errc <- err
					return
				}
				v := cur.Version
				_, err = e.svc.UpdateProject(e.ctx, who, p.ID, cobuild.ProjectUpdate{Action: "progress",
					Milestones: append(slices.Clone(cur.Milestones), cobuild.Milestone{Title: title}), Version: &v})
				if !changed(err) {
					errc <- err
					return
				}
			}
			errc <- fmt.Errorf("%s: still PROJECT_CHANGED after 100 tries", title)
		}(i, who)
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.svc.Project(e.ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range writers {
		title := fmt.Sprintf("里程碑-%d", i)
		if !slices.ContainsFunc(got.Milestones, func(m cobuild.Milestone) bool { return m.Title == title }) {
			t.Errorf("%s was lost: %+v", title, got.Milestones)
		}
	}
	if len(got.Milestones) != writers+1 {
		t.Errorf("milestones %+v, want %d", got.Milestones, writers+1)
	}
}
