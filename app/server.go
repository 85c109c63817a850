package app

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// newServer builds the HTTP handler of flowhq serve: it makes sure an
// admin can sign in (see bootstrapAdmin), then returns the route table.
// Long-lived responses (SSE) end when ctx does.
func newServer(ctx context.Context, rt *runtime, cfg Config) (http.Handler, error) {
	w, err := newWeb(rt, cfg.webOptions(), ctx.Done())
	if err != nil {
		return nil, err
	}
	if err := w.bootstrapAdmin(ctx, cfg.AdminEmail, cfg.AdminPassword); err != nil {
		return nil, err
	}
	return w.routes(), nil
}

// routes is the server's one route table.
func (w *web) routes() http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = w.handleError
	e.IPExtractor = echo.ExtractIPDirect()
	if w.opts.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	}
	e.Use(w.recoverPanics, w.securityHeaders, limitBody, w.loadSession, w.checkCSRF)

	e.GET("/healthz", healthz)
	e.GET("/readyz", readyz(w))
	e.GET("/static/:name", staticAsset)

	// Signing in and out, and the one-time setup of the first admin.
	e.GET("/admin/login", w.adminLoginForm)
	e.POST("/admin/login", w.adminLogin)
	e.POST("/admin/logout", w.adminLogout)
	e.GET("/admin/setup", w.adminSetupForm)
	e.POST("/admin/setup", w.adminSetup)

	// The dashboard: admins only.
	admin := func(method, path string, h echo.HandlerFunc) { e.Add(method, path, h, w.requireAdmin) }
	admin(http.MethodGet, "/admin", w.adminOverview)
	admin(http.MethodGet, "/admin/tenants", w.adminTenants)
	admin(http.MethodGet, "/admin/tenants/events", w.adminTenantsEvents)
	admin(http.MethodGet, "/admin/tenants/new", w.adminTenantNew)
	admin(http.MethodPost, "/admin/tenants", w.adminTenantCreate)
	admin(http.MethodGet, "/admin/tenants/:id", w.adminTenantShow)
	admin(http.MethodGet, "/admin/tenants/:id/edit", w.adminTenantEdit)
	admin(http.MethodPost, "/admin/tenants/:id", w.adminTenantUpdate)
	admin(http.MethodGet, "/admin/tenants/:id/delete", w.adminTenantDeleteConfirm)
	admin(http.MethodPost, "/admin/tenants/:id/delete", w.adminTenantDelete)
	admin(http.MethodGet, "/admin/tenants/:id/status", w.adminTenantStatus)
	admin(http.MethodPost, "/admin/tenants/:id/start", w.adminTenantStart)
	admin(http.MethodPost, "/admin/tenants/:id/stop", w.adminTenantStop)
	admin(http.MethodPost, "/admin/tenants/:id/restart", w.adminTenantRestart)
	admin(http.MethodGet, "/admin/tenants/:id/force-restart", w.adminTenantForceRestartConfirm)
	admin(http.MethodPost, "/admin/tenants/:id/force-restart", w.adminTenantForceRestart)
	admin(http.MethodPost, "/admin/tenants/:id/pair", w.adminTenantPair)
	admin(http.MethodGet, "/admin/tenants/:id/logs", w.adminTenantLogs)
	admin(http.MethodGet, "/admin/tenants/:id/events", w.adminTenantEvents)
	admin(http.MethodPost, "/admin/tenants/:id/try", w.adminTenantTry)
	admin(http.MethodPost, "/admin/tenants/:id/sim/scan", w.adminTenantSimScan)
	admin(http.MethodPost, "/admin/tenants/:id/sim/message", w.adminTenantSimMessage)
	admin(http.MethodGet, "/admin/audit", w.adminAudit)

	// Feature areas keep their routes beside their handlers.
	w.publicRoutes(e)      // the landing page and setup requests: public_routes.go
	w.portalRoutes(e)      // the tenant portal: portal_routes.go
	w.apiRoutes(e)         // the JSON API: api_routes.go
	w.metricsRoutes(e)     // Prometheus metrics: metrics.go
	w.webhookPageRoutes(e) // webhook pages, admin and portal: admin_webhooks.go
	return e
}

// healthz says the process is up. It stays cheap: no database, no locks.
func healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz says whether the server can do its work: the database answers and
// the supervisor runs.
func readyz(w *web) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		checks := map[string]string{"database": "ok", "supervisor": "ok"}
		status := http.StatusOK
		if err := w.st.Ping(ctx); err != nil {
			checks["database"], status = err.Error(), http.StatusServiceUnavailable
		}
		select {
		case <-w.stopped:
			checks["supervisor"], status = "stopped", http.StatusServiceUnavailable
		default:
		}
		return c.JSON(status, map[string]any{"ready": status == http.StatusOK, "checks": checks})
	}
}
