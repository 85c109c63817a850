package app

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/tenant"
)

// Prometheus metrics.
//
// One metrics value per process holds a private registry (never the
// client library's global one) with:
//   - the Go runtime and process collectors;
//   - the log writer's batch size and commit latency histograms, fed by
//     store.Config.ObserveBatch (openObservedStore);
//   - the HTTP request counter and latency histogram (metricsMiddleware),
//     labelled by route pattern, never by raw path;
//   - runtimeCollector (metrics_collector.go), which reads the
//     supervisor's counters, the worker and session states, the log
//     writer's counters and the webhook backlog at scrape time, so the
//     message path never touches Prometheus.
//
// It is built by the process wiring (serve.go, or metricsOf for a
// runtime that has none) and handed down explicitly.

// metricsNamespace prefixes every Flow HQ metric.
const metricsNamespace = "flowhq"

// metricsOptions are the metrics settings taken from Config.
type metricsOptions struct {
	// PerTenant adds flowhq_tenant_* series labelled by tenant_id.
	PerTenant bool
	// Separate means /metrics is served on its own listener
	// (FLOWHQ_METRICS_ADDR), so the main address does not serve it.
	Separate bool
}

func (c Config) metricsOptions() metricsOptions {
	return metricsOptions{PerTenant: c.MetricsPerTenant, Separate: c.MetricsAddr != ""}
}

// metrics is the process's Prometheus registry and the metrics fed
// directly (rather than read at scrape time).
type metrics struct {
	reg  *prometheus.Registry
	opts metricsOptions

	batchOps     prometheus.Histogram
	batchSeconds prometheus.Histogram
	httpRequests *prometheus.CounterVec   // method, route, code
	httpSeconds  *prometheus.HistogramVec // method, route

	watchOnce sync.Once
	watchErr  error
}

// newMetrics builds a registry with the Go and process collectors, the
// log writer histograms and the HTTP metrics. The runtime collector is
// added by watch once the store and supervisor exist.
func newMetrics(opts metricsOptions) *metrics {
	m := &metrics{
		reg:  prometheus.NewRegistry(),
		opts: opts,
		batchOps: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: metricsNamespace, Subsystem: "log_writer", Name: "batch_ops",
			Help:    "Ops (message log inserts and status updates) per committed log writer transaction.",
			Buckets: []float64{1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500},
		}),
		batchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: metricsNamespace, Subsystem: "log_writer", Name: "commit_seconds",
			Help:    "Time from a log writer batch's first attempt to its COMMIT, retries included.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		httpSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: metricsNamespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "HTTP request latency by method and route pattern (event streams count their whole life).",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.batchOps, m.batchSeconds, m.httpRequests, m.httpSeconds,
	)
	return m
}

// observeBatch is store.Config.ObserveBatch: it runs on the log writer's
// goroutine after each commit, so it only records two observations.
func (m *metrics) observeBatch(b store.BatchInfo) {
	m.batchOps.Observe(float64(b.Ops))
	m.batchSeconds.Observe(b.Took.Seconds())
}

// watch registers the scrape-time collector of a store and supervisor.
// Only the first call registers; later calls return its result.
func (m *metrics) watch(st *store.Store, sup *tenant.Supervisor, log *slog.Logger) error {
	m.watchOnce.Do(func() {
		if err := m.reg.Register(newRuntimeCollector(st, sup, log, m.opts.PerTenant)); err != nil {
			m.watchErr = fmt.Errorf("app: register metrics collector: %w", err)
		}
	})
	return m.watchErr
}

// handler serves the registry in the Prometheus text (or OpenMetrics)
// format. A collector error logs and still serves what was gathered.
func (m *metrics) handler(log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:            promLogger{log},
		ErrorHandling:       promhttp.ContinueOnError,
		Registry:            m.reg, // promhttp_metric_handler_errors_total
		MaxRequestsInFlight: 4,
	})
}

// promLogger adapts slog to promhttp's Println logger.
type promLogger struct{ log *slog.Logger }

func (l promLogger) Println(v ...any) { l.log.Warn("metrics: " + fmt.Sprint(v...)) }

// metricsOf returns the runtime's metrics, building them (with default
// options) for a runtime started without any, and makes sure they watch
// the runtime's store and supervisor.
func metricsOf(rt *runtime) (*metrics, error) {
	m := rt.metrics
	if m == nil {
		m = newMetrics(metricsOptions{})
		rt.metrics = m
	}
	if err := m.watch(rt.store, rt.sup, rt.log); err != nil {
		return nil, err
	}
	return m, nil
}

// metricsRoutes counts every request by route pattern and, unless
// FLOWHQ_METRICS_ADDR gives /metrics its own listener, serves /metrics
// to admin API tokens.
func (w *web) metricsRoutes(e *echo.Echo) {
	if w.metrics == nil {
		return
	}
	e.Pre(w.metrics.middleware)
	if w.metrics.opts.Separate {
		return
	}
	h := w.metrics.handler(w.log)
	e.GET("/metrics", func(c echo.Context) error {
		h.ServeHTTP(c.Response(), c.Request())
		return nil
	}, w.requireAdminToken)
}

// metricsServer is the separate plain listener of FLOWHQ_METRICS_ADDR: only
// /metrics, no authentication (bind it to a private address).
func (m *metrics) server(log *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.handler(log))
	return &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
}

// parseListenAddr accepts "" or a host:port listen address.
func parseListenAddr(v string, dst *string) error {
	if v == "" {
		*dst = ""
		return nil
	}
	if _, _, err := net.SplitHostPort(v); err != nil {
		return fmt.Errorf("want host:port, such as 127.0.0.1:9090")
	}
	*dst = v
	return nil
}
