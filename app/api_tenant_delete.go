package app

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/tenant"
)

// apiTenantDelete stops the worker and deletes the tenant
// (DELETE /api/v1/tenants/:id?keep_logs=true|false).
func (w *web) apiTenantDelete(c echo.Context) error {
	keep := true
	if v := c.QueryParam("keep_logs"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return apiErr(http.StatusBadRequest, "invalid_parameter", "keep_logs must be true or false.")
		}
		keep = b
	}
	t, err := w.apiLoadTenant(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), workerCtx)
	defer cancel()
	if err := w.sup.Stop(ctx, t.ID); err != nil && !errors.Is(err, tenant.ErrUnknownTenant) {
		return apiStoreError(err, "tenant")
	}
	if err := w.st.DeleteTenant(ctx, t.ID, keep); err != nil {
		return apiStoreError(err, "tenant")
	}
	detail := "message logs kept"
	if !keep {
		detail = "message logs deleted"
	}
	w.log.Info("tenant deleted through the API", "tenant_id", t.ID, "logs_kept", keep)
	w.apiAudit(c, "tenant.delete", t.ID, t.Name, detail)
	return c.NoContent(http.StatusNoContent)
}
