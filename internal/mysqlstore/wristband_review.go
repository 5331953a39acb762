package mysqlstore

import (
	"context"
	"time"

	"gorm.io/gorm/clause"

	"gongjian/internal/wristband"
)

// wbBindCodeRow is the one-time bind code staff issued for a device (hashed).
type wbBindCodeRow struct {
	DeviceID  int64     `gorm:"primaryKey;autoIncrement:false"`
	CodeHash  string    `gorm:"size:64;not null"`
	ExpiresAt time.Time `gorm:"not null"`
	IssuedBy  int64     `gorm:"not null"`
	IssuedAt  time.Time `gorm:"not null"`
	UsedAt    *time.Time
}

func (wbBindCodeRow) TableName() string { return "wristband_bind_codes" }

// SaveBindCode stores a device's staff-issued bind code, replacing any earlier one.
func (s *WristbandStore) SaveBindCode(ctx context.Context, deviceID int64, hash string, expiresAt time.Time, by int64) error {
	r := wbBindCodeRow{DeviceID: deviceID, CodeHash: hash, ExpiresAt: expiresAt.UTC(), IssuedBy: by, IssuedAt: time.Now().UTC()}
	return translate(s.g(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "device_id"}},
		DoUpdates: clause.Assignments(map[string]any{"code_hash": r.CodeHash, "expires_at": r.ExpiresAt, "issued_by": by, "issued_at": r.IssuedAt, "used_at": nil}),
	}).Create(&r).Error, nil)
}

// LockBindSecret locks the device row and returns its bind secrets.
func (t *wbTx) LockBindSecret(deviceID int64) (wristband.BindSecret, error) {
	var d wbDeviceRow
	if err := t.locked().Select("id, activation_code_hash").Where("id = ?", deviceID).Take(&d).Error; err != nil {
		return wristband.BindSecret{}, translate(err, wristband.ErrBindCode)
	}
	out := wristband.BindSecret{ActivationHash: d.ActivationCodeHash}
	var c wbBindCodeRow
	if err := t.db().Where("device_id = ?", deviceID).Limit(1).Find(&c).Error; err != nil {
		return wristband.BindSecret{}, err
	}
	if c.DeviceID != 0 {
		out.CodeHash, out.CodeExpiresAt, out.CodeUsed = c.CodeHash, c.ExpiresAt.UTC(), c.UsedAt != nil
	}
	return out, nil
}

// UseBindCode marks the device's staff-issued code used.
func (t *wbTx) UseBindCode(deviceID int64, at time.Time) error {
	return t.db().Model(&wbBindCodeRow{}).Where("device_id = ? AND used_at IS NULL", deviceID).Update("used_at", at.UTC()).Error
}
