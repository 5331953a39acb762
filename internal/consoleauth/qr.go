package consoleauth

import (
	"context"
	"strings"
	"time"

	"gongjian/internal/resident"
)

// ScenePrefix starts the scene of a console login code: the mini-program
// page reads "cl=<ticket>".
const ScenePrefix = "cl="

// Started is a new login code: the ticket, the browser's binding cookie
// value and the JPEG to show.
type Started struct {
	Ticket    string
	Binding   string // cookie value: "<ticket>.<secret>"
	Image     []byte
	ExpiresAt time.Time
}

// StartQR makes a login code for the browser at ip.
func (s *Service) StartQR(ctx context.Context, ip, browser string) (Started, error) {
	ticket := random(16) // 22 characters: the scene stays within 32
	secret := random(24)
	img, err := s.coder.WXACodeUnlimit(ctx, ScenePrefix+ticket, s.cfg.LoginPage)
	if err != nil {
		return Started{}, err
	}
	now := s.now().UTC()
	if len(browser) > 200 {
		browser = browser[:200]
	}
	q := QR{Ticket: ticket, Binder: hash(secret), Status: QRWaiting, IP: ip, Browser: browser, CreatedAt: now, ExpiresAt: now.Add(s.cfg.QRTTL)}
	if err := s.store.SaveQR(ctx, q, s.cfg.QRTTL+grace); err != nil {
		return Started{}, err
	}
	return Started{Ticket: ticket, Binding: ticket + "." + secret, Image: img, ExpiresAt: q.ExpiresAt}, nil
}

// Poll is what the waiting browser learns.
type Poll struct {
	Status   string
	Nickname string
	// Opened is set once, when the code was confirmed: the session to hand over.
	Opened *Opened
}

// PollQR answers the browser holding binding (its QR cookie value). On the
// first poll after confirmation the session opens and the code is spent.
func (s *Service) PollQR(ctx context.Context, binding, ip string) (Poll, error) {
	ticket, secret, ok := strings.Cut(binding, ".")
	if !ok || ticket == "" || secret == "" {
		return Poll{}, ErrQRNotFound
	}
	q, found, err := s.store.QR(ctx, ticket)
	if err != nil {
		return Poll{}, err
	}
	if !found || q.Binder != hash(secret) {
		return Poll{}, ErrQRNotFound
	}
	switch {
	case q.Status == QRConfirmed:
		took, err := s.store.TakeQR(ctx, ticket)
		if err != nil {
			return Poll{}, err
		}
		if !took {
			return Poll{}, ErrQRNotFound // another poll of the same browser collected it
		}
		u, err := s.people.Me(ctx, q.UserID)
		if err != nil {
			return Poll{}, err
		}
		o, err := s.Open(ctx, u, ip)
		if err != nil {
			return Poll{}, err
		}
		return Poll{Status: QRConfirmed, Nickname: q.Nickname, Opened: &o}, nil
	case q.Status == QRRefused:
		return Poll{Status: QRRefused}, nil
	case !s.now().Before(q.ExpiresAt):
		return Poll{Status: QRExpired}, nil
	}
	return Poll{Status: q.Status, Nickname: q.Nickname}, nil
}

// ScanQR records that u opened the code on their phone and returns what
// the phone shows before confirming (where and when the login was asked).
func (s *Service) ScanQR(ctx context.Context, u resident.User, ticket string) (QR, error) {
	return s.answerQR(ctx, u, ticket, func(q *QR) { q.Status, q.UserID, q.Nickname = QRScanned, u.ID, u.DisplayName() })
}

// ConfirmQR lets the waiting browser in as u.
func (s *Service) ConfirmQR(ctx context.Context, u resident.User, ticket string) error {
	_, err := s.answerQR(ctx, u, ticket, func(q *QR) { q.Status, q.UserID, q.Nickname = QRConfirmed, u.ID, u.DisplayName() })
	return err
}

// RefuseQR tells the waiting browser no.
func (s *Service) RefuseQR(ctx context.Context, u resident.User, ticket string) error {
	_, err := s.answerQR(ctx, u, ticket, func(q *QR) { q.Status = QRRefused })
	return err
}

// answerQR sets what u answered on the code they opened (u must be
// allowed into the console).
func (s *Service) answerQR(ctx context.Context, u resident.User, ticket string, set func(q *QR)) (QR, error) {
	if !CanUseConsole(u) {
		return QR{}, ErrForbidden
	}
	return s.store.UpdateQR(ctx, ticket, func(q *QR) error {
		if err := s.open(q, u); err != nil {
			return err
		}
		set(q)
		return nil
	})
}

// open checks that q can still be acted on by u: not expired, not
// decided, and (once scanned) only by the one who scanned it.
func (s *Service) open(q *QR, u resident.User) error {
	if !s.now().Before(q.ExpiresAt) {
		return ErrQRExpired
	}
	switch q.Status {
	case QRWaiting:
		return nil
	case QRScanned:
		if q.UserID == u.ID {
			return nil
		}
	}
	return ErrQRUsed
}
