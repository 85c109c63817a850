package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
	"github.com/flowhq/flowhq/tenant/sim"
)

// Dashboard benchmarks on PostgreSQL (skipped without
// FLOWHQ_TEST_DATABASE_URL). Each iteration requests a fixed set of pages
// (plain, searched, filtered, deep pages), so even -benchtime 1x yields a
// p95 of server time: the whole handler chain including the session
// lookup, measured in-process without the network. Sizes come from
// FLOWHQ_BENCH_TENANTS (default 10000) and FLOWHQ_BENCH_LOG_ROWS (default
// 1000000).

func benchSize(b *testing.B, env string, def int) int {
	if v := os.Getenv(env); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("%s=%q: want a positive number", env, v)
		}
		return n
	}
	return def
}

// benchWeb starts the runtime and the dashboard on a fresh PostgreSQL
// database and returns the handler and a signed-in admin's cookie.
func benchWeb(b *testing.B) (*webEnv, http.Handler, *http.Cookie) {
	b.Helper()
	if os.Getenv(storetest.EnvDatabaseURL) == "" {
		b.Skipf("%s not set: the dashboard benchmarks run on PostgreSQL", storetest.EnvDatabaseURL)
	}
	cfg := storetest.Config(b)
	cfg.DatabaseURL = storetest.PostgresURL(b)
	st := storetest.Open(b, cfg)
	rcfg := testConfig(b)
	rt, err := startRuntime(context.Background(), rcfg, st, storetest.Logger(b), sim.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = rt.close(ctx)
	})
	opts := rcfg.webOptions()
	opts.BcryptCost = bcrypt.MinCost
	done := make(chan struct{})
	b.Cleanup(func() { close(done) })
	w, err := newWeb(rt, opts, done)
	if err != nil {
		b.Fatal(err)
	}
	e := &webEnv{t: b, st: st, rt: rt, w: w}
	u := e.user(store.RoleAdmin, "bench@example.com", "bench-password-1", "")
	secret := newSecret()
	now := time.Now()
	if err := st.CreateAuthSession(context.Background(), store.AuthSession{
		IDHash: hashSecret(secret), UserID: u.ID, LastSeenAt: now, ExpiresAt: now.Add(time.Hour),
	}); err != nil {
		b.Fatal(err)
	}
	return e, w.routes(), &http.Cookie{Name: w.sessionCookie, Value: encodeSecret(secret)}
}

// serveTimes requests each path once and returns the server times.
func serveTimes(b *testing.B, h http.Handler, cookie *http.Cookie, paths []string, htmx bool) []time.Duration {
	b.Helper()
	out := make([]time.Duration, 0, len(paths))
	for _, p := range paths {
		req := httptest.NewRequest(http.MethodGet, p, nil)
		req.AddCookie(cookie)
		if htmx {
			req.Header.Set("HX-Request", "true")
		}
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		out = append(out, time.Since(start))
		if os.Getenv("FLOWHQ_BENCH_VERBOSE") != "" {
			b.Logf("%7.2f ms  %s", float64(time.Since(start).Microseconds())/1000, p)
		}
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %s", p, rec.Code, rec.Body.String())
		}
	}
	return out
}

// reportPercentiles reports p50 and p95 of the samples in milliseconds.
func reportPercentiles(b *testing.B, samples []time.Duration) {
	slices.Sort(samples)
	pick := func(q float64) float64 {
		i := min(int(q*float64(len(samples))), len(samples)-1)
		return float64(samples[i].Microseconds()) / 1000
	}
	b.ReportMetric(pick(0.50), "p50-ms")
	b.ReportMetric(pick(0.95), "p95-ms")
	b.ReportMetric(float64(len(samples)), "requests")
}

// BenchmarkTenantsPage: the tenant list among FLOWHQ_BENCH_TENANTS tenants
// (default 10000) with mixed worker and session states and today's
// traffic on some of them.
func BenchmarkTenantsPage(b *testing.B) {
	e, h, cookie := benchWeb(b)
	n := benchSize(b, "FLOWHQ_BENCH_TENANTS", 10000)
	ctx := context.Background()
	seedStart := time.Now()
	ts := make([]store.Tenant, n)
	base := time.Now().Add(-time.Duration(n) * time.Second)
	for i := range ts {
		ts[i] = store.Tenant{Name: fmt.Sprintf("Shop %05d", i), PhoneNumber: fmt.Sprintf("+2557%08d", i),
			Status:    []string{store.TenantActive, store.TenantActive, store.TenantPaused, store.TenantPending}[i%4],
			CreatedAt: base.Add(time.Duration(i) * time.Second)}
	}
	for start := 0; start < n; start += 5000 {
		if err := e.st.CreateTenants(ctx, ts[start:min(start+5000, n)], store.TenantConfig{TemplateType: "booking", Language: "auto"}); err != nil {
			b.Fatal(err)
		}
	}
	var workers []store.Worker
	var sessions []store.WhatsAppSession
	started := time.Now().Add(-time.Hour)
	for i, t := range ts {
		if t.Status != store.TenantActive {
			continue
		}
		w := store.Worker{TenantID: t.ID, Status: store.WorkerRunning, StartedAt: &started}
		s := store.WhatsAppSession{TenantID: t.ID, State: store.SessionConnected, LastSeenAt: &started}
		if i%50 == 0 {
			w.Status, w.LastError = store.WorkerError, "gave up after 10 failures"
		}
		if i%70 == 0 {
			s.State = store.SessionLoggedOut
		}
		workers, sessions = append(workers, w), append(sessions, s)
	}
	if err := e.st.SaveWorkers(ctx, workers); err != nil {
		b.Fatal(err)
	}
	if err := e.st.SaveSessions(ctx, sessions); err != nil {
		b.Fatal(err)
	}
	// Today's traffic on the newest tenants (the first page) and a spread
	// of others.
	var ops []store.Op
	for i := n - 1; i >= 0 && len(ops) < 20000; i -= 3 {
		for k := range 4 {
			dir := store.DirIn
			if k%2 == 1 {
				dir = store.DirOut
			}
			ops = append(ops, store.Op{Insert: &store.MessageLog{TenantID: ts[i].ID, Direction: dir, Chat: "c", MessageText: "hello"}})
		}
	}
	if err := e.st.Commit(ctx, ops...); err != nil {
		b.Fatal(err)
	}
	if _, err := e.st.SQLDB().ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d tenants and %d messages in %s", n, len(ops), time.Since(seedStart).Round(time.Millisecond))

	lastPage := (n + tenantsPerPage - 1) / tenantsPerPage
	paths := []string{
		"/admin/tenants",
		"/admin/tenants?page=2",
		"/admin/tenants?page=" + strconv.Itoa(lastPage/2),
		"/admin/tenants?page=" + strconv.Itoa(lastPage),
		"/admin/tenants?q=shop+0123",
		"/admin/tenants?q=%2B25570000",
		"/admin/tenants?status=tenant:PAUSED",
		"/admin/tenants?status=worker:RUNNING&page=3",
		"/admin/tenants?status=session:LOGGED_OUT",
		"/admin/tenants?status=attention",
		"/admin/tenants?status=worker:ERROR&q=shop",
		"/admin",
	}
	serveTimes(b, h, cookie, paths, false) // warm up
	var samples []time.Duration
	b.ResetTimer()
	for range b.N {
		samples = append(samples, serveTimes(b, h, cookie, paths, false)...)
		samples = append(samples, serveTimes(b, h, cookie, paths[:len(paths)-1], true)...)
	}
	b.StopTimer()
	reportPercentiles(b, samples)
}

// BenchmarkTenantLogsPage: the message log of one tenant with
// FLOWHQ_BENCH_LOG_ROWS rows (default 1000000): newest page, direction
// filters, a text search, pages deep in the history.
func BenchmarkTenantLogsPage(b *testing.B) {
	e, h, cookie := benchWeb(b)
	rows := benchSize(b, "FLOWHQ_BENCH_LOG_ROWS", 1000000)
	ctx := context.Background()
	busy := e.tenant("Busy shop")
	quiet := e.tenant("Quiet shop")
	seedStart := time.Now()
	// Seed through the group-commit writer, 5000 rows per call from two
	// goroutines (PostgreSQL has two writers).
	const chunk = 5000
	var wg sync.WaitGroup
	var seedErr error
	var mu sync.Mutex
	per := (rows + 1) / 2
	for g := range 2 {
		wg.Go(func() {
			ops := make([]store.Op, 0, chunk)
			for i := g * per; i < min((g+1)*per, rows); i++ {
				dir := store.DirIn
				if i%2 == 1 {
					dir = store.DirOut
				}
				ops = append(ops, store.Op{Insert: &store.MessageLog{
					TenantID: busy.ID, Direction: dir, Chat: fmt.Sprintf("2547%08d@s.whatsapp.net", i%5000),
					MessageText: sampleMessages[i%len(sampleMessages)], Intent: "greeting", Status: store.StatusSent,
				}})
				if len(ops) == chunk {
					if err := e.st.Commit(ctx, ops...); err != nil {
						mu.Lock()
						seedErr = err
						mu.Unlock()
						return
					}
					ops = ops[:0]
				}
			}
			if err := e.st.Commit(ctx, ops...); err != nil {
				mu.Lock()
				seedErr = err
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if seedErr != nil {
		b.Fatal(seedErr)
	}
	if err := e.st.Commit(ctx, store.Op{Insert: &store.MessageLog{TenantID: quiet.ID, Direction: store.DirIn, Chat: "c", MessageText: "hi"}}); err != nil {
		b.Fatal(err)
	}
	if _, err := e.st.SQLDB().ExecContext(ctx, `VACUUM ANALYZE message_logs`); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d log rows in %s", rows, time.Since(seedStart).Round(time.Millisecond))

	// Cursors deep in the history. Log ids are commit times in Unix
	// milliseconds shifted left 20 bits, so a time gives a cursor.
	seedEnd := time.Now()
	cursor := func(t time.Time) string { return strconv.FormatInt(t.UnixMilli()<<20, 10) }
	mid := cursor(seedStart.Add(seedEnd.Sub(seedStart) / 2))
	nearOldest := cursor(seedStart.Add(seedEnd.Sub(seedStart) / 50))
	logs := "/admin/tenants/" + busy.ID + "/logs"
	paths := []string{
		logs,
		logs + "?dir=IN",
		logs + "?dir=OUT",
		logs + "?q=delivery",
		logs + "?dir=IN&q=miadi",
		logs + "?before=" + mid,
		logs + "?dir=OUT&before=" + mid,
		logs + "?before=" + nearOldest,
		logs + "?dir=IN&before=" + nearOldest,
	}
	serveTimes(b, h, cookie, paths, true) // warm up
	var samples []time.Duration
	var full []time.Duration
	b.ResetTimer()
	for range b.N {
		samples = append(samples, serveTimes(b, h, cookie, paths, true)...)
		samples = append(samples, serveTimes(b, h, cookie, paths, true)...)
		full = append(full, serveTimes(b, h, cookie, []string{"/admin/tenants/" + busy.ID}, false)...)
	}
	b.StopTimer()
	reportPercentiles(b, samples)
	slices.Sort(full)
	b.ReportMetric(float64(full[len(full)/2].Microseconds())/1000, "tenant-page-p50-ms")
}
