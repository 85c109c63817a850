package app

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/templates"
	"github.com/flowhq/flowhq/views"
)

func validUTF8(s string) bool { return utf8.ValidString(s) }

// replyConfig is the reply engine's view of a stored tenant config.
func replyConfig(cfg store.TenantConfig) templates.Config {
	out := templates.Config{
		Template: templates.Template(cfg.TemplateType),
		Business: cfg.BusinessName,
		Language: templates.Language(cfg.Language),
	}
	if len(cfg.ReplyOverrides) > 0 {
		out.Overrides = make(templates.Overrides, len(cfg.ReplyOverrides))
		for intent, byLang := range cfg.ReplyOverrides {
			m := make(map[templates.Language]string, len(byLang))
			for lang, text := range byLang {
				m[templates.Language(lang)] = text
			}
			out.Overrides[templates.Intent(intent)] = m
		}
	}
	return out
}

// adminTenantTry runs a typed message through the tenant's current
// template and settings (POST /admin/tenants/:id/try) and shows the intent
// and the reply. Nothing is logged or sent to WhatsApp.
func (w *web) adminTenantTry(c echo.Context) error {
	t, err := w.loadTenant(c)
	if err != nil {
		return err
	}
	msg := c.FormValue("message")
	form := views.TenantTry{TenantID: t.ID, CSRF: w.csrfToken(c), OOB: isHTMX(c)}
	if form.Error = tryMessageError(msg); form.Error != "" {
		form.Message = msg
		if !isHTMX(c) {
			return w.tryPage(c, t, http.StatusUnprocessableEntity, form)
		}
		return w.render(c, http.StatusUnprocessableEntity, views.TryResult(nil, form))
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	cfg, err := w.st.GetTenantConfig(ctx, t.ID)
	if err != nil {
		return err
	}
	ex := w.tryReply(t.ID, msg, cfg)
	if !isHTMX(c) {
		form.Exchanges = []views.TryExchange{ex}
		return w.tryPage(c, t, http.StatusOK, form)
	}
	return w.render(c, http.StatusOK, views.TryResult(&ex, form))
}

// tryReply runs msg through a tenant's bot as configured (the admin's and
// the portal's try-it chats).
func (w *web) tryReply(tenantID, msg string, cfg store.TenantConfig) views.TryExchange {
	start := time.Now()
	r := templates.Reply(msg, replyConfig(cfg))
	w.log.Debug("try-it reply", "tenant_id", tenantID, "intent", r.Intent, "took", time.Since(start))
	ex := views.TryExchange{Message: msg, Intent: string(r.Intent), Language: string(r.Language), Reply: r.Text}
	if !r.When.IsZero() {
		ex.When = templates.FormatWhen(r.When, r.Language)
	}
	return ex
}

// tryMessageError says what is wrong with a try-it message, if anything.
func tryMessageError(msg string) string {
	switch {
	case strings.TrimSpace(msg) == "":
		return "Type a message to try."
	case len(msg) > maxMessageText:
		return "The message is too long: WhatsApp allows 65,536 characters."
	}
	return ""
}

// tryPage renders the tenant page with the try-it panel as given (for
// browsers without htmx).
func (w *web) tryPage(c echo.Context, t store.Tenant, status int, try views.TenantTry) error {
	d, err := w.tenantDetail(c, t)
	if err != nil {
		return err
	}
	try.OOB = false
	d.Try = try
	return w.renderDetail(c, status, d)
}
