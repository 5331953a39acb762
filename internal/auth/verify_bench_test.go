package auth

import (
	"context"
	"testing"
	"time"
)

// go test -bench Verify ./internal/auth: what one token check costs on
// each path (the figures are in docs/performance.md).
func BenchmarkVerify(b *testing.B) {
	secret := testSecret("s")
	s := signer(secret, time.Now)
	tok, _ := s.sign(42, 0, time.Now())
	ctx := context.Background()
	b.Run("library", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.parse(tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fast", func(b *testing.B) {
		now := time.Now()
		for b.Loop() {
			if _, ok := fastVerify(tok, secret, &s.macs, now); !ok {
				b.Fatal("refused")
			}
		}
	})
	b.Run("remembered", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}
