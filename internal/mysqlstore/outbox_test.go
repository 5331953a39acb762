package mysqlstore

import (
	"encoding/json"
	"maps"
	"testing"
)

// The fields column reads back as the notice's fields, whether fieldsJSON
// wrote it itself or left it to json.Marshal; the usual fields are written
// byte for byte as json.Marshal writes them.
func TestFieldsJSONReadsBack(t *testing.T) {
	cases := []struct {
		fields map[string]string
		same   bool // the same bytes as json.Marshal
	}{
		{map[string]string{"activity": "四点半学校·陶艺", "time": "2026-12-05 16:30", "status": "报名成功", "place": "幸福里社区活动室"}, true},
		{map[string]string{"b": "2", "a": "1", "a1": "3", "A": "4", "": "空"}, true},
		{map[string]string{}, true},
		{nil, true},
		{map[string]string{"note": `带"引号"`}, false},
		{map[string]string{"note": `C:\路径`}, false},
		{map[string]string{"note": "第一行\n第二行\t"}, false},
		{map[string]string{"note": "<b>&</b>"}, false},
		{map[string]string{"note": "\u2028分隔"}, false},
		{map[string]string{"note": "坏\xff字节"}, false},
		{map[string]string{"键\x01": "v"}, false},
	}
	for _, c := range cases {
		got, err := fieldsJSON(c.fields)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(c.fields)
		if c.same && got != string(want) {
			t.Errorf("%v: wrote %s, json.Marshal %s", c.fields, got, want)
		}
		var back, wantBack map[string]string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Fatalf("%v: %s does not read back: %v", c.fields, got, err)
		}
		_ = json.Unmarshal(want, &wantBack)
		if !maps.Equal(back, wantBack) || (c.fields == nil) != (back == nil) {
			t.Errorf("%v: reads back as %v, json.Marshal's as %v", c.fields, back, wantBack)
		}
	}
}

func FuzzFieldsJSON(f *testing.F) {
	f.Add("activity", "四点半学校", "time", "16:30")
	f.Add("a", `"`, "b", "\\")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		m := map[string]string{k1: v1, k2: v2}
		got, err := fieldsJSON(m)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(m)
		var back, wantBack map[string]string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Fatalf("%q does not read back: %v", got, err)
		}
		_ = json.Unmarshal(want, &wantBack)
		if !maps.Equal(back, wantBack) {
			t.Fatalf("%q reads back as %v, json.Marshal's as %v", got, back, wantBack)
		}
	})
}
