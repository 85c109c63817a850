package app

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
	"github.com/flowhq/flowhq/tenant/sim"
)

// webEnv is a running dashboard on a test store: the real runtime
// (supervisor, simulated phones) behind an httptest server.
type webEnv struct {
	t   testing.TB
	st  *store.Store
	rt  *runtime
	w   *web
	url string
}

// testConfig is the configuration web tests run with: fast heartbeats and
// backoff so state changes show quickly.
func testConfig(t testing.TB) Config {
	cfg, err := LoadConfig(envOf(map[string]string{
		"FLOWHQ_WHATSAPP":           "sim",
		"FLOWHQ_HEARTBEAT_INTERVAL": "1s",
		"FLOWHQ_STALE_AFTER":        "30s",
		"FLOWHQ_BACKOFF_BASE":       "50ms",
		"FLOWHQ_BACKOFF_MAX":        "1s",
	}))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func newWebEnv(t testing.TB, st *store.Store, tweak ...func(*webOptions)) *webEnv {
	t.Helper()
	cfg := testConfig(t)
	log := storetest.Logger(t)
	rt, err := startRuntime(context.Background(), cfg, st, log, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opts := cfg.webOptions()
	opts.BcryptCost = bcrypt.MinCost
	for _, f := range tweak {
		f(&opts)
	}
	done := make(chan struct{})
	w, err := newWeb(rt, opts, done)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w.routes())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := rt.close(ctx); err != nil {
			t.Logf("close runtime: %v", err)
		}
	})
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(done) })
	return &webEnv{t: t, st: st, rt: rt, w: w, url: srv.URL}
}

// user creates an account directly in the store.
func (e *webEnv) user(role, email, password, tenantID string) store.User {
	e.t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		e.t.Fatal(err)
	}
	u := store.User{Email: email, PasswordHash: string(h), Role: role}
	if tenantID != "" {
		u.TenantID = &tenantID
	}
	if err := e.st.CreateUser(context.Background(), &u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// tenant creates a tenant directly in the store.
func (e *webEnv) tenant(name string) store.Tenant {
	e.t.Helper()
	tn := store.Tenant{Name: name}
	if err := e.st.CreateTenant(context.Background(), &tn, store.TenantConfig{TemplateType: "booking", Language: "auto"}); err != nil {
		e.t.Fatal(err)
	}
	return tn
}

// client is a browser without JavaScript: a cookie jar, no redirects
// followed, and the CSRF token of the last page it read.
type client struct {
	t    testing.TB
	hc   *http.Client
	base string
	csrf string
}

func (e *webEnv) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: e.t, base: e.url, hc: &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type response struct {
	status int
	header http.Header
	body   string
}

var (
	csrfField  = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	csrfHeader = regexp.MustCompile(`X-CSRF-Token&#34;:&#34;([A-Za-z0-9_-]+)&#34;`)
)

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	body := string(b)
	if m := csrfField.FindStringSubmatch(body); m != nil {
		c.csrf = m[1]
	} else if m := csrfHeader.FindStringSubmatch(body); m != nil {
		c.csrf = m[1]
	}
	return response{status: res.StatusCode, header: res.Header, body: body}
}

// get requests path; headers are name, value pairs.
func (c *client) get(path string, headers ...string) response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

// post submits a form, adding the client's CSRF token unless the form has
// a csrf_token already (set it to "" to send none).
func (c *client) post(path string, form url.Values, headers ...string) response {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf_token"]; !ok && c.csrf != "" {
		form.Set("csrf_token", c.csrf)
	}
	if form.Get("csrf_token") == "" {
		form.Del("csrf_token")
	}
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

// login signs in through the form and loads the dashboard (which sets the
// session's CSRF token).
func (c *client) login(email, password string) {
	c.t.Helper()
	c.get("/admin/login")
	r := c.post("/admin/login", url.Values{"email": {email}, "password": {password}})
	if r.status != http.StatusSeeOther {
		c.t.Fatalf("login %s: status %d: %s", email, r.status, r.body)
	}
	if loc := r.header.Get("Location"); loc == "/admin" {
		if p := c.get("/admin"); p.status != http.StatusOK {
			c.t.Fatalf("dashboard after login: %d", p.status)
		}
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
