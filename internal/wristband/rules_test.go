package wristband

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gongjian/internal/errs"
)

func TestValidateIMEI(t *testing.T) {
	cases := []struct {
		in   string
		want error
	}{
		{"490154203237518", nil},
		{"35-209900-176148-1", nil}, // printed with separators
		{"490154203237517", ErrIMEICheckDigit},
		{"49015420323751", ErrIMEIFormat},
		{"4901542032375180", ErrIMEIFormat},
		{"49015420323751X", ErrIMEIFormat},
		{"", ErrIMEIFormat},
	}
	for _, c := range cases {
		if got := ValidateIMEI(NormalizeIMEI(c.in)); !errors.Is(got, c.want) {
			t.Errorf("%q: got %v want %v", c.in, got, c.want)
		}
	}
	// Every payload has exactly one valid check digit.
	for _, p := range []string{"00000000000000", "86123456789012", "99999999999999"} {
		valid := 0
		for d := byte('0'); d <= '9'; d++ {
			if ValidateIMEI(p+string(d)) == nil {
				valid++
			}
		}
		if valid != 1 || ValidateIMEI(p+string(LuhnDigit(p))) != nil {
			t.Errorf("%s: %d valid check digits", p, valid)
		}
	}
}

func TestThresholdsCheck(t *testing.T) {
	d := DefaultThresholds
	cases := []struct {
		r    Reading
		want AlarmType // "" = no alarm
	}{
		{Reading{Kind: KindBloodPressure, Systolic: 159, Diastolic: 99}, ""},
		{Reading{Kind: KindBloodPressure, Systolic: 160, Diastolic: 80}, AlarmBloodPressure},
		{Reading{Kind: KindBloodPressure, Systolic: 130, Diastolic: 100}, AlarmBloodPressure},
		{Reading{Kind: KindBloodPressure, Systolic: 91, Diastolic: 60}, ""},
		{Reading{Kind: KindBloodPressure, Systolic: 90, Diastolic: 60}, AlarmBloodPressure},
		{Reading{Kind: KindBloodGlucose, GlucoseTenths: 110}, ""},
		{Reading{Kind: KindBloodGlucose, GlucoseTenths: 111}, AlarmBloodGlucose},
		{Reading{Kind: KindBloodGlucose, GlucoseTenths: 40}, ""},
		{Reading{Kind: KindBloodGlucose, GlucoseTenths: 39}, AlarmBloodGlucose},
		{Reading{Kind: KindHeartRate, HeartRate: 119}, ""},
		{Reading{Kind: KindHeartRate, HeartRate: 120}, AlarmHeartRate},
		{Reading{Kind: KindHeartRate, HeartRate: 46}, ""},
		{Reading{Kind: KindHeartRate, HeartRate: 45}, AlarmHeartRate},
		{Reading{Kind: KindLocation, Lat: 1, Lng: 2}, ""},
	}
	for i, c := range cases {
		b, ok := d.Check(c.r)
		if ok != (c.want != "") || b.Type != c.want {
			t.Errorf("case %d %+v: got %v %+v, want %q", i, c.r, ok, b, c.want)
		}
		if ok && !strings.ContainsAny(b.Detail, "压糖率") {
			t.Errorf("case %d: detail %q not in Chinese", i, b.Detail)
		}
	}
	// Per-wearer limits replace the defaults.
	own := d
	own.SystolicHigh = 180
	if _, ok := own.Check(Reading{Kind: KindBloodPressure, Systolic: 172, Diastolic: 90}); ok {
		t.Error("172 must not alarm with an upper limit of 180")
	}
	if b, _ := d.Check(Reading{Kind: KindBloodGlucose, GlucoseTenths: 125}); !strings.Contains(b.Detail, "12.5") {
		t.Errorf("glucose detail %q", b.Detail)
	}
	bad := d
	bad.SystolicLow = 170
	if errs.CodeOf(bad.Validate()) != "INVALID_THRESHOLDS" || d.Validate() != nil {
		t.Error("threshold validation")
	}
}

func TestParsePush(t *testing.T) {
	now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	at := `"2026-05-01T15:59:00+08:00"`
	ok := func(typ, data string) string {
		return `{"event_id":"e1","imei":"490154203237518","type":"` + typ + `","at":` + at + `,"data":` + data + `}`
	}
	cases := []struct {
		name, body string
		wantErr    bool
	}{
		{"location", ok("location", `{"lat":31.23,"lng":121.47}`), false},
		{"heart rate", ok("heart_rate", `{"heart_rate":72,"battery":80}`), false},
		{"blood pressure", ok("blood_pressure", `{"systolic":150,"diastolic":95}`), false},
		{"glucose", ok("blood_glucose", `{"glucose":6.2}`), false},
		{"sos with location", ok("sos", `{"lat":31.2,"lng":121.4}`), false},
		{"fall without data", ok("fall", `null`), false},
		{"offline", ok("offline", `{}`), false},
		{"low battery", ok("low_battery", `{"battery":9}`), false},
		{"not json", `{"event_id":`, true},
		{"unknown field", `{"event_id":"e1","imei":"490154203237518","type":"sos","at":` + at + `,"extra":1}`, true},
		{"unknown data field", ok("heart_rate", `{"heart_rate":72,"mood":"ok"}`), true},
		{"bad imei", strings.Replace(ok("sos", `{}`), "490154203237518", "490154203237517", 1), true},
		{"no event id", strings.Replace(ok("sos", `{}`), `"e1"`, `""`, 1), true},
		{"unknown type", ok("teleport", `{}`), true},
		{"bad time", strings.Replace(ok("sos", `{}`), at, `"yesterday"`, 1), true},
		{"future time", strings.Replace(ok("sos", `{}`), at, `"2026-05-01T09:00:00Z"`, 1), true},
		{"location missing lng", ok("location", `{"lat":31.2}`), true},
		{"lat out of range", ok("location", `{"lat":91,"lng":0}`), true},
		{"heart rate absurd", ok("heart_rate", `{"heart_rate":900}`), true},
		{"bp inverted", ok("blood_pressure", `{"systolic":80,"diastolic":95}`), true},
		{"bp with heart rate", ok("blood_pressure", `{"systolic":150,"diastolic":95,"heart_rate":70}`), true},
		{"glucose missing", ok("blood_glucose", `{}`), true},
		{"battery out of range", ok("online", `{"battery":101}`), true},
		{"vitals on sos", ok("sos", `{"heart_rate":70}`), true},
	}
	for _, c := range cases {
		p, err := ParsePush("acme", []byte(c.body), now)
		if (err != nil) != c.wantErr {
			t.Errorf("%s: err %v", c.name, err)
			continue
		}
		if err != nil && errs.CodeOf(err) != "WEBHOOK_MALFORMED" {
			t.Errorf("%s: code %s", c.name, errs.CodeOf(err))
		}
		if err == nil && (!p.At.Equal(now.Add(-time.Minute)) || p.Vendor != "acme") {
			t.Errorf("%s: parsed %+v", c.name, p)
		}
	}
}

func TestSignatureIsOverTimestampAndBody(t *testing.T) {
	a := Sign("secret-0123456789", "1700000000", []byte(`{"x":1}`))
	for _, other := range []string{
		Sign("secret-0123456789", "1700000001", []byte(`{"x":1}`)),
		Sign("secret-0123456789", "1700000000", []byte(`{"x":2}`)),
		Sign("secret-9876543210", "1700000000", []byte(`{"x":1}`)),
	} {
		if other == a {
			t.Fatal("signature does not cover timestamp, body and secret")
		}
	}
	if len(a) != 64 {
		t.Fatalf("signature %q is not hex SHA-256", a)
	}
}

func TestParseImportFile(t *testing.T) {
	csvData := "\xef\xbb\xbf批次,IMEI,型号,厂商\nB1,490154203237518,W1,acme\n\n,352099001761481, W2 ,Acme\n"
	rows, err := ParseImportFile([]byte(csvData))
	if err != nil || len(rows) != 2 {
		t.Fatalf("csv: %v %+v", err, rows)
	}
	if rows[0].Line != 2 || rows[0].Batch != "B1" || rows[1].Line != 4 || rows[1].Model != "W2" || rows[1].IMEI != "352099001761481" {
		t.Fatalf("csv rows %+v", rows)
	}
	f := excelize.NewFile()
	for i, row := range [][]any{{"imei", "model", "vendor", "batch"}, {"490154203237518", "W1", "acme", "B2"}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err = ParseImportFile(buf.Bytes())
	if err != nil || len(rows) != 1 || rows[0].IMEI != "490154203237518" || rows[0].Batch != "B2" || rows[0].Line != 2 {
		t.Fatalf("xlsx: %v %+v", err, rows)
	}
	for _, bad := range []string{"", "a,b,c\n1,2,3\n", "imei,model\n490154203237518,W1\n"} {
		if _, err := ParseImportFile([]byte(bad)); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}
