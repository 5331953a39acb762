package wristband

import (
	"context"
	"time"

	"gongjian/internal/errs"
)

// BindInput binds a registered device to a wearer.
type BindInput struct {
	IMEI string
	// Code is the device's activation code or a staff-issued bind code
	// (residents only: staff at the service centre hold the device).
	Code           string
	OwnerUserID    int64 // staff only: the resident the binding is made for
	Wearer         WearerRef
	ConsentVersion string
	Reason         string // staff only, required
}

// TransferInput moves a device to another wearer (staff).
type TransferInput struct {
	OwnerUserID    int64
	Wearer         WearerRef
	ConsentVersion string
	Reason         string
}

var (
	errOutOfScope = errs.Forbidden("OUT_OF_SCOPE", "该居民不属于您服务的社区")
	// errCommunityOutOfScope: a staff list narrowed to a community not served.
	errCommunityOutOfScope = errs.Forbidden("OUT_OF_SCOPE", "该社区不在您的服务范围内")
	errBindingChanged      = errs.Conflict("BINDING_CHANGED", "手环的绑定刚刚发生了变化，请刷新后重试")
	errAlreadyWearer       = errs.Conflict("ALREADY_WEARER", "这只手环已由该佩戴人佩戴，无需转移")
)

// prepareBinding validates who binds for whom and returns the new binding
// (without device).
func (s *Service) prepareBinding(ctx context.Context, a Actor, in BindInput) (Binding, int64, error) {
	if in.Wearer.DependentID < 0 || in.Wearer.Self == (in.Wearer.DependentID != 0) {
		return Binding{}, 0, errInvalidWearer
	}
	version, err := consentVersion(in.ConsentVersion)
	if err != nil {
		return Binding{}, 0, err
	}
	owner, reason := a.User.ID, ""
	if a.Staff {
		if !IsStaff(a.User) {
			return Binding{}, 0, ErrNotStaff
		}
		if reason, err = text(in.Reason, true, errReasonRequired); err != nil {
			return Binding{}, 0, err
		}
		owner = in.OwnerUserID
		if owner <= 0 {
			return Binding{}, 0, errUserNotFound
		}
	}
	u, err := s.people.Me(ctx, owner)
	if err != nil {
		return Binding{}, 0, errs.NotFoundAs(err, errUserNotFound)
	}
	if a.Staff && !a.User.IsStaffOf(u.CommunityID) {
		return Binding{}, 0, errOutOfScope
	}
	name := u.DisplayName()
	if in.Wearer.DependentID != 0 {
		d, err := s.people.UsableDependent(ctx, owner, in.Wearer.DependentID)
		if err != nil {
			return Binding{}, 0, errs.NotFoundAs(err, errDependentNotFound)
		}
		name = d.Name
	}
	now := s.now().UTC()
	return Binding{
		OwnerUserID: owner, WearerDependentID: in.Wearer.DependentID, WearerName: name,
		ConsentVersion: version, ConsentAt: now, ConsentBy: a.User.ID,
		BoundBy: a.User.ID, BindReason: reason, StartedAt: now,
	}, u.CommunityID, nil
}

// open inserts the binding and its owner as primary guardian.
func open(tx Tx, b *Binding) error {
	if err := tx.InsertBinding(b); err != nil {
		return err
	}
	return tx.AddGuardian(&Guardian{BindingID: b.ID, UserID: b.OwnerUserID, Owner: true, AddedBy: b.BoundBy, AddedAt: b.StartedAt})
}

// closeBinding ends a binding: guardians lose access, open alarms close.
func closeBinding(tx Tx, b Binding, by int64, reason, note, alarmNote string, at time.Time) error {
	if err := tx.EndBinding(b.ID, at, by, reason, note); err != nil {
		return err
	}
	if err := tx.RemoveAllGuardians(b.ID, at, by); err != nil {
		return err
	}
	return tx.ResolveOpenAlarms(b.ID, at, alarmNote)
}

// Bind binds the device with the IMEI to a wearer: a resident for
// themself or a dependent, with the device's activation code or a
// staff-issued bind code; or staff for a resident (with a reason). The
// database keeps one active binding per device and per wearer, so of two
// concurrent binds one wins and the other gets a conflict.
func (s *Service) Bind(ctx context.Context, a Actor, in BindInput) (Binding, error) {
	imei := NormalizeIMEI(in.IMEI)
	if err := ValidateIMEI(imei); err != nil {
		return Binding{}, err
	}
	b, community, err := s.prepareBinding(ctx, a, in)
	if err != nil {
		return Binding{}, err
	}
	code := normalizeCode(in.Code)
	if !a.Staff && code == "" {
		return Binding{}, errBindCodeRequired
	}
	if !a.Staff {
		if err := s.countAttempt(ctx, a.User.ID, imei); err != nil {
			return Binding{}, err
		}
	}
	dev, err := s.store.DeviceByIMEI(ctx, imei)
	if err != nil {
		if errs.KindOf(err) != errs.KindNotFound {
			return Binding{}, err
		}
		if !a.Staff {
			// The same answer as a wrong code: an IMEI says nothing.
			_, _ = BindSecret{}.matches(CodeHash(imei, code), s.now())
			return Binding{}, ErrBindCode
		}
		return Binding{}, ErrNotRegistered
	}
	b.DeviceID = dev.ID
	err = s.store.Atomically(ctx, func(tx Tx) error {
		if !a.Staff {
			secret, err := tx.LockBindSecret(dev.ID)
			if err != nil {
				return err
			}
			activation, issued := secret.matches(CodeHash(dev.IMEI, code), s.now())
			if !activation && !issued {
				return ErrBindCode
			}
			if issued && !activation {
				if err := tx.UseBindCode(dev.ID, b.StartedAt); err != nil {
					return err
				}
			}
		}
		return open(tx, &b)
	})
	if err != nil {
		return Binding{}, err
	}
	b.IMEI, b.CommunityID = dev.IMEI, community
	return b, nil
}

// lockCurrent locks the device's active binding in tx: it must still be
// the binding want that the caller read before (errBindingChanged if not).
func lockCurrent(tx Tx, deviceID, want int64) (Binding, error) {
	cur, err := tx.LockActiveBinding(deviceID)
	if err != nil {
		return Binding{}, notFound(err)
	}
	if cur.ID != want {
		return Binding{}, errBindingChanged
	}
	return cur, nil
}

// Unbind ends the device's binding (the primary guardian, or staff with a
// reason). The binding row is kept as history; guardians lose access at once.
func (s *Service) Unbind(ctx context.Context, a Actor, deviceID int64, reason string) error {
	b, err := s.ownerAccess(ctx, a, deviceID)
	if err != nil {
		return err
	}
	if reason, err = text(reason, a.Staff, errReasonRequired); err != nil {
		return err
	}
	now := s.now().UTC()
	return s.store.Atomically(ctx, func(tx Tx) error {
		cur, err := lockCurrent(tx, deviceID, b.ID)
		if err != nil {
			return err
		}
		return closeBinding(tx, cur, a.User.ID, EndUnbind, reason, "手环已解绑，告警自动关闭", now)
	})
}

// Transfer moves the device from its current wearer to another one in one
// step (staff at the service centre, with a reason).
func (s *Service) Transfer(ctx context.Context, a Actor, deviceID int64, in TransferInput) (Binding, error) {
	a.Staff = true
	old, _, err := s.access(ctx, a, deviceID)
	if err != nil {
		return Binding{}, err
	}
	nb, community, err := s.prepareBinding(ctx, a, BindInput{OwnerUserID: in.OwnerUserID, Wearer: in.Wearer, ConsentVersion: in.ConsentVersion, Reason: in.Reason})
	if err != nil {
		return Binding{}, err
	}
	nb.DeviceID = deviceID
	err = s.store.Atomically(ctx, func(tx Tx) error {
		cur, err := lockCurrent(tx, deviceID, old.ID)
		if err != nil {
			return err
		}
		// The same person keeps wearing it: ending the binding would only
		// drop the guardians and close the open alarms.
		if cur.WearerKey() == nb.WearerKey() {
			return errAlreadyWearer
		}
		if err := closeBinding(tx, cur, a.User.ID, EndTransfer, nb.BindReason, "手环已转给他人佩戴，告警自动关闭", nb.StartedAt); err != nil {
			return err
		}
		return open(tx, &nb)
	})
	if err != nil {
		return Binding{}, err
	}
	nb.IMEI, nb.CommunityID = old.IMEI, community
	return nb, nil
}

// RevokeConsent stops storing data for the wearer at once and deletes what
// the consent covered: every reading and location of the wearer, and the
// location and values kept in their alarms (the alarms themselves, their
// handling notes and the binding history are kept). Open alarms are closed.
// It returns how many readings were deleted.
func (s *Service) RevokeConsent(ctx context.Context, a Actor, deviceID int64, reason string) (int64, error) {
	b, err := s.ownerAccess(ctx, a, deviceID)
	if err != nil {
		return 0, err
	}
	if reason, err = text(reason, a.Staff, errReasonRequired); err != nil {
		return 0, err
	}
	now := s.now().UTC()
	var deleted int64
	err = s.store.Atomically(ctx, func(tx Tx) error {
		cur, err := lockCurrent(tx, deviceID, b.ID)
		if err != nil {
			return err
		}
		if cur.ConsentRevokedAt != nil {
			return errConsentRevoked
		}
		if err := tx.RevokeConsent(cur.ID, now, a.User.ID, reason); err != nil {
			return err
		}
		if err := tx.ResolveOpenAlarms(cur.ID, now, "佩戴人已撤回数据使用同意，告警自动关闭"); err != nil {
			return err
		}
		deleted, err = tx.DeleteWearerData(cur.WearerKey())
		return err
	})
	return deleted, err
}

// GiveConsent records the consent again (after a revocation, or a new text
// version): data are stored again from now on.
func (s *Service) GiveConsent(ctx context.Context, a Actor, deviceID int64, version string) (Binding, error) {
	b, err := s.ownerAccess(ctx, a, deviceID)
	if err != nil {
		return Binding{}, err
	}
	version, err = consentVersion(version)
	if err != nil {
		return Binding{}, err
	}
	now := s.now().UTC()
	err = s.store.Atomically(ctx, func(tx Tx) error {
		cur, err := lockCurrent(tx, deviceID, b.ID)
		if err != nil {
			return err
		}
		return tx.SetConsent(cur.ID, version, now, a.User.ID)
	})
	if err != nil {
		return Binding{}, err
	}
	b.ConsentVersion, b.ConsentAt, b.ConsentBy, b.ConsentRevokedAt = version, now, a.User.ID, nil
	return b, nil
}
