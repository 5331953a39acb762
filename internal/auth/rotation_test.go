package auth

import (
	"context"
	"testing"
	"time"

	"gongjian/internal/errs"
)

// During a JWT secret rotation tokens signed with an older secret still
// verify, new ones are signed with the new secret only, and a token signed
// with a secret no longer configured is refused.
func TestJWTSecretRotation(t *testing.T) {
	oldSecret, newSecret := testSecret("o"), testSecret("n")
	now := time.Now()
	clock := func() time.Time { return now }
	before := NewService(Config{JWTSecret: oldSecret, AccessTTL: time.Hour}, nil, nil, nil, nil, clock)
	rotating := NewService(Config{JWTSecret: newSecret, OldJWTSecrets: [][]byte{oldSecret}, AccessTTL: time.Hour}, nil, nil, nil, nil, clock)
	after := NewService(Config{JWTSecret: newSecret, AccessTTL: time.Hour}, nil, nil, nil, nil, clock)

	oldTok, err := before.sign(42, 0, now)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := rotating.Verify(context.Background(), oldTok); err != nil || id != 42 {
		t.Fatalf("old token during rotation: %d %v", id, err)
	}
	newTok, _ := rotating.sign(43, 0, now)
	if _, err := before.Verify(context.Background(), newTok); err == nil {
		t.Fatal("a new token verified with the old secret only: it was not signed with the new one")
	}
	if id, err := after.Verify(context.Background(), newTok); err != nil || id != 43 {
		t.Fatalf("new token after rotation: %d %v", id, err)
	}
	if _, err := after.Verify(context.Background(), oldTok); errs.CodeOf(err) != "INVALID_TOKEN" {
		t.Fatalf("old token after the old secret was dropped: %v", err)
	}
	// Expiry is still enforced for tokens of an older secret.
	now = now.Add(2 * time.Hour)
	if _, err := rotating.Verify(context.Background(), oldTok); errs.CodeOf(err) != "TOKEN_EXPIRED" {
		t.Fatalf("expired old token: %v", err)
	}
}
