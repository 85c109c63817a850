package app

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
	"github.com/flowhq/flowhq/views"
)

func sessionCookie(t *testing.T, c *client, name string) string {
	t.Helper()
	u, _ := url.Parse(c.base)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// Sign-in rotates the session, sign-out deletes it, and the session row
// holds only a hash of the cookie.
func TestSessionLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newWebEnv(t, st)
		e.user(store.RoleAdmin, "ops@example.com", "admin-password-1", "")
		c := e.client()
		c.login("ops@example.com", "admin-password-1")
		first := sessionCookie(t, c, "flowhq_session")
		if first == "" {
			t.Fatal("no session cookie")
		}
		secret, ok := decodeSecret(first)
		if !ok {
			t.Fatalf("cookie %q is not a 256-bit secret", first)
		}
		if _, err := st.GetAuthSession(context.Background(), first); err == nil {
			t.Fatal("the raw cookie value is a session key in the database")
		}
		if _, err := st.GetAuthSession(context.Background(), hashSecret(secret)); err != nil {
			t.Fatalf("session row: %v", err)
		}

		// Signing in again replaces the session.
		c.login("ops@example.com", "admin-password-1")
		second := sessionCookie(t, c, "flowhq_session")
		if second == "" || second == first {
			t.Fatal("session not rotated on sign-in")
		}
		if _, err := st.GetAuthSession(context.Background(), hashSecret(secret)); err == nil {
			t.Fatal("old session still valid after a new sign-in")
		}

		// Sign out: the row is gone, and replaying the cookie does not work.
		r := c.post("/admin/logout", nil)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/login?signed_out=1" {
			t.Fatalf("logout: %d %q", r.status, r.header.Get("Location"))
		}
		replay := e.client()
		u, _ := url.Parse(e.url)
		replay.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "flowhq_session", Value: second, Path: "/"}})
		if r := replay.get("/admin"); r.status != http.StatusSeeOther {
			t.Fatalf("replayed cookie after sign-out: %d", r.status)
		}
		if p := c.get("/admin/login?signed_out=1"); !strings.Contains(p.body, "You have been signed out") {
			t.Fatal("no signed-out notice")
		}
	})
}

// Sessions expire when idle and at their absolute age.
func TestSessionExpiry(t *testing.T) {
	e := newWebEnv(t, storetest.SQLite(t), func(o *webOptions) { o.SessionIdle, o.SessionMaxAge = time.Hour, 24*time.Hour })
	u := e.user(store.RoleAdmin, "ops@example.com", "admin-password-1", "")
	now := time.Now()
	for name, s := range map[string]store.AuthSession{
		"idle":     {LastSeenAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(time.Hour)},
		"absolute": {LastSeenAt: now, ExpiresAt: now.Add(-time.Minute)},
		"fresh":    {LastSeenAt: now.Add(-30 * time.Minute), ExpiresAt: now.Add(time.Hour)},
	} {
		secret := newSecret()
		s.IDHash, s.UserID, s.CreatedAt = hashSecret(secret), u.ID, now.Add(-3*time.Hour)
		if err := e.st.CreateAuthSession(context.Background(), s); err != nil {
			t.Fatal(err)
		}
		c := e.client()
		base, _ := url.Parse(e.url)
		c.hc.Jar.SetCookies(base, []*http.Cookie{{Name: "flowhq_session", Value: encodeSecret(secret), Path: "/"}})
		r := c.get("/admin")
		if name == "fresh" {
			if r.status != http.StatusOK {
				t.Fatalf("fresh session: %d", r.status)
			}
			got, _ := e.st.GetAuthSession(context.Background(), s.IDHash)
			if !got.Session.LastSeenAt.After(now.Add(-time.Minute)) {
				t.Fatalf("last seen not moved forward: %v", got.Session.LastSeenAt)
			}
			continue
		}
		if r.status != http.StatusSeeOther {
			t.Fatalf("%s session still works: %d", name, r.status)
		}
		if _, err := e.st.GetAuthSession(context.Background(), s.IDHash); err == nil {
			t.Fatalf("%s session row not deleted", name)
		}
	}
}

// Cookies are HttpOnly and SameSite=Lax, and Secure (with the __Host-
// prefix) when the base URL is https.
func TestCookieAttributes(t *testing.T) {
	for _, secure := range []bool{false, true} {
		e := newWebEnv(t, storetest.SQLite(t), func(o *webOptions) { o.SecureCookies = secure })
		e.user(store.RoleAdmin, "ops@example.com", "admin-password-1", "")
		c := e.client()
		login := c.get("/admin/login")
		r := c.post("/admin/login", url.Values{"email": {"ops@example.com"}, "password": {"admin-password-1"}})
		for _, set := range append(login.header.Values("Set-Cookie"), r.header.Values("Set-Cookie")...) {
			if !strings.Contains(set, "HttpOnly") || !strings.Contains(set, "SameSite=Lax") || strings.Contains(set, "Secure") != secure {
				t.Errorf("secure=%v: cookie %q", secure, set)
			}
			if secure && !strings.HasPrefix(set, "__Host-") {
				t.Errorf("secure cookie without __Host- prefix: %q", set)
			}
		}
		if secure && r.header.Get("Strict-Transport-Security") == "" {
			t.Error("no HSTS over https")
		}
	}
}

// Every response carries the security headers; the CSP allows no inline
// script.
func TestSecurityHeaders(t *testing.T) {
	e := newWebEnv(t, storetest.SQLite(t))
	c := e.client()
	for _, p := range []string{"/admin/login", "/admin/nope", "/healthz", "/api/x"} {
		r := c.get(p)
		csp := r.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") ||
			!strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		if r.header.Get("X-Frame-Options") != "DENY" || r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Referrer-Policy") == "" {
			t.Errorf("%s: headers %v", p, r.header)
		}
	}
	// No inline script or style on a page.
	page := c.get("/admin/login").body
	if strings.Contains(page, "<script>") || strings.Contains(page, " style=") || strings.Contains(page, "<style") {
		t.Error("inline script or style on the sign-in page")
	}
}

// Assets are served under content-hashed names with long cache headers.
func TestStaticAssets(t *testing.T) {
	e := newWebEnv(t, storetest.SQLite(t))
	c := e.client()
	page := c.get("/admin/login").body
	for _, name := range []string{"app.css", "htmx.min.js", "htmx-ext-sse.min.js"} {
		u := views.AssetURL(name)
		if !strings.Contains(page, u) {
			t.Errorf("page does not link %s", u)
		}
		r := c.get(u)
		if r.status != http.StatusOK || !strings.Contains(r.header.Get("Cache-Control"), "immutable") || len(r.body) < 100 {
			t.Errorf("%s: %d %q", u, r.status, r.header.Get("Cache-Control"))
		}
	}
	if r := c.get("/static/app.000000000000.css"); r.status != http.StatusNotFound {
		t.Errorf("stale asset name: %d", r.status)
	}
}

// One error handler: a page for browsers, a fragment for htmx, JSON for
// the API; never a stack trace.
func TestErrorForms(t *testing.T) {
	e := newWebEnv(t, storetest.SQLite(t))
	e.user(store.RoleAdmin, "ops@example.com", "admin-password-1", "")
	c := e.client()
	c.login("ops@example.com", "admin-password-1")
	r := c.get("/admin/tenants/no-such-tenant")
	if r.status != http.StatusNotFound || !strings.Contains(r.body, "<html") || !strings.Contains(r.body, "There is no such tenant") {
		t.Fatalf("page 404: %d", r.status)
	}
	r = c.get("/admin/tenants/no-such-tenant", "HX-Request", "true")
	if r.status != http.StatusNotFound || strings.Contains(r.body, "<html") || r.header.Get("HX-Retarget") != "#flash" {
		t.Fatalf("htmx 404: %d %v", r.status, r.header)
	}
	r = c.get("/api/v1/no-such-endpoint")
	var body map[string]map[string]string
	if r.status != http.StatusNotFound || json.Unmarshal([]byte(r.body), &body) != nil || body["error"]["code"] != "not_found" || body["error"]["message"] == "" {
		t.Fatalf("api 404: %d %s", r.status, r.body)
	}
	// A request body over 1 MiB is refused.
	big := url.Values{"name": {strings.Repeat("x", 2<<20)}}
	if r := c.post("/admin/tenants", big); r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("2 MiB form: %d", r.status)
	}
	for _, p := range []string{"/admin/tenants/no-such-tenant", "/admin/nope"} {
		if r := c.get(p); strings.Contains(r.body, "goroutine") || strings.Contains(r.body, ".go:") {
			t.Fatalf("%s leaks internals", p)
		}
	}
}

// Without an admin and without FLOWHQ_ADMIN_*, the server opens a one-time
// setup link; it creates the first admin and then stops working.
func TestSetupLink(t *testing.T) {
	e := newWebEnv(t, storetest.SQLite(t))
	if err := e.w.bootstrapAdmin(context.Background(), "", ""); err != nil {
		t.Fatal(err)
	}
	token := e.w.setupToken
	if token == "" {
		t.Fatal("no setup token")
	}
	c := e.client()
	if r := c.get("/admin/setup?token=wrong"); r.status != http.StatusNotFound {
		t.Fatalf("wrong token: %d", r.status)
	}
	if r := c.get("/admin/setup?token=" + token); r.status != http.StatusOK || !strings.Contains(r.body, "Create the first admin") {
		t.Fatalf("setup form: %d", r.status)
	}
	r := c.post("/admin/setup", url.Values{"token": {token}, "email": {"not-an-email"}, "password": {"short"}, "confirm": {"x"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Email is not an email address") || !strings.Contains(r.body, "at least 10 characters") {
		t.Fatalf("invalid setup: %d", r.status)
	}
	r = c.post("/admin/setup", url.Values{"token": {token}, "email": {"First@Example.com"}, "password": {"first-admin-pw"}, "confirm": {"first-admin-pw"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin" {
		t.Fatalf("setup: %d %s", r.status, r.body)
	}
	if p := c.get("/admin"); p.status != http.StatusOK || !strings.Contains(p.body, "first@example.com") {
		t.Fatalf("not signed in after setup: %d", p.status)
	}
	if r := e.client().get("/admin/setup?token=" + token); r.status != http.StatusNotFound {
		t.Fatalf("setup link after the first admin: %d", r.status)
	}
	entries, _ := e.st.ListAudit(context.Background(), store.ListAuditOptions{Action: "auth.setup"})
	if len(entries) != 1 || entries[0].ActorEmail != "first@example.com" {
		t.Fatalf("audit: %+v", entries)
	}
}

// FLOWHQ_ADMIN_EMAIL and FLOWHQ_ADMIN_PASSWORD create the first admin at
// start; half of the pair is a configuration error.
func TestBootstrapAdminFromEnvironment(t *testing.T) {
	e := newWebEnv(t, storetest.SQLite(t))
	if err := e.w.bootstrapAdmin(context.Background(), "boss@example.com", ""); err == nil {
		t.Fatal("email without password accepted")
	}
	if err := e.w.bootstrapAdmin(context.Background(), "boss@example.com", "boss-password-1"); err != nil {
		t.Fatal(err)
	}
	if e.w.setupToken != "" {
		t.Fatal("setup link opened although an admin was created")
	}
	// Again (a restart): nothing changes.
	if err := e.w.bootstrapAdmin(context.Background(), "other@example.com", "other-password-1"); err != nil {
		t.Fatal(err)
	}
	admins, _ := e.st.ListUsers(context.Background(), store.RoleAdmin, "")
	if len(admins) != 1 || admins[0].Email != "boss@example.com" {
		t.Fatalf("admins: %+v", admins)
	}
	c := e.client()
	c.login("boss@example.com", "boss-password-1")

	// Bad values stop start-up with exit code 2, naming the variable.
	for name, val := range map[string]string{"FLOWHQ_ADMIN_PASSWORD": "short", "FLOWHQ_ADMIN_EMAIL": "nope", "FLOWHQ_BASE_URL": "ftp://x"} {
		var stderr bytes.Buffer
		code := Main(context.Background(), []string{"serve"}, Env{Stdout: &bytes.Buffer{}, Stderr: &stderr, Getenv: envOf(map[string]string{name: val})})
		if code != 2 || !strings.Contains(stderr.String(), name) {
			t.Errorf("%s=%s: exit %d: %s", name, val, code, stderr.String())
		}
	}
}

// flowhq admin create makes accounts; bad input exits 2.
func TestAdminCreateCommand(t *testing.T) {
	dir := t.TempDir()
	env := func(stdin string) (Env, *bytes.Buffer) {
		var out bytes.Buffer
		return Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &out, Getenv: envOf(map[string]string{"FLOWHQ_DATA_DIR": dir})}, &out
	}
	run := func(stdin string, args ...string) (int, string) {
		e, out := env(stdin)
		return Main(context.Background(), append([]string{"admin"}, args...), e), out.String()
	}
	if code, out := run("", "create", "--email", "ops@example.com", "--password", "admin-password-1"); code != 0 || !strings.Contains(out, "created admin account ops@example.com") {
		t.Fatalf("create: %d %s", code, out)
	}
	if code, out := run("stdin-password-1\n", "create", "--email", "second@example.com", "--password-stdin"); code != 0 {
		t.Fatalf("create from stdin: %d %s", code, out)
	}
	for name, args := range map[string][]string{
		"no subcommand":  {},
		"bad email":      {"create", "--email", "nope", "--password", "admin-password-1"},
		"short password": {"create", "--email", "x@example.com", "--password", "short"},
		"taken email":    {"create", "--email", "OPS@example.com", "--password", "admin-password-1"},
		"bad role":       {"create", "--email", "y@example.com", "--password", "admin-password-1", "--role", "root"},
		"tenant missing": {"create", "--email", "y@example.com", "--password", "admin-password-1", "--role", "tenant", "--tenant", "nope"},
		"unknown flag":   {"create", "--bogus"},
	} {
		if code, out := run("", args...); code != 2 {
			t.Errorf("%s: exit %d, want 2: %s", name, code, out)
		}
	}
	st := storetest.Open(t, store.Config{DataDir: dir})
	u, err := st.GetUserByEmail(context.Background(), "second@example.com")
	if err != nil || u.Role != store.RoleAdmin {
		t.Fatalf("second admin: %+v %v", u, err)
	}
}
