package mysqlstore

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"gongjian/internal/errs"
	"gongjian/internal/media"
)

// blob is a binary column large enough for an upload: MEDIUMBLOB (16 MiB)
// on MySQL, BLOB (no size limit) on SQLite.
type blob []byte

// GormDBDataType picks the column type per database.
func (blob) GormDBDataType(db *gorm.DB, _ *schema.Field) string {
	if db.Dialector.Name() == "mysql" {
		return "MEDIUMBLOB"
	}
	return "BLOB"
}

// uploadRow is one uploaded file, bytes included: every server process
// serves it without a shared disk. The id is random (media.newID), so the
// primary key needs no auto-increment.
type uploadRow struct {
	ID          string    `gorm:"primaryKey;size:32"`
	OwnerID     int64     `gorm:"not null;index:idx_uploads_owner,priority:1"`
	ContentType string    `gorm:"size:32;not null"`
	Size        int       `gorm:"not null"`
	Width       int       `gorm:"not null;default:0"`
	Height      int       `gorm:"not null;default:0"`
	Data        blob      `gorm:"not null"`
	CreatedAt   time.Time `gorm:"not null;index:idx_uploads_owner,priority:2"`
}

func (uploadRow) TableName() string { return "uploads" }

var mediaMigrations = []Migration{
	{ID: "0500_uploads", Up: createTables(&uploadRow{})},
}

// MediaStore implements media.Store.
type MediaStore struct{ db *DB }

// NewMediaStore returns the uploads store.
func NewMediaStore(db *DB) *MediaStore { return &MediaStore{db: db} }

var _ media.Store = (*MediaStore)(nil)

var errUploadNotFound = errs.NotFound("UPLOAD_NOT_FOUND", "照片不存在或已删除")

// CreateUpload stores u.
func (s *MediaStore) CreateUpload(ctx context.Context, u *media.Upload) error {
	r := uploadRow{ID: u.ID, OwnerID: u.OwnerID, ContentType: u.ContentType, Size: u.Size, Width: u.Width, Height: u.Height,
		Data: blob(u.Data), CreatedAt: u.CreatedAt.UTC()}
	return translate(s.db.G.WithContext(ctx).Create(&r).Error, nil)
}

// Upload returns an upload with its bytes.
func (s *MediaStore) Upload(ctx context.Context, id string) (media.Upload, error) {
	var r uploadRow
	if err := s.db.G.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return media.Upload{}, translate(err, errUploadNotFound)
	}
	return media.Upload{ID: r.ID, OwnerID: r.OwnerID, ContentType: r.ContentType, Size: r.Size, Width: r.Width, Height: r.Height,
		Data: []byte(r.Data), CreatedAt: r.CreatedAt.UTC()}, nil
}

// Owners returns the owner of every id that exists (the bytes are not read).
func (s *MediaStore) Owners(ctx context.Context, ids []string) (map[string]int64, error) {
	var rows []struct {
		ID      string
		OwnerID int64
	}
	if err := s.db.G.WithContext(ctx).Model(&uploadRow{}).Select("id", "owner_id").Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, translate(err, nil)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.ID] = r.OwnerID
	}
	return out, nil
}
