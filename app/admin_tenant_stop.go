package app

import "github.com/labstack/echo/v4"

// adminTenantStop stops the worker and pauses the tenant
// (POST /admin/tenants/:id/stop).
func (w *web) adminTenantStop(c echo.Context) error {
	return w.workerAction(c, "worker.stop", "Worker stopped; the tenant stays paused until started.", w.sup.Stop)
}
