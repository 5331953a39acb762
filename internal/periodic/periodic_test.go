package periodic

import (
	"context"
	"errors"
	"testing"
	"time"
)

// run starts Run with a job that reports each call on the returned channel
// and fails; onErr's calls go to the second channel.
func run(ctx context.Context, interval time.Duration, first bool) (<-chan struct{}, <-chan error, <-chan struct{}) {
	calls, errs, done := make(chan struct{}, 100), make(chan error, 100), make(chan struct{})
	go func() {
		defer close(done)
		Run(ctx, interval, first, func(context.Context) (int, error) {
			calls <- struct{}{}
			return 0, errors.New("boom")
		}, func(err error) { errs <- err })
	}()
	return calls, errs, done
}

func wait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s", what)
	}
}

// With first the job runs at once; without, not before an interval.
func TestRunFirst(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls, _, _ := run(ctx, time.Hour, true)
	wait(t, calls, "run at once")
	later, _, _ := run(ctx, time.Hour, false)
	select {
	case <-later:
		t.Fatal("ran before its interval")
	case <-time.After(100 * time.Millisecond):
	}
}

// The job runs again every interval, its errors reach onErr, and Run
// returns when ctx ends.
func TestRunRepeatsAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls, errs, done := run(ctx, 5*time.Millisecond, false)
	for i := range 3 {
		wait(t, calls, "run")
		select {
		case <-errs:
		case <-time.After(10 * time.Second):
			t.Fatalf("error %d not reported", i)
		}
	}
	cancel()
	wait(t, done, "return after cancel")
}
