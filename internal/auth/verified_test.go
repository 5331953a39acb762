package auth

import (
	"strconv"
	"testing"
	"time"
)

// The verified-token memory forgets a token when it expires, keeps two
// generations of bounded size, and moves a token found in the older one
// forward.
func TestVerifiedTokens(t *testing.T) {
	now := time.Now()
	var v verifiedTokens
	v.put("a", verifiedToken{userID: 1, ver: 2, expires: now.Add(time.Minute)})
	cases := []struct {
		name  string
		token string
		at    time.Time
		want  bool
	}{
		{"known", "a", now, true},
		{"unknown", "b", now, false},
		{"at its expiry", "a", now.Add(time.Minute), false},
		{"after it", "a", now.Add(2 * time.Minute), false},
	}
	for _, c := range cases {
		got, ok := v.get(c.token, c.at)
		if ok != c.want || (ok && (got.userID != 1 || got.ver != 2)) {
			t.Errorf("%s: %+v %v", c.name, got, ok)
		}
	}
	// Fill one generation: "a" is now in the previous one and still found
	// (and moved forward); two generations later a token unused is gone.
	for i := range verifiedGeneration {
		v.put("x"+strconv.Itoa(i), verifiedToken{userID: 3, expires: now.Add(time.Hour)})
	}
	if _, ok := v.get("a", now); !ok {
		t.Fatal("a token of the previous generation is forgotten")
	}
	for i := range 2 * verifiedGeneration {
		v.put("y"+strconv.Itoa(i), verifiedToken{userID: 4, expires: now.Add(time.Hour)})
	}
	if _, ok := v.get("x1", now); ok {
		t.Fatal("two generations later an unused token is still held")
	}
	if n := len(v.cur) + len(v.prev); n > 2*verifiedGeneration {
		t.Fatalf("%d tokens held", n)
	}
}
