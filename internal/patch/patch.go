// Package patch applies partial updates: a patch is a struct of pointer
// fields, each naming a field of the value it changes; a nil pointer
// leaves that field as it is.
package patch

import (
	"fmt"
	"reflect"
)

// Apply sets, for every non-nil pointer field of p, the field of *dst with
// the same name to the value pointed to. A pointer to a patch of a struct
// field (a struct of pointer fields itself) patches that field field by
// field. dst must point to a struct and p be a struct whose fields all are
// pointers to the type of the field of the same name in *dst, or to a
// patch of it; anything else is a programming error (a panic), found on
// the first call whatever the patch holds.
func Apply[T, P any](dst *T, p P) {
	apply(reflect.ValueOf(dst).Elem(), reflect.ValueOf(p))
}

func apply(d, v reflect.Value) {
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		target := d.FieldByName(f.Name)
		if !target.IsValid() || f.Type.Kind() != reflect.Pointer {
			panic(fmt.Sprintf("patch: %s.%s does not patch %s", v.Type(), f.Name, d.Type()))
		}
		if f.Type.Elem() != target.Type() {
			if f.Type.Elem().Kind() != reflect.Struct || target.Kind() != reflect.Struct {
				panic(fmt.Sprintf("patch: %s.%s does not patch %s", v.Type(), f.Name, d.Type()))
			}
			// A nested patch: checked on a scratch value when nil.
			if v.Field(i).IsNil() {
				apply(reflect.New(target.Type()).Elem(), reflect.New(f.Type.Elem()).Elem())
			} else {
				apply(target, v.Field(i).Elem())
			}
			continue
		}
		if !v.Field(i).IsNil() {
			target.Set(v.Field(i).Elem())
		}
	}
}
