package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// bigFilesAllowed lists the tracked files that may exceed maxTrackedBytes.
// Keep it short: build outputs belong in .gitignore, not here.
var bigFilesAllowed = map[string]bool{}

const maxTrackedBytes = 1 << 20

// TestNoBigTrackedFiles keeps compiled binaries and other build outputs out
// of git: a tracked file over 1 MiB fails unless it is on the allow list.
func TestNoBigTrackedFiles(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, ".git")); err != nil {
		t.Skip("not a git checkout")
	}
	out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		t.Skipf("git ls-files: %v", err)
	}
	files := bytes.Split(bytes.TrimRight(out, "\x00"), []byte{0})
	if len(files) < 10 {
		t.Fatalf("git ls-files listed only %d files", len(files))
	}
	for _, f := range files {
		name := string(f)
		st, err := os.Stat(filepath.Join(root, name))
		if err != nil {
			continue // deleted in the work tree, not yet committed
		}
		if st.Size() > maxTrackedBytes && !bigFilesAllowed[name] {
			t.Errorf("%s is tracked and %d bytes (> 1 MiB): a build output? ignore it, or add it to bigFilesAllowed with a reason", name, st.Size())
		}
	}
}
