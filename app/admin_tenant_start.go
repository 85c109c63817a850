package app

import "github.com/labstack/echo/v4"

// adminTenantStart starts the worker (POST /admin/tenants/:id/start).
func (w *web) adminTenantStart(c echo.Context) error {
	return w.workerAction(c, "worker.start", "Worker started.", w.sup.Start)
}
