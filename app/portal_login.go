package app

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/views"
)

// Tenant users sign in at /portal/login (the admin sign-in page works for
// them too and sends them to the portal). Both share the sign-in throttle
// and the session machinery of auth.go.

// portalHome is where a tenant user lands after signing in.
const portalHome = "/portal/status"

// portalNext keeps a post-sign-in redirect inside the portal.
func portalNext(next string) string {
	if n := safeNext(next); n != "" && strings.HasPrefix(n, tenantHome+"/") && !strings.HasPrefix(n, portalLogin) {
		return n
	}
	return portalHome
}

// loginLang is the language of a page shown before sign-in: Swahili when
// asked for (?lang=sw), English otherwise.
func loginLang(c echo.Context) string {
	if c.QueryParam("lang") == views.LangSwahili || c.FormValue("lang") == views.LangSwahili {
		return views.LangSwahili
	}
	return views.LangEnglish
}

// signedOutLayout is the portal frame of a page shown before sign-in.
func (w *web) signedOutLayout(c echo.Context, titleKey string) views.PortalLayout {
	lang := loginLang(c)
	return views.PortalLayout{Title: views.T(lang, titleKey), CSRF: w.csrfToken(c), Lang: lang}
}

// portalLoginForm shows the portal's sign-in page (GET /portal/login).
func (w *web) portalLoginForm(c echo.Context) error {
	if a := authOf(c); a != nil {
		if a.User.Role == store.RoleAdmin {
			return c.Redirect(http.StatusSeeOther, adminHome)
		}
		return c.Redirect(http.StatusSeeOther, portalNext(c.QueryParam("next")))
	}
	l := w.signedOutLayout(c, "login.title")
	p := views.PortalLogin{Next: safeNext(c.QueryParam("next"))}
	if c.QueryParam("signed_out") != "" {
		p.Notice = views.T(l.Lang, "login.signedout")
	}
	return w.page(c, http.StatusOK, views.PortalLoginPage(l, p), views.PortalLoginPanel(l, p))
}

// portalLoginSubmit checks the credentials (POST /portal/login) with the
// same throttle as the admin sign-in, and starts a new session. An admin
// who signs in here is sent to the dashboard.
func (w *web) portalLoginSubmit(c echo.Context) error {
	l := w.signedOutLayout(c, "login.title")
	email := store.NormalizeEmail(c.FormValue("email"))
	password := c.FormValue("password")
	p := views.PortalLogin{Email: email, Next: safeNext(c.FormValue("next"))}
	if len(email) > store.MaxEmailLen {
		p.Email = email[:store.MaxEmailLen]
	}
	fail := func(status int, key string) error {
		p.Error = views.T(l.Lang, key)
		return w.page(c, status, views.PortalLoginPage(l, p), views.PortalLoginPanel(l, p))
	}
	u, _, err := w.checkPassword(c, email, password, "portal")
	switch {
	case errors.Is(err, errLoginThrottled):
		return fail(http.StatusTooManyRequests, "login.throttled")
	case errors.Is(err, errLoginEmpty):
		return fail(http.StatusUnprocessableEntity, "login.empty")
	case errors.Is(err, errLoginWrong):
		return fail(http.StatusUnauthorized, "login.wrong")
	case err != nil:
		return err
	}
	if err := w.signIn(c, u); err != nil {
		return err
	}
	w.audit(c, "auth.login", tenantOf(u), "", "portal")
	if u.Role == store.RoleAdmin {
		return redirect(c, adminHome)
	}
	return redirect(c, portalNext(p.Next))
}

// portalLogout ends the session (POST /portal/logout).
func (w *web) portalLogout(c echo.Context) error {
	lang := ""
	if a := authOf(c); a != nil {
		ctx, cancel := reqCtx(c, 5*time.Second)
		defer cancel()
		if err := w.st.DeleteAuthSession(ctx, a.Session.IDHash); err != nil {
			return fmt.Errorf("app: portal sign out: %w", err)
		}
		w.audit(c, "auth.logout", tenantOf(a.User), "", "portal")
		if id := tenantOf(a.User); id != "" {
			if cfg, err := w.st.GetTenantConfig(ctx, id); err == nil && portalLang(cfg) == views.LangSwahili {
				lang = "&lang=sw"
			}
		}
	}
	w.clearCookie(c, w.sessionCookie)
	return redirect(c, portalLogin+"?signed_out=1"+lang)
}

// tenantOf is the tenant id of an account ("" for admins).
func tenantOf(u store.User) string {
	if u.TenantID == nil {
		return ""
	}
	return *u.TenantID
}
