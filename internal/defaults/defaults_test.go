package defaults

import (
	"reflect"
	"testing"
	"time"
)

type policy struct{ Limit int }

type config struct {
	TTL     time.Duration
	Workers int
	Ratio   float64
	Name    string
	Weights []int
	Policy  policy
	Off     bool
	Keep    int
	hidden  int
}

func TestFill(t *testing.T) {
	def := config{TTL: time.Minute, Workers: 2, Ratio: 0.5, Name: "默认", Weights: []int{6, 3, 1}, Policy: policy{3}, Off: true, hidden: 9}
	for _, c := range []struct {
		name     string
		in, want config
	}{
		{"all unset", config{}, config{TTL: time.Minute, Workers: 2, Ratio: 0.5, Name: "默认", Weights: []int{6, 3, 1}, Policy: policy{3}, Off: true}},
		{"negative is unset", config{TTL: -time.Second, Workers: -1, Ratio: -1}, config{TTL: time.Minute, Workers: 2, Ratio: 0.5, Name: "默认", Weights: []int{6, 3, 1}, Policy: policy{3}, Off: true}},
		{"set values stay", config{TTL: time.Hour, Workers: 8, Ratio: 2, Name: "mine", Weights: []int{1}, Policy: policy{1}, Keep: 4, hidden: 1},
			config{TTL: time.Hour, Workers: 8, Ratio: 2, Name: "mine", Weights: []int{1}, Policy: policy{1}, Off: true, Keep: 4, hidden: 1}},
		{"empty slice is unset", config{Weights: []int{}, Workers: 5}, config{TTL: time.Minute, Workers: 5, Ratio: 0.5, Name: "默认", Weights: []int{6, 3, 1}, Policy: policy{3}, Off: true}},
	} {
		got := c.in
		Fill(&got, def)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: Fill = %+v, want %+v", c.name, got, c.want)
		}
	}
}
