package app

import "github.com/labstack/echo/v4"

// adminTenantRestart restarts the worker, keeping the phone linked
// (POST /admin/tenants/:id/restart).
func (w *web) adminTenantRestart(c echo.Context) error {
	return w.workerAction(c, "worker.restart", "Worker restarted.", w.sup.Restart)
}
