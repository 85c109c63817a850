package app

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// publicRoutes adds the pages anyone may open. (Placeholder until the
// landing page lands.)
func (w *web) publicRoutes(e *echo.Echo) {
	e.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, adminHome) })
}
