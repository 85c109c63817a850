package app

import (
	"fmt"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/templates"
	"github.com/flowhq/flowhq/views"
)

// portalLayout is the frame of a full portal page for the signed-in
// tenant user: the business's name and the portal language, Swahili when
// the tenant's language setting is Swahili and English otherwise.
func (w *web) portalLayout(c echo.Context, title, nav string) (views.PortalLayout, error) {
	l := views.PortalLayout{Title: title, Nav: nav, CSRF: w.csrfToken(c), Lang: views.LangEnglish}
	if a := authOf(c); a != nil {
		l.User = a.User.Email
	}
	id := portalTenantID(c)
	if id == "" {
		return l, nil
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	t, err := w.st.GetTenant(ctx, id)
	if err != nil {
		return l, fmt.Errorf("app: portal layout: %w", err)
	}
	cfg, err := w.st.GetTenantConfig(ctx, id)
	if err != nil {
		return l, fmt.Errorf("app: portal layout: %w", err)
	}
	l.Lang = portalLang(cfg)
	l.Title = views.T(l.Lang, title) // a text key ("status.title") or a plain title
	l.TenantName = cfg.BusinessName
	if l.TenantName == "" {
		l.TenantName = nameOrID(t)
	}
	return l, nil
}

// portalLang is the portal language of a tenant.
func portalLang(cfg store.TenantConfig) string {
	if cfg.Language == string(templates.Swahili) {
		return views.LangSwahili
	}
	return views.LangEnglish
}
