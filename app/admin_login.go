package app

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/views"
)

// adminHome is where admins land after signing in; tenantHome is the
// tenant portal's home, where tenant accounts are sent instead.
const (
	adminHome  = "/admin"
	tenantHome = "/portal"
)

// safeNext keeps a post-sign-in redirect on this site: a local absolute
// path, never "//host" or a scheme.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\\") || len(next) > 2048 {
		return ""
	}
	return next
}

// homeOf is where an account goes after signing in.
func homeOf(u store.User, next string) string {
	if u.Role != store.RoleAdmin {
		return tenantHome
	}
	if n := safeNext(next); n != "" && (n == adminHome || strings.HasPrefix(n, adminHome+"/")) {
		return n
	}
	return adminHome
}

// adminLoginForm shows the sign-in page (GET /admin/login).
func (w *web) adminLoginForm(c echo.Context) error {
	if a := authOf(c); a != nil {
		return c.Redirect(http.StatusSeeOther, homeOf(a.User, c.QueryParam("next")))
	}
	p := views.Login{Next: safeNext(c.QueryParam("next"))}
	if c.QueryParam("signed_out") != "" {
		p.Notice = "You have been signed out."
	}
	return w.page(c, http.StatusOK, views.LoginPage(w.layout(c, "Sign in", ""), p), views.LoginPanel(w.csrfToken(c), p))
}

// adminLogin checks the credentials (POST /admin/login), throttled per
// account and per client address, and starts a new session.
func (w *web) adminLogin(c echo.Context) error {
	email := store.NormalizeEmail(c.FormValue("email"))
	password := c.FormValue("password")
	p := views.Login{Email: email, Next: safeNext(c.FormValue("next"))}
	if len(email) > store.MaxEmailLen {
		p.Email = email[:store.MaxEmailLen]
	}
	fail := func(status int, msg string) error {
		p.Error = msg
		return w.page(c, status, views.LoginPage(w.layout(c, "Sign in", ""), p), views.LoginPanel(w.csrfToken(c), p))
	}
	u, wait, err := w.checkPassword(c, email, password, "admin")
	switch {
	case errors.Is(err, errLoginThrottled):
		mins := int(math.Ceil(wait.Minutes()))
		return fail(http.StatusTooManyRequests, fmt.Sprintf("Too many failed sign-ins. Try again in %d minute%s.", mins, plural(mins)))
	case errors.Is(err, errLoginEmpty):
		return fail(http.StatusUnprocessableEntity, "Enter your email and password.")
	case errors.Is(err, errLoginWrong):
		return fail(http.StatusUnauthorized, "Wrong email or password.")
	case err != nil:
		return err
	}
	if err := w.signIn(c, u); err != nil {
		return err
	}
	w.audit(c, "auth.login", "", "", "")
	return redirect(c, homeOf(u, p.Next))
}

// adminLogout ends the session (POST /admin/logout).
func (w *web) adminLogout(c echo.Context) error {
	if a := authOf(c); a != nil {
		ctx, cancel := reqCtx(c, 5*time.Second)
		defer cancel()
		if err := w.st.DeleteAuthSession(ctx, a.Session.IDHash); err != nil {
			return fmt.Errorf("app: sign out: %w", err)
		}
		w.audit(c, "auth.logout", "", "", "")
	}
	w.clearCookie(c, w.sessionCookie)
	return redirect(c, "/admin/login?signed_out=1")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
