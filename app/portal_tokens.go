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

// API tokens in the tenant portal's settings: a business creates, lists
// and revokes tokens of its own tenant only (portalTenantID), never
// another's.

const portalTokensPath = "/portal/settings/tokens"

func (w *web) portalTokensPage(c echo.Context, status int, p views.Tokens) error {
	l, err := w.portalLayout(c, "API tokens", "settings")
	if err != nil {
		return err
	}
	rows, err := w.tokenRows(c, portalTenantID(c), false)
	if err != nil {
		return err
	}
	p.Base, p.Admin, p.Rows, p.CSRF, p.Now = portalTokensPath, false, rows, l.CSRF, time.Now()
	if p.Form.Errors == nil {
		p.Form.Errors = map[string]string{}
	}
	return w.render(c, status, views.PortalTokensPage(l, p))
}

// portalTokens lists the tenant's tokens (GET /portal/settings/tokens).
func (w *web) portalTokens(c echo.Context) error {
	p := views.Tokens{}
	if c.QueryParam("revoked") == "1" {
		p.Notice = "Token revoked: requests with it are refused from now on."
	}
	return w.portalTokensPage(c, http.StatusOK, p)
}

// portalTokenCreate creates a token of the signed-in tenant
// (POST /portal/settings/tokens) and shows it once.
func (w *web) portalTokenCreate(c echo.Context) error {
	f := views.TokenForm{Name: strings.TrimSpace(c.FormValue("name")), Errors: map[string]string{}}
	if f.Name == "" {
		f.Errors["name"] = "Enter a name."
	} else if msg := checkTokenName(f.Name); msg != "" {
		f.Errors["name"] = strings.ToUpper(msg[:1]) + msg[1:] + "."
	}
	if len(f.Errors) > 0 {
		return w.portalTokensPage(c, http.StatusUnprocessableEntity, views.Tokens{Form: f})
	}
	id := portalTenantID(c)
	t := store.APIToken{Name: f.Name, Scope: store.TokenScopeTenant, TenantID: &id}
	if a := authOf(c); a != nil {
		t.CreatedBy = a.User.Email
	}
	token, err := w.createToken(c, &t)
	if err != nil {
		return err
	}
	w.audit(c, "token.create", id, "", fmt.Sprintf("tenant token %q (%s…) from the portal", t.Name, t.Prefix))
	return w.portalTokensPage(c, http.StatusCreated, views.Tokens{New: token, NewName: t.Name})
}

// portalTokenRevoke revokes one of the tenant's tokens
// (POST /portal/settings/tokens/:tid/revoke); another tenant's token is a
// 404.
func (w *web) portalTokenRevoke(c echo.Context) error {
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	id := portalTenantID(c)
	t, err := w.st.RevokeAPIToken(ctx, id, c.Param("tid"), time.Now())
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("token")
	}
	if err != nil {
		return fmt.Errorf("app: revoke token: %w", err)
	}
	w.log.Info("api token revoked in the portal", "token_id", t.ID, "tenant_id", id)
	w.audit(c, "token.revoke", id, "", fmt.Sprintf("tenant token %q (%s…) from the portal", t.Name, t.Prefix))
	return redirect(c, portalTokensPath+"?revoked=1")
}
