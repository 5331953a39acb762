package redisstore

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// batcher runs scripts for concurrent callers: a few dispatchers each
// take whatever runs are queued and send them as one pipeline (one write
// and one read for many requests instead of one each; every run is still
// its own atomic script run). An idle server sends each at once, without
// waiting for company. Sign-up decisions and rate-limit counts share one
// (NewLimiterWith): in a release one round trip carries both kinds. A
// sign-up's own count usually travels inside its decision's script run
// (activity.RateCount); the limiter's runs here are the other limits'.
type batcher struct {
	rdb    redis.UniversalClient
	budget time.Duration // a run's own deadline: it is not abandoned with its caller

	calls  chan []*scriptCall // the runs of one caller, queued together
	mu     sync.RWMutex
	closed bool
	wg     sync.WaitGroup
}

type scriptCall struct {
	script *redis.Script
	keys   []string
	args   []any
	res    chan scriptReply
}

type scriptReply struct {
	v   any
	err error
}

const maxPipeline = 128

var errBatcherClosed = errors.New("redisstore: closed")

func newBatcher(rdb redis.UniversalClient, dispatchers int, budget time.Duration) *batcher {
	b := &batcher{rdb: rdb, budget: budget, calls: make(chan []*scriptCall, 4096)}
	for range dispatchers {
		b.wg.Add(1)
		go b.dispatch()
	}
	return b
}

// run queues one run of the script and waits for its answer.
func (b *batcher) run(script *redis.Script, keys []string, args []any) (any, error) {
	call := &scriptCall{script: script, keys: keys, args: args, res: make(chan scriptReply, 1)}
	if err := b.queue(call); err != nil {
		return nil, err
	}
	r := <-call.res
	return r.v, r.err
}

// runEach queues one run per key set at once (so that they usually travel
// in one pipeline) and waits for every answer.
func (b *batcher) runEach(script *redis.Script, keys [][]string, args []any) ([]scriptReply, error) {
	calls := make([]*scriptCall, len(keys))
	for i := range calls {
		calls[i] = &scriptCall{script: script, keys: keys[i], args: args, res: make(chan scriptReply, 1)}
	}
	// Queued as one: a dispatcher takes them all into one pipeline (queued
	// one by one, a dispatcher could send the first before the second
	// arrived: two round trips).
	if err := b.queue(calls...); err != nil {
		return nil, err
	}
	out := make([]scriptReply, len(calls))
	for i := range calls {
		out[i] = <-calls[i].res
	}
	return out, nil
}

func (b *batcher) queue(calls ...*scriptCall) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return errBatcherClosed
	}
	b.calls <- calls
	return nil
}

// close stops the dispatchers after the runs queued are sent.
func (b *batcher) close() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.calls)
	}
	b.mu.Unlock()
	b.wg.Wait()
}

func (b *batcher) dispatch() {
	defer b.wg.Done()
	for first := range b.calls {
		batch := append(make([]*scriptCall, 0, len(first)), first...)
	drain:
		for len(batch) < maxPipeline {
			select {
			case more, ok := <-b.calls:
				if !ok {
					break drain
				}
				batch = append(batch, more...)
			default:
				break drain
			}
		}
		call := batch[0]
		ctx, cancel := context.WithTimeout(context.Background(), b.budget)
		if len(batch) == 1 {
			v, err := call.script.Run(ctx, b.rdb, call.keys, call.args...).Result()
			call.res <- scriptReply{v, err}
			cancel()
			continue
		}
		pipe := b.rdb.Pipeline()
		cmds := make([]*redis.Cmd, len(batch))
		for i, c := range batch {
			cmds[i] = pipe.EvalSha(ctx, c.script.Hash(), c.keys, c.args...)
		}
		_, _ = pipe.Exec(ctx)
		for i, c := range batch {
			v, err := cmds[i].Result()
			if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
				// Redis lost its script cache: run it the slow way (EVAL loads it).
				v, err = c.script.Run(ctx, b.rdb, c.keys, c.args...).Result()
			}
			c.res <- scriptReply{v, err}
		}
		cancel()
	}
}
