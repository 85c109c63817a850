package app

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

type route struct{ method, path string }

// adminRoutes is every dashboard route, with tid as the tenant id.
func adminRoutes(tid string) []route {
	t := "/admin/tenants/" + tid
	return []route{
		{"GET", "/admin"},
		{"GET", "/admin/tenants"},
		{"GET", "/admin/tenants/events?ids=" + tid},
		{"GET", "/admin/tenants/new"},
		{"POST", "/admin/tenants"},
		{"GET", t},
		{"GET", t + "/edit"},
		{"POST", t},
		{"GET", t + "/delete"},
		{"POST", t + "/delete"},
		{"GET", t + "/status"},
		{"POST", t + "/start"},
		{"POST", t + "/stop"},
		{"POST", t + "/restart"},
		{"GET", t + "/force-restart"},
		{"POST", t + "/force-restart"},
		{"POST", t + "/pair"},
		{"GET", t + "/logs"},
		{"GET", t + "/events"},
		{"POST", t + "/try"},
		{"POST", t + "/sim/scan"},
		{"POST", t + "/sim/message"},
		{"GET", "/admin/audit"},
	}
}

func (c *client) call(r route, form url.Values, headers ...string) response {
	c.t.Helper()
	if r.method == http.MethodGet {
		return c.get(r.path, headers...)
	}
	return c.post(r.path, form, headers...)
}

// Without a session every dashboard route sends a page to the sign-in
// page, answers htmx with 401 (and HX-Redirect) and JSON clients with a
// JSON 401.
func TestAdminRoutesNeedSignIn(t *testing.T) {
	e := newWebEnv(t, storetest.SQLite(t))
	tn := e.tenant("Salon")
	for _, r := range adminRoutes(tn.ID) {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			c := e.client()
			c.get("/admin/login") // the pre-session CSRF token, so POSTs get past the CSRF check
			page := c.call(r, nil)
			if page.status != http.StatusSeeOther || !strings.HasPrefix(page.header.Get("Location"), "/admin/login") {
				t.Fatalf("page: %d %q", page.status, page.header.Get("Location"))
			}
			hx := c.call(r, nil, "HX-Request", "true")
			if hx.status != http.StatusUnauthorized || hx.header.Get("HX-Redirect") != "/admin/login" {
				t.Fatalf("htmx: %d, HX-Redirect %q", hx.status, hx.header.Get("HX-Redirect"))
			}
			js := c.call(r, nil, "Accept", "application/json")
			var body struct {
				Error struct{ Code, Message string }
			}
			if js.status != http.StatusUnauthorized || json.Unmarshal([]byte(js.body), &body) != nil || body.Error.Code != "unauthorized" {
				t.Fatalf("json: %d %s", js.status, js.body)
			}
		})
	}
	// The sign-in page keeps where the operator was going.
	c := e.client()
	r := c.get("/admin/tenants/" + tn.ID + "/edit")
	if loc := r.header.Get("Location"); loc != "/admin/login?next="+url.QueryEscape("/admin/tenants/"+tn.ID+"/edit") {
		t.Fatalf("redirect to %q", loc)
	}
}

// A tenant account may sign in (for the portal) but gets 403 from every
// dashboard route.
func TestAdminRoutesRefuseTenantUsers(t *testing.T) {
	e := newWebEnv(t, storetest.SQLite(t))
	tn := e.tenant("Duka")
	e.user(store.RoleTenant, "owner@duka.example", "owner-password-1", tn.ID)
	c := e.client()
	c.get("/admin/login")
	r := c.post("/admin/login", url.Values{"email": {"owner@duka.example"}, "password": {"owner-password-1"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != tenantHome {
		t.Fatalf("tenant sign-in: %d %q", r.status, r.header.Get("Location"))
	}
	if p := c.get("/admin"); p.status != http.StatusForbidden || !strings.Contains(p.body, "cannot use the admin dashboard") {
		t.Fatalf("GET /admin as tenant: %d", p.status)
	}
	for _, rt := range adminRoutes(tn.ID) {
		if got := c.call(rt, nil); got.status != http.StatusForbidden {
			t.Errorf("%s %s as a tenant user: %d, want 403", rt.method, rt.path, got.status)
		}
		if got := c.call(rt, nil, "HX-Request", "true"); got.status != http.StatusForbidden || got.header.Get("HX-Retarget") != "#flash" {
			t.Errorf("%s %s as a tenant user (htmx): %d", rt.method, rt.path, got.status)
		}
	}
	// Nothing happened to the tenant.
	if _, err := e.st.GetTenant(t.Context(), tn.ID); err != nil {
		t.Fatal(err)
	}
}

// Every state-changing request needs the CSRF token of the session; a
// request from another origin is refused even with one.
func TestStateChangesNeedCSRF(t *testing.T) {
	e := newWebEnv(t, storetest.SQLite(t))
	tn := e.tenant("Kliniki")
	e.user(store.RoleAdmin, "ops@example.com", "admin-password-1", "")
	c := e.client()
	c.login("ops@example.com", "admin-password-1")
	good := c.csrf
	posts := []route{{"POST", "/admin/login"}, {"POST", "/admin/logout"}, {"POST", "/admin/setup"}}
	for _, r := range adminRoutes(tn.ID) {
		if r.method == http.MethodPost {
			posts = append(posts, r)
		}
	}
	for _, r := range posts {
		for name, form := range map[string]url.Values{
			"missing": {"csrf_token": {""}},
			"wrong":   {"csrf_token": {strings.Repeat("A", len(good))}},
		} {
			if got := c.call(r, form); got.status != http.StatusForbidden || !strings.Contains(got.body, "CSRF") {
				t.Errorf("%s %s, %s token: %d", r.method, r.path, name, got.status)
			}
		}
		if got := c.call(r, url.Values{"csrf_token": {good}}, "Origin", "https://evil.example"); got.status != http.StatusForbidden {
			t.Errorf("%s %s from another origin: %d", r.method, r.path, got.status)
		}
		if got := c.call(r, url.Values{"csrf_token": {good}}, "Sec-Fetch-Site", "cross-site"); got.status != http.StatusForbidden {
			t.Errorf("%s %s cross-site: %d", r.method, r.path, got.status)
		}
	}
	// The header works as well as the field (htmx sends the header).
	c.csrf = ""
	r := c.post("/admin/tenants/"+tn.ID+"/try", url.Values{"message": {"hello"}}, "X-CSRF-Token", good, "HX-Request", "true")
	if r.status != http.StatusOK {
		t.Fatalf("try with the header token: %d %s", r.status, r.body)
	}
	// The still signed-in session proves nothing was done.
	if p := c.get("/admin"); p.status != http.StatusOK {
		t.Fatalf("signed out by a forged logout: %d", p.status)
	}
}

// Failed sign-ins are throttled per account and per client address; a
// throttled account is refused even with the right password.
func TestSignInThrottle(t *testing.T) {
	e := newWebEnv(t, storetest.SQLite(t), func(o *webOptions) { o.LoginFailures, o.LoginPerIP = 3, 5 })
	e.user(store.RoleAdmin, "a@example.com", "password-aaaa", "")
	e.user(store.RoleAdmin, "b@example.com", "password-bbbb", "")
	c := e.client()
	c.get("/admin/login")
	attempt := func(email, pw string) response {
		return c.post("/admin/login", url.Values{"email": {email}, "password": {pw}})
	}
	for i := range 3 {
		if r := attempt("a@example.com", "wrong-password"); r.status != http.StatusUnauthorized || !strings.Contains(r.body, "Wrong email or password") {
			t.Fatalf("failure %d: %d", i+1, r.status)
		}
	}
	r := attempt("A@example.com", "password-aaaa")
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" || !strings.Contains(r.body, "Too many failed sign-ins") {
		t.Fatalf("4th attempt: %d %q", r.status, r.header.Get("Retry-After"))
	}
	// Another account still works from this address...
	if r := attempt("b@example.com", "password-bbbb"); r.status != http.StatusSeeOther {
		t.Fatalf("other account: %d", r.status)
	}
	// ...until the address has failed 5 times in all, even for unknown accounts.
	c2 := e.client()
	c2.get("/admin/login")
	for _, email := range []string{"nobody@example.com", "b@example.com"} {
		if r := c2.post("/admin/login", url.Values{"email": {email}, "password": {"wrong-password"}}); r.status != http.StatusUnauthorized {
			t.Fatalf("failure for %s: %d", email, r.status)
		}
	}
	if r := c2.post("/admin/login", url.Values{"email": {"b@example.com"}, "password": {"password-bbbb"}}); r.status != http.StatusTooManyRequests {
		t.Fatalf("address limit: %d", r.status)
	}
}
