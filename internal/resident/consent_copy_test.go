package resident

import (
	"os"
	"regexp"
	"testing"
)

// The family page sends the guardian-consent version it shows; it must be
// the one the server serves as in force.
func TestMiniProgramGuardianConsentVersionIsTheServers(t *testing.T) {
	src, err := os.ReadFile("../../miniprogram/src/pages/family/edit.js")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`const CONSENT_VERSION = '([^']*)'`).FindSubmatch(src)
	if m == nil {
		t.Fatal("CONSENT_VERSION not found in the family page")
	}
	if string(m[1]) != CurrentConsentVersion {
		t.Fatalf("mini-program guardian consent version %q, server %q", m[1], CurrentConsentVersion)
	}
}
