package resident

import (
	"time"

	"gongjian/internal/errs"
	"gongjian/internal/pii"
)

// GenderOfIDNumber returns the gender an 18-character ID number encodes
// (its 17th digit: odd male, even female).
func GenderOfIDNumber(id string) string {
	if len(id) != 18 || id[16] < '0' || id[16] > '9' {
		return ""
	}
	if (id[16]-'0')%2 == 1 {
		return "male"
	}
	return "female"
}

// Errors of a dependent's ID number (issue 13 point 4).
var (
	// ErrIDNumberExists: the account already has a family member with this ID number.
	ErrIDNumberExists   = errs.Conflict("ID_NUMBER_EXISTS", "该身份证号已添加为家庭成员，无需重复添加")
	errIDBirthMismatch  = errs.Invalid("ID_NUMBER_BIRTH_MISMATCH", "身份证号中的出生日期与填写的出生日期不一致")
	errIDGenderMismatch = errs.Invalid("ID_NUMBER_GENDER_MISMATCH", "身份证号中的性别与填写的性别不一致")
)

// fromIDNumber takes birth date and gender from a valid ID number when the
// resident left them out, and refuses them when they contradict it.
func fromIDNumber(d *Dependent, id string, birth time.Time) error {
	if d.BirthDate.IsZero() {
		d.BirthDate = birth
	} else if !sameDay(birth, d.BirthDate) {
		return errIDBirthMismatch
	}
	g := GenderOfIDNumber(id)
	if d.Gender == "" {
		d.Gender = g
	} else if d.Gender != g {
		return errIDGenderMismatch
	}
	return nil
}

// checkStoredIDNumber checks a changed birth date or gender against the ID
// number already on record.
func (s *Service) checkStoredIDNumber(d *Dependent) error {
	if d.IDNumberSealed == "" {
		return nil
	}
	id, err := s.box.Open(d.IDNumberSealed)
	if err != nil {
		return errs.Internal(err)
	}
	birth, err := pii.ValidateIDNumber(id, s.now())
	if err != nil {
		return nil // an old record the rules now refuse: nothing to check against
	}
	return fromIDNumber(d, id, birth)
}
