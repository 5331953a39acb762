package wristband

import (
	"context"

	"gongjian/internal/pii"
)

// Released is a binding ended because its wearer left the account.
type Released struct {
	DeviceID     int64
	IMEIMasked   string
	BindingID    int64
	AlarmsClosed int // open alarms closed with it
}

// ReleaseDependent ends the active binding of a family member the account
// removes: the binding stays as history (ended, reason unbind), guardians
// lose access and open alarms are closed. No binding is not an error.
func (s *Service) ReleaseDependent(ctx context.Context, ownerID, dependentID int64) ([]Released, error) {
	bs, err := s.store.GuardedBindings(ctx, ownerID)
	if err != nil {
		return nil, err
	}
	var out []Released
	for _, b := range bs {
		if b.OwnerUserID != ownerID || b.WearerDependentID != dependentID {
			continue
		}
		open, err := s.store.OpenAlarmCounts(ctx, []int64{b.ID})
		if err != nil {
			return out, err
		}
		now := s.now().UTC()
		err = s.store.Atomically(ctx, func(tx Tx) error {
			cur, err := tx.LockBinding(b.ID)
			if err != nil {
				return notFound(err)
			}
			if !cur.Active() {
				return nil
			}
			return closeBinding(tx, cur, ownerID, EndUnbind, "家庭成员已删除", "佩戴人已从家庭成员中删除，告警自动关闭", now)
		})
		if err != nil {
			return out, err
		}
		out = append(out, Released{DeviceID: b.DeviceID, IMEIMasked: pii.MaskIMEI(b.IMEI), BindingID: b.ID, AlarmsClosed: open[b.ID]})
	}
	return out, nil
}
