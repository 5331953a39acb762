package activity_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gongjian/internal/activity"
	"gongjian/internal/cst"
)

// After staff move a session, every notice of the change (and every
// promotion the same change causes) names the new time in Beijing time;
// the old one goes into the note.
func TestMovedSessionNoticeCarriesNewTime(t *testing.T) {
	e := newEnv(t, activity.Config{})
	a := e.publish(nil, sess{1, 5})
	s := a.Sessions[0]
	u := e.newUsers(2)
	mustRegister(t, e, u[0], s.ID)
	mustRegister(t, e, u[1], s.ID) // waitlisted, promoted by the raise below
	newStart := s.StartsAt.Add(26*time.Hour + 30*time.Minute)
	in := activity.SessionInput{StartsAt: newStart, EndsAt: newStart.Add(2 * time.Hour), Capacity: 2, WaitlistCapacity: 5}
	if _, promoted, err := e.svc.UpdateSession(e.ctx, e.admin, a.ID, s.ID, in); err != nil || len(promoted) != 1 {
		t.Fatalf("move: %v %+v", err, promoted)
	}
	newText := newStart.In(cst.Zone).Format("2006年1月2日 15:04")
	oldText := s.StartsAt.In(cst.Zone).Format("2006年1月2日 15:04")
	var rows []struct {
		UserID      int64
		TemplateKey string
		Body        string
		Fields      string
	}
	if err := e.db.G.Table("outbox").Select("user_id, template_key, body, fields").
		Where("activity_id = ? AND template_key IN ?", a.ID, []string{"activity_changed", "waitlist_promoted"}).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, r := range rows {
		seen[r.TemplateKey]++
		var f map[string]string
		if err := json.Unmarshal([]byte(r.Fields), &f); err != nil {
			t.Fatal(err)
		}
		if f["time"] != newText {
			t.Errorf("%s to %d: time field %q, want the new time %q", r.TemplateKey, r.UserID, f["time"], newText)
		}
		if !strings.Contains(r.Body, newText) {
			t.Errorf("%s to %d: body %q lacks the new time %q", r.TemplateKey, r.UserID, r.Body, newText)
		}
		if r.TemplateKey == "activity_changed" {
			if f["note"] != "原定"+oldText {
				t.Errorf("change note %q, want 原定%s", f["note"], oldText)
			}
			if strings.Contains(r.Body, "最新时间："+oldText) {
				t.Errorf("body announces the old time as the latest: %q", r.Body)
			}
		}
	}
	if seen["activity_changed"] != 2 || seen["waitlist_promoted"] != 1 {
		t.Fatalf("notices: %v (want a change notice for each live registration, one promotion)", seen)
	}
}
