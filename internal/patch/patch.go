// Package patch applies partial updates: a patch is a struct of pointer
// fields, each naming a field of the value it changes; a nil pointer
// leaves that field as it is.
package patch

import (
	"fmt"
	"reflect"
)

// Apply sets, for every non-nil pointer field of p, the field of *dst with
// the same name to the value pointed to. dst must point to a struct and p
// be a struct whose fields all are pointers to the type of the field of
// the same name in *dst; anything else is a programming error (a panic),
// found on the first call whatever the patch holds.
func Apply[T, P any](dst *T, p P) {
	d, v := reflect.ValueOf(dst).Elem(), reflect.ValueOf(p)
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		target := d.FieldByName(f.Name)
		if !target.IsValid() || f.Type.Kind() != reflect.Pointer || f.Type.Elem() != target.Type() {
			panic(fmt.Sprintf("patch: %s.%s does not patch %s", v.Type(), f.Name, d.Type()))
		}
		if !v.Field(i).IsNil() {
			target.Set(v.Field(i).Elem())
		}
	}
}
