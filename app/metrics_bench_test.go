package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// BenchmarkMetricsScrape scrapes /metrics with 1,000 running, linked
// (simulated) tenants and per-tenant series on: through the main address with an
// admin token (token lookup included) and through the FLOWHQ_METRICS_ADDR
// handler. In-process, without the network. FLOWHQ_BENCH_TENANTS changes
// the tenant count. Runs on SQLite, and on PostgreSQL when
// FLOWHQ_TEST_DATABASE_URL is set.
func BenchmarkMetricsScrape(b *testing.B) {
	dbs := []string{"sqlite"}
	if os.Getenv(storetest.EnvDatabaseURL) != "" {
		dbs = append(dbs, "postgres")
	}
	for _, db := range dbs {
		b.Run(db, func(b *testing.B) {
			cfg := storetest.Config(b)
			if db == "sqlite" {
				cfg.DataDir = b.TempDir()
			} else {
				cfg.DatabaseURL = storetest.PostgresURL(b)
			}
			benchMetricsScrape(b, cfg, benchSize(b, "FLOWHQ_BENCH_TENANTS", 1000))
		})
	}
}

func benchMetricsScrape(b *testing.B, cfg store.Config, n int) {
	// The tenants exist and are ACTIVE before the runtime starts, so the
	// supervisor boots an actor for each.
	seed := storetest.Open(b, cfg)
	ts := make([]store.Tenant, n)
	for i := range ts {
		ts[i] = store.Tenant{Name: fmt.Sprintf("Scrape %04d", i), Status: store.TenantActive}
	}
	if err := seed.CreateTenants(context.Background(), ts, store.TenantConfig{TemplateType: "booking", Language: "auto"}); err != nil {
		b.Fatal(err)
	}
	if err := seed.Close(); err != nil {
		b.Fatal(err)
	}
	e := newMetricsEnv(b, cfg, metricsOptions{PerTenant: true})
	waitFor(b, "every worker running", 2*time.Minute, func() bool {
		return e.rt.sup.WorkerCounts()[store.WorkerRunning] == n
	})
	// Link every phone, so no QR codes are being drawn while timing.
	for _, t := range ts {
		waitFor(b, "a QR code", time.Minute, func() bool { return e.rt.sim.Pairing(t.ID) })
		if _, err := e.rt.sim.Scan(t.ID); err != nil {
			b.Fatal(err)
		}
	}
	waitFor(b, "every session connected", 2*time.Minute, func() bool {
		g, err := e.st.MetricStates(context.Background())
		return err == nil && g.Sessions[store.SessionConnected] == int64(n)
	})
	token := e.metricsToken("")
	routes := e.w.routes()
	direct := e.w.metrics.handler(e.w.log)
	for _, tc := range []struct {
		name   string
		h      http.Handler
		header string
	}{
		{"main+token", routes, "Bearer " + token},
		{"listener", direct, ""},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var size, series int
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
				if tc.header != "" {
					req.Header.Set("Authorization", tc.header)
				}
				rec := httptest.NewRecorder()
				tc.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("scrape: %d %.200s", rec.Code, rec.Body.String())
				}
				size = rec.Body.Len()
				series = countSeries(rec.Body.String())
			}
			b.StopTimer()
			per := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(per.Nanoseconds()), "ns/scrape")
			b.ReportMetric(float64(series), "series")
			fmt.Printf("metrics scrape (%s, %d tenants, per-tenant on): %d ns/scrape (%s), %d series, %d KiB\n",
				tc.name, n, per.Nanoseconds(), per.Round(time.Microsecond), series, size/1024)
		})
	}
}

// countSeries counts the sample lines of a text-format scrape.
func countSeries(body string) int {
	n := 0
	for _, l := range strings.Split(body, "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			n++
		}
	}
	return n
}
