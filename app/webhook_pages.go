package app

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/views"
)

// The webhook pages are the same for an admin (under a tenant in the
// dashboard) and a tenant user (in the portal): webhookScope says whose
// webhooks, where they live and how to frame a page; the handlers below
// do the rest.
type webhookScope struct {
	tenant store.Tenant
	base   string // "/admin/tenants/:id/webhooks" or "/portal/webhooks"
	admin  bool   // show the tenant's name and a way back to it
	lang   string // the pages' language: views.LangEnglish for the admin, the tenant's in the portal
	list   func(p views.Webhooks) (templ.Component, error)
	detail func(p views.WebhookDetail) (templ.Component, error)
}

// webhookFormInput reads the add/edit form.
func webhookFormInput(c echo.Context) views.WebhookForm {
	f := views.WebhookForm{URL: strings.TrimSpace(c.FormValue("url")), Secret: strings.TrimSpace(c.FormValue("secret"))}
	if form, err := c.FormParams(); err == nil {
		f.Events = form["events"]
	}
	f.Enabled = c.FormValue("enabled") == "true"
	f.Rotate = c.FormValue("rotate") == "true"
	return f
}

// webhookList renders the list page with the add form f.
func (w *web) webhookList(c echo.Context, sc webhookScope, status int, f views.WebhookForm, notice string) error {
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	hooks, err := w.st.ListWebhooks(ctx, sc.tenant.ID)
	if err != nil {
		return fmt.Errorf("app: webhooks: %w", err)
	}
	p := views.Webhooks{Base: sc.base, CSRF: w.csrfToken(c), Notice: notice, Form: f, Lang: sc.lang}
	p.Form.Webhooks = len(hooks)
	if sc.admin {
		p.TenantName, p.BackURL = nameOrID(sc.tenant), views.TenantURL(sc.tenant.ID)
	}
	for _, h := range hooks {
		counts, err := w.st.CountWebhookEvents(ctx, sc.tenant.ID, h.ID)
		if err != nil {
			return fmt.Errorf("app: webhooks: %w", err)
		}
		p.Rows = append(p.Rows, views.WebhookRow{Hook: h, Counts: counts})
	}
	comp, err := sc.list(p)
	if err != nil {
		return err
	}
	return w.render(c, status, comp)
}

// webhookCreate adds a webhook from the form and shows it (with its
// secret); invalid input re-renders the form with 422.
func (w *web) webhookCreate(c echo.Context, sc webhookScope) error {
	f := webhookFormInput(c)
	f.Errors = localWebhookErrors(sc.lang, webhookFieldErrors(&f.URL, f.Events, true, &f.Secret))
	if len(f.Errors) > 0 {
		return w.webhookList(c, sc, http.StatusUnprocessableEntity, f, "")
	}
	h := store.Webhook{TenantID: sc.tenant.ID, URL: f.URL, Secret: f.Secret, Enabled: true}
	h.SetEvents(f.Events)
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	if err := w.st.CreateWebhook(ctx, &h); err != nil {
		if errors.Is(err, store.ErrInvalid) {
			f.FormErr = localWebhookFormErr(sc.lang, err)
			return w.webhookList(c, sc, http.StatusUnprocessableEntity, f, "")
		}
		return fmt.Errorf("app: create webhook: %w", err)
	}
	w.log.Info("webhook created", "tenant_id", sc.tenant.ID, "webhook_id", h.ID)
	w.audit(c, "webhook.create", sc.tenant.ID, sc.tenant.Name, h.ID+" "+h.URL)
	return redirect(c, sc.base+"/"+h.ID+"?done=created")
}

// loadScopedWebhook loads :webhook of the scope's tenant.
func (w *web) loadScopedWebhook(c echo.Context, sc webhookScope) (store.Webhook, error) {
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	h, err := w.st.GetWebhook(ctx, sc.tenant.ID, c.Param("webhook"))
	if errors.Is(err, store.ErrNotFound) {
		return store.Webhook{}, errNotFound("webhook")
	}
	if err != nil {
		return store.Webhook{}, fmt.Errorf("app: load webhook: %w", err)
	}
	return h, nil
}

// webhookShow renders one webhook; f is the edit form (nil: its values).
func (w *web) webhookShow(c echo.Context, sc webhookScope, status int, h store.Webhook, f *views.WebhookForm, notice string, bad bool) error {
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	p := views.WebhookDetail{Base: sc.base, CSRF: w.csrfToken(c), Hook: h, Notice: notice, NoticeBad: bad, Now: time.Now(), Lang: sc.lang}
	if sc.admin {
		p.TenantName = nameOrID(sc.tenant)
	}
	if p.Notice == "" {
		p.Notice = views.WebhookNotice(sc.lang, c.QueryParam("done"))
	}
	var err error
	if p.Counts, err = w.st.CountWebhookEvents(ctx, sc.tenant.ID, h.ID); err != nil {
		return fmt.Errorf("app: webhook: %w", err)
	}
	if p.Dead, err = w.st.ListWebhookEvents(ctx, sc.tenant.ID, store.ListWebhookEventsOptions{WebhookID: h.ID, Status: store.WebhookDead, Limit: 50}); err != nil {
		return fmt.Errorf("app: webhook: %w", err)
	}
	if p.Recent, err = w.st.ListWebhookEvents(ctx, sc.tenant.ID, store.ListWebhookEventsOptions{WebhookID: h.ID, Limit: 20}); err != nil {
		return fmt.Errorf("app: webhook: %w", err)
	}
	if p.Deliveries, err = w.st.ListWebhookDeliveries(ctx, sc.tenant.ID, h.ID, 0); err != nil {
		return fmt.Errorf("app: webhook: %w", err)
	}
	if f != nil {
		p.Form = *f
	} else {
		p.Form = views.WebhookForm{URL: h.URL, Events: h.Events(), Enabled: h.Enabled}
	}
	p.Form.Editing = true
	comp, err := sc.detail(p)
	if err != nil {
		return err
	}
	return w.render(c, status, comp)
}

// webhookUpdate saves the edit form.
func (w *web) webhookUpdate(c echo.Context, sc webhookScope) error {
	h, err := w.loadScopedWebhook(c, sc)
	if err != nil {
		return err
	}
	f := webhookFormInput(c)
	f.Errors = localWebhookErrors(sc.lang, webhookFieldErrors(&f.URL, f.Events, true, nil))
	if len(f.Errors) > 0 {
		return w.webhookShow(c, sc, http.StatusUnprocessableEntity, h, &f, "", false)
	}
	u := store.WebhookUpdate{URL: &f.URL, Events: f.Events, Enabled: &f.Enabled}
	if f.Rotate {
		s := store.NewWebhookSecret()
		u.Secret = &s
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	if _, err := w.st.UpdateWebhook(ctx, sc.tenant.ID, h.ID, u); err != nil {
		if errors.Is(err, store.ErrInvalid) {
			f.FormErr = localWebhookFormErr(sc.lang, err)
			return w.webhookShow(c, sc, http.StatusUnprocessableEntity, h, &f, "", false)
		}
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound("webhook")
		}
		return fmt.Errorf("app: update webhook: %w", err)
	}
	detail := h.ID
	if f.Rotate {
		detail += " (new secret)"
	}
	w.log.Info("webhook updated", "tenant_id", sc.tenant.ID, "webhook_id", h.ID)
	w.audit(c, "webhook.update", sc.tenant.ID, sc.tenant.Name, detail)
	return redirect(c, sc.base+"/"+h.ID+"?done=saved")
}

// webhookDelete deletes a webhook with its queue and log.
func (w *web) webhookDelete(c echo.Context, sc webhookScope) error {
	h, err := w.loadScopedWebhook(c, sc)
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	if err := w.st.DeleteWebhook(ctx, sc.tenant.ID, h.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("app: delete webhook: %w", err)
	}
	w.log.Info("webhook deleted", "tenant_id", sc.tenant.ID, "webhook_id", h.ID)
	w.audit(c, "webhook.delete", sc.tenant.ID, sc.tenant.Name, h.ID+" "+h.URL)
	return redirect(c, sc.base+"?done=deleted")
}

// webhookReplay replays one dead letter (event=…) or all of them (all=true).
func (w *web) webhookReplay(c echo.Context, sc webhookScope) error {
	h, err := w.loadScopedWebhook(c, sc)
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	detail := ""
	if c.FormValue("all") == "true" {
		n, err := w.st.ReplayDeadWebhookEvents(ctx, sc.tenant.ID, h.ID)
		if err != nil {
			return fmt.Errorf("app: replay: %w", err)
		}
		detail = fmt.Sprintf("%s: %d dead letters", h.ID, n)
	} else {
		id := strings.TrimSpace(c.FormValue("event"))
		_, err := w.st.ReplayWebhookEvent(ctx, sc.tenant.ID, h.ID, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return w.webhookShow(c, sc, http.StatusNotFound, h, nil, views.T(sc.lang, "webhooks.err.noevent"), true)
		case errors.Is(err, store.ErrConflict):
			return w.webhookShow(c, sc, http.StatusConflict, h, nil, views.T(sc.lang, "webhooks.err.notdead"), true)
		case err != nil:
			return fmt.Errorf("app: replay: %w", err)
		}
		detail = h.ID + " " + id
	}
	w.log.Info("webhook events replayed", "tenant_id", sc.tenant.ID, "webhook_id", h.ID)
	w.audit(c, "webhook.replay", sc.tenant.ID, sc.tenant.Name, detail)
	return redirect(c, sc.base+"/"+h.ID+"?done=replayed")
}

// webhookRetry makes the waiting events due now.
func (w *web) webhookRetry(c echo.Context, sc webhookScope) error {
	h, err := w.loadScopedWebhook(c, sc)
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	if _, err := w.st.RetryWebhookNow(ctx, sc.tenant.ID, h.ID); err != nil {
		return fmt.Errorf("app: retry webhook: %w", err)
	}
	w.log.Info("webhook retry requested", "tenant_id", sc.tenant.ID, "webhook_id", h.ID)
	return redirect(c, sc.base+"/"+h.ID+"?done=retried")
}
