package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// profiler saves pprof profiles of the first server process while a mode
// runs: a CPU profile over the mode's load (seconds known in advance) and
// the allocation profile before and after it, so that
//
//	go tool pprof -top DIR/soldout.cpu.pprof
//	go tool pprof -sample_index=alloc_space -base DIR/soldout.allocs.before.pprof DIR/soldout.allocs.after.pprof
//
// show what one mode cost. The profiles are of the server binary the
// bench built (go tool pprof finds its symbols in the profile).
type profiler struct {
	dir  string
	addr string
	hc   *http.Client
}

func newProfiler(dir string, addrs []string) (*profiler, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &profiler{dir: dir, addr: addrs[0], hc: &http.Client{Timeout: 2 * time.Minute}}, nil
}

func (p *profiler) save(path, name string) error {
	res, err := p.hc.Get("http://" + p.addr + path)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("%s: %s", path, res.Status)
	}
	f, err := os.Create(filepath.Join(p.dir, name))
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, res.Body)
	return err
}

// during profiles the server while fn runs: the CPU profile covers the
// first `seconds` of it. A nil profiler just runs fn.
func (p *profiler) during(mode string, seconds int, fn func()) {
	if p == nil {
		fn()
		return
	}
	if err := p.save("/debug/pprof/allocs", mode+".allocs.before.pprof"); err != nil {
		fmt.Println("  profile:", err)
	}
	done := make(chan error, 1)
	go func() {
		done <- p.save(fmt.Sprintf("/debug/pprof/profile?seconds=%d", max(1, seconds)), mode+".cpu.pprof")
	}()
	time.Sleep(50 * time.Millisecond) // the CPU profile has started
	fn()
	if err := <-done; err != nil {
		fmt.Println("  profile:", err)
	}
	if err := p.save("/debug/pprof/allocs", mode+".allocs.after.pprof"); err != nil {
		fmt.Println("  profile:", err)
	}
	fmt.Printf("  profiles of this round in %s/%s.*.pprof\n", p.dir, mode)
}
