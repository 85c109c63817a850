package app

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/views"
)

// adminTenantForceRestartConfirm asks before a force restart
// (GET /admin/tenants/:id/force-restart): a fragment for htmx, a page
// otherwise.
func (w *web) adminTenantForceRestartConfirm(c echo.Context) error {
	t, err := w.loadTenant(c)
	if err != nil {
		return err
	}
	return w.page(c, http.StatusOK, views.ForceRestartPage(w.layout(c, "Force restart "+nameOrID(t), "tenants"), t),
		views.ForceRestartConfirm(w.csrfToken(c), t))
}

// adminTenantForceRestart unlinks the phone and restarts the worker with a
// fresh pairing (POST /admin/tenants/:id/force-restart with confirm=yes).
// Without the confirmation it shows the confirmation instead.
func (w *web) adminTenantForceRestart(c echo.Context) error {
	if c.FormValue("confirm") != "yes" {
		return w.adminTenantForceRestartConfirm(c)
	}
	status, err := w.runWorkerAction(c, "worker.force_restart",
		"Force restarted: the phone was unlinked and a new QR code is on its way.", w.sup.ForceRestart)
	if err != nil {
		return err
	}
	if !isHTMX(c) {
		return c.Redirect(http.StatusSeeOther, views.TenantURL(status.Tenant.ID))
	}
	return w.render(c, http.StatusOK, views.FactsClearingConfirm(status))
}
