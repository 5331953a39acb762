package hours_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
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

// pastActivity is one activity that took place yesterday.
type pastActivity struct{}

func (pastActivity) Activity(_ context.Context, id, _ int64) (hours.Activity, error) {
	start := time.Now().Add(-24 * time.Hour)
	return hours.Activity{ID: id, Title: "敬老院探访", HostOrgID: 2, CommunityID: 1, StartsAt: start, EndsAt: start.Add(2 * time.Hour)}, nil
}

// A claim's photos must be uploads of the claimant, given as the exact
// reference the upload answered: other people's uploads, unknown ids and
// arbitrary URLs (which reviewers' phones would fetch with their
// credentials) are refused and no claim is written. Without a photo
// checker no photo is accepted at all.
func TestClaimPhotosAreTheClaimantsUploads(t *testing.T) {
	db := testenv.DB(t)
	rdb, prefix := testenv.Redis(t)
	ctx := context.Background()
	store := mysqlstore.NewHoursStore(db)
	photos := media.NewService(mysqlstore.NewMediaStore(db), redisstore.NewLimiter(rdb, prefix), media.Config{}, nil)
	svc := hours.NewService(store, pastActivity{}, nil, nil, photos, testenv.Box(t), nil)

	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	mine, err := photos.Save(ctx, 21, bytes.NewReader(img.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := photos.Save(ctx, 22, bytes.NewReader(img.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	claimant := resident.User{ID: 21}
	claim := func(svc *hours.Service, activity int64, refs ...string) (hours.Claim, error) {
		return svc.CreateClaim(ctx, claimant, hours.ClaimInput{ActivityID: activity, Minutes: 90, Description: "陪老人聊天", PhotoURLs: refs})
	}
	for _, c := range []struct {
		refs []string
		code string
	}{
		{[]string{theirs.Ref()}, "PHOTO_NOT_YOURS"},
		{[]string{mine.Ref(), theirs.Ref()}, "PHOTO_NOT_YOURS"},
		{[]string{media.RefPrefix + "0123456789abcdef0123456789abcdef"}, "PHOTO_NOT_YOURS"},
		{[]string{"https://img.example.com/a.jpg"}, "INVALID_PHOTO_URL"},
		{[]string{"https://gongjian.example.com" + mine.Ref()}, "INVALID_PHOTO_URL"},
		{[]string{"javascript:alert(1)"}, "INVALID_PHOTO_URL"},
	} {
		if _, err := claim(svc, 4, c.refs...); errs.CodeOf(err) != c.code {
			t.Fatalf("claim with %v: %v, want %s", c.refs, err, c.code)
		}
	}
	if n, _ := store.Claims(ctx, hours.ClaimFilter{UserID: 21, All: true, Limit: 10}); len(n) != 0 {
		t.Fatalf("refused claims were written: %+v", n)
	}
	got, err := claim(svc, 4, mine.Ref())
	if err != nil {
		t.Fatal(err)
	}
	stored, err := store.Claim(ctx, got.ID)
	if err != nil || len(stored.PhotoURLs) != 1 || stored.PhotoURLs[0] != mine.Ref() {
		t.Fatalf("stored claim %+v %v", stored, err)
	}

	noPhotos := hours.NewService(store, pastActivity{}, nil, nil, nil, testenv.Box(t), nil)
	if _, err := claim(noPhotos, 5, mine.Ref()); errs.CodeOf(err) != "INVALID_PHOTO_URL" {
		t.Fatalf("claim with a photo and no photo checker: %v", err)
	}
	if _, err := claim(noPhotos, 5); err != nil {
		t.Fatalf("claim without photos: %v", err)
	}
}
