// Package imageurl decides which image addresses people may give (an
// avatar, an activity's cover): an https URL on one of the configured hosts
// (uploads.image_hosts), or a reference to one of their own uploads. Any
// other address — plain http, an internal address, a host nobody chose —
// is refused, so the server and the people who view the image never fetch
// from a place a user picked.
package imageurl

import (
	"context"
	"net/url"
	"strings"

	"gongjian/internal/errs"
)

// MaxLen is the longest address accepted.
const MaxLen = 512

// Uploads checks upload references (the media service).
type Uploads interface {
	// CheckOwned checks every ref is a reference to an upload of ownerID
	// (an errs.KindInvalid error when not).
	CheckOwned(ctx context.Context, ownerID int64, refs []string) error
}

// Checker is what a Policy does; the domain services hold one.
type Checker interface {
	Check(ctx context.Context, ownerID int64, raw string) (bool, error)
}

// Require is Check as an error: refusal when c refuses raw (a nil c
// accepts nothing), the failure when it could not check.
func Require(ctx context.Context, c Checker, ownerID int64, raw string, refusal error) error {
	if c == nil {
		return refusal
	}
	ok, err := c.Check(ctx, ownerID, raw)
	if err != nil {
		return err
	}
	if !ok {
		return refusal
	}
	return nil
}

// Policy is the rule. The zero value (and nil) accepts no address.
type Policy struct {
	hosts    map[string]bool // exact host names, lower case
	suffixes []string        // from "*.example.com": ".example.com"
	uploads  Uploads
}

// New builds the policy: hosts are host names ("thirdwx.qlogo.cn") or
// wildcards of their subdomains ("*.qlogo.cn"); uploads may be nil (no
// upload is accepted).
func New(hosts []string, uploads Uploads) *Policy {
	p := &Policy{hosts: map[string]bool{}, uploads: uploads}
	for _, h := range hosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if rest, ok := strings.CutPrefix(h, "*."); ok && rest != "" {
			p.suffixes = append(p.suffixes, "."+rest)
		} else if h != "" {
			p.hosts[h] = true
		}
	}
	return p
}

// Check reports whether ownerID may give raw as an image address. The
// error is a failure to check (a store down), never a refusal.
func (p *Policy) Check(ctx context.Context, ownerID int64, raw string) (bool, error) {
	if p == nil || raw == "" || len(raw) > MaxLen || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return false, nil
	}
	if strings.HasPrefix(raw, "/") && !strings.HasPrefix(raw, "//") {
		if p.uploads == nil {
			return false, nil
		}
		err := p.uploads.CheckOwned(ctx, ownerID, []string{raw})
		if errs.KindOf(err) == errs.KindInvalid {
			return false, nil
		}
		return err == nil, err
	}
	return p.allowsURL(raw), nil
}

// allowsURL: https, no user info, the default port, a configured host.
func (p *Policy) allowsURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.User != nil || u.Opaque != "" || (u.Port() != "" && u.Port() != "443") {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return false
	}
	if p.hosts[host] {
		return true
	}
	for _, s := range p.suffixes {
		if strings.HasSuffix(host, s) {
			return true
		}
	}
	return false
}
