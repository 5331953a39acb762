package wristband_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"gongjian/internal/errs"
	"gongjian/internal/wristband"
)

// imeiWithCheck completes 14 digits with their Luhn check digit.
func imeiWithCheck(d14 string) string { return d14 + string(wristband.LuhnDigit(d14)) }

// FuzzValidateIMEI: never panics; what it accepts is exactly 15 digits whose
// last is the Luhn digit of the first 14, and changing any one digit of an
// accepted IMEI makes it refused (Luhn catches every single-digit error).
// Refusals are 400s with a machine code, never internal errors.
func FuzzValidateIMEI(f *testing.F) {
	for _, s := range []string{imeiWithCheck("86123456789012"), "861234567890123", "", "86-1234 5678\t90128", "8612345678901２8", "ABCDEFGHIJKLMNO",
		strings.Repeat("9", 15), strings.Repeat("0", 15), "86123456789012345", imeiWithCheck("35209900176148")} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		imei := wristband.NormalizeIMEI(raw)
		err := wristband.ValidateIMEI(imei)
		if err != nil {
			if errs.KindOf(err) != errs.KindInvalid || (errs.CodeOf(err) != "INVALID_IMEI" && errs.CodeOf(err) != "IMEI_CHECK_DIGIT") {
				t.Fatalf("refusal of %q is %v", raw, err)
			}
			return
		}
		if len(imei) != 15 || wristband.LuhnDigit(imei[:14]) != imei[14] {
			t.Fatalf("accepted %q", raw)
		}
		for i := 0; i < 15; i++ {
			b := []byte(imei)
			b[i] = '0' + (b[i]-'0'+1)%10
			if wristband.ValidateIMEI(string(b)) == nil {
				t.Fatalf("%s accepted after changing digit %d of %s", b, i, imei)
			}
		}
	})
}

var fuzzNow = time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)

// FuzzParsePush: any body gives a push or a WEBHOOK_MALFORMED 400, never a
// panic; an accepted push carries a valid IMEI, a sane time and the fields
// its type needs (so storing it cannot dereference a missing value).
func FuzzParsePush(f *testing.F) {
	imei := imeiWithCheck("86123456789012")
	at := fuzzNow.Add(-time.Minute).Format(time.RFC3339)
	for _, s := range []string{
		`{"event_id":"e1","imei":"` + imei + `","type":"blood_pressure","at":"` + at + `","data":{"systolic":150,"diastolic":95}}`,
		`{"event_id":"e2","imei":"` + imei + `","type":"location","at":"` + at + `","data":{"lat":39.9,"lng":116.4}}`,
		`{"event_id":"e3","imei":"` + imei + `","type":"heart_rate","at":"` + at + `","data":{"heart_rate":72}}`,
		`{"event_id":"e4","imei":"` + imei + `","type":"blood_glucose","at":"` + at + `","data":{"glucose":6.1}}`,
		`{"event_id":"e5","imei":"` + imei + `","type":"sos","at":"` + at + `","data":null}`,
		`{"event_id":"e6","imei":"` + imei + `","type":"low_battery","at":"` + at + `","data":{"battery":5}}`,
		`{"event_id":"e7","imei":"` + imei + `","type":"heart_rate","at":"` + at + `"}`,
		`{"event_id":"e8","imei":"` + imei + `","type":"location","at":"` + at + `","data":{"lat":"NaN","lng":1e400}}`,
		`{"event_id":"e9","imei":"` + imei + `","type":"fall","at":"2999-01-01T00:00:00Z","data":{}}`,
		`{"event_id":"","imei":"","type":"","at":""}`, `[]`, `null`, `{"data":{"x":1}}`, `{}{}`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := wristband.ParsePush("acme", body, fuzzNow)
		if err != nil {
			if errs.KindOf(err) != errs.KindInvalid || errs.CodeOf(err) != "WEBHOOK_MALFORMED" {
				t.Fatalf("refusal %v", err)
			}
			return
		}
		if wristband.ValidateIMEI(p.IMEI) != nil || p.At.After(fuzzNow.Add(10*time.Minute)) || p.EventID == "" {
			t.Fatalf("accepted %+v", p)
		}
		switch p.Type {
		case wristband.EventHeartRate:
			_ = *p.HeartRate
		case wristband.EventBloodPressure:
			_, _ = *p.Systolic, *p.Diastolic
		case wristband.EventBloodGlucose:
			_ = *p.Glucose
		case wristband.EventLocation:
			_, _ = *p.Lat, *p.Lng
		}
	})
}

// FuzzWebhook runs vendor pushes through the whole webhook (signature,
// time window, replay claim, parsing, storage): nothing unsigned or wrongly
// signed is accepted or stored, and no input gives an internal error (a
// 500). With sign set, the fuzzer's body is signed properly so parsing and
// storage are reached.
func FuzzWebhook(f *testing.F) {
	const secret = acmeSecret
	fx := newFixtureWith(f, wristband.Config{Vendors: map[string]string{"acme": secret}, ReplayWindow: 5 * time.Minute, EscalationDelay: 10 * time.Minute})
	fx.clock.Set(fuzzNow)
	db, svc := fx.db, fx.svc
	ts := strconv.FormatInt(fuzzNow.Unix(), 10)
	imei := imeiWithCheck("86123456789012")
	body := `{"event_id":"seed","imei":"` + imei + `","type":"sos","at":"` + fuzzNow.Format(time.RFC3339) + `"}`
	f.Add("acme", ts, wristband.Sign(secret, ts, []byte(body)), []byte(body), false)
	f.Add("acme", ts, "", []byte(body), true)
	f.Add("acme", ts, "sha256="+strings.ToUpper(wristband.Sign(secret, ts, []byte(body))), []byte(body), false)
	f.Add("acme", strconv.FormatInt(fuzzNow.Add(-time.Hour).Unix(), 10), "", []byte(body), true)
	f.Add("acme", "12e3", "", []byte(body), true)
	f.Add("other", ts, wristband.Sign(secret, ts, []byte(body)), []byte(body), false)
	f.Add("acme", ts, "00", []byte(body), false)
	f.Add("", "", "", []byte(nil), false)
	f.Add("acme", ts, "", []byte(`{"event_id":"x","imei":"1","type":"sos"}`), true)
	var n int
	f.Fuzz(func(t *testing.T, vendor, timestamp, sig string, body []byte, sign bool) {
		if sign {
			sig = wristband.Sign(secret, timestamp, body)
		}
		signed := vendor == "acme" && strings.TrimPrefix(strings.ToLower(strings.TrimSpace(sig)), "sha256=") == wristband.Sign(secret, timestamp, body)
		var before int64
		db.G.Table("wristband_events").Count(&before)
		n++
		out, err := svc.Webhook(context.Background(), wristband.SignedRequest{Vendor: vendor, Timestamp: timestamp, Signature: sig, Body: body})
		if errs.KindOf(err) == errs.KindInternal && err != nil {
			t.Fatalf("internal error for push %d: %v", n, err)
		}
		if !signed {
			if err == nil {
				t.Fatalf("an unsigned push was accepted: %+v", out)
			}
			var after int64
			db.G.Table("wristband_events").Count(&after)
			if after != before {
				t.Fatalf("an unsigned push was stored")
			}
			return
		}
		if err == nil && out.Outcome == "" {
			t.Fatalf("accepted without an outcome: %+v", out)
		}
	})
}
