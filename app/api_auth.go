package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
)

// API tokens.
//
// A token is "fhq_" followed by 32 random bytes in unpadded base64url (47
// characters in all). It is shown once, when created; the store keeps its
// SHA-256 (hex) and its first characters (prefix) so people can tell
// tokens apart. Clients send it as "Authorization: Bearer <token>". An
// admin token reaches every endpoint; a tenant token reaches only its own
// tenant's endpoints (another tenant's id is a 404, as if it did not
// exist) and none of the admin-only ones (403).

// tokenPrefix starts every token.
const tokenPrefix = "fhq_"

// tokenLen is the length of a token: the prefix and 43 base64url
// characters.
const tokenLen = len(tokenPrefix) + 43

// tokenShownPrefix is how many characters of a token the store keeps.
const tokenShownPrefix = len(tokenPrefix) + 6

// newAPIToken returns a fresh token and what the store keeps of it.
func newAPIToken() (token, hash, prefix string) {
	token = tokenPrefix + encodeSecret(newSecret())
	return token, hashAPIToken(token), token[:tokenShownPrefix]
}

// hashAPIToken is the stored form of a token.
func hashAPIToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// wellFormedToken reports a string shaped like a token.
func wellFormedToken(s string) bool {
	if len(s) != tokenLen || !strings.HasPrefix(s, tokenPrefix) {
		return false
	}
	_, ok := decodeSecret(s[len(tokenPrefix):])
	return ok
}

// apiPrincipal is who an API request acts as.
type apiPrincipal struct {
	TokenID  string
	Admin    bool   // an admin token: every tenant
	TenantID string // a tenant token's tenant ("" for admin tokens)
	Name     string // the token's name, for the audit log
	Prefix   string // the token's first characters, for the audit log
}

// canSee reports whether the principal may act on tenantID.
func (p apiPrincipal) canSee(tenantID string) bool { return p.Admin || p.TenantID == tenantID }

const apiPrincipalKey = "flowhq.api.principal"

// principalOf returns the request's principal (set by the API's guard).
func principalOf(c echo.Context) (apiPrincipal, bool) {
	p, ok := c.Get(apiPrincipalKey).(apiPrincipal)
	return p, ok
}

// tokenTouchEvery limits last_used_at writes to one per token per minute.
const tokenTouchEvery = time.Minute

// errBadToken is the 401 of a missing, malformed, unknown or revoked token.
func errBadToken(c echo.Context, msg string) error {
	c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="flowhq"`)
	return apiErr(http.StatusUnauthorized, "unauthorized", "%s", msg)
}

// authenticateBearer checks the request's "Authorization: Bearer <token>"
// and returns who it acts as. A missing, malformed, unknown or revoked
// token is an error that the error handler renders as a 401 JSON
// response (whatever the path). It records the token's last use, at most
// once a minute.
func (w *web) authenticateBearer(c echo.Context) (apiPrincipal, error) {
	h := c.Request().Header.Get(echo.HeaderAuthorization)
	if h == "" {
		return apiPrincipal{}, errBadToken(c, "This endpoint needs an API token: send Authorization: Bearer <token>.")
	}
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || !wellFormedToken(token) {
		return apiPrincipal{}, errBadToken(c, "The Authorization header must be Bearer followed by a Flow HQ token (fhq_…).")
	}
	ctx, cancel := reqCtx(c, 5*time.Second)
	defer cancel()
	t, err := w.st.GetAPITokenByHash(ctx, hashAPIToken(token))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return apiPrincipal{}, errBadToken(c, "Unknown or revoked API token.")
	case err != nil:
		return apiPrincipal{}, fmt.Errorf("app: authenticate token: %w", err)
	case t.Revoked():
		return apiPrincipal{}, errBadToken(c, "Unknown or revoked API token.")
	}
	now := time.Now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= tokenTouchEvery {
		// Not the request's context: a client that hangs up must not make
		// the record fail.
		tctx, tcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		if err := w.st.TouchAPIToken(tctx, t.ID, now); err != nil {
			w.log.Warn("record api token use", "token_id", t.ID, "err", err)
		}
		tcancel()
	}
	return apiPrincipal{TokenID: t.ID, Admin: t.Scope == store.TokenScopeAdmin, TenantID: t.Tenant(), Name: t.Name, Prefix: t.Prefix}, nil
}

// apiGuard authorizes a request for a route of the given scope before its
// handler runs: public routes need nothing; the others need a valid token;
// admin routes an admin token (403 otherwise); tenant and sim routes a
// token that may see the tenant of the path's :id (404 otherwise, so a
// tenant token cannot even learn that another tenant exists).
func (w *web) apiGuard(scope apiScope) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if scope == scopePublic {
				return next(c)
			}
			p, err := w.authenticateBearer(c)
			if err != nil {
				return err
			}
			c.Set(apiPrincipalKey, p)
			switch scope {
			case scopeAdmin:
				if !p.Admin {
					return apiErr(http.StatusForbidden, "forbidden", "This endpoint needs an admin token; this token belongs to one tenant.")
				}
			case scopeTenant, scopeSim:
				if !p.canSee(c.Param("id")) {
					return apiNotFound("tenant")
				}
			}
			return next(c)
		}
	}
}

// apiAudit records a state-changing API call in the audit log, naming the
// token. Like audit, a failure to record is logged, not returned.
func (w *web) apiAudit(c echo.Context, action, tenantID, tenantName, detail string) {
	e := store.AuditEntry{Action: action, TenantID: tenantID, TenantName: tenantName, Detail: detail, IP: c.RealIP()}
	if p, ok := principalOf(c); ok {
		e.ActorID = "token:" + p.TokenID
		e.ActorEmail = fmt.Sprintf("API token %q (%s…)", p.Name, p.Prefix)
	} else {
		e.ActorEmail = "API (no token)"
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), 5*time.Second)
	defer cancel()
	if err := w.st.AddAudit(ctx, &e); err != nil {
		w.log.Error("audit log write failed", "action", action, "tenant_id", tenantID, "err", err)
	}
}
