// Package defaults fills the settings a configuration leaves unset.
package defaults

import "reflect"

// Fill sets every field of *c that is unset to the value the same field
// has in def, where def sets it. Unset is: a number not above zero (a
// duration too), an empty string, slice or map, and for anything else the
// zero value. c must point to a struct; its unexported fields are left as
// they are.
func Fill[T any](c *T, def T) {
	v, d := reflect.ValueOf(c).Elem(), reflect.ValueOf(def)
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if !v.Type().Field(i).IsExported() || d.Field(i).IsZero() || !unset(f) {
			continue
		}
		f.Set(d.Field(i))
	}
}

func unset(f reflect.Value) bool {
	switch f.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return f.Int() <= 0
	case reflect.Float32, reflect.Float64:
		return f.Float() <= 0
	case reflect.String, reflect.Slice, reflect.Map:
		return f.Len() == 0
	default:
		return f.IsZero()
	}
}
