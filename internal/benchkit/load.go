package benchkit

import (
	"sync"
	"time"
)

// Workers runs work(0) … work(n-1) in n goroutines and waits for them all.
func Workers(n int, work func(w int)) {
	var wg sync.WaitGroup
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work(w)
		}()
	}
	wg.Wait()
}

// Activity is the part of a created activity a bench needs.
type Activity struct {
	ID       int64 `json:"id"`
	Sessions []struct {
		ID int64 `json:"id"`
	} `json:"sessions"`
}

// ActivityBody is the creation of an activity with one two-hour session
// from start with seats and waitlist places, its sign-up open from a
// minute ago until closes.
func ActivityBody(title, category, address string, community, org int64, closes, start time.Time, seats, waitlist int) map[string]any {
	return map[string]any{
		"title": title, "category": category, "community_id": community, "host_org_id": org,
		"place": map[string]any{"address": address}, "signup_opens_at": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339),
		"signup_closes_at": closes.UTC().Format(time.RFC3339),
		"sessions":         []map[string]any{{"starts_at": start.UTC().Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).UTC().Format(time.RFC3339), "capacity": seats, "waitlist_capacity": waitlist}},
	}
}
