package app

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// newServer builds the HTTP handler: one route table for the whole server.
func newServer(rt *runtime) http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/healthz", healthz)
	e.GET("/readyz", readyz(rt))
	return e
}

// healthz says the process is up. It stays cheap: no database, no locks.
func healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz says whether the server can do its work: the database answers and
// the supervisor runs.
func readyz(rt *runtime) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		checks := map[string]string{"database": "ok", "supervisor": "ok"}
		status := http.StatusOK
		if err := rt.store.Ping(ctx); err != nil {
			checks["database"], status = err.Error(), http.StatusServiceUnavailable
		}
		select {
		case <-rt.stopped:
			checks["supervisor"], status = "stopped", http.StatusServiceUnavailable
		default:
		}
		return c.JSON(status, map[string]any{"ready": status == http.StatusOK, "checks": checks})
	}
}
