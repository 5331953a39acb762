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
	CreatedAt   time.Time `gorm:"not null;index:idx_uploads_owner,priority:2;index:idx_uploads_purge,priority:2"`
	// KeptAt: the purge found a claim or an avatar using it (0501).
	KeptAt *time.Time `gorm:"index:idx_uploads_purge,priority:1"`
}

func (uploadRow) TableName() string { return "uploads" }

var mediaMigrations = []Migration{
	{ID: "0500_uploads", Up: createTables(&uploadRow{})},
	{ID: "0501_uploads_kept", Up: createTables(&uploadRow{})}, // adds kept_at and idx_uploads_purge
}

// MediaStore implements media.Store.
type MediaStore struct{ base }

// NewMediaStore returns the uploads store.
func NewMediaStore(db *DB) *MediaStore { return &MediaStore{base{db}} }

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

// Uses implements media.Store: the claims whose photos include the upload
// and whether it is an avatar.
func (s *MediaStore) Uses(ctx context.Context, id string) (media.Uses, error) {
	g := s.db.G.WithContext(ctx)
	ref := media.RefPrefix + id
	var out media.Uses
	var claims []struct {
		CommunityID int64
		HostOrgID   int64
	}
	// ref holds no LIKE wildcard (a fixed prefix and lower-case hex).
	if err := g.Raw("SELECT community_id, host_org_id FROM hour_claims WHERE photo_urls LIKE ?", "%"+ref+"%").Scan(&claims).Error; err != nil {
		return out, translate(err, nil)
	}
	for _, c := range claims {
		out.Claims = append(out.Claims, media.ClaimScope{CommunityID: c.CommunityID, HostOrgID: c.HostOrgID})
	}
	var n int64
	if err := g.Table("users").Where("avatar_url = ?", ref).Count(&n).Error; err != nil {
		return out, translate(err, nil)
	}
	out.Avatar = n > 0
	// An activity's cover is shown to everyone who sees the activity.
	if err := g.Table("activities").Where("cover_url = ?", ref).Count(&n).Error; err != nil {
		return out, translate(err, nil)
	}
	out.Public = n > 0
	// Co-building: wishes' photos (their community's staff), delivered
	// projects' evidence (public), agreements (the unit's community).
	var cb []cbMediaRow
	if err := g.Where("upload_id = ?", id).Find(&cb).Error; err != nil {
		return out, translate(err, nil)
	}
	for _, m := range cb {
		out.Public = out.Public || m.Public
		out.Claims = append(out.Claims, media.ClaimScope{CommunityID: m.CommunityID, HostOrgID: m.UnitID})
	}
	return out, nil
}

// PurgeUnattached deletes old uploads nothing refers to: a claim's photos
// (hour_claims.photo_urls, a JSON list of references), an avatar
// (users.avatar_url) or an activity's cover (activities.cover_url). Referenced ones are marked kept. Each delete re-checks
// the references in its own statement, so a claim or avatar saved meanwhile
// keeps its upload.
func (s *MediaStore) PurgeUnattached(ctx context.Context, before time.Time, limit int) (int, int, error) {
	g := s.db.G.WithContext(ctx)
	var ids []string
	if err := g.Model(&uploadRow{}).Where("kept_at IS NULL AND created_at < ?", before.UTC()).Order("created_at").Limit(limit).Pluck("id", &ids).Error; err != nil {
		return 0, 0, translate(err, nil)
	}
	deleted := 0
	for _, id := range ids {
		ref := media.RefPrefix + id
		// ref holds no LIKE wildcard (a fixed prefix and lower-case hex).
		like := "%" + ref + "%"
		res := g.Exec(`DELETE FROM uploads WHERE id = ?
			AND NOT EXISTS (SELECT 1 FROM hour_claims WHERE photo_urls LIKE ?)
			AND NOT EXISTS (SELECT 1 FROM users WHERE avatar_url = ?)
			AND NOT EXISTS (SELECT 1 FROM activities WHERE cover_url = ?)
			AND NOT EXISTS (SELECT 1 FROM cobuild_media WHERE upload_id = ?)`, id, like, ref, ref, id)
		if res.Error != nil {
			return deleted, 0, translate(res.Error, nil)
		}
		if res.RowsAffected == 1 {
			deleted++
			continue
		}
		now := time.Now().UTC()
		if err := g.Model(&uploadRow{}).Where("id = ?", id).Update("kept_at", &now).Error; err != nil {
			return deleted, 0, translate(err, nil)
		}
	}
	return deleted, len(ids), nil
}
