// Package demo loads the demo data set: a few communities, host
// organisations and upcoming activities of every category, in Chinese, so a
// newcomer and the mini-program see a living system at once.
package demo

import (
	"context"
	"log/slog"

	"gongjian/internal/resident"
)

// Communities of the demo subdistrict.
var Communities = []struct{ Name, Address string }{
	{"阳光社区", "幸福街道阳光路18号"},
	{"和平社区", "幸福街道和平里6号"},
	{"锦绣社区", "幸福街道锦绣大道99号"},
}

// CommunityStore is what the seeder needs to find or create communities.
type CommunityStore interface {
	EnsureCommunity(ctx context.Context, name string) (resident.Community, error)
}

// Seeder loads demo and configured seed data. Every step is idempotent.
type Seeder struct {
	residents *resident.Service
	store     CommunityStore
	log       *slog.Logger
	steps     []Step
}

// Step is one idempotent part of the demo data set (features add theirs).
type Step func(ctx context.Context, communities []resident.Community) error

// NewSeeder builds a seeder; steps run after the communities exist.
func NewSeeder(residents *resident.Service, store CommunityStore, log *slog.Logger, steps ...Step) *Seeder {
	return &Seeder{residents: residents, store: store, log: log, steps: steps}
}

// Communities ensures the configured seed communities exist.
func (s *Seeder) Communities(ctx context.Context, names []string) error {
	for _, n := range names {
		if _, err := s.store.EnsureCommunity(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// Add adds steps built after the seeder (Load runs them too).
func (s *Seeder) Add(steps ...Step) { s.steps = append(s.steps, steps...) }

// Load loads (or completes) the demo data set.
func (s *Seeder) Load(ctx context.Context) error { return s.Run(ctx, s.steps...) }

// Run ensures the demo communities and runs the given steps.
func (s *Seeder) Run(ctx context.Context, steps ...Step) error {
	var cs []resident.Community
	for _, c := range Communities {
		got, err := s.store.EnsureCommunity(ctx, c.Name)
		if err != nil {
			return err
		}
		cs = append(cs, got)
	}
	for _, step := range steps {
		if err := step(ctx, cs); err != nil {
			return err
		}
	}
	s.log.Info("demo data loaded", slog.Int("communities", len(cs)))
	return nil
}
