package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/views"
)

// adminTenantDeleteConfirm asks before deleting, and whether to keep the
// logs (GET /admin/tenants/:id/delete).
func (w *web) adminTenantDeleteConfirm(c echo.Context) error {
	t, err := w.loadTenant(c)
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	n, err := w.st.CountLogs(ctx, t.ID)
	if err != nil {
		return fmt.Errorf("app: delete tenant: %w", err)
	}
	p := views.TenantDelete{Tenant: t, LogCount: n}
	return w.page(c, http.StatusOK, views.TenantDeletePage(w.layout(c, "Delete "+nameOrID(t), "tenants"), p),
		views.TenantDeletePanel(w.csrfToken(c), p))
}

// adminTenantDelete stops the worker and deletes the tenant, keeping or
// removing its logs as chosen (POST /admin/tenants/:id/delete, logs=keep
// or logs=delete).
func (w *web) adminTenantDelete(c echo.Context) error {
	t, err := w.loadTenant(c)
	if err != nil {
		return err
	}
	keep := c.FormValue("logs") != "delete"
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), workerCtx)
	defer cancel()
	if err := w.sup.Stop(ctx, t.ID); err != nil && !errors.Is(err, tenant.ErrUnknownTenant) {
		return fmt.Errorf("app: delete tenant: stop worker: %w", err)
	}
	if err := w.st.DeleteTenant(ctx, t.ID, keep); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound("tenant")
		}
		return fmt.Errorf("app: delete tenant: %w", err)
	}
	detail := "message logs kept"
	if !keep {
		detail = "message logs deleted"
	}
	w.log.Info("tenant deleted", "tenant_id", t.ID, "logs_kept", keep)
	w.audit(c, "tenant.delete", t.ID, t.Name, detail)
	return redirect(c, "/admin/tenants?deleted=1")
}
