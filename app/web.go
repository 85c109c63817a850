package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/tenant/sim"
	"github.com/flowhq/flowhq/views"
)

// maxBody bounds every request body.
const maxBody = 1 << 20

// web is the HTTP side of the server: the admin dashboard and the shared
// sign-in machinery. It holds no mutable state of its own except the login
// throttle; everything else lives in the store and the supervisor.
type web struct {
	st   *store.Store
	sup  *tenant.Supervisor
	sim  *sim.Network // nil unless FLOWHQ_WHATSAPP=sim
	log  *slog.Logger
	opts webOptions

	throttle *loginThrottle
	// setupToken opens /admin/setup while no admin exists; "" disables it.
	// Set once at start, before serving.
	setupToken string
	// done closes long-lived responses (SSE) when the server shuts down.
	done <-chan struct{}
	// stopped is closed when the supervisor has stopped (readyz).
	stopped <-chan struct{}
	// metrics is the Prometheus registry (metrics.go).
	metrics *metrics

	sessionCookie string
	preCookie     string
	dummyHash     []byte // compared against when an account does not exist
}

// newWeb builds the web layer on a running runtime. done ends SSE streams.
func newWeb(rt *runtime, opts webOptions, done <-chan struct{}) (*web, error) {
	if opts.SessionIdle <= 0 {
		opts.SessionIdle = 12 * time.Hour
	}
	if opts.SessionMaxAge <= 0 {
		opts.SessionMaxAge = 7 * 24 * time.Hour
	}
	if opts.LoginWindow <= 0 {
		opts.LoginWindow = 15 * time.Minute
	}
	if opts.LoginFailures <= 0 {
		opts.LoginFailures = 5
	}
	if opts.LoginPerIP <= 0 {
		opts.LoginPerIP = 20
	}
	if opts.StaleAfter <= 0 {
		opts.StaleAfter = 2 * time.Minute
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = 30 * time.Second
	}
	if opts.BaseURL == "" {
		opts.BaseURL = "http://localhost:8080"
	}
	w := &web{
		st:            rt.store,
		sup:           rt.sup,
		sim:           rt.sim,
		log:           rt.log,
		opts:          opts,
		throttle:      newLoginThrottle(opts.LoginFailures, opts.LoginPerIP, opts.LoginWindow),
		done:          done,
		stopped:       rt.stopped,
		sessionCookie: "flowhq_session",
		preCookie:     "flowhq_csrf",
	}
	if opts.SecureCookies {
		// __Host- cookies must be Secure, host-only and for path /: a
		// sibling subdomain cannot plant or overwrite them.
		w.sessionCookie, w.preCookie = "__Host-flowhq_session", "__Host-flowhq_csrf"
	}
	var err error
	if w.metrics, err = metricsOf(rt); err != nil {
		return nil, err
	}
	if w.dummyHash, err = hashPassword("not a real password, only for timing", opts.BcryptCost); err != nil {
		return nil, err
	}
	return w, nil
}

// render writes a component with status. It renders into a buffer first so
// a failing template never leaves half a page.
func (w *web) render(c echo.Context, status int, comp templ.Component) error {
	var buf bytes.Buffer
	if err := comp.Render(c.Request().Context(), &buf); err != nil {
		return fmt.Errorf("app: render: %w", err)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// page renders the panel alone for an HTMX request and the full page
// otherwise.
func (w *web) page(c echo.Context, status int, full, panel templ.Component) error {
	if isHTMX(c) && c.Request().Header.Get("HX-Boosted") != "true" {
		return w.render(c, status, panel)
	}
	return w.render(c, status, full)
}

// layout is the frame of a full page for this request.
func (w *web) layout(c echo.Context, title, nav string) views.Layout {
	l := views.Layout{Title: title, Nav: nav, CSRF: w.csrfToken(c)}
	if a := authOf(c); a != nil && a.User.Role == store.RoleAdmin {
		l.User = a.User.Email
	}
	return l
}

// isHTMX reports a request made by htmx.
func isHTMX(c echo.Context) bool { return c.Request().Header.Get("HX-Request") == "true" }

// redirect sends the browser to path: HX-Redirect for htmx, 303 otherwise.
func redirect(c echo.Context, path string) error {
	if isHTMX(c) {
		c.Response().Header().Set("HX-Redirect", path)
		return c.NoContent(http.StatusOK)
	}
	return c.Redirect(http.StatusSeeOther, path)
}

// securityHeaders sets the headers every response carries. Pages may be
// framed by nothing, run scripts only from this origin (no inline script,
// no eval) and are not cached, since they show private data.
func (w *web) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if w.opts.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if !strings.HasPrefix(c.Request().URL.Path, views.StaticPrefix) {
			h.Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

// recoverPanics turns a handler panic into a logged 500 (no stack trace
// reaches the user).
func (w *web) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			if r == http.ErrAbortHandler {
				panic(r)
			}
			w.log.Error("panic in HTTP handler", "method", c.Request().Method, "path", c.Request().URL.Path,
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("app: handler panic: %v", r)
		}()
		return next(c)
	}
}

// staticAsset serves an embedded asset by its content-hashed name; the
// name changes whenever the content does, so it may be cached forever.
func staticAsset(c echo.Context) error {
	a, ok := views.LookupAsset(c.Param("name"))
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "No such file.")
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	return c.Blob(http.StatusOK, a.ContentType, a.Body)
}

// limitBody caps request bodies at maxBody. Form bodies are read here, so
// an oversized form is a clean 413 rather than a form that seems empty.
func limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.ContentLength > maxBody {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, maxBody)
		if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get(echo.HeaderContentType), echo.MIMEApplicationForm) {
			if err := r.ParseForm(); err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
				}
				return errBadRequest("The form could not be read.")
			}
		}
		return next(c)
	}
}

// reqCtx bounds a handler's store and supervisor calls.
func reqCtx(c echo.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Request().Context(), d)
}
