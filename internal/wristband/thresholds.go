package wristband

import (
	"fmt"

	"gongjian/internal/errs"
)

// Thresholds are a wearer's alarm limits. A reading at or beyond a limit
// raises an alarm. Glucose limits are in tenths of mmol/L.
type Thresholds struct {
	SystolicHigh  int // mmHg
	SystolicLow   int
	DiastolicHigh int
	GlucoseHigh   int // mmol/L × 10
	GlucoseLow    int
	HeartRateHigh int // beats per minute
	HeartRateLow  int
}

// DefaultThresholds apply to a wearer without their own.
var DefaultThresholds = Thresholds{
	SystolicHigh: 160, SystolicLow: 90, DiastolicHigh: 100,
	GlucoseHigh: 111, GlucoseLow: 39,
	HeartRateHigh: 120, HeartRateLow: 45,
}

// Validate checks limits are plausible and ordered.
func (t Thresholds) Validate() error {
	bad := func(msg string) error { return errs.Invalid("INVALID_THRESHOLDS", msg) }
	switch {
	case t.SystolicLow < 50 || t.SystolicHigh > 260 || t.SystolicLow >= t.SystolicHigh:
		return bad("收缩压阈值应在 50–260 mmHg 之间，且下限小于上限")
	case t.DiastolicHigh < 50 || t.DiastolicHigh > 160:
		return bad("舒张压上限应在 50–160 mmHg 之间")
	case t.GlucoseLow < 20 || t.GlucoseHigh > 330 || t.GlucoseLow >= t.GlucoseHigh:
		return bad("血糖阈值应在 2.0–33.0 mmol/L 之间，且下限小于上限")
	case t.HeartRateLow < 30 || t.HeartRateHigh > 220 || t.HeartRateLow >= t.HeartRateHigh:
		return bad("心率阈值应在 30–220 次/分之间，且下限小于上限")
	}
	return nil
}

// Breach describes a reading outside the thresholds.
type Breach struct {
	Type   AlarmType
	Detail string // in Chinese, e.g. "收缩压 172 mmHg（上限 160）"
}

// Check returns the breach of a vital-sign reading, if any.
func (t Thresholds) Check(r Reading) (Breach, bool) {
	switch r.Kind {
	case KindHeartRate:
		if r.HeartRate >= t.HeartRateHigh {
			return Breach{AlarmHeartRate, fmt.Sprintf("心率 %d 次/分（上限 %d）", r.HeartRate, t.HeartRateHigh)}, true
		}
		if r.HeartRate <= t.HeartRateLow {
			return Breach{AlarmHeartRate, fmt.Sprintf("心率 %d 次/分（下限 %d）", r.HeartRate, t.HeartRateLow)}, true
		}
	case KindBloodPressure:
		bp := fmt.Sprintf("血压 %d/%d mmHg", r.Systolic, r.Diastolic)
		switch {
		case r.Systolic >= t.SystolicHigh:
			return Breach{AlarmBloodPressure, fmt.Sprintf("%s（收缩压上限 %d）", bp, t.SystolicHigh)}, true
		case r.Diastolic >= t.DiastolicHigh:
			return Breach{AlarmBloodPressure, fmt.Sprintf("%s（舒张压上限 %d）", bp, t.DiastolicHigh)}, true
		case r.Systolic <= t.SystolicLow:
			return Breach{AlarmBloodPressure, fmt.Sprintf("%s（收缩压下限 %d）", bp, t.SystolicLow)}, true
		}
	case KindBloodGlucose:
		g := fmt.Sprintf("血糖 %s mmol/L", tenths(r.GlucoseTenths))
		if r.GlucoseTenths >= t.GlucoseHigh {
			return Breach{AlarmBloodGlucose, fmt.Sprintf("%s（上限 %s）", g, tenths(t.GlucoseHigh))}, true
		}
		if r.GlucoseTenths <= t.GlucoseLow {
			return Breach{AlarmBloodGlucose, fmt.Sprintf("%s（下限 %s）", g, tenths(t.GlucoseLow))}, true
		}
	}
	return Breach{}, false
}

// tenths formats n/10 with one decimal.
func tenths(n int) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	return fmt.Sprintf("%s%d.%d", sign, n/10, n%10)
}
