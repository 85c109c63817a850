package app

import "github.com/labstack/echo/v4"

// portalRoutes adds the tenant portal. (Placeholder until it lands.)
func (w *web) portalRoutes(e *echo.Echo) {}
