package app

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/views"
)

// webhookPageRoutes adds the webhook pages: under a tenant in the admin
// dashboard (/admin/tenants/:id/webhooks) and in the tenant portal
// (/portal/webhooks, always the signed-in user's own tenant). The
// handlers are shared (webhook_pages.go); each side only says whose
// webhooks they are and how to frame the page.
func (w *web) webhookPageRoutes(e *echo.Echo) {
	admin := func(method, path string, h func(echo.Context, webhookScope) error) {
		e.Add(method, "/admin/tenants/:id/webhooks"+path, func(c echo.Context) error {
			sc, err := w.adminWebhookScope(c)
			if err != nil {
				return err
			}
			return h(c, sc)
		}, w.requireAdmin)
	}
	portal := func(method, path string, h func(echo.Context, webhookScope) error) {
		e.Add(method, portalWebhooksPath+path, func(c echo.Context) error {
			sc, err := w.portalWebhookScope(c)
			if err != nil {
				return err
			}
			return h(c, sc)
		}, w.requireTenantUser)
	}
	for _, add := range []func(string, string, func(echo.Context, webhookScope) error){admin, portal} {
		add(http.MethodGet, "", w.webhookIndex)
		add(http.MethodPost, "", w.webhookCreate)
		add(http.MethodGet, "/:webhook", w.webhookPage)
		add(http.MethodPost, "/:webhook", w.webhookUpdate)
		add(http.MethodPost, "/:webhook/delete", w.webhookDelete)
		add(http.MethodPost, "/:webhook/replay", w.webhookReplay)
		add(http.MethodPost, "/:webhook/retry", w.webhookRetry)
	}
}

// webhookIndex is GET …/webhooks.
func (w *web) webhookIndex(c echo.Context, sc webhookScope) error {
	return w.webhookList(c, sc, http.StatusOK, views.WebhookForm{Events: []string{"message.in", "message.out"}},
		views.WebhookNotice(sc.lang, c.QueryParam("done")))
}

// webhookPage is GET …/webhooks/:webhook.
func (w *web) webhookPage(c echo.Context, sc webhookScope) error {
	h, err := w.loadScopedWebhook(c, sc)
	if err != nil {
		return err
	}
	return w.webhookShow(c, sc, http.StatusOK, h, nil, "", false)
}

// adminWebhookScope is the webhooks of the tenant in :id, for an admin.
func (w *web) adminWebhookScope(c echo.Context) (webhookScope, error) {
	t, err := w.loadTenant(c)
	if err != nil {
		return webhookScope{}, err
	}
	title := "Webhooks · " + nameOrID(t)
	return webhookScope{
		tenant: t,
		base:   views.TenantURL(t.ID, "webhooks"),
		admin:  true,
		lang:   views.LangEnglish,
		list: func(p views.Webhooks) (templ.Component, error) {
			return views.WebhooksAdminPage(w.layout(c, title, "tenants"), p), nil
		},
		detail: func(p views.WebhookDetail) (templ.Component, error) {
			return views.WebhookAdminPage(w.layout(c, title, "tenants"), p), nil
		},
	}, nil
}
