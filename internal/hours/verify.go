package hours

import (
	"context"
	"crypto/subtle"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gongjian/internal/errs"
	"gongjian/internal/pii"
)

// ---- verifying a service record by its number ----
//
// A record is not stored: its number names the person and the last ledger
// entry it was made from, with a keyed check. The ledger is append-only, so
// the record of that state can always be rebuilt from the entries up to it,
// and the number checked against it.

// QRCodes draws QR codes (implemented by package qrcode).
type QRCodes interface {
	PNG(content string) ([]byte, error)
}

// UseQRCodes lets records carry the QR code of their verification page
// (wiring; without it they carry none).
func (s *Service) UseQRCodes(q QRCodes) { s.codes = q }

// RecordCheck is what anyone holding a record's number learns of it: whose
// it is (masked), its hours, the period it covers, who issued it, and
// whether a newer record of the same person replaced it.
type RecordCheck struct {
	Number       string
	HolderMasked string
	TotalMinutes int
	Services     int       // lines of the record
	From, To     time.Time // the first and last service (zero when none)
	AsOf         time.Time // when the ledger reached the state the record shows (zero when empty)
	Issuer       string
	// Superseded: the person's ledger has moved on since (hours were added
	// or corrected); a newer record replaces this one.
	Superseded bool
}

var (
	errRecordNotFound = errs.NotFound("RECORD_NOT_FOUND", "没有找到该编号的志愿服务记录，请核对记录编号后重试")
	errRecordCodeOff  = errs.New(errs.KindUnavailable, "RECORD_CODE_UNAVAILABLE", "暂时无法生成核验二维码，请凭记录编号核验")
	recordNumberRE    = regexp.MustCompile(`^ZYJL-(\d{6,12})-(\d{1,18})-([A-Z2-7]{6})$`)
)

// VerifyRecord checks a record's number against the ledger: RECORD_NOT_FOUND
// for a number no record of this service ever had.
func (s *Service) VerifyRecord(ctx context.Context, number string) (RecordCheck, error) {
	number = strings.ToUpper(strings.TrimSpace(number))
	m := recordNumberRE.FindStringSubmatch(number)
	if m == nil {
		return RecordCheck{}, errRecordNotFound
	}
	userID, err1 := strconv.ParseInt(m[1], 10, 64)
	last, err2 := strconv.ParseInt(m[2], 10, 64)
	if err1 != nil || err2 != nil || userID <= 0 {
		return RecordCheck{}, errRecordNotFound
	}
	u, err := s.people.UserByID(ctx, userID)
	if err != nil {
		return RecordCheck{}, errs.NotFoundAs(err, errRecordNotFound)
	}
	sum, err := s.store.RecordSummary(ctx, userID, last)
	if err != nil {
		return RecordCheck{}, err
	}
	want := s.recordNumber(userID, sum.LastEntryID, sum.TotalMinutes)
	if subtle.ConstantTimeCompare([]byte(want), []byte(number)) != 1 {
		return RecordCheck{}, errRecordNotFound
	}
	now, err := s.store.RecordSummary(ctx, userID, math.MaxInt64)
	if err != nil {
		return RecordCheck{}, err
	}
	c := RecordCheck{Number: number, HolderMasked: pii.MaskName(displayName(u)), TotalMinutes: sum.TotalMinutes, Services: sum.Lines,
		From: sum.From, To: sum.To, Issuer: s.cfg.RecordIssuer, Superseded: now.LastEntryID > sum.LastEntryID}
	if sum.LastEntryID > 0 {
		e, err := s.store.Entry(ctx, sum.LastEntryID)
		if err != nil {
			return RecordCheck{}, err
		}
		c.AsOf = e.CreatedAt
	}
	return c, nil
}

// RecordURL is the verification page of the record numbered number ("" when
// no page is configured).
func (s *Service) RecordURL(number string) string {
	if s.cfg.RecordVerifyURL == "" {
		return ""
	}
	return s.cfg.RecordVerifyURL + "?number=" + url.QueryEscape(number)
}

// RecordCode is the QR code (PNG) of the verification page of the
// person's current record, and that record.
func (s *Service) RecordCode(ctx context.Context, userID int64) ([]byte, Record, error) {
	rec, _, err := s.RecordPage(ctx, userID, nil, 0)
	if err != nil {
		return nil, Record{}, err
	}
	png, err := s.code(rec)
	if err != nil {
		return nil, Record{}, err
	}
	return png, rec, nil
}

func (s *Service) code(rec Record) ([]byte, error) {
	if s.codes == nil || rec.VerifyURL == "" {
		return nil, errRecordCodeOff
	}
	png, err := s.codes.PNG(rec.VerifyURL)
	if err != nil {
		return nil, errs.Wrap(err, errs.KindInternal, "RECORD_CODE_UNAVAILABLE", "暂时无法生成核验二维码，请凭记录编号核验")
	}
	return png, nil
}

// RecordWorkbook renders the record as its printable sheet, with the QR
// code of its verification page when records carry one.
func (s *Service) RecordWorkbook(rec Record) ([]byte, error) {
	png, err := s.code(rec)
	if err != nil {
		png = nil // the sheet still names the number and the page
	}
	return RecordXLSX(rec, png)
}
