package redisstore_test

import "sync"

// fromTwo makes n calls at once, alternating between a and b (one store
// in each of two server processes), and returns when all have returned.
func fromTwo[S any](n int, a, b S, call func(i int, s S)) {
	var wg sync.WaitGroup
	for i := range n {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() { call(i, s) })
	}
	wg.Wait()
}
