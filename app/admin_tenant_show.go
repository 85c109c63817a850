package app

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/views"
)

// logsPerPage is the message log's page size.
const logsPerPage = 50

// defaultSimCustomer is the number the simulated customer writes from.
const defaultSimCustomer = "+254700000001"

// tenantState is a tenant's live worker and session state, with what the
// dashboard derives from them.
func (w *web) tenantState(c echo.Context, t store.Tenant) (views.TenantStatus, views.TenantLink, error) {
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	st, err := w.sup.Status(ctx, t.ID)
	if errors.Is(err, tenant.ErrUnknownTenant) {
		return views.TenantStatus{}, views.TenantLink{}, errNotFound("tenant")
	}
	if err != nil {
		return views.TenantStatus{}, views.TenantLink{}, fmt.Errorf("app: tenant status: %w", err)
	}
	now := time.Now()
	row := store.TenantRow{Tenant: t, WorkerStatus: st.Worker.Status, LastError: st.Worker.LastError,
		Restarts: st.Worker.Restarts, StartedAt: st.Worker.StartedAt, SessionState: st.Session.State,
		SessionReason: st.Session.Reason, LastSeenAt: st.Session.LastSeenAt}
	csrf := w.csrfToken(c)
	status := views.TenantStatus{
		Tenant: t, Worker: st.Worker, Session: st.Session, Attention: row.Attention(w.staleBefore(now)),
		Now: now, CSRF: csrf,
	}
	link := views.TenantLink{
		TenantID: t.ID, Session: st.Session, Sim: w.sim != nil, CSRF: csrf, Phone: t.PhoneNumber,
		Running: st.Worker.Status == store.WorkerRunning || st.Worker.Status == store.WorkerStarting,
	}
	return status, link, nil
}

// logsParams reads the log filters and cursor of a request.
func logsParams(c echo.Context) (dir, q string, before int64) {
	switch d := c.QueryParam("dir"); d {
	case store.DirIn, store.DirOut:
		dir = d
	}
	q = searchParam(c.QueryParam("q"))
	before, _ = strconv.ParseInt(c.QueryParam("before"), 10, 64)
	return dir, q, max(before, 0)
}

// tenantLogs loads one page of a tenant's logs.
func (w *web) tenantLogs(c echo.Context, tenantID, dir, q string, before int64) (views.TenantLogs, error) {
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	opts := store.ListLogsOptions{Direction: dir, Query: q, BeforeID: before, Limit: logsPerPage + 1}
	p := views.TenantLogs{TenantID: tenantID, Direction: dir, Query: q, Before: before, Now: time.Now()}
	var rows []store.MessageLog
	var next int64
	var err error
	if q == "" {
		rows, err = w.st.ListLogs(ctx, tenantID, opts)
	} else {
		// A text search examines a bounded window of messages per page;
		// Older continues below it.
		rows, next, err = w.st.SearchLogs(ctx, tenantID, opts, store.SearchWindow)
	}
	if err != nil {
		return views.TenantLogs{}, fmt.Errorf("app: tenant logs: %w", err)
	}
	switch {
	case len(rows) > logsPerPage:
		rows = rows[:logsPerPage]
		p.Older = rows[len(rows)-1].ID
	case next > 0:
		p.Older, p.SearchWindow = next, store.SearchWindow
	}
	p.Rows = rows
	return p, nil
}

// tenantDetail assembles the tenant page.
func (w *web) tenantDetail(c echo.Context, t store.Tenant) (views.TenantDetail, error) {
	status, link, err := w.tenantState(c, t)
	if err != nil {
		return views.TenantDetail{}, err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	cfg, err := w.st.GetTenantConfig(ctx, t.ID)
	if err != nil {
		return views.TenantDetail{}, fmt.Errorf("app: tenant page: %w", err)
	}
	in, out, err := w.st.CountTenantMessagesSince(ctx, t.ID, views.DayStart(time.Now()))
	if err != nil {
		return views.TenantDetail{}, fmt.Errorf("app: tenant page: %w", err)
	}
	dir, q, before := logsParams(c)
	logs, err := w.tenantLogs(c, t.ID, dir, q, before)
	if err != nil {
		return views.TenantDetail{}, err
	}
	csrf := w.csrfToken(c)
	d := views.TenantDetail{
		Tenant: t, Config: cfg, Status: status, Link: link, Logs: logs,
		Try:   views.TenantTry{TenantID: t.ID, CSRF: csrf},
		Today: [2]int64{in, out},
	}
	if w.sim != nil {
		d.Sim = &views.TenantSim{TenantID: t.ID, CSRF: csrf, Customer: defaultSimCustomer}
	}
	return d, nil
}

// renderDetail renders the whole tenant page.
func (w *web) renderDetail(c echo.Context, status int, d views.TenantDetail) error {
	l := w.layout(c, nameOrID(d.Tenant), "tenants")
	return w.render(c, status, views.TenantDetailPage(l, d))
}

func nameOrID(t store.Tenant) string {
	if t.Name != "" {
		return t.Name
	}
	return t.ID
}

// adminTenantShow is the tenant page (GET /admin/tenants/:id).
func (w *web) adminTenantShow(c echo.Context) error {
	t, err := w.loadTenant(c)
	if err != nil {
		return err
	}
	d, err := w.tenantDetail(c, t)
	if err != nil {
		return err
	}
	return w.renderDetail(c, http.StatusOK, d)
}

// adminTenantStatus is the live part of the state panel, closing any
// confirmation box
// (GET /admin/tenants/:id/status); browsers without htmx get the page.
func (w *web) adminTenantStatus(c echo.Context) error {
	t, err := w.loadTenant(c)
	if err != nil {
		return err
	}
	if !isHTMX(c) {
		return c.Redirect(http.StatusSeeOther, views.TenantURL(t.ID))
	}
	status, _, err := w.tenantState(c, t)
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, views.FactsClearingConfirm(status))
}

// adminTenantLogs is the message log panel with filters and paging
// (GET /admin/tenants/:id/logs); browsers without htmx get the page.
func (w *web) adminTenantLogs(c echo.Context) error {
	t, err := w.loadTenant(c)
	if err != nil {
		return err
	}
	if !isHTMX(c) {
		d, err := w.tenantDetail(c, t)
		if err != nil {
			return err
		}
		return w.renderDetail(c, http.StatusOK, d)
	}
	dir, q, before := logsParams(c)
	logs, err := w.tenantLogs(c, t.ID, dir, q, before)
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, views.TenantLogsPanel(logs))
}
