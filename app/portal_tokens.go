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
	l, err := w.portalLayout(c, "tokens.title", "settings")
	if err != nil {
		return err
	}
	p.Lang = l.Lang
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

// portalLangOf is the portal language of the signed-in user's tenant.
func (w *web) portalLangOf(c echo.Context) (string, error) {
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	cfg, err := w.st.GetTenantConfig(ctx, portalTenantID(c))
	if err != nil {
		return "", fmt.Errorf("app: portal language: %w", err)
	}
	return portalLang(cfg), nil
}

// portalTokens lists the tenant's tokens (GET /portal/settings/tokens).
func (w *web) portalTokens(c echo.Context) error {
	p := views.Tokens{}
	if c.QueryParam("revoked") == "1" {
		lang, err := w.portalLangOf(c)
		if err != nil {
			return err
		}
		p.Notice = views.T(lang, "tokens.notice.revoked")
	}
	return w.portalTokensPage(c, http.StatusOK, p)
}

// portalTokenCreate creates a token of the signed-in tenant
// (POST /portal/settings/tokens) and shows it once.
func (w *web) portalTokenCreate(c echo.Context) error {
	lang, err := w.portalLangOf(c)
	if err != nil {
		return err
	}
	f := views.TokenForm{Name: strings.TrimSpace(c.FormValue("name")), Errors: map[string]string{}}
	msg := checkTokenName(f.Name)
	switch {
	case f.Name == "":
		f.Errors["name"] = views.T(lang, "tokens.err.name")
	case msg == "":
	case strings.HasPrefix(msg, "the name is too long"):
		f.Errors["name"] = fmt.Sprintf(views.T(lang, "tokens.err.long"), store.MaxTokenName)
	default:
		f.Errors["name"] = views.T(lang, "tokens.err.plain")
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
