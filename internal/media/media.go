// Package media owns uploaded files: the photos volunteers attach to their
// hours claims (补录). Its rules: only JPEG, PNG and WebP images, recognised
// by their content (never by the name or the type the client claims); at
// most MaxBytes each; a per-user rate limit; random, unguessable ids; and
// only the owner, an admin, or staff who review a claim the photo belongs
// to (any staff for an avatar) may read one back.
//
// Files are kept in the database (not on a local disk) so every server
// process behind a load balancer serves every upload.
package media

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"time"

	"gongjian/internal/defaults"
	"gongjian/internal/errs"
	"gongjian/internal/periodic"
	"gongjian/internal/resident"
)

// MaxBytes is the largest upload accepted (5 MiB).
const MaxBytes = 5 << 20

// RefPrefix is the path under which the API serves an upload: a photo
// reference in a claim is RefPrefix + id, relative to the API's origin.
const RefPrefix = "/api/v1/uploads/"

// Content types accepted.
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypeWebP = "image/webp"
)

// Upload is one stored file.
type Upload struct {
	ID          string // 32 lower-case hex characters (128 random bits)
	OwnerID     int64
	ContentType string
	Size        int
	Width       int
	Height      int
	Data        []byte // empty when only the metadata was loaded
	CreatedAt   time.Time
}

// Ref is the reference a client sends back (e.g. in a claim's photo_urls).
func (u Upload) Ref() string { return RefPrefix + u.ID }

// Store keeps uploads.
type Store interface {
	CreateUpload(ctx context.Context, u *Upload) error
	// Upload returns an upload with its bytes (NotFound when absent).
	Upload(ctx context.Context, id string) (Upload, error)
	// Owners returns the owner of every id that exists.
	Owners(ctx context.Context, ids []string) (map[string]int64, error)
	// PurgeUnattached looks at up to limit uploads created before before
	// and not looked at yet: it deletes those nothing refers to (no claim's
	// photos, no avatar) and marks the others kept (never looked at again).
	PurgeUnattached(ctx context.Context, before time.Time, limit int) (deleted, examined int, err error)
	// Uses tells what refers to an upload: claims (their community and
	// host organisation) and whether it is someone's avatar.
	Uses(ctx context.Context, id string) (Uses, error)
}

// Uses is what refers to an upload.
type Uses struct {
	Avatar bool
	// Public: shown to anyone (a delivered co-building project's evidence, an activity's cover).
	Public bool
	Claims []ClaimScope
}

// ClaimScope is whose staff review a claim: the activity's community and
// host organisation.
type ClaimScope struct {
	CommunityID, HostOrgID int64
}

// Limiter limits attempts per key (shared by every process).
type Limiter interface {
	Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, error)
}

// Config tunes the service.
type Config struct {
	PerUserPerHour int           // uploads a user may make in an hour; 0 = 60
	UnattachedTTL  time.Duration // an upload no claim or avatar uses is deleted after this; 0 = 7 days
	MaxSide        int           // largest width or height an image may declare; 0 = DefaultMaxSide
	MaxPixels      int           // largest width × height; 0 = DefaultMaxPixels
}

// Service holds the rules of uploads.
type Service struct {
	store   Store
	limiter Limiter
	cfg     Config
	now     func() time.Time
}

// NewService builds the service; now may be nil (time.Now).
func NewService(store Store, limiter Limiter, cfg Config, now func() time.Time) *Service {
	defaults.Fill(&cfg, Config{
		PerUserPerHour: 60, UnattachedTTL: 7 * 24 * time.Hour, MaxSide: DefaultMaxSide,
		MaxPixels: DefaultMaxPixels,
	})
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, limiter: limiter, cfg: cfg, now: now}
}

// ErrTooLarge is the answer to a file over MaxBytes.
var ErrTooLarge = errs.New(errs.KindTooLarge, "UPLOAD_TOO_LARGE", "照片不能超过5MB，请压缩后再上传")

var (
	errEmpty       = errs.Invalid("UPLOAD_EMPTY", "上传的文件是空的，请重新选择照片")
	errNotImage    = errs.Invalid("UNSUPPORTED_FILE_TYPE", "只能上传 JPG、PNG 或 WebP 格式的照片")
	errRateLimit   = errs.New(errs.KindRateLimited, "UPLOAD_RATE_LIMITED", "上传太频繁，请稍后再试")
	errNotFound    = errs.NotFound("UPLOAD_NOT_FOUND", "照片不存在或已删除")
	errBadPhoto    = errs.Invalid("INVALID_PHOTO_URL", "照片地址无效，请重新上传")
	errNotOwnPhoto = errs.Invalid("PHOTO_NOT_YOURS", "照片不存在或不是您本人上传的，请重新上传")
)

// errImageTooLarge answers an image whose declared dimensions are over the
// limits (whatever its size in bytes), saying which limit it is over.
func (s *Service) errImageTooLarge(w, h int) error {
	msg := fmt.Sprintf("照片尺寸太大，长边不能超过%d像素，请缩小后再上传", s.cfg.MaxSide)
	if w <= s.cfg.MaxSide && h <= s.cfg.MaxSide {
		msg = fmt.Sprintf("照片像素太多，不能超过%d万像素，请缩小后再上传", s.cfg.MaxPixels/10000)
	}
	return errs.Unprocessable("IMAGE_TOO_LARGE", msg).
		With("width", w).With("height", h).With("max_side", s.cfg.MaxSide).With("max_pixels", s.cfg.MaxPixels)
}

// untilNextWindow is how long until the fixed rate-limit window that now
// is in ends (the windows are aligned on the Unix epoch).
func untilNextWindow(now time.Time, window time.Duration) time.Duration {
	return window - time.Duration(now.UnixNano()%int64(window))
}

// Save reads one file from r (at most MaxBytes), checks it is an image of
// an accepted type and stores it for owner. The rate limit is counted
// before anything is read.
func (s *Service) Save(ctx context.Context, ownerID int64, r io.Reader) (Upload, error) {
	ok, err := s.limiter.Allow(ctx, "upload:user:"+itoa(ownerID), s.cfg.PerUserPerHour, time.Hour)
	if err != nil {
		return Upload{}, err
	}
	if !ok {
		return Upload{}, errRateLimit.RetryIn(untilNextWindow(s.now(), time.Hour))
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		// The HTTP layer maps its own body-limit error (wrapped here) to ErrTooLarge.
		return Upload{}, errs.Wrap(err, errs.KindInvalid, "UPLOAD_INTERRUPTED", "上传中断，请重试")
	}
	if len(data) > MaxBytes {
		return Upload{}, ErrTooLarge
	}
	if len(data) == 0 {
		return Upload{}, errEmpty
	}
	// The header's dimensions first: nothing is decoded before they pass.
	typ, w, h, ok := Sniff(data)
	if !ok {
		return Upload{}, errNotImage
	}
	if w > s.cfg.MaxSide || h > s.cfg.MaxSide || w*h > s.cfg.MaxPixels {
		return Upload{}, s.errImageTooLarge(w, h)
	}
	// Stored and served re-encoded: the metadata (a photo's GPS position)
	// never reaches anyone who reads it back.
	if data, w, h, err = clean(typ, data); err != nil {
		return Upload{}, errNotImage
	}
	u := Upload{ID: newID(), OwnerID: ownerID, ContentType: typ, Size: len(data), Width: w, Height: h, Data: data,
		CreatedAt: s.now().UTC().Truncate(time.Second)}
	if err := s.store.CreateUpload(ctx, &u); err != nil {
		return Upload{}, err
	}
	return u, nil
}

// Open returns an upload for viewer: its owner, an admin, staff who review
// a claim it is a photo of (the claim's community or host organisation),
// or any staff member when it is someone's avatar. Anyone else — staff of
// another community included — is told it does not exist, as is a
// malformed id.
func (s *Service) Open(ctx context.Context, viewer resident.User, id string) (Upload, error) {
	if !validID(id) {
		return Upload{}, errNotFound
	}
	u, err := s.store.Upload(ctx, id)
	if err != nil {
		return Upload{}, err
	}
	if u.OwnerID == viewer.ID || viewer.IsAdmin() {
		return u, nil
	}
	uses, err := s.store.Uses(ctx, id)
	if err != nil {
		return Upload{}, err
	}
	if uses.Public {
		return u, nil
	}
	if !viewer.IsAnyStaff() {
		return Upload{}, errNotFound
	}
	if uses.Avatar {
		return u, nil
	}
	for _, c := range uses.Claims {
		if viewer.IsStaffOf(c.CommunityID) || viewer.IsStaffOfOrg(c.HostOrgID) {
			return u, nil
		}
	}
	return Upload{}, errNotFound
}

// Fetch returns an upload without a viewer: only for links the server
// signed itself (WeChat downloading a photo for its content check).
func (s *Service) Fetch(ctx context.Context, id string) (Upload, error) {
	if !validID(id) {
		return Upload{}, errNotFound
	}
	return s.store.Upload(ctx, id)
}

// CheckOwned checks that every ref is the reference of an upload of
// ownerID (what a claim's photo_urls must be).
func (s *Service) CheckOwned(ctx context.Context, ownerID int64, refs []string) error {
	if len(refs) == 0 {
		return nil
	}
	ids := make([]string, 0, len(refs))
	for _, ref := range refs {
		id, ok := ParseRef(ref)
		if !ok {
			return errBadPhoto
		}
		ids = append(ids, id)
	}
	owners, err := s.store.Owners(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if o, ok := owners[id]; !ok || o != ownerID {
			return errNotOwnPhoto
		}
	}
	return nil
}

// PurgeUnattached deletes the uploads older than the configured TTL that
// no claim and no avatar uses (photos chosen and never submitted), in
// batches, and returns how many it deleted. Safe in every process at once.
func (s *Service) PurgeUnattached(ctx context.Context) (int, error) {
	before := s.now().Add(-s.cfg.UnattachedTTL)
	total := 0
	const batch = 200
	for {
		n, seen, err := s.store.PurgeUnattached(ctx, before, batch)
		total += n
		if err != nil || seen < batch {
			return total, err
		}
	}
}

// RunPurge runs PurgeUnattached every interval until ctx ends.
func (s *Service) RunPurge(ctx context.Context, interval time.Duration, onErr func(error)) {
	periodic.Run(ctx, interval, true, s.PurgeUnattached, onErr)
}

// ParseRef returns the upload id of a reference RefPrefix + id.
func ParseRef(ref string) (string, bool) {
	id, ok := strings.CutPrefix(ref, RefPrefix)
	return id, ok && validID(id)
}

func validID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func newID() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand panics rather than return an error)
	return hex.EncodeToString(b)
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// Sniff recognises a JPEG, PNG or WebP image by its content and returns its
// type and dimensions; ok is false for anything else (including a file
// that starts like an image but whose header does not parse).
func Sniff(data []byte) (contentType string, width, height int, ok bool) {
	var cfg image.Config
	var err error
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
		contentType = TypeJPEG
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
		contentType = TypePNG
	case len(data) >= 12 && string(data[0:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		cfg, err = webpConfig(data)
		contentType = TypeWebP
	default:
		return "", 0, 0, false
	}
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return "", 0, 0, false
	}
	return contentType, cfg.Width, cfg.Height, true
}

var errBadWebP = errors.New("media: bad webp")

// webpConfig reads the dimensions of a WebP file (RIFF container with a
// VP8, VP8L or VP8X first chunk), checking the RIFF size matches the data.
func webpConfig(b []byte) (image.Config, error) {
	if len(b) < 30 || int(binary.LittleEndian.Uint32(b[4:8])) != len(b)-8 {
		return image.Config{}, errBadWebP
	}
	chunk, body := string(b[12:16]), b[20:]
	if int(binary.LittleEndian.Uint32(b[16:20])) > len(body) {
		return image.Config{}, errBadWebP
	}
	switch chunk {
	case "VP8 ": // lossy: 3-byte frame tag, start code 9d 01 2a, 14-bit width and height
		if len(body) < 10 || body[3] != 0x9d || body[4] != 0x01 || body[5] != 0x2a {
			return image.Config{}, errBadWebP
		}
		w := int(binary.LittleEndian.Uint16(body[6:8]) & 0x3fff)
		h := int(binary.LittleEndian.Uint16(body[8:10]) & 0x3fff)
		return image.Config{Width: w, Height: h}, nil
	case "VP8L": // lossless: signature 0x2f, then 14-bit width-1 and height-1
		if len(body) < 5 || body[0] != 0x2f {
			return image.Config{}, errBadWebP
		}
		bits := binary.LittleEndian.Uint32(body[1:5])
		return image.Config{Width: int(bits&0x3fff) + 1, Height: int(bits>>14&0x3fff) + 1}, nil
	case "VP8X": // extended: flags(4), then 24-bit canvas width-1 and height-1
		if len(body) < 10 {
			return image.Config{}, errBadWebP
		}
		w := int(body[4]) | int(body[5])<<8 | int(body[6])<<16
		h := int(body[7]) | int(body[8])<<8 | int(body[9])<<16
		return image.Config{Width: w + 1, Height: h + 1}, nil
	}
	return image.Config{}, errBadWebP
}
