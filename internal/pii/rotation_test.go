package pii

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// legacySeal seals the way Box did before key ids ("v1:" prefix).
func legacySeal(t *testing.T, key []byte, plain string) string {
	t.Helper()
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return "v1:" + base64.RawStdEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(plain), []byte("v1:")))
}

// A rotated key leaves what it sealed readable — values sealed before key
// ids existed included — while new values are sealed with the new key;
// look-up hashes stay those of the key bound for hashing; a Box without
// the old key refuses the old values with ErrUnknownKey.
func TestKeyRotation(t *testing.T) {
	keyA, keyB := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	a, err := NewBox(keyA)
	if err != nil {
		t.Fatal(err)
	}
	sealedA, _ := a.Seal("13812341234")
	legacy := legacySeal(t, keyA, "11010519491231002X")
	if !strings.HasPrefix(sealedA, "k"+a.KeyID()+":") || len(a.KeyID()) != 8 {
		t.Fatalf("sealed %q, key id %q", sealedA, a.KeyID())
	}

	rot, err := NewBox(keyB, keyA)
	if err != nil {
		t.Fatal(err)
	}
	if rot.KeyID() == a.KeyID() || len(rot.KeyIDs()) != 2 || rot.KeyIDs()[1] != a.KeyID() {
		t.Fatalf("key ids %v", rot.KeyIDs())
	}
	for sealed, want := range map[string]string{sealedA: "13812341234", legacy: "11010519491231002X"} {
		if got, err := rot.Open(sealed); err != nil || got != want {
			t.Fatalf("rotated box opens %q as %q, %v", sealed, got, err)
		}
	}
	sealedB, _ := rot.Seal("13812341234")
	if !strings.HasPrefix(sealedB, "k"+rot.KeyID()+":") || !rot.Current(sealedB) || rot.Current(sealedA) || rot.Current(legacy) {
		t.Fatalf("new value %q must be sealed with the new key", sealedB)
	}
	if _, err := a.Open(sealedB); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("the old box opened a value of an unknown key: %v", err)
	}

	// Hashes: keyed by the new key unless told to keep the bound one.
	if rot.Hash("x") == a.Hash("x") {
		t.Fatal("the hash key must follow the key chosen for hashing")
	}
	if err := rot.UseHashKey(a.KeyID()); err != nil || rot.Hash("x") != a.Hash("x") || rot.HashKeyID() != a.KeyID() {
		t.Fatalf("hash with the bound key: %v", err)
	}
	if err := rot.UseHashKey("deadbeef"); err == nil {
		t.Fatal("an unknown hash key was accepted")
	}

	// The key id is in the authenticated data: moving a value to another
	// key's id, or tampering with it, fails.
	body := strings.TrimPrefix(sealedA, "k"+a.KeyID()+":")
	if _, err := rot.Open("k" + rot.KeyID() + ":" + body); err == nil {
		t.Fatal("a value relabelled to another key opened")
	}
	if _, err := rot.Open("v1:" + body); err == nil {
		t.Fatal("a keyed value relabelled as legacy opened")
	}
	// The current key alone no longer opens the old values.
	b, _ := NewBox(keyB)
	if _, err := b.Open(sealedA); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("want ErrUnknownKey, got %v", err)
	}
	if _, err := b.Open(legacy); err == nil {
		t.Fatal("a legacy value opened without its key")
	}
	if _, err := NewBox(keyB, []byte("short")); err == nil {
		t.Fatal("a short older key was accepted")
	}
}

// FuzzOpen: no input makes Open panic, and only what was sealed opens.
func FuzzOpen(f *testing.F) {
	box, _ := NewBox(bytes.Repeat([]byte{3}, 32), bytes.Repeat([]byte{4}, 32))
	good, _ := box.Seal("13812341234")
	for _, s := range []string{good, "", "v1:", "v1:AAAA", "k00000000:", "kzzzzzzzz:abc", "k" + box.KeyID() + ":!!!", ":", "v2:abc", good[:len(good)-2]} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		plain, err := box.Open(s)
		// (base64 may spell the one sealed value in more than one way)
		if err == nil && s != "" && plain != "13812341234" {
			t.Fatalf("opened a value that was never sealed: %q -> %q", s, plain)
		}
	})
}
