package app

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/tenant"
)

// metricsQueryTimeout bounds each database query of a scrape.
const metricsQueryTimeout = 3 * time.Second

// counterDef is one of the supervisor's message counters.
type counterDef struct {
	name, help string
	value      func(tenant.Metrics) int64
}

var supervisorCounters = []counterDef{
	{"messages_in_total", "Inbound WhatsApp messages newly stored.", func(m tenant.Metrics) int64 { return m.MessagesIn }},
	{"replies_sent_total", "Replies (bot and API) sent.", func(m tenant.Metrics) int64 { return m.RepliesSent }},
	{"replies_failed_total", "Replies whose send failed.", func(m tenant.Metrics) int64 { return m.RepliesFailed }},
	{"replies_suppressed_total", "Replies not sent: rate limit, paused chat or handoff.", func(m tenant.Metrics) int64 { return m.Suppressed }},
	{"messages_duplicate_total", "Inbound messages dropped as already seen.", func(m tenant.Metrics) int64 { return m.Duplicates }},
	{"worker_restarts_total", "Worker restarts after a failure.", func(m tenant.Metrics) int64 { return m.Restarts }},
}

// runtimeCollector reads the runtime's state when Prometheus scrapes: the
// supervisor's counters (atomics; nothing on the message path changes),
// worker states from the supervisor's memory, tenant and session states
// and the webhook backlog from the database (one query each), and the log
// writer's counters.
type runtimeCollector struct {
	st        *store.Store
	sup       *tenant.Supervisor
	log       *slog.Logger
	perTenant bool
	// The scrape-time queries: the store's methods (tests replace them).
	states  func(context.Context) (store.StateGauges, error)
	backlog func(context.Context) (int64, error)

	totals       []*prometheus.Desc // per supervisorCounters
	tenantTotals []*prometheus.Desc // the same with tenant_id
	laneQueued   *prometheus.Desc
	workers      *prometheus.Desc
	sessions     *prometheus.Desc
	tenants      *prometheus.Desc
	batches      *prometheus.Desc
	retries      *prometheus.Desc
	queuedOps    *prometheus.Desc
	backlogDesc  *prometheus.Desc
	queryErrors  *prometheus.Desc

	statesErrors, backlogErrors atomic.Int64
}

func newRuntimeCollector(st *store.Store, sup *tenant.Supervisor, log *slog.Logger, perTenant bool) *runtimeCollector {
	name := func(sub, n string) string { return prometheus.BuildFQName(metricsNamespace, sub, n) }
	c := &runtimeCollector{
		st: st, sup: sup, log: log, perTenant: perTenant,
		states: st.MetricStates, backlog: st.WebhookBacklog,
		laneQueued: prometheus.NewDesc(name("", "lane_queued"),
			"Reply jobs waiting on chat lanes now.", nil, nil),
		workers: prometheus.NewDesc(name("", "workers"),
			"Workers of the tenants this process supervises, by state (from memory).", []string{"state"}, nil),
		sessions: prometheus.NewDesc(name("", "sessions"),
			"WhatsApp sessions by state (from the database).", []string{"state"}, nil),
		tenants: prometheus.NewDesc(name("", "tenants"),
			"Tenants by status (from the database).", []string{"status"}, nil),
		batches: prometheus.NewDesc(name("log_writer", "batches_total"),
			"Log writer transactions committed.", nil, nil),
		retries: prometheus.NewDesc(name("log_writer", "retries_total"),
			"Log writer attempts that failed and were retried.", nil, nil),
		queuedOps: prometheus.NewDesc(name("log_writer", "queued_ops"),
			"Ops waiting for a log writer now.", nil, nil),
		backlogDesc: prometheus.NewDesc(name("webhook", "backlog"),
			"Webhook events waiting for delivery (all tenants).", nil, nil),
		queryErrors: prometheus.NewDesc(name("metrics", "query_errors_total"),
			"Scrape-time database queries that failed (their metrics were left out of that scrape).", []string{"query"}, nil),
	}
	for _, d := range supervisorCounters {
		c.totals = append(c.totals, prometheus.NewDesc(name("", d.name), d.help, nil, nil))
		c.tenantTotals = append(c.tenantTotals, prometheus.NewDesc(name("tenant", d.name), d.help+" Per tenant.", []string{"tenant_id"}, nil))
	}
	return c
}

// Describe sends every descriptor, including the per-tenant ones only
// when they are on.
func (c *runtimeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.totals {
		ch <- d
	}
	if c.perTenant {
		for _, d := range c.tenantTotals {
			ch <- d
		}
	}
	for _, d := range []*prometheus.Desc{c.laneQueued, c.workers, c.sessions, c.tenants, c.batches, c.retries, c.queuedOps, c.backlogDesc, c.queryErrors} {
		ch <- d
	}
}

// Collect reads everything once per scrape. A failed database query logs
// and leaves its metrics out; it never fails the scrape.
func (c *runtimeCollector) Collect(ch chan<- prometheus.Metric) {
	m := c.sup.Metrics()
	for i, d := range supervisorCounters {
		ch <- prometheus.MustNewConstMetric(c.totals[i], prometheus.CounterValue, float64(d.value(m)))
	}
	ch <- prometheus.MustNewConstMetric(c.laneQueued, prometheus.GaugeValue, float64(m.LaneQueued))
	if c.perTenant {
		c.sup.TenantMetrics(func(id string, tm tenant.Metrics) {
			for i, d := range supervisorCounters {
				ch <- prometheus.MustNewConstMetric(c.tenantTotals[i], prometheus.CounterValue, float64(d.value(tm)), id)
			}
		})
	}

	workers := map[string]int{store.WorkerStopped: 0, store.WorkerStarting: 0, store.WorkerRunning: 0, store.WorkerBackoff: 0, store.WorkerError: 0}
	for s, n := range c.sup.WorkerCounts() {
		workers[s] += n
	}
	for s, n := range workers {
		ch <- prometheus.MustNewConstMetric(c.workers, prometheus.GaugeValue, float64(n), s)
	}

	ws := c.st.WriterStats()
	ch <- prometheus.MustNewConstMetric(c.batches, prometheus.CounterValue, float64(ws.Batches))
	ch <- prometheus.MustNewConstMetric(c.retries, prometheus.CounterValue, float64(ws.Retries))
	ch <- prometheus.MustNewConstMetric(c.queuedOps, prometheus.GaugeValue, float64(ws.QueuedOps))

	ctx, cancel := context.WithTimeout(context.Background(), metricsQueryTimeout)
	defer cancel()
	if g, err := c.states(ctx); err != nil {
		c.statesErrors.Add(1)
		c.log.Warn("metrics: read tenant and session states", "err", err)
	} else {
		for s, n := range g.Sessions {
			ch <- prometheus.MustNewConstMetric(c.sessions, prometheus.GaugeValue, float64(n), s)
		}
		for s, n := range g.Tenants {
			ch <- prometheus.MustNewConstMetric(c.tenants, prometheus.GaugeValue, float64(n), s)
		}
	}

	bctx, bcancel := context.WithTimeout(context.Background(), metricsQueryTimeout)
	defer bcancel()
	if n, err := c.backlog(bctx); err != nil {
		c.backlogErrors.Add(1)
		c.log.Debug("metrics: read webhook backlog", "err", err)
	} else {
		ch <- prometheus.MustNewConstMetric(c.backlogDesc, prometheus.GaugeValue, float64(n))
	}
	ch <- prometheus.MustNewConstMetric(c.queryErrors, prometheus.CounterValue, float64(c.statesErrors.Load()), "states")
	ch <- prometheus.MustNewConstMetric(c.queryErrors, prometheus.CounterValue, float64(c.backlogErrors.Load()), "webhook_backlog")
}
