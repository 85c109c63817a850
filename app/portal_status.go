package app

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/views"
)

// portalStatus is the portal's home (GET /portal/status).
func (w *web) portalStatus(c echo.Context) error {
	l, err := w.portalLayout(c, "status.title", "status")
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, views.PortalStatusPage(l))
}
