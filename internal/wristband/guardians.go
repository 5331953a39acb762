package wristband

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"gongjian/internal/errs"
	"gongjian/internal/page"
)

// inviteAlphabet has no 0/O or 1/I so a code read aloud is typed right.
const inviteAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// inviteLen gives 32^8 ≈ 10^12 codes; accepting is rate-limited per user.
const inviteLen = 8

func newInviteCode() (string, error) {
	b := make([]byte, inviteLen)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = inviteAlphabet[int(b[i])%len(inviteAlphabet)] // 256 is a multiple of 32: uniform
	}
	return string(b), nil
}

func hashCode(code string) string {
	h := sha256.Sum256([]byte("gongjian/wristband/invite:" + code))
	return hex.EncodeToString(h[:])
}

// normalizeCode upper-cases a code (invitation, activation or bind code)
// and drops spaces and dashes.
func normalizeCode(code string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(code)))
}

// Invite creates a one-time invitation code for a family member (primary
// guardian only). Only the code's hash is stored.
func (s *Service) Invite(ctx context.Context, a Actor, deviceID int64) (string, time.Time, error) {
	a.Staff = false
	b, err := s.ownerAccess(ctx, a, deviceID)
	if err != nil {
		return "", time.Time{}, err
	}
	code, err := newInviteCode()
	if err != nil {
		return "", time.Time{}, errs.Internal(err)
	}
	inv := Invitation{BindingID: b.ID, CodeHash: hashCode(code), CreatedBy: a.User.ID, ExpiresAt: s.now().UTC().Add(s.cfg.InvitationTTL)}
	if err := s.store.CreateInvitation(ctx, &inv); err != nil {
		return "", time.Time{}, err
	}
	return code, inv.ExpiresAt, nil
}

// AcceptInvitation makes the user a guardian of the invitation's binding.
func (s *Service) AcceptInvitation(ctx context.Context, userID int64, code string) (Binding, error) {
	code = normalizeCode(code)
	if len(code) != inviteLen || strings.Trim(code, inviteAlphabet) != "" {
		return Binding{}, errInviteNotFound
	}
	now := s.now().UTC()
	var b Binding
	err := s.store.Atomically(ctx, func(tx Tx) error {
		inv, err := tx.LockInvitation(hashCode(code))
		if err != nil {
			return errs.NotFoundAs(err, errInviteNotFound)
		}
		if inv.AcceptedAt != nil {
			if inv.AcceptedBy == userID {
				return ErrAlreadyGuardian
			}
			return errInviteUsed
		}
		if !now.Before(inv.ExpiresAt) {
			return errInviteExpired
		}
		b, err = tx.LockBinding(inv.BindingID)
		if err != nil {
			return err
		}
		if !b.Active() {
			return errInviteExpired
		}
		n, err := tx.CountGuardians(b.ID)
		if err != nil {
			return err
		}
		if n >= s.cfg.MaxGuardians {
			return errTooManyGuardians
		}
		if err := tx.AddGuardian(&Guardian{BindingID: b.ID, UserID: userID, AddedBy: inv.CreatedBy, AddedAt: now}); err != nil {
			return err
		}
		return tx.AcceptInvitation(inv.ID, userID, now)
	})
	return b, err
}

// Guardians lists the binding's active guardians (any guardian may look).
func (s *Service) Guardians(ctx context.Context, a Actor, deviceID int64) ([]Guardian, error) {
	b, _, err := s.access(ctx, a, deviceID)
	if err != nil {
		return nil, err
	}
	return s.store.Guardians(ctx, b.ID)
}

// RemoveGuardian removes a guardian: the primary guardian removes anyone but
// themself; any guardian may remove themself. Access ends at once.
func (s *Service) RemoveGuardian(ctx context.Context, a Actor, deviceID, userID int64) error {
	a.Staff = false
	b, g, err := s.access(ctx, a, deviceID)
	if err != nil {
		return err
	}
	if userID != a.User.ID && !g.Owner {
		return ErrNotOwner
	}
	if userID == b.OwnerUserID {
		return errCannotRemoveOwner
	}
	now := s.now().UTC()
	return s.store.Atomically(ctx, func(tx Tx) error {
		ok, err := tx.RemoveGuardian(b.ID, userID, now, a.User.ID)
		if err != nil {
			return err
		}
		if !ok {
			return errGuardianNotFound
		}
		return nil
	})
}

// AccessLog lists who viewed the wearer's location (primary guardian only).
func (s *Service) AccessLog(ctx context.Context, a Actor, deviceID, beforeID int64, limit int) ([]AccessEntry, error) {
	a.Staff = false
	b, err := s.ownerAccess(ctx, a, deviceID)
	if err != nil {
		return nil, err
	}
	return s.store.AccessLog(ctx, b.ID, beforeID, clampLimit(limit))
}

// clampLimit is a page's size as the store is asked for it: at most one
// more than the largest page (whether another follows), 50 when unset.
func clampLimit(n int) int { return page.WithinPeek(n, 50) }
