package console

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
)

// TestDistIsWhatSourcesBuild rebuilds the console from web/ (npm ci when the
// lock file changed, then vite build into a temporary folder) and fails when
// the committed dist/ differs: what the binary embeds must be what the
// sources build. Skipped when npm is not installed.
func TestDistIsWhatSourcesBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Skip("npm is not installed: the committed build cannot be checked here")
	}
	web, _ := filepath.Abs("web")
	if err := installDeps(npm, web); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	// --bypass-lock: this build writes only to its own temporary folder, so
	// it need not wait for (or be refused by) another vite process of the
	// project, such as a developer's `npm run build` or a stale lock record
	// whose process id the system has reused.
	cmd := exec.Command(filepath.Join(web, "node_modules", ".bin", "vite"), "build", "--bypass-lock", "--outDir", out, "--emptyOutDir", "--logLevel", "warn")
	cmd.Dir = web
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("vite build: %v\n%s", err, b)
	}
	want, got := tree(t, out), tree(t, "dist")
	var diff []string
	for name, b := range want {
		if g, ok := got[name]; !ok {
			diff = append(diff, "missing from dist/: "+name)
		} else if !bytes.Equal(g, b) {
			diff = append(diff, "differs: "+name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			diff = append(diff, "not built by the sources: "+name)
		}
	}
	sort.Strings(diff)
	if len(diff) > 0 {
		t.Fatalf("dist/ is not what web/ builds; run `npm run build` in internal/console/web and commit dist/:\n%v", diff)
	}
}

// installDeps runs npm ci when node_modules is missing or older than the lock file.
func installDeps(npm, web string) error {
	stamp := filepath.Join(web, "node_modules", ".gongjian-lock-stamp")
	lock, err := os.ReadFile(filepath.Join(web, "package-lock.json"))
	if err != nil {
		return err
	}
	if s, err := os.ReadFile(stamp); err == nil && bytes.Equal(s, lock) {
		return nil
	}
	cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = web
	if b, err := cmd.CombinedOutput(); err != nil {
		return &exec.Error{Name: "npm ci: " + string(b), Err: err}
	}
	return os.WriteFile(stamp, lock, 0o644)
}

func tree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		m[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
