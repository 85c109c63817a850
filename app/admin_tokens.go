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

// API tokens in the admin dashboard: /admin/tokens lists every token
// (either scope, revoked ones too), creates them (shown once) and revokes
// them.

// tokenRoutes adds the admin pages of API tokens.
func (w *web) tokenRoutes(e *echo.Echo) {
	e.GET("/admin/tokens", w.adminTokens, w.requireAdmin)
	e.POST("/admin/tokens", w.adminTokenCreate, w.requireAdmin)
	e.POST("/admin/tokens/:tid/revoke", w.adminTokenRevoke, w.requireAdmin)
}

// tokenRows loads the tokens of tenantID (store.AnyTenant = all) for a page.
func (w *web) tokenRows(c echo.Context, tenantID string, withNames bool) ([]views.TokenRow, error) {
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	toks, err := w.st.ListAPITokens(ctx, store.ListAPITokensOptions{TenantID: tenantID, IncludeRevoked: true, Limit: 500})
	if err != nil {
		return nil, fmt.Errorf("app: list tokens: %w", err)
	}
	names := map[string]string{}
	rows := make([]views.TokenRow, len(toks))
	for i, t := range toks {
		rows[i] = views.TokenRow{APIToken: t}
		if id := t.Tenant(); withNames && id != "" {
			if _, ok := names[id]; !ok {
				if tn, err := w.st.GetTenant(ctx, id); err == nil {
					names[id] = tn.Name
				}
			}
			rows[i].TenantName = names[id]
		}
	}
	return rows, nil
}

func (w *web) adminTokensPage(c echo.Context, status int, p views.Tokens) error {
	rows, err := w.tokenRows(c, store.AnyTenant, true)
	if err != nil {
		return err
	}
	p.Base, p.Admin, p.Rows, p.CSRF, p.Now = "/admin/tokens", true, rows, w.csrfToken(c), time.Now()
	if p.Form.Errors == nil {
		p.Form.Errors = map[string]string{}
	}
	return w.render(c, status, views.TokensPage(w.layout(c, "API tokens", "tokens"), p))
}

// adminTokens lists the tokens (GET /admin/tokens).
func (w *web) adminTokens(c echo.Context) error {
	p := views.Tokens{}
	if c.QueryParam("revoked") == "1" {
		p.Notice = "Token revoked: requests with it are refused from now on."
	}
	return w.adminTokensPage(c, http.StatusOK, p)
}

// adminTokenCreate creates a token from the form (POST /admin/tokens) and
// shows it once.
func (w *web) adminTokenCreate(c echo.Context) error {
	f := views.TokenForm{Name: strings.TrimSpace(c.FormValue("name")), Scope: c.FormValue("scope"),
		TenantID: strings.TrimSpace(c.FormValue("tenant_id")), Errors: map[string]string{}}
	if f.Name == "" {
		f.Errors["name"] = "Enter a name."
	} else if msg := checkTokenName(f.Name); msg != "" {
		f.Errors["name"] = strings.ToUpper(msg[:1]) + msg[1:] + "."
	}
	t := store.APIToken{Name: f.Name, Scope: store.TokenScopeAdmin}
	if a := authOf(c); a != nil {
		t.CreatedBy = a.User.Email
	}
	switch f.Scope {
	case store.TokenScopeTenant:
		if f.TenantID == "" {
			f.Errors["tenant_id"] = "Enter the tenant's id (it is on the tenant's page)."
		}
		t.Scope, t.TenantID = store.TokenScopeTenant, &f.TenantID
	case store.TokenScopeAdmin, "":
		f.Scope = store.TokenScopeAdmin
	default:
		f.Errors["form"] = "Choose a scope."
	}
	if len(f.Errors) > 0 {
		return w.adminTokensPage(c, http.StatusUnprocessableEntity, views.Tokens{Form: f})
	}
	token, err := w.createToken(c, &t)
	if errors.Is(err, store.ErrNotFound) {
		f.Errors["tenant_id"] = "There is no tenant with this id."
		return w.adminTokensPage(c, http.StatusUnprocessableEntity, views.Tokens{Form: f})
	}
	if err != nil {
		return err
	}
	w.audit(c, "token.create", t.Tenant(), "", fmt.Sprintf("%s token %q (%s…)", t.Scope, t.Name, t.Prefix))
	return w.adminTokensPage(c, http.StatusCreated, views.Tokens{New: token, NewName: t.Name})
}

// createToken mints a token, stores its hash in t and returns the token.
func (w *web) createToken(c echo.Context, t *store.APIToken) (string, error) {
	token, hash, prefix := newAPIToken()
	t.TokenHash, t.Prefix = hash, prefix
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	if err := w.st.CreateAPIToken(ctx, t); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return "", err
		}
		return "", fmt.Errorf("app: create token: %w", err)
	}
	w.log.Info("api token created", "token_id", t.ID, "scope", t.Scope, "tenant_id", t.Tenant())
	return token, nil
}

// adminTokenRevoke revokes a token (POST /admin/tokens/:tid/revoke).
func (w *web) adminTokenRevoke(c echo.Context) error {
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	t, err := w.st.RevokeAPIToken(ctx, store.AnyTenant, c.Param("tid"), time.Now())
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("token")
	}
	if err != nil {
		return fmt.Errorf("app: revoke token: %w", err)
	}
	w.log.Info("api token revoked", "token_id", t.ID, "tenant_id", t.Tenant())
	w.audit(c, "token.revoke", t.Tenant(), "", fmt.Sprintf("%s token %q (%s…)", t.Scope, t.Name, t.Prefix))
	return redirect(c, "/admin/tokens?revoked=1")
}
