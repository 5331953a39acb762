package wristband_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"gongjian/internal/errs"
	"gongjian/internal/resident"
	"gongjian/internal/wristband"
)

// Family members racing to accept one invitation: one becomes a guardian,
// the others get INVITATION_USED. Family members racing to accept separate
// invitations never take the binding past its guardian limit.
func TestConcurrentInvitationAccepts(t *testing.T) {
	f := newFixtureWith(t, wristband.Config{Vendors: map[string]string{"acme": acmeSecret}, MaxGuardians: 3, EscalationDelay: 10 * time.Minute})
	owner, _, b := f.wearer("王奶奶")
	accept := func(codes []string, users []resident.User) []error {
		out := make([]error, len(users))
		var wg sync.WaitGroup
		for i, u := range users {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, out[i] = f.svc.AcceptInvitation(f.ctx, u.ID, codes[i%len(codes)])
			}()
		}
		wg.Wait()
		return out
	}
	family := func(prefix string, n int) []resident.User {
		us := make([]resident.User, n)
		for i := range us {
			us[i] = f.user(fmt.Sprintf("%s%d", prefix, i), 0)
		}
		return us
	}
	invite := func() string {
		code, _, err := f.svc.Invite(f.ctx, wristband.GuardianActor(owner), b.DeviceID)
		if err != nil {
			t.Fatal(err)
		}
		return code
	}
	guardians := func() int64 { return f.count("wristband_guardians", "binding_id = ? AND active_key IS NOT NULL", b.ID) }
	codes := func(errsOf []error) map[string]int {
		m := map[string]int{}
		for _, err := range errsOf {
			code := "ok"
			if err != nil {
				code = errs.As(err).Code
			}
			m[code]++
		}
		return m
	}

	if got := codes(accept([]string{invite()}, family("一码", 6))); got["ok"] != 1 || got["INVITATION_USED"] != 5 {
		t.Fatalf("one code, six family members: %v", got)
	}
	if n := guardians(); n != 2 {
		t.Fatalf("%d guardians after one code was raced, want 2", n)
	}
	// One place is left (limit 3): four codes, four family members at once.
	cs := []string{invite(), invite(), invite(), invite()}
	if got := codes(accept(cs, family("多码", 4))); got["ok"] != 1 || got["TOO_MANY_GUARDIANS"] != 3 {
		t.Fatalf("four codes, one place: %v", got)
	}
	if n := guardians(); n != 3 {
		t.Fatalf("%d guardians, the limit is 3", n)
	}
}
