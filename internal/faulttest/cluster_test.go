package faulttest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// A hot release over two server processes and a real 3-master Redis
// Cluster: three popular activities open at once (their quotas hash to
// different masters), every resident tries all three, spread over both
// processes. Each session ends with exactly its capacity confirmed and its
// waitlist full, never more; MySQL, the quotas seen by both processes and
// the answers agree; every confirmation is sent once.
func TestHotReleaseTwoProcessesRedisCluster(t *testing.T) {
	nodes := startRedisCluster(t)
	addrs := make([]string, len(nodes))
	for i, n := range nodes {
		addrs[i] = n.addr()
	}
	d := newDeployment(t, strings.Join(addrs, ","), 2)
	admin := d.login(0, "admin")
	res := d.residents("c", 90, 3)
	both := []int{0, 1}
	const capacity, waitlist = 25, 5
	type rel struct {
		aid int64
		h   *hotRelease
	}
	var rels []rel
	for i := 0; i < 3; i++ {
		aid, sid := d.hotActivity(admin, fmt.Sprintf("新春文艺演出第%d场", i+1), capacity, waitlist)
		rels = append(rels, rel{aid, newHotRelease(d, sid, res)})
	}
	var wg sync.WaitGroup
	for _, r := range rels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.h.wave(indexes(0, len(res)), both, 8, "release")
			r.h.settle(both, 30*time.Second)
		}()
	}
	wg.Wait()
	for _, r := range rels {
		kinds := r.h.checkAnswers(t, nil)
		checkFull(t, r.h.checkTruth(t, capacity, waitlist), capacity, waitlist)
		r.h.checkQuota(t, admin, r.aid, capacity, both)
		t.Logf("activity %d: %s", r.aid, r.h.summary(kinds))
	}
	rels[0].h.checkNotices(t, 0)

	// The quotas really live on more than one master.
	used := 0
	for _, n := range nodes {
		c := redis.NewClient(&redis.Options{Addr: n.addr()})
		keys, _ := c.Keys(context.Background(), "gjf:*").Result()
		c.Close()
		if len(keys) > 0 {
			used++
		}
	}
	if used < 2 {
		t.Errorf("the quotas of three activities used %d of 3 masters", used)
	}
}
