package app

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/views"
)

// workerCtx bounds a worker control: stopping waits for the lanes to drain.
const workerCtx = 30 * time.Second

// runWorkerAction runs one worker control on the tenant of :id and records
// it in the audit log. It returns the tenant's fresh state panel, with a
// notice saying how it went.
func (w *web) runWorkerAction(c echo.Context, action, done string, run func(ctx context.Context, id string) error) (views.TenantStatus, error) {
	t, err := w.loadTenant(c)
	if err != nil {
		return views.TenantStatus{}, err
	}
	// Not the request's context: a control that has begun finishes even if
	// the browser goes away.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), workerCtx)
	defer cancel()
	notice, bad := done, false
	if err := run(ctx, t.ID); err != nil {
		if errors.Is(err, tenant.ErrUnknownTenant) {
			return views.TenantStatus{}, errNotFound("tenant")
		}
		w.log.Error("worker control failed", "tenant_id", t.ID, "action", action, "err", err)
		notice, bad = "That did not work: "+shortError(err)+". The details are in the server log.", true
		w.audit(c, action, t.ID, t.Name, "failed")
	} else {
		w.log.Info("worker control", "tenant_id", t.ID, "action", action)
		w.audit(c, action, t.ID, t.Name, "")
	}
	if t, err = w.loadTenant(c); err != nil {
		return views.TenantStatus{}, err
	}
	status, _, err := w.tenantState(c, t)
	if err != nil {
		return views.TenantStatus{}, err
	}
	status.Notice, status.NoticeBad = notice, bad
	return status, nil
}

// workerAction answers a worker control with the state panel (htmx) or
// the tenant page.
func (w *web) workerAction(c echo.Context, action, done string, run func(ctx context.Context, id string) error) error {
	status, err := w.runWorkerAction(c, action, done, run)
	if err != nil {
		return err
	}
	if !isHTMX(c) {
		return c.Redirect(http.StatusSeeOther, views.TenantURL(status.Tenant.ID))
	}
	return w.render(c, http.StatusOK, views.TenantFacts(status))
}

// shortError is the part of an error worth showing an operator.
func shortError(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "it took too long"
	case errors.Is(err, context.Canceled):
		return "it was interrupted"
	}
	return "the worker refused"
}
