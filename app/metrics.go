package app

import "github.com/labstack/echo/v4"

// metricsRoutes adds /metrics. (Placeholder until metrics land.)
func (w *web) metricsRoutes(e *echo.Echo) {}
