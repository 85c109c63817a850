package app

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// CSRF protection.
//
// Every request that changes state (any method but GET, HEAD and OPTIONS)
// must carry a token, in the X-CSRF-Token header (htmx sends it from the
// page's hx-headers) or in the csrf_token form field (plain forms). The
// token is an HMAC of a secret only the browser's HttpOnly cookies hold:
// the session secret once signed in, and before that a separate random
// "pre-session" cookie that the sign-in and setup pages set. A page on
// another origin can make the browser send the cookies but cannot read
// them or the token. Requests whose Origin names another site, or that
// the browser marks cross-site (Sec-Fetch-Site), are refused outright.

const csrfLabel = "flowhq csrf v1"

// csrfFrom derives the token from a cookie secret.
func csrfFrom(secret []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(csrfLabel))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

const csrfCtxKey = "flowhq.csrf"

// csrfToken returns the token for the forms of this response: from the
// session when signed in, otherwise from the pre-session cookie, which it
// creates when missing.
func (w *web) csrfToken(c echo.Context) string {
	if a := authOf(c); a != nil {
		return csrfFrom(a.secret)
	}
	if t, ok := c.Get(csrfCtxKey).(string); ok {
		return t
	}
	secret, ok := w.preSecret(c)
	if !ok {
		secret = newSecret()
		c.SetCookie(&http.Cookie{
			Name: w.preCookie, Value: encodeSecret(secret), Path: "/",
			MaxAge: int((24 * time.Hour) / time.Second), HttpOnly: true,
			Secure: w.opts.SecureCookies, SameSite: http.SameSiteLaxMode,
		})
	}
	t := csrfFrom(secret)
	c.Set(csrfCtxKey, t)
	return t
}

// preSecret reads the pre-session cookie.
func (w *web) preSecret(c echo.Context) ([]byte, bool) {
	ck, err := c.Cookie(w.preCookie)
	if err != nil {
		return nil, false
	}
	return decodeSecret(ck.Value)
}

// errCSRF is the refusal of a request without a valid token.
func errCSRF() error {
	return echo.NewHTTPError(http.StatusForbidden, "The form expired or came from another site (missing or invalid CSRF token). Reload the page and try again.")
}

// checkCSRF refuses state-changing requests without a valid token.
func (w *web) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			// The JSON API authenticates with bearer tokens, never cookies:
			// a forged cross-site request carries no credential.
			return next(c)
		}
		if r.Header.Get("Sec-Fetch-Site") == "cross-site" || !w.sameOrigin(r) {
			return errCSRF()
		}
		sent := r.Header.Get("X-CSRF-Token")
		if sent == "" {
			sent = c.FormValue("csrf_token")
		}
		if sent == "" {
			return errCSRF()
		}
		var candidates []string
		if a := authOf(c); a != nil {
			candidates = append(candidates, csrfFrom(a.secret))
		}
		// The sign-in form is rendered before there is a session (and may
		// be submitted from a tab opened before the last sign-in).
		if secret, ok := w.preSecret(c); ok {
			candidates = append(candidates, csrfFrom(secret))
		}
		for _, want := range candidates {
			if subtle.ConstantTimeCompare([]byte(sent), []byte(want)) == 1 {
				return next(c)
			}
		}
		return errCSRF()
	}
}

// sameOrigin checks the Origin header, when the browser sent one, against
// this server: its configured base URL or the Host it was reached at.
func (w *web) sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if base, err := url.Parse(w.opts.BaseURL); err == nil && strings.EqualFold(base.Host, u.Host) && base.Scheme == u.Scheme {
		return true
	}
	return strings.EqualFold(u.Host, r.Host)
}
