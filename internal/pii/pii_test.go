package pii

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"gongjian/internal/cst"
)

func TestSealOpenRoundTrip(t *testing.T) {
	b, err := NewBox(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	s1, _ := b.Seal("13812341234")
	s2, _ := b.Seal("13812341234")
	if s1 == s2 {
		t.Fatal("two seals of one value must differ (random nonce)")
	}
	if strings.Contains(s1, "1381234") {
		t.Fatal("ciphertext contains the plain text")
	}
	got, err := b.Open(s1)
	if err != nil || got != "13812341234" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	other, _ := NewBox(bytes.Repeat([]byte{8}, 32))
	if _, err := other.Open(s1); err == nil {
		t.Fatal("a different key must not open the value")
	}
	if b.Hash("x") != b.Hash("x") || b.Hash("x") == other.Hash("x") || len(b.Hash("x")) != 64 {
		t.Fatal("hash must be stable per key, keyed and 64 hex chars")
	}
	if _, err := NewBox([]byte("short")); err == nil {
		t.Fatal("short key accepted")
	}
}

func TestMasks(t *testing.T) {
	cases := []struct{ got, want string }{
		{MaskPhone("13812341234"), "138****1234"},
		// Shorter numbers (WeChat gives the pure number of foreign phones:
		// Hong Kong and Macau have 8 digits) keep at most their last 4.
		{MaskPhone("2025550123"), "******0123"},
		{MaskPhone("91234567"), "****4567"},
		{MaskPhone("6123456"), "*******"},
		{MaskPhone("123"), "***"},
		{MaskIDNumber("11010519491231002X"), "110***********002X"},
		{MaskName("张三"), "张*"},
		{MaskName("欧阳娜娜"), "欧***"},
		{MaskName("小明（未实名）"), "小*（未实名）"},
		{MaskName("未实名居民"), "未实名居民"},
		{MaskName(""), ""},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q want %q", c.got, c.want)
		}
	}
}

func TestValidateIDNumber(t *testing.T) {
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		id      string
		wantErr error
		birth   string
	}{
		{"11010519491231002X", nil, "1949-12-31"},
		{"11010519491231002x", nil, "1949-12-31"},
		{"110105194912310021", ErrIDCheckDigit, ""},
		{"11010519491231002", ErrIDLength, ""},
		{"1101051949123100AX", ErrIDChars, ""},
		{"110105194913310028", ErrIDBirth, ""},
		{"110105203012310028", ErrIDBirth, ""},
	}
	for _, c := range cases {
		birth, err := ValidateIDNumber(c.id, now)
		if !errors.Is(err, c.wantErr) {
			t.Errorf("%s: err %v want %v", c.id, err, c.wantErr)
			continue
		}
		if c.wantErr == nil && birth.Format("2006-01-02") != c.birth {
			t.Errorf("%s: birth %s", c.id, birth)
		}
	}
	if IDCheckChar("11010519491231002") != 'X' {
		t.Fatal("IDCheckChar")
	}
}

func TestMaskIMEI(t *testing.T) {
	cases := map[string]string{
		"490154203237518": "4901****7518",
		"12345678":        "********",
		"":                "",
	}
	for in, want := range cases {
		if got := MaskIMEI(in); got != want {
			t.Errorf("MaskIMEI(%q) = %q, want %q", in, got, want)
		}
	}
}

// A baby born today in China has today's (China) date in its ID number:
// it is accepted at any hour of the Chinese day, including the first
// eight hours, when the UTC date is still yesterday. Tomorrow's date is
// refused at the last minute of today.
func TestValidateIDNumberBornTodayInChina(t *testing.T) {
	early := time.Date(2026, 12, 5, 1, 0, 0, 0, cst.Zone)
	late := time.Date(2026, 12, 5, 23, 59, 0, 0, cst.Zone)
	today := "11010520261205001"
	today += string(IDCheckChar(today))
	tomorrow := "11010520261206001"
	tomorrow += string(IDCheckChar(tomorrow))
	for _, now := range []time.Time{early, late} {
		birth, err := ValidateIDNumber(today, now)
		if err != nil || birth.Format("2006-01-02") != "2026-12-05" {
			t.Errorf("born today, at %s: birth %v, err %v", cst.Minute(now), birth, err)
		}
		if _, err := ValidateIDNumber(tomorrow, now); !errors.Is(err, ErrIDBirth) {
			t.Errorf("born tomorrow, at %s: err %v, want ErrIDBirth", cst.Minute(now), err)
		}
	}
}
