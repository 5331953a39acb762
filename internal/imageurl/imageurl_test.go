package imageurl

import (
	"context"
	"errors"
	"testing"

	"gongjian/internal/errs"
)

type owned map[string]int64

func (o owned) CheckOwned(_ context.Context, owner int64, refs []string) error {
	for _, r := range refs {
		if r == "/down" {
			return errors.New("store down")
		}
		if o[r] != owner {
			return errs.Invalid("PHOTO_NOT_YOURS", "照片不是您本人上传的")
		}
	}
	return nil
}

func TestCheck(t *testing.T) {
	p := New([]string{"thirdwx.qlogo.cn", " IMG.Example.COM ", "*.cdn.example.org", ""}, owned{"/api/v1/uploads/mine": 7})
	for _, c := range []struct {
		raw string
		ok  bool
	}{
		{"https://thirdwx.qlogo.cn/mmopen/a.jpg", true},
		{"https://img.example.com/a.png?x=1", true},
		{"https://IMG.example.com:443/a.png", true},
		{"https://a.cdn.example.org/b.jpg", true},
		{"https://cdn.example.org/b.jpg", false},
		{"http://thirdwx.qlogo.cn/a.jpg", false},
		{"https://10.0.0.1/a.jpg", false},
		{"http://10.0.0.1/a.jpg", false},
		{"https://thirdwx.qlogo.cn.evil.example/a.jpg", false},
		{"https://thirdwx.qlogo.cn:8443/a.jpg", false},
		{"https://user@thirdwx.qlogo.cn/a.jpg", false},
		{"//thirdwx.qlogo.cn/a.jpg", false},
		{"https://thirdwx.qlogo.cn/a b.jpg", false},
		{"/api/v1/uploads/mine", true},
		{"/api/v1/uploads/theirs", false},
		{"", false},
	} {
		ok, err := p.Check(context.Background(), 7, c.raw)
		if err != nil || ok != c.ok {
			t.Errorf("Check(%q) = %v, %v; want %v", c.raw, ok, err, c.ok)
		}
	}
	if _, err := p.Check(context.Background(), 7, "/down"); err == nil {
		t.Error("a store failure is not a refusal")
	}
	var none *Policy
	if ok, _ := none.Check(context.Background(), 7, "https://thirdwx.qlogo.cn/a.jpg"); ok {
		t.Error("a nil policy accepted an address")
	}
}
