package main

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"gongjian/internal/httpapi"
	"gongjian/internal/resident"
)

// doorClass says who may pass a route's door.
type doorClass int

const (
	// doorPublic: anyone, no token (health, login, the activity catalogue,
	// the vendor webhook that authenticates by HMAC instead).
	doorPublic doorClass = iota
	// doorResident: any logged-in resident; the route acts on the caller's
	// own data or on resources it checks ownership of.
	doorResident
	// doorStaff: staff (scoped) or admins only; a plain resident is refused.
	doorStaff
	// doorAdmin: admins only; staff and residents are refused.
	doorAdmin
	// doorOwnCredential: no bearer token, but a credential of its own (a
	// refresh token, a vendor's HMAC signature); without it: 401.
	doorOwnCredential
)

// doors is the authorization matrix: every route of the OpenAPI document
// has a row; a route without one fails TestAuthorizationMatrix.
var doors = map[string]doorClass{
	"GET /healthz":                    doorPublic,
	"GET /readyz":                     doorPublic,
	"GET /metrics":                    doorPublic,
	"GET /api/openapi.yaml":           doorPublic,
	"POST /api/v1/auth/login":         doorPublic,
	"POST /api/v1/auth/refresh":       doorOwnCredential,
	"GET /api/v1/communities":         doorPublic,
	"POST /api/v1/wristbands/webhook": doorOwnCredential,
}

// classify gives the default door of a route: /admin/ routes are staff
// doors unless listed as admin-only, other /api/v1 routes need a login.
func classify(route string) (doorClass, bool) {
	if c, ok := doors[route]; ok {
		return c, true
	}
	if c, ok := publicCatalogue[route]; ok {
		return c, true
	}
	_, path, _ := strings.Cut(route, " ")
	switch {
	case adminOnly[route]:
		return doorAdmin, true
	case strings.HasPrefix(path, "/api/v1/admin/"):
		return doorStaff, true
	case strings.HasPrefix(path, "/api/v1/"):
		return doorResident, true
	}
	return 0, false
}

// publicCatalogue: browsing activities needs no login (the mini-program's
// home page works before wx.login finishes).
var publicCatalogue = map[string]doorClass{
	"GET /api/v1/activities":      doorPublic,
	"GET /api/v1/activities/{id}": doorPublic,
}

// adminOnly are the /admin/ routes that staff may not use either.
var adminOnly = map[string]bool{
	"POST /api/v1/admin/communities":        true,
	"GET /api/v1/admin/users/{id}":          true,
	"POST /api/v1/admin/users/{id}/roles":   true,
	"DELETE /api/v1/admin/users/{id}/roles": true,
}

var pathParam = regexp.MustCompile(`\{[a-z_]+\}`)

// TestAuthorizationMatrix calls every route of the OpenAPI document as
// anonymous, as a plain resident, as staff of another community and as an
// admin. Anonymous callers get 401 on every non-public route; a plain
// resident gets 403 on every staff and admin route; staff of a community get
// 403 on admin-only routes; nobody but the public routes answers 2xx to an
// anonymous caller. Resource-level ownership (a resident reading another's
// registration, dependent, wristband or message; staff of another
// community) is asserted route by route in the features' own tests.
func TestAuthorizationMatrix(t *testing.T) {
	w := newRegWorld(t)
	ta := w.ta
	resident, _ := w.resident("plainresident", "")
	r := ta.do("POST", "/api/v1/admin/communities", w.admin, map[string]string{"name": "和平社区"})
	if r.Status != 201 {
		t.Fatalf("community B: %d %s", r.Status, r.Raw)
	}
	staffB, _ := ta.login("staffb")
	ta.grant("staffb", roleStaffOf(num(r.Body["id"])))

	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(httpapi.OpenAPISpec(), &doc); err != nil {
		t.Fatal(err)
	}
	var routes []string
	for p, ops := range doc.Paths {
		for m := range ops {
			if m != "parameters" {
				routes = append(routes, strings.ToUpper(m)+" "+p)
			}
		}
	}
	sort.Strings(routes)
	for _, route := range routes {
		class, ok := classify(route)
		if !ok {
			t.Errorf("%s has no row in the authorization matrix", route)
			continue
		}
		method, path, _ := strings.Cut(route, " ")
		// Ids that exist for nobody in particular: the door must close
		// before the handler looks anything up.
		concrete := pathParam.ReplaceAllString(path, "999999")
		call := func(token string) resp {
			body := any(nil)
			if method == http.MethodPost || method == http.MethodPatch || method == http.MethodPut {
				body = "{}"
			}
			return ta.do(method, concrete, token, body)
		}
		t.Run(route, func(t *testing.T) {
			anon := call("")
			switch class {
			case doorOwnCredential:
				if anon.Status != 401 || anon.str("code") == "UNAUTHENTICATED" {
					t.Fatalf("route with its own credential: want its own 401, got %d %s", anon.Status, anon.Raw)
				}
				return
			case doorPublic:
				if anon.Status == 401 || anon.Status == 403 || anon.Status >= 500 {
					t.Fatalf("public route refused an anonymous caller: %d %s", anon.Status, anon.Raw)
				}
				return
			default:
				expectDoor(t, "anonymous", anon, 401)
			}
			res := call(resident)
			switch class {
			case doorStaff, doorAdmin:
				expectDoor(t, "plain resident", res, 403)
			default:
				notRefused(t, "plain resident", res)
			}
			sb := call(staffB)
			if class == doorAdmin {
				expectDoor(t, "staff of another community", sb, 403)
			} else if sb.Status == 401 || sb.Status >= 500 {
				t.Fatalf("staff of another community: %d %s", sb.Status, sb.Raw)
			}
			notRefused(t, "admin", call(w.admin))
		})
	}
}

func roleStaffOf(community int64) resident.RoleChange {
	return resident.RoleChange{Role: "staff", CommunityID: community}
}

func expectDoor(t *testing.T, who string, r resp, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: want %d, got %d %s", who, status, r.Status, r.Raw)
	}
	if r.str("code") == "" || !hasHan(r.str("message")) {
		t.Fatalf("%s: refusal without a code and a Chinese message: %s", who, r.Raw)
	}
}

// notRefused asserts the caller passed the door: whatever the handler then
// says about the (missing) resource or the empty body — 400, 404, 409, 422,
// or a business rule's own 403 such as NOT_A_CHECKER — it is not the
// door's 401/FORBIDDEN and not a server error.
func notRefused(t *testing.T, who string, r resp) {
	t.Helper()
	if r.Status == 401 || r.str("code") == "FORBIDDEN" || r.Status >= 500 {
		t.Fatalf("%s was refused at the door or broke it: %d %s", who, r.Status, r.Raw)
	}
}
