package app

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// requireAdminToken lets through requests with an admin API token: none,
// unknown or revoked → 401, a tenant's token → 403 (JSON errors, whatever
// the path, so scrapers never get the sign-in redirect).
func (w *web) requireAdminToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := w.authenticateBearer(c)
		if err != nil {
			return err
		}
		if !p.Admin {
			return apiErr(http.StatusForbidden, "forbidden", "/metrics needs an admin API token; this token belongs to one tenant.")
		}
		return next(c)
	}
}
