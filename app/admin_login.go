package app

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

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
	ip := c.RealIP()
	fail := func(status int, msg string) error {
		p.Error = msg
		return w.page(c, status, views.LoginPage(w.layout(c, "Sign in", ""), p), views.LoginPanel(w.csrfToken(c), p))
	}
	if wait := w.throttle.wait(email, ip); wait > 0 {
		mins := int(math.Ceil(wait.Minutes()))
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		w.log.Warn("sign-in throttled", "email", email, "ip", ip, "retry_after", wait.Round(time.Second))
		return fail(http.StatusTooManyRequests, fmt.Sprintf("Too many failed sign-ins. Try again in %d minute%s.", mins, plural(mins)))
	}
	if email == "" || password == "" {
		return fail(http.StatusUnprocessableEntity, "Enter your email and password.")
	}

	ctx, cancel := reqCtx(c, 10*time.Second)
	defer cancel()
	u, err := w.st.GetUserByEmail(ctx, email)
	hash := []byte(u.PasswordHash)
	switch {
	case errors.Is(err, store.ErrNotFound):
		hash = w.dummyHash // spend the same time as for a real account
	case err != nil:
		return fmt.Errorf("app: sign in: %w", err)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || err != nil {
		w.throttle.fail(email, ip)
		w.log.Info("sign-in failed", "email", email, "ip", ip)
		return fail(http.StatusUnauthorized, "Wrong email or password.")
	}
	w.throttle.succeed(email)
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
