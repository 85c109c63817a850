package app

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/flowhq/flowhq/store"
)

// Sign-in sessions.
//
// A session is a random 256-bit secret in an HttpOnly cookie. The database
// keeps only its SHA-256 (auth_sessions.id_hash), with an idle expiry
// (last_seen_at + FLOWHQ_SESSION_IDLE_TIMEOUT) and an absolute one
// (expires_at, FLOWHQ_SESSION_MAX_AGE after sign-in). Signing in always
// creates a new session (and drops the browser's old one), so a session id
// planted before sign-in is useless; signing out deletes the row.

// authInfo is the signed-in account of a request.
type authInfo struct {
	User    store.User
	Session store.AuthSession
	secret  []byte // the cookie secret: the CSRF token is derived from it
}

const authKey = "flowhq.auth"

// authOf returns the request's signed-in account, or nil.
func authOf(c echo.Context) *authInfo {
	a, _ := c.Get(authKey).(*authInfo)
	return a
}

// touchEvery limits last_seen_at writes to one per session per minute.
const touchEvery = time.Minute

// newSecret returns 32 random bytes.
func newSecret() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather than return an error)
	return b
}

func encodeSecret(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func decodeSecret(s string) ([]byte, bool) {
	if len(s) != 43 {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	return b, err == nil && len(b) == 32
}

// hashSecret is what the store keeps of a session secret.
func hashSecret(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// hashPassword hashes a password with bcrypt (cost 0 = the default).
func hashPassword(pw string, cost int) ([]byte, error) {
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	if err != nil {
		return nil, fmt.Errorf("app: hash password: %w", err)
	}
	return h, nil
}

// loadSession finds the request's session from its cookie, checks both
// expiries and puts the account on the context. Expired or unknown
// sessions clear the cookie.
func (w *web) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := c.Request().URL.Path
		if strings.HasPrefix(p, "/static/") || p == "/healthz" || p == "/readyz" {
			return next(c)
		}
		ck, err := c.Cookie(w.sessionCookie)
		if err != nil || ck.Value == "" {
			return next(c)
		}
		secret, ok := decodeSecret(ck.Value)
		if !ok {
			w.clearCookie(c, w.sessionCookie)
			return next(c)
		}
		ctx, cancel := reqCtx(c, 5*time.Second)
		defer cancel()
		hash := hashSecret(secret)
		su, err := w.st.GetAuthSession(ctx, hash)
		switch {
		case errors.Is(err, store.ErrNotFound):
			w.clearCookie(c, w.sessionCookie)
			return next(c)
		case err != nil:
			return fmt.Errorf("app: load session: %w", err)
		}
		now := time.Now()
		if now.After(su.Session.ExpiresAt) || now.Sub(su.Session.LastSeenAt) > w.opts.SessionIdle {
			if err := w.st.DeleteAuthSession(ctx, hash); err != nil {
				w.log.Warn("delete expired session", "err", err)
			}
			w.clearCookie(c, w.sessionCookie)
			return next(c)
		}
		if now.Sub(su.Session.LastSeenAt) > touchEvery {
			if err := w.st.TouchAuthSession(ctx, hash, now); err != nil {
				w.log.Warn("touch session", "err", err)
			}
		}
		c.Set(authKey, &authInfo{User: su.User, Session: su.Session, secret: secret})
		return next(c)
	}
}

// signIn starts a fresh session for u, replacing the browser's current one.
func (w *web) signIn(c echo.Context, u store.User) error {
	ctx, cancel := reqCtx(c, 10*time.Second)
	defer cancel()
	if old := authOf(c); old != nil {
		if err := w.st.DeleteAuthSession(ctx, old.Session.IDHash); err != nil {
			return fmt.Errorf("app: sign in: drop old session: %w", err)
		}
	} else if ck, err := c.Cookie(w.sessionCookie); err == nil {
		if secret, ok := decodeSecret(ck.Value); ok {
			_ = w.st.DeleteAuthSession(ctx, hashSecret(secret))
		}
	}
	now := time.Now()
	secret := newSecret()
	as := store.AuthSession{
		IDHash:     hashSecret(secret),
		UserID:     u.ID,
		CreatedAt:  now,
		LastSeenAt: now,
		ExpiresAt:  now.Add(w.opts.SessionMaxAge),
		IP:         c.RealIP(),
		UserAgent:  c.Request().UserAgent(),
	}
	if err := w.st.CreateAuthSession(ctx, as); err != nil {
		return fmt.Errorf("app: sign in: %w", err)
	}
	if err := w.st.RecordLogin(ctx, u.ID, now); err != nil {
		w.log.Warn("record login", "err", err)
	}
	if n, err := w.st.DeleteExpiredAuthSessions(ctx, now, now.Add(-w.opts.SessionIdle)); err != nil {
		w.log.Warn("sweep expired sessions", "err", err)
	} else if n > 0 {
		w.log.Debug("swept expired sessions", "count", n)
	}
	c.SetCookie(&http.Cookie{
		Name:     w.sessionCookie,
		Value:    encodeSecret(secret),
		Path:     "/",
		Expires:  as.ExpiresAt,
		MaxAge:   int(w.opts.SessionMaxAge / time.Second),
		HttpOnly: true,
		Secure:   w.opts.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
	c.Set(authKey, &authInfo{User: u, Session: as, secret: secret})
	return nil
}

// clearCookie tells the browser to forget a cookie.
func (w *web) clearCookie(c echo.Context, name string) {
	c.SetCookie(&http.Cookie{
		Name: name, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0),
		HttpOnly: true, Secure: w.opts.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

// requireAdmin lets only signed-in admins through: no session is 401
// (which pages turn into a redirect to the sign-in page), another role 403.
func (w *web) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a := authOf(c)
		if a == nil {
			return errSignedOut()
		}
		if a.User.Role != store.RoleAdmin {
			return errNotAdmin()
		}
		return next(c)
	}
}
