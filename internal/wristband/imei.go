package wristband

import (
	"strings"

	"gongjian/internal/errs"
)

// NormalizeIMEI trims spaces and the separators printed on labels ("86-123…").
func NormalizeIMEI(s string) string {
	s = strings.TrimSpace(s)
	return strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(s)
}

// LuhnDigit returns the Luhn check digit of a string of digits.
func LuhnDigit(payload string) byte {
	sum := 0
	for i := len(payload) - 1; i >= 0; i-- {
		d := int(payload[i] - '0')
		if (len(payload)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// IMEI validation errors (the line-by-line import report uses their codes).
var (
	ErrIMEIFormat     = errs.Invalid("INVALID_IMEI", "手环号（IMEI）应为15位数字")
	ErrIMEICheckDigit = errs.Invalid("IMEI_CHECK_DIGIT", "手环号（IMEI）校验位不正确，请核对后重新输入")
)

// ValidateIMEI checks a normalized IMEI: 15 digits whose last is the Luhn
// check digit of the first 14.
func ValidateIMEI(imei string) error {
	if len(imei) != 15 {
		return ErrIMEIFormat
	}
	for i := 0; i < len(imei); i++ {
		if imei[i] < '0' || imei[i] > '9' {
			return ErrIMEIFormat
		}
	}
	if LuhnDigit(imei[:14]) != imei[14] {
		return ErrIMEICheckDigit
	}
	return nil
}
