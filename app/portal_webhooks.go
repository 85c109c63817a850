package app

import (
	"errors"
	"fmt"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/views"
)

// portalWebhooksPath is the portal's webhook pages (routes:
// admin_webhooks.go, handlers: webhook_pages.go).
const portalWebhooksPath = "/portal/webhooks"

// portalWebhookScope is the signed-in tenant user's own webhooks.
func (w *web) portalWebhookScope(c echo.Context) (webhookScope, error) {
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	t, err := w.st.GetTenant(ctx, portalTenantID(c))
	if errors.Is(err, store.ErrNotFound) {
		return webhookScope{}, errNotFound("tenant")
	}
	if err != nil {
		return webhookScope{}, fmt.Errorf("app: portal webhooks: %w", err)
	}
	layout := func() (views.PortalLayout, error) { return w.portalLayout(c, "webhooks.title", "settings") }
	lang, err := w.portalLangOf(c)
	if err != nil {
		return webhookScope{}, err
	}
	return webhookScope{
		tenant: t,
		base:   portalWebhooksPath,
		lang:   lang,
		list: func(p views.Webhooks) (templ.Component, error) {
			l, err := layout()
			return views.WebhooksPortalPage(l, p), err
		},
		detail: func(p views.WebhookDetail) (templ.Component, error) {
			l, err := layout()
			return views.WebhookPortalPage(l, p), err
		},
	}, nil
}
