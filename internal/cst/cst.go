// Package cst is China Standard Time (UTC+8, no daylight saving): the one
// time zone in which residents and staff read dates and times, months and
// days are counted, and exports are dated. Every package takes it from here.
package cst

import "time"

// Zone is China Standard Time.
var Zone = time.FixedZone("CST", 8*3600)

// Minute formats t to the minute in China Standard Time ("2006-01-02 15:04").
func Minute(t time.Time) string { return t.In(Zone).Format("2006-01-02 15:04") }
