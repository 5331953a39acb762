package patch

import (
	"reflect"
	"testing"
)

type thing struct {
	Name  string
	Count int
	Tags  []string
	Keep  bool
	Inner inner
}

type inner struct {
	Size int
	On   bool
}

type innerPatch struct {
	Size *int
	On   *bool
}

type thingPatch struct {
	Name  *string
	Count *int
	Tags  *[]string
	Inner *innerPatch
}

func TestApply(t *testing.T) {
	name, zero, tags := "新名字", 0, []string{"a"}
	for _, c := range []struct {
		p    thingPatch
		want thing
	}{
		{thingPatch{}, thing{Name: "旧", Count: 3, Keep: true, Inner: inner{5, true}}},
		{thingPatch{Name: &name}, thing{Name: "新名字", Count: 3, Keep: true, Inner: inner{5, true}}},
		{thingPatch{Count: &zero, Tags: &tags}, thing{Name: "旧", Count: 0, Tags: []string{"a"}, Keep: true, Inner: inner{5, true}}},
		{thingPatch{Inner: &innerPatch{Size: &zero}}, thing{Name: "旧", Count: 3, Keep: true, Inner: inner{0, true}}},
	} {
		got := thing{Name: "旧", Count: 3, Keep: true, Inner: inner{5, true}}
		Apply(&got, c.p)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Apply(%+v) = %+v, want %+v", c.p, got, c.want)
		}
	}
}

func TestApplyRefusesAPatchThatDoesNotFit(t *testing.T) {
	for name, apply := range map[string]func(){
		"missing field": func() { Apply(&thing{}, struct{ Other *string }{}) },
		"wrong type":    func() { Apply(&thing{}, struct{ Count *string }{}) },
		"not a pointer": func() { Apply(&thing{}, struct{ Count int }{}) },
		"nested, unfit": func() { Apply(&thing{}, struct{ Inner *struct{ Size *string } }{}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			apply()
		}()
	}
}
