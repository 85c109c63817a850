package app

import "github.com/labstack/echo/v4"

// apiRoutes adds the JSON API. (Placeholder until it lands: every /api
// path is a JSON 404.)
func (w *web) apiRoutes(e *echo.Echo) {
	e.Any("/api/*", func(c echo.Context) error { return errNotFound("API endpoint") })
}
