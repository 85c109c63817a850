package app

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/views"
)

// portalLogin is the tenant portal's sign-in page.
const portalLogin = "/portal/login"

// portalTenantKey holds the signed-in tenant user's tenant id.
const portalTenantKey = "flowhq.portal.tenant"

// requireTenantUser lets only signed-in tenant users through and puts
// their tenant id on the context (portalTenantID). Without a session a
// page request is sent to the portal's sign-in page, an htmx request
// gets a 401 that redirects there, and anything else a 401 through the
// error handler (JSON for API clients). An admin is refused with 403:
// admins use the dashboard, and a portal page always belongs to exactly
// one tenant.
func (w *web) requireTenantUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a := authOf(c)
		if a == nil {
			return w.portalSignedOut(c)
		}
		if a.User.Role != store.RoleTenant || a.User.TenantID == nil || *a.User.TenantID == "" {
			return echo.NewHTTPError(http.StatusForbidden, "The tenant portal is for business accounts. Admins use the dashboard at /admin.")
		}
		c.Set(portalTenantKey, *a.User.TenantID)
		return next(c)
	}
}

// portalSignedOut answers a portal request that has no session.
func (w *web) portalSignedOut(c echo.Context) error {
	r := c.Request()
	switch {
	case isHTMX(c):
		p, _ := problem(http.StatusUnauthorized, "")
		c.Response().Header().Set("HX-Redirect", portalLogin)
		c.Response().Header().Set("HX-Retarget", "#flash")
		c.Response().Header().Set("HX-Reswap", "innerHTML")
		return w.render(c, http.StatusUnauthorized, views.ErrorFlash(p))
	case r.Method == http.MethodGet && !wantsJSON(r) && r.Header.Get("Accept") != "text/event-stream":
		target := portalLogin
		if r.URL.Path != tenantHome && r.URL.RequestURI() != portalHome {
			target += "?next=" + url.QueryEscape(r.URL.RequestURI())
		}
		return c.Redirect(http.StatusSeeOther, target)
	}
	return errSignedOut()
}

// portalTenantID is the signed-in tenant user's tenant id, set by
// requireTenantUser ("" outside the portal).
func portalTenantID(c echo.Context) string {
	id, _ := c.Get(portalTenantKey).(string)
	return id
}
