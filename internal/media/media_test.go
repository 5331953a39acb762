package media_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"time"

	"gongjian/internal/errs"
	"gongjian/internal/hours"
	"gongjian/internal/media"
	"gongjian/internal/mysqlstore"
	"gongjian/internal/redisstore"
	"gongjian/internal/resident"
	"gongjian/internal/testenv"
)

func encoded(t *testing.T, enc func(*bytes.Buffer, image.Image) error, w, h int) []byte {
	var b bytes.Buffer
	if err := enc(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegOf(t *testing.T, w, h int) []byte {
	return encoded(t, func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) }, w, h)
}

func pngOf(t *testing.T, w, h int) []byte {
	return encoded(t, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) }, w, h)
}

// riff wraps a WebP chunk in its RIFF container.
func riff(chunk string, body []byte) []byte {
	n := len(body)
	b := []byte("RIFF")
	size := 4 + 8 + n + n%2
	b = append(b, byte(size), byte(size>>8), byte(size>>16), byte(size>>24))
	b = append(b, "WEBP"+chunk...)
	b = append(b, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	b = append(b, body...)
	if n%2 == 1 {
		b = append(b, 0)
	}
	return b
}

func TestSniff(t *testing.T) {
	lossless := riff("VP8L", []byte{0x2f, 0x00, 0x00, 0x00, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07})
	// VP8 key frame of 300×200: frame tag, start code, 14-bit sizes.
	lossy := riff("VP8 ", []byte{0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x2c, 0x01, 0xc8, 0x00, 0, 0})
	// VP8X canvas 640×480 (stored minus one, 24 bits each).
	extended := riff("VP8X", []byte{0, 0, 0, 0, 0x7f, 0x02, 0x00, 0xdf, 0x01, 0x00})
	truncated := lossless[:len(lossless)-4]
	cases := []struct {
		name string
		data []byte
		typ  string
		w, h int
	}{
		{"jpeg", jpegOf(t, 40, 30), media.TypeJPEG, 40, 30},
		{"png", pngOf(t, 7, 9), media.TypePNG, 7, 9},
		{"webp lossless", lossless, media.TypeWebP, 1, 1},
		{"webp lossy", lossy, media.TypeWebP, 300, 200},
		{"webp extended", extended, media.TypeWebP, 640, 480},
		{"webp with a wrong RIFF size", truncated, "", 0, 0},
		{"webp of an unknown chunk", riff("ABCD", make([]byte, 12)), "", 0, 0},
		{"jpeg magic, garbage after", append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, []byte("not really a jpeg at all")...), "", 0, 0},
		{"png magic, garbage after", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 40)...), "", 0, 0},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "", 0, 0},
		{"html", []byte("<!doctype html><script>alert(1)</script>"), "", 0, 0},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), "", 0, 0},
		{"pdf", []byte("%PDF-1.7\n"), "", 0, 0},
		{"empty", nil, "", 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			typ, w, h, ok := media.Sniff(c.data)
			if ok != (c.typ != "") || typ != c.typ || w != c.w || h != c.h {
				t.Fatalf("Sniff = %q %d×%d ok=%v, want %q %d×%d", typ, w, h, ok, c.typ, c.w, c.h)
			}
		})
	}
}

type env struct {
	svc   *media.Service
	store *mysqlstore.MediaStore
	db    *mysqlstore.DB
}

func newEnv(t *testing.T, perHour int) env {
	db := testenv.DB(t)
	rdb, prefix := testenv.Redis(t)
	store := mysqlstore.NewMediaStore(db)
	return env{media.NewService(store, redisstore.NewLimiter(rdb, prefix), media.Config{PerUserPerHour: perHour}, nil), store, db}
}

func TestSaveOpenAndOwnership(t *testing.T) {
	e := newEnv(t, 100)
	ctx := context.Background()
	data := jpegOf(t, 20, 10)
	u, err := e.svc.Save(ctx, 7, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := media.ParseRef(u.Ref()); !ok || u.ContentType != media.TypeJPEG || u.Size != len(u.Data) || u.OwnerID != 7 {
		t.Fatalf("saved %+v", u)
	}
	// Refusals store nothing.
	for _, c := range []struct {
		data []byte
		code string
	}{
		{bytes.Repeat([]byte{0xFF}, media.MaxBytes+1), "UPLOAD_TOO_LARGE"},
		{[]byte("hello"), "UNSUPPORTED_FILE_TYPE"},
		{nil, "UPLOAD_EMPTY"},
	} {
		if _, err := e.svc.Save(ctx, 7, bytes.NewReader(c.data)); errs.CodeOf(err) != c.code {
			t.Fatalf("save %d bytes: %v, want %s", len(c.data), err, c.code)
		}
	}
	if owners, err := e.store.Owners(ctx, []string{u.ID, strings.Repeat("a", 32)}); err != nil || len(owners) != 1 || owners[u.ID] != 7 {
		t.Fatalf("owners %v %v", owners, err)
	}

	viewers := []struct {
		name string
		u    resident.User
		ok   bool
	}{
		{"owner", resident.User{ID: 7}, true},
		{"another resident", resident.User{ID: 8, Roles: []resident.Role{{Role: resident.RoleVolunteer, CommunityID: 1}}}, false},
		// A photo no claim uses yet: staff have nothing to review.
		{"staff of an organisation", resident.User{ID: 9, Roles: []resident.Role{{Role: resident.RoleStaff, OrgID: 3}}}, false},
		{"staff of a community", resident.User{ID: 10, Roles: []resident.Role{{Role: resident.RoleStaff, CommunityID: 2}}}, false},
		{"admin", resident.User{ID: 11, Roles: []resident.Role{{Role: resident.RoleAdmin}}}, true},
	}
	for _, v := range viewers {
		got, err := e.svc.Open(ctx, v.u, u.ID)
		if v.ok && (err != nil || !bytes.Equal(got.Data, u.Data) || got.ContentType != media.TypeJPEG) {
			t.Fatalf("%s: %v", v.name, err)
		}
		if !v.ok && errs.CodeOf(err) != "UPLOAD_NOT_FOUND" {
			t.Fatalf("%s: %v, want UPLOAD_NOT_FOUND", v.name, err)
		}
	}
	for _, id := range []string{"", strings.ToUpper(u.ID), u.ID + "0", "../" + u.ID[3:], strings.Repeat("0", 32)} {
		if _, err := e.svc.Open(ctx, resident.User{ID: 7}, id); errs.CodeOf(err) != "UPLOAD_NOT_FOUND" {
			t.Fatalf("open %q: %v", id, err)
		}
	}

	// CheckOwned: exact references of the owner's uploads only.
	other, err := e.svc.Save(ctx, 8, bytes.NewReader(pngOf(t, 3, 3)))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		refs []string
		code string
	}{
		{nil, ""},
		{[]string{u.Ref()}, ""},
		{[]string{u.Ref(), u.Ref()}, ""},
		{[]string{u.Ref(), other.Ref()}, "PHOTO_NOT_YOURS"},
		{[]string{media.RefPrefix + strings.Repeat("c", 32)}, "PHOTO_NOT_YOURS"},
		{[]string{"https://img.example.com/a.jpg"}, "INVALID_PHOTO_URL"},
		{[]string{"https://example.com" + u.Ref()}, "INVALID_PHOTO_URL"},
		{[]string{u.Ref() + "#x"}, "INVALID_PHOTO_URL"},
		{[]string{u.ID}, "INVALID_PHOTO_URL"},
	} {
		if err := e.svc.CheckOwned(ctx, 7, c.refs); errs.CodeOf(err) != c.code && !(c.code == "" && err == nil) {
			t.Fatalf("CheckOwned(%v) = %v, want %q", c.refs, err, c.code)
		}
	}
}

func TestSaveRateLimit(t *testing.T) {
	e := newEnv(t, 2)
	ctx := context.Background()
	data := pngOf(t, 2, 2)
	for i := 0; i < 2; i++ {
		if _, err := e.svc.Save(ctx, 5, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.Save(ctx, 5, bytes.NewReader(data)); errs.CodeOf(err) != "UPLOAD_RATE_LIMITED" || errs.KindOf(err) != errs.KindRateLimited {
		t.Fatalf("third upload: %v", err)
	}
	if _, err := e.svc.Save(ctx, 6, bytes.NewReader(data)); err != nil {
		t.Fatalf("another user: %v", err)
	}
}

// Photos chosen and never submitted are deleted after the TTL; photos of a
// claim, an avatar and recent uploads stay; looked-at ones are not looked
// at again.
func TestPurgeUnattached(t *testing.T) {
	db := testenv.DB(t)
	rdb, prefix := testenv.Redis(t)
	ctx := context.Background()
	store := mysqlstore.NewMediaStore(db)
	now := time.Now()
	clock := now.Add(-8 * 24 * time.Hour)
	svc := media.NewService(store, redisstore.NewLimiter(rdb, prefix), media.Config{UnattachedTTL: 7 * 24 * time.Hour}, func() time.Time { return clock })
	people := mysqlstore.NewResidentStore(db)
	u, err := people.LoginUser(ctx, testenv.RandomName("o-purge"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	save := func() media.Upload {
		x, err := svc.Save(ctx, u.ID, bytes.NewReader(pngOf(t, 2, 2)))
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	inClaim, avatar, forgotten, forgotten2 := save(), save(), save(), save()
	clock = now
	recent := save()
	claim := hours.Claim{UserID: u.ID, ActivityID: 4, ActivityTitle: "敬老院探访", ServedAt: now.Add(-9 * 24 * time.Hour), Minutes: 60,
		Description: "陪老人聊天", PhotoURLs: []string{inClaim.Ref()}}
	if err := mysqlstore.NewHoursStore(db).CreateClaim(ctx, &claim); err != nil {
		t.Fatal(err)
	}
	ref := avatar.Ref()
	if err := people.UpdateProfile(ctx, u.ID, resident.ProfilePatch{AvatarURL: &ref}); err != nil {
		t.Fatal(err)
	}
	n, err := svc.PurgeUnattached(ctx)
	if err != nil || n != 2 {
		t.Fatalf("purged %d (%v), want 2", n, err)
	}
	all := []string{inClaim.ID, avatar.ID, forgotten.ID, forgotten2.ID, recent.ID}
	owners, err := store.Owners(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{inClaim.ID: true, avatar.ID: true, forgotten.ID: false, forgotten2.ID: false, recent.ID: true} {
		if _, ok := owners[id]; ok != want {
			t.Fatalf("upload %s present=%v, want %v", id, ok, want)
		}
	}
	// The kept ones are not examined again; the recent one is not due yet.
	if deleted, examined, err := store.PurgeUnattached(ctx, now.Add(-7*24*time.Hour), 10); err != nil || deleted != 0 || examined != 0 {
		t.Fatalf("second pass: deleted %d, examined %d, %v", deleted, examined, err)
	}
	// Much later the recent one, never attached, goes too; the kept ones stay.
	clock = now.Add(8 * 24 * time.Hour)
	if n, err := svc.PurgeUnattached(ctx); err != nil || n != 1 {
		t.Fatalf("later pass purged %d (%v), want 1", n, err)
	}
	if owners, _ := store.Owners(ctx, all); len(owners) != 2 {
		t.Fatalf("left %v, want the claim's photo and the avatar", owners)
	}
}

// A claim's photo is readable by the staff who review that claim (its
// community's or its host organisation's), not by staff of another
// community; an avatar by any staff member. Found by the authorization
// matrix (server/authz_test.go), where staff of another community could
// download a resident's photos.
func TestOpenFollowsWhatUsesTheUpload(t *testing.T) {
	e := newEnv(t, 100)
	ctx := context.Background()
	photo, err := e.svc.Save(ctx, 7, bytes.NewReader(jpegOf(t, 8, 8)))
	if err != nil {
		t.Fatal(err)
	}
	avatar, err := e.svc.Save(ctx, 7, bytes.NewReader(jpegOf(t, 8, 8)))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := e.db.G.Exec(`INSERT INTO hour_claims (user_id, activity_id, session_id, activity_title, host_org_id, community_id, served_at,
		minutes, description, photo_urls, status, created_at, updated_at) VALUES (7, 1, 0, '讲座', 3, 2, ?, 60, '服务', ?, 'pending', ?, ?)`,
		now, `["`+photo.Ref()+`"]`, now, now).Error; err != nil {
		t.Fatal(err)
	}
	if err := e.db.G.Exec(`INSERT INTO users (open_id, avatar_url, created_at, updated_at) VALUES ('o-avatar', ?, ?, ?)`, avatar.Ref(), now, now).Error; err != nil {
		t.Fatal(err)
	}
	staff := func(community, org int64) resident.User {
		return resident.User{ID: 20, Roles: []resident.Role{{Role: resident.RoleStaff, CommunityID: community, OrgID: org}}}
	}
	for _, c := range []struct {
		name   string
		viewer resident.User
		id     string
		ok     bool
	}{
		{"the claim's community staff", staff(2, 0), photo.ID, true},
		{"the claim's host organisation staff", staff(0, 3), photo.ID, true},
		{"another community's staff", staff(5, 0), photo.ID, false},
		{"another organisation's staff", staff(0, 6), photo.ID, false},
		{"a resident", resident.User{ID: 21}, photo.ID, false},
		{"any staff, an avatar", staff(5, 0), avatar.ID, true},
		{"a resident, an avatar", resident.User{ID: 21}, avatar.ID, false},
	} {
		_, err := e.svc.Open(ctx, c.viewer, c.id)
		if c.ok != (err == nil) || (!c.ok && errs.CodeOf(err) != "UPLOAD_NOT_FOUND") {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// exifJPEG is a 40×30 JPEG, red in its top-left corner, carrying an EXIF
// block with orientation 6 (turn 90° clockwise to be upright) and a GPS
// position, as a phone writes them.
func exifJPEG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := 0; y < 10; y++ {
		for x := 0; x < 10; x++ {
			img.Set(x, y, color.RGBA{255, 0, 0, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	// TIFF, big-endian: IFD0 at 8 with one entry, Orientation (SHORT) = 6.
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00")
	tiff = append(tiff, "GPSLatitude 31.230416 N GPSLongitude 121.473701 E"...)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xFF, 0xE1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}
	data := b.Bytes()
	return append(append(append([]byte{}, data[:2]...), append(app1, seg...)...), data[2:]...)
}

// pngChunk is one PNG chunk with its CRC.
func pngChunk(typ string, body []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	out = append(out, typ...)
	out = append(out, body...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), body...)))
}

// withPNGChunk inserts a chunk right after the IHDR of a PNG.
func withPNGChunk(data []byte, typ string, body []byte) []byte {
	const ihdrEnd = 8 + 8 + 13 + 4
	return append(append(append([]byte{}, data[:ihdrEnd]...), pngChunk(typ, body)...), data[ihdrEnd:]...)
}

// Uploads are stored without their metadata: a JPEG's EXIF (GPS position
// included) is gone and its orientation applied to the pixels, a PNG's
// text and eXIf chunks are gone, a WebP's EXIF and XMP chunks are gone.
// Images declaring dimensions over the limits are refused from their
// header alone (a 350 KB PNG declaring 60000×60000 was stored) and nothing
// is stored.
func TestSaveStripsMetadataAndBoundsDimensions(t *testing.T) {
	e := newEnv(t, 100)
	ctx := context.Background()
	gps := []byte("GPSLatitude")

	// JPEG: metadata gone, turned upright (40×30 stored as 30×40, the red
	// corner now top-right).
	raw := exifJPEG(t)
	if !bytes.Contains(raw, gps) {
		t.Fatal("the test JPEG has no GPS")
	}
	u, err := e.svc.Save(ctx, 7, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.Open(ctx, resident.User{ID: 7}, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(got.Data, gps) || bytes.Contains(got.Data, []byte("Exif")) || got.Size != len(got.Data) {
		t.Fatalf("stored JPEG keeps its EXIF (%d bytes, size %d)", len(got.Data), got.Size)
	}
	img, err := jpeg.Decode(bytes.NewReader(got.Data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 30 || b.Dy() != 40 || u.Width != 30 || u.Height != 40 {
		t.Fatalf("upright image %v, upload %d×%d, want 30×40", b, u.Width, u.Height)
	}
	for _, p := range []struct {
		x, y int
		red  bool
	}{{25, 4, true}, {4, 4, false}, {4, 35, false}} {
		r, g, _, _ := img.At(p.x, p.y).RGBA()
		if isRed := r > 0xc000 && g < 0x4000; isRed != p.red {
			t.Errorf("pixel (%d,%d) red=%v, want %v", p.x, p.y, isRed, p.red)
		}
	}

	// PNG: text and eXIf chunks gone, pixels the same size.
	rawPNG := withPNGChunk(withPNGChunk(pngOf(t, 5, 4), "tEXt", []byte("Comment\x00GPSLatitude 31.23")), "eXIf", []byte("MM\x00\x2a GPSLatitude"))
	if _, err := png.Decode(bytes.NewReader(rawPNG)); err != nil {
		t.Fatalf("test PNG: %v", err)
	}
	u, err = e.svc.Save(ctx, 7, bytes.NewReader(rawPNG))
	if err != nil {
		t.Fatal(err)
	}
	got, _ = e.svc.Open(ctx, resident.User{ID: 7}, u.ID)
	if bytes.Contains(got.Data, gps) || bytes.Contains(got.Data, []byte("tEXt")) || u.Width != 5 || u.Height != 4 || u.ContentType != media.TypePNG {
		t.Fatalf("stored PNG %+v keeps its metadata", u)
	}

	// WebP (extended, with EXIF and XMP chunks): those chunks and their flags gone.
	vp8x := []byte{0x0c, 0, 0, 0, 0x7f, 0x02, 0x00, 0xdf, 0x01, 0x00} // EXIF|XMP flags, 640×480
	lossy := riff("VP8 ", []byte{0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01, 0, 0})[12:]
	body := append(append([]byte{}, vp8x...), lossy...)
	body = append(body, riff("EXIF", []byte("MM\x00\x2a GPSLatitude 31.23"))[12:]...)
	body = append(body, riff("XMP ", []byte("<x:xmpmeta>GPSLatitude</x:xmpmeta>"))[12:]...)
	rawWebP := riff("VP8X", body[:0])[:12]
	rawWebP = append(rawWebP, riff("VP8X", vp8x)[12:]...)
	rawWebP = append(rawWebP, body[len(vp8x):]...)
	binary.LittleEndian.PutUint32(rawWebP[4:8], uint32(len(rawWebP)-8))
	if typ, _, _, ok := media.Sniff(rawWebP); !ok || typ != media.TypeWebP {
		t.Fatal("the test WebP does not sniff")
	}
	u, err = e.svc.Save(ctx, 7, bytes.NewReader(rawWebP))
	if err != nil {
		t.Fatal(err)
	}
	got, _ = e.svc.Open(ctx, resident.User{ID: 7}, u.ID)
	if bytes.Contains(got.Data, gps) || bytes.Contains(got.Data, []byte("EXIF")) || got.Data[20]&0x0c != 0 ||
		u.Width != 640 || u.Height != 480 || int(binary.LittleEndian.Uint32(got.Data[4:8])) != len(got.Data)-8 {
		t.Fatalf("stored WebP % x", got.Data)
	}
	if typ, _, _, ok := media.Sniff(got.Data); !ok || typ != media.TypeWebP {
		t.Fatal("the stripped WebP does not sniff")
	}

	// Declared dimensions over the limits: refused before decoding.
	var count int64
	e.db.G.Table("uploads").Where("owner_id = ?", 9).Count(&count)
	ihdr := func(w, h uint32) []byte {
		b := binary.BigEndian.AppendUint32(nil, w)
		b = binary.BigEndian.AppendUint32(b, h)
		return append(b, 8, 2, 0, 0, 0)
	}
	bomb := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr(60000, 60000))...)
	bomb = append(bomb, pngChunk("IDAT", make([]byte, 350<<10))...)
	bomb = append(bomb, pngChunk("IEND", nil)...)
	wide := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr(media.DefaultMaxSide+1, 10))...)
	wide = append(wide, pngChunk("IEND", nil)...)
	many := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr(9000, 9000))...) // each side fine, 81 megapixels
	many = append(many, pngChunk("IEND", nil)...)
	bigWebP := riff("VP8X", []byte{0, 0, 0, 0, 0x7f, 0x3e, 0x00, 0x7f, 0x3e, 0x00}) // 16000×16000
	for name, data := range map[string][]byte{"60000×60000 PNG": bomb, "too wide": wide, "too many pixels": many, "WebP canvas": bigWebP} {
		_, err := e.svc.Save(ctx, 9, bytes.NewReader(data))
		if errs.CodeOf(err) != "IMAGE_TOO_LARGE" || errs.KindOf(err) != errs.KindUnprocessable {
			t.Errorf("%s: %v, want IMAGE_TOO_LARGE", name, err)
		}
		// The message names the limit the image is over.
		if msg := errs.As(err).Message; (name == "too many pixels") != strings.Contains(msg, "万像素") || (name == "too many pixels") == strings.Contains(msg, "长边") {
			t.Errorf("%s: %q names the wrong limit", name, msg)
		}
	}
	var after int64
	e.db.G.Table("uploads").Where("owner_id = ?", 9).Count(&after)
	if after != count {
		t.Fatalf("refused images stored: %d → %d", count, after)
	}
}
