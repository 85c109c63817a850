package app

import (
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/views"
)

// tenantsPerPage is the tenant list's page size.
const tenantsPerPage = 25

// maxSearchLen bounds search boxes (runes); longer input is cut.
const maxSearchLen = 200

// tenantFilters are the status filter's choices: tenant status, worker
// status, session state, or "needs attention".
func tenantFilters() []views.OptionGroup {
	group := func(label, prefix string, states ...string) views.OptionGroup {
		g := views.OptionGroup{Label: label}
		for _, s := range states {
			g.Options = append(g.Options, views.Option{Value: prefix + s, Label: s})
		}
		return g
	}
	return []views.OptionGroup{
		{Label: "Attention", Options: []views.Option{{Value: "attention", Label: "Needs attention"}}},
		group("Tenant", "tenant:", store.TenantActive, store.TenantPending, store.TenantPaused, store.TenantError),
		group("Worker", "worker:", store.WorkerRunning, store.WorkerStarting, store.WorkerBackoff, store.WorkerStopped, store.WorkerError),
		group("WhatsApp", "session:", store.SessionConnected, store.SessionQRReady, store.SessionPairCodeReady, store.SessionDisconnected, store.SessionLoggedOut),
	}
}

// applyTenantFilter sets opts from a filter value; an unknown value is
// ignored (and reported as "").
func applyTenantFilter(v string, opts *store.TenantRowsOptions) string {
	kind, state, _ := strings.Cut(v, ":")
	switch {
	case v == "attention":
		opts.Attention = true
	case kind == "tenant" && store.ValidTenantStatus(state):
		opts.TenantStatus = state
	case kind == "worker" && store.ValidWorkerStatus(state):
		opts.WorkerStatus = state
	case kind == "session" && store.ValidSessionState(state):
		opts.SessionState = state
	default:
		return ""
	}
	return v
}

// searchParam reads a search box: trimmed, valid UTF-8, at most
// maxSearchLen runes.
func searchParam(v string) string {
	v = strings.TrimSpace(strings.ToValidUTF8(v, ""))
	if utf8.RuneCountInString(v) > maxSearchLen {
		v = string([]rune(v)[:maxSearchLen])
	}
	return strings.ReplaceAll(v, "\x00", "")
}

// staleBefore is the heartbeat cut-off of "stale" on the dashboard.
func (w *web) staleBefore(now time.Time) time.Time {
	return now.Add(-w.opts.StaleAfter - w.opts.Heartbeat)
}

// adminTenants lists tenants with search, a status filter and pages
// (GET /admin/tenants).
func (w *web) adminTenants(c echo.Context) error {
	now := time.Now()
	opts := store.TenantRowsOptions{
		Query:       searchParam(c.QueryParam("q")),
		StaleBefore: w.staleBefore(now),
		Since:       views.DayStart(now),
		Limit:       tenantsPerPage,
	}
	filter := applyTenantFilter(c.QueryParam("status"), &opts)
	page, _ := strconv.Atoi(c.QueryParam("page"))
	page = max(page, 1)
	opts.Offset = (page - 1) * tenantsPerPage

	ctx, cancel := reqCtx(c, 10*time.Second)
	defer cancel()
	rows, total, err := w.st.ListTenantRows(ctx, opts)
	if err != nil {
		return err
	}
	pages := max(int((total+tenantsPerPage-1)/tenantsPerPage), 1)
	if page > pages {
		page = pages
		opts.Offset = (page - 1) * tenantsPerPage
		if rows, total, err = w.st.ListTenantRows(ctx, opts); err != nil {
			return err
		}
	}
	p := views.Tenants{
		Query: opts.Query, Filter: filter, Filters: tenantFilters(),
		Page: page, Pages: pages, Total: total,
	}
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		p.Rows = append(p.Rows, w.rowProps(r, now))
		ids = append(ids, r.ID)
	}
	p.EventsURL = "/admin/tenants/events?ids=" + strings.Join(ids, ",")
	if c.QueryParam("deleted") != "" {
		p.Notice = "The tenant was deleted."
	}
	return w.page(c, http.StatusOK, views.TenantsPage(w.layout(c, "Tenants", "tenants"), p), views.TenantsPanel(p))
}

func (w *web) rowProps(r store.TenantRow, now time.Time) views.TenantRowProps {
	return views.TenantRowProps{Row: r, Attention: r.Attention(w.staleBefore(now)), Now: now}
}
