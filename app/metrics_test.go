package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"golang.org/x/crypto/bcrypt"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/tenant/sim"
)

// newMetricsEnv is newWebEnv with a metrics registry built as serve builds
// it: the store's log writer feeds its histograms.
func newMetricsEnv(t testing.TB, cfg store.Config, opts metricsOptions) *webEnv {
	t.Helper()
	m := newMetrics(opts)
	cfg.ObserveBatch = m.observeBatch
	st := storetest.Open(t, cfg)
	rcfg := testConfig(t)
	rt, err := startRuntime(context.Background(), rcfg, st, storetest.Logger(t), sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rt.metrics = m
	wopts := rcfg.webOptions()
	wopts.BcryptCost = bcrypt.MinCost
	done := make(chan struct{})
	w, err := newWeb(rt, wopts, done)
	if err != nil {
		t.Fatal(err)
	}
	if w.metrics != m {
		t.Fatal("the web layer does not use the runtime's registry")
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

// metricsToken stores a token (admin when tenantID is "") and returns it.
func (e *webEnv) metricsToken(tenantID string) string {
	e.t.Helper()
	token, hash, prefix := newAPIToken()
	at := store.APIToken{Name: "metrics test", Prefix: prefix, TokenHash: hash, Scope: store.TokenScopeAdmin, CreatedBy: "test"}
	if tenantID != "" {
		at.Scope, at.TenantID = store.TokenScopeTenant, &tenantID
	}
	if err := e.st.CreateAPIToken(context.Background(), &at); err != nil {
		e.t.Fatal(err)
	}
	return token
}

// scrape GETs url (with a bearer token unless "") and parses the text
// format.
func scrape(t testing.TB, url, token string) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return fams
}

// sample returns the value of the family's series whose labels include
// want (name, value pairs), and whether there is one.
func sample(fams map[string]*dto.MetricFamily, name string, want ...string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		for i := 0; i+1 < len(want); i += 2 {
			found := false
			for _, l := range m.GetLabel() {
				if l.GetName() == want[i] && l.GetValue() == want[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

// linkSim starts a tenant's worker and links its simulated phone.
func linkSim(t testing.TB, e *webEnv, id string) {
	t.Helper()
	ctx := context.Background()
	if err := e.rt.sup.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a QR code", 10*time.Second, func() bool { return e.rt.sim.Pairing(id) })
	if _, err := e.rt.sim.Scan(id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the session stored as connected", 10*time.Second, func() bool {
		ws, err := e.st.GetSession(ctx, id)
		return err == nil && ws.State == store.SessionConnected
	})
}

// /metrics serves every family after messages went through a simulated
// tenant, with no per-tenant series by default.
func TestMetricsFamilies(t *testing.T) {
	storetest.EachConfig(t, func(t *testing.T, cfg store.Config) {
		e := newMetricsEnv(t, cfg, metricsOptions{})
		tn := e.tenant("Metrics Salon")
		linkSim(t, e, tn.ID)
		for i := range 3 {
			e.rt.sim.Deliver(tn.ID, tenant.Inbound{ID: fmt.Sprintf("m-%d", i), Chat: "254700000001@s.whatsapp.net", Text: "hi"})
		}
		waitFor(t, "three messages in and a reply", 15*time.Second, func() bool {
			m := e.rt.sup.Metrics()
			return m.MessagesIn >= 3 && m.RepliesSent >= 1
		})
		admin := e.metricsToken("")
		// A few requests for the HTTP metrics.
		e.client().get("/healthz")
		e.client().get("/admin/tenants/" + tn.ID)

		fams := scrape(t, e.url+"/metrics", admin)
		for _, name := range []string{
			"flowhq_messages_in_total", "flowhq_replies_sent_total", "flowhq_replies_failed_total",
			"flowhq_replies_suppressed_total", "flowhq_messages_duplicate_total", "flowhq_worker_restarts_total",
			"flowhq_lane_queued", "flowhq_workers", "flowhq_sessions", "flowhq_tenants",
			"flowhq_log_writer_batch_ops", "flowhq_log_writer_commit_seconds", "flowhq_log_writer_batches_total",
			"flowhq_log_writer_retries_total", "flowhq_log_writer_queued_ops", "flowhq_webhook_backlog",
			"flowhq_metrics_query_errors_total", "flowhq_http_requests_total", "flowhq_http_request_duration_seconds",
			"go_goroutines", "process_cpu_seconds_total",
		} {
			if fams[name] == nil {
				t.Errorf("no %s", name)
			}
		}
		for name, f := range fams {
			if strings.HasPrefix(name, "flowhq_tenant_") {
				t.Errorf("per-tenant family %s without FLOWHQ_METRICS_PER_TENANT", name)
			}
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "tenant_id" {
						t.Errorf("%s has a tenant_id label without FLOWHQ_METRICS_PER_TENANT", name)
					}
				}
			}
		}
		check := func(name string, min float64, labels ...string) {
			t.Helper()
			v, ok := sample(fams, name, labels...)
			if !ok || v < min {
				t.Errorf("%s%v = %v (present %v), want at least %v", name, labels, v, ok, min)
			}
		}
		check("flowhq_messages_in_total", 3)
		check("flowhq_replies_sent_total", 1)
		check("flowhq_workers", 1, "state", store.WorkerRunning)
		check("flowhq_sessions", 1, "state", store.SessionConnected)
		check("flowhq_tenants", 1, "status", store.TenantActive)
		check("flowhq_log_writer_batch_ops", 1)
		check("flowhq_log_writer_commit_seconds", 1)
		check("flowhq_log_writer_batches_total", 1)
		check("flowhq_webhook_backlog", 0)
		check("flowhq_http_requests_total", 1, "method", "GET", "route", "/healthz", "code", "200")
		check("flowhq_http_requests_total", 1, "method", "GET", "route", "/admin/tenants/:id", "code", "303")
		check("flowhq_http_request_duration_seconds", 1, "method", "GET", "route", "/healthz")
		if v, _ := sample(fams, "flowhq_workers", "state", store.WorkerError); v != 0 {
			t.Errorf("workers in ERROR: %v", v)
		}
	})
}

// With FLOWHQ_METRICS_PER_TENANT the counters also come per tenant.
func TestMetricsPerTenant(t *testing.T) {
	cfg := storetest.Config(t)
	cfg.DataDir = t.TempDir()
	e := newMetricsEnv(t, cfg, metricsOptions{PerTenant: true})
	a, b := e.tenant("Shop A"), e.tenant("Shop B")
	linkSim(t, e, a.ID)
	linkSim(t, e, b.ID)
	for i := range 2 {
		e.rt.sim.Deliver(a.ID, tenant.Inbound{ID: fmt.Sprintf("a-%d", i), Chat: "254700000002@s.whatsapp.net", Text: "hi"})
	}
	e.rt.sim.Deliver(b.ID, tenant.Inbound{ID: "b-0", Chat: "254700000003@s.whatsapp.net", Text: "hi"})
	waitFor(t, "three messages in", 15*time.Second, func() bool { return e.rt.sup.Metrics().MessagesIn >= 3 })
	fams := scrape(t, e.url+"/metrics", e.metricsToken(""))
	if v, ok := sample(fams, "flowhq_tenant_messages_in_total", "tenant_id", a.ID); !ok || v != 2 {
		t.Errorf("tenant A messages in: %v %v", v, ok)
	}
	if v, ok := sample(fams, "flowhq_tenant_messages_in_total", "tenant_id", b.ID); !ok || v != 1 {
		t.Errorf("tenant B messages in: %v %v", v, ok)
	}
	for _, name := range []string{"flowhq_tenant_replies_sent_total", "flowhq_tenant_replies_failed_total",
		"flowhq_tenant_replies_suppressed_total", "flowhq_tenant_messages_duplicate_total", "flowhq_tenant_worker_restarts_total"} {
		if n := len(fams[name].GetMetric()); n != 2 {
			t.Errorf("%s: %d series, want 2", name, n)
		}
	}
	if v, _ := sample(fams, "flowhq_messages_in_total"); v != 3 {
		t.Errorf("process-wide messages in: %v", v)
	}
}

// On the main address /metrics needs an admin API token.
func TestMetricsAuth(t *testing.T) {
	cfg := storetest.Config(t)
	cfg.DataDir = t.TempDir()
	e := newMetricsEnv(t, cfg, metricsOptions{})
	tn := e.tenant("Token Shop")
	admin, own := e.metricsToken(""), e.metricsToken(tn.ID)
	revoked := e.metricsToken("")
	rt, err := e.st.GetAPITokenByHash(context.Background(), hashAPIToken(revoked))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.RevokeAPIToken(context.Background(), store.AnyTenant, rt.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	unknown, _, _ := newAPIToken()
	// A signed-in dashboard session is not enough: scrapers use tokens.
	e.user(store.RoleAdmin, "ops@example.com", "admin-password-1", "")
	browser := e.client()
	browser.login("ops@example.com", "admin-password-1")

	for _, tc := range []struct {
		name   string
		header string
		want   int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"not bearer", "Basic b3BzOnB3", http.StatusUnauthorized},
		{"malformed", "Bearer nope", http.StatusUnauthorized},
		{"unknown", "Bearer " + unknown, http.StatusUnauthorized},
		{"revoked", "Bearer " + revoked, http.StatusUnauthorized},
		{"tenant token", "Bearer " + own, http.StatusForbidden},
		{"admin token", "Bearer " + admin, http.StatusOK},
	} {
		r := e.client().get("/metrics", "Authorization", tc.header)
		if r.status != tc.want {
			t.Errorf("%s: %d, want %d: %.200s", tc.name, r.status, tc.want, r.body)
		}
		if tc.want == http.StatusUnauthorized && r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: no WWW-Authenticate", tc.name)
		}
		if tc.want != http.StatusOK && !strings.Contains(r.body, `"error"`) {
			t.Errorf("%s: not a JSON error: %.200s", tc.name, r.body)
		}
	}
	if r := browser.get("/metrics"); r.status != http.StatusUnauthorized {
		t.Errorf("dashboard session without token: %d", r.status)
	}
}

// With FLOWHQ_METRICS_ADDR the main address has no /metrics and the
// separate listener needs no token.
func TestMetricsSeparateListener(t *testing.T) {
	cfg := storetest.Config(t)
	cfg.DataDir = t.TempDir()
	e := newMetricsEnv(t, cfg, metricsOptions{Separate: true})
	if r := e.client().get("/metrics", "Authorization", "Bearer "+e.metricsToken("")); r.status != http.StatusNotFound {
		t.Errorf("main address /metrics with FLOWHQ_METRICS_ADDR: %d", r.status)
	}
	msrv := httptest.NewServer(e.w.metrics.server(e.w.log).Handler)
	defer msrv.Close()
	fams := scrape(t, msrv.URL+"/metrics", "")
	if fams["flowhq_messages_in_total"] == nil || fams["flowhq_workers"] == nil {
		t.Errorf("separate listener misses families: %d families", len(fams))
	}
	if res, err := http.Get(msrv.URL + "/admin"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("separate listener serves more than /metrics: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	// The request to the main address still counted, under "unmatched".
	if _, ok := sample(fams, "flowhq_http_requests_total", "route", routeUnmatched, "code", "404"); !ok {
		t.Error("no unmatched 404 in the request counter")
	}
}

// Requests to many different raw paths add one series per route pattern.
func TestMetricsRouteCardinality(t *testing.T) {
	cfg := storetest.Config(t)
	cfg.DataDir = t.TempDir()
	e := newMetricsEnv(t, cfg, metricsOptions{})
	c := e.client()
	for i := range 50 {
		c.get(fmt.Sprintf("/admin/tenants/t-%d", i))
		c.get(fmt.Sprintf("/admin/tenants/t-%d/logs?q=%d", i, i))
		c.get(fmt.Sprintf("/no/such/page/%d", i))
		c.get(fmt.Sprintf("/static/missing-%d.css", i))
		c.get(fmt.Sprintf("/api/v1/nothing-%d", i))
		req, _ := http.NewRequest(fmt.Sprintf("BREW%d", i), e.url+"/healthz", nil)
		c.do(req)
	}
	fams := scrape(t, e.url+"/metrics", e.metricsToken(""))
	routes := map[string]bool{}
	for _, m := range fams["flowhq_http_requests_total"].GetMetric() {
		var route, method string
		for _, l := range m.GetLabel() {
			switch l.GetName() {
			case "route":
				route = l.GetValue()
			case "method":
				method = l.GetValue()
			}
		}
		if strings.Contains(route, "t-") || strings.Contains(route, "missing-") || strings.Contains(route, "nothing-") || strings.Contains(route, "/page/") {
			t.Errorf("raw path as route label: %q", route)
		}
		if method != "GET" && method != "OTHER" {
			t.Errorf("unbounded method label %q", method)
		}
		routes[route] = true
	}
	t.Logf("routes: %v", routes)
	if n := len(fams["flowhq_http_requests_total"].GetMetric()); n > 12 {
		t.Errorf("%d series for 300 requests over 6 routes: %v", n, routes)
	}
	for _, want := range []string{"/admin/tenants/:id", "/admin/tenants/:id/logs", "/static/:name", routeUnmatched} {
		if !routes[want] {
			t.Errorf("no series for route %q (have %v)", want, routes)
		}
	}
}

// flowhq serve with FLOWHQ_METRICS_ADDR serves /metrics there, without a
// token, and stops both listeners on SIGTERM.
func TestServeMetricsAddr(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process")
	}
	cmd := childCommand("serve")
	cmd.Env = append(cmd.Env, "FLOWHQ_ADDR=127.0.0.1:0", "FLOWHQ_METRICS_ADDR=127.0.0.1:0",
		"FLOWHQ_WHATSAPP=sim", "FLOWHQ_DATA_DIR="+t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	addrs := make(chan [2]string, 1)
	go func() {
		re := regexp.MustCompile(`metrics_addr=(\S+)`)
		var maddr string
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				maddr = m[1]
			}
			if m := regexp.MustCompile(` addr=(\S+)`).FindStringSubmatch(sc.Text()); m != nil && strings.Contains(sc.Text(), "flowhq serving") {
				addrs <- [2]string{m[1], maddr}
			}
		}
	}()
	var main, metricsURL string
	select {
	case a := <-addrs:
		_, port, _ := net.SplitHostPort(a[0])
		_, mport, _ := net.SplitHostPort(a[1])
		main, metricsURL = "http://127.0.0.1:"+port, "http://127.0.0.1:"+mport
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	fams := scrape(t, metricsURL+"/metrics", "")
	if fams["flowhq_messages_in_total"] == nil || fams["go_goroutines"] == nil {
		t.Errorf("metrics listener: %d families", len(fams))
	}
	res, err := http.Get(main + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("main address /metrics: %d, want 404", res.StatusCode)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("did not exit within 15s of SIGTERM")
	}
	if _, err := http.Get(metricsURL + "/metrics"); err == nil {
		t.Error("metrics listener still answers after shutdown")
	}
}

// A failing or slow scrape-time query leaves its metrics out and counts
// the error; the scrape still succeeds with everything else.
func TestMetricsQueryErrors(t *testing.T) {
	cfg := storetest.Config(t)
	cfg.DataDir = t.TempDir()
	e := newMetricsEnv(t, cfg, metricsOptions{})
	c := newRuntimeCollector(e.st, e.rt.sup, e.rt.log, false)
	c.states = func(context.Context) (store.StateGauges, error) {
		return store.StateGauges{}, errors.New("database gone")
	}
	c.backlog = func(ctx context.Context) (int64, error) {
		<-ctx.Done() // a query that hangs until the scrape's timeout
		return 0, ctx.Err()
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	defer srv.Close()
	fams := scrape(t, srv.URL, "")
	for _, gone := range []string{"flowhq_sessions", "flowhq_tenants", "flowhq_webhook_backlog"} {
		if fams[gone] != nil {
			t.Errorf("%s served although its query failed", gone)
		}
	}
	for _, name := range []string{"flowhq_messages_in_total", "flowhq_workers", "flowhq_log_writer_queued_ops"} {
		if fams[name] == nil {
			t.Errorf("%s missing after a failed query", name)
		}
	}
	for _, q := range []string{"states", "webhook_backlog"} {
		if v, _ := sample(fams, "flowhq_metrics_query_errors_total", "query", q); v != 1 {
			t.Errorf("query errors for %s: %v", q, v)
		}
	}
}

func TestMetricsConfig(t *testing.T) {
	cfg, err := LoadConfig(envOf(map[string]string{}))
	if err != nil {
		t.Fatal(err)
	}
	if o := cfg.metricsOptions(); cfg.MetricsAddr != "" || o.Separate || o.PerTenant {
		t.Errorf("defaults: %q %+v", cfg.MetricsAddr, o)
	}
	cfg, err = LoadConfig(envOf(map[string]string{"FLOWHQ_METRICS_ADDR": "127.0.0.1:9090", "FLOWHQ_METRICS_PER_TENANT": "true"}))
	if err != nil {
		t.Fatal(err)
	}
	if o := cfg.metricsOptions(); cfg.MetricsAddr != "127.0.0.1:9090" || !o.Separate || !o.PerTenant {
		t.Errorf("set: %q %+v", cfg.MetricsAddr, o)
	}
	for _, bad := range []map[string]string{
		{"FLOWHQ_METRICS_ADDR": "9090"},
		{"FLOWHQ_METRICS_ADDR": "http://127.0.0.1:9090"},
		{"FLOWHQ_METRICS_PER_TENANT": "yes please"},
	} {
		if _, err := LoadConfig(envOf(bad)); err == nil || !strings.Contains(err.Error(), "FLOWHQ_METRICS_") {
			t.Errorf("%v: %v", bad, err)
		}
	}
}
