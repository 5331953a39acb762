package wristband

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The mini-program carries a copy of the consent (shown when GET
// /api/v1/wristbands/consent fails): it must be the text and version in
// force, or a resident would agree to one text while another is recorded.
func TestMiniProgramConsentCopyIsTheServers(t *testing.T) {
	src, err := os.ReadFile("../../miniprogram/src/utils/wristband-consent.js")
	if err != nil {
		t.Fatal(err)
	}
	js := string(src)
	version := regexp.MustCompile(`const CONSENT_VERSION = '([^']*)'`).FindStringSubmatch(js)
	if version == nil {
		t.Fatal("CONSENT_VERSION not found")
	}
	if version[1] != ConsentVersion {
		t.Errorf("mini-program consent version %q, server %q", version[1], ConsentVersion)
	}
	start := strings.Index(js, "const CONSENT_TEXT =")
	if start < 0 {
		t.Fatal("CONSENT_TEXT not found")
	}
	block := js[start:]
	if end := strings.Index(block, "\n\n"); end > 0 {
		block = block[:end]
	}
	var text strings.Builder
	for _, m := range regexp.MustCompile(`'([^']*)'`).FindAllStringSubmatch(block, -1) {
		text.WriteString(m[1])
	}
	if text.String() != ConsentText {
		t.Errorf("mini-program consent text differs from the server's:\n mini-program %q\n server       %q", text.String(), ConsentText)
	}
}
