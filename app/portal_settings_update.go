package app

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/templates"
	"github.com/flowhq/flowhq/views"
)

// portalSettingsUpdate saves the settings form (POST /portal/settings)
// and makes a running worker use them at once. The rate limit is kept as
// the operator set it.
func (w *web) portalSettingsUpdate(c echo.Context) error {
	l, err := w.portalLayout(c, "", "settings")
	if err != nil {
		return err
	}
	l.Title = views.T(l.Lang, "settings.title")
	tid := portalTenantID(c)
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	old, err := w.st.GetTenantConfig(ctx, tid)
	if err != nil {
		return fmt.Errorf("app: save portal settings: %w", err)
	}
	in := w.bindPortalSettings(c, l.Lang, l.CSRF, old)
	if len(in.form.Errors) > 0 {
		f := in.form
		fillOverrides(&f, in)
		return w.page(c, http.StatusUnprocessableEntity, views.PortalSettingsPage(l, f), views.PortalSettingsPanel(f))
	}
	cfg := store.TenantConfig{
		TenantID:           tid,
		TemplateType:       string(in.template),
		BusinessName:       in.business,
		Language:           string(in.language),
		RateLimitPerMinute: old.RateLimitPerMinute, // the operator's to change
		ReplyOverrides:     storeOverrides(in.overrides),
	}
	if err := w.st.SaveTenantConfig(ctx, cfg); err != nil {
		return fmt.Errorf("app: save portal settings: %w", err)
	}
	if err := w.sup.Reload(ctx, tid); err != nil {
		w.log.Warn("reload tenant config", "tenant_id", tid, "err", err)
	}
	w.log.Info("portal: settings saved", "tenant_id", tid)
	w.audit(c, "settings.update", tid, l.TenantName, describeSettingsChange(old, cfg))
	return redirect(c, "/portal/settings?saved=1")
}

// storeOverrides converts the engine's overrides to the stored form.
func storeOverrides(o templates.Overrides) store.ReplyOverrides {
	out := store.ReplyOverrides{}
	for intent, byLang := range o {
		for lang, text := range byLang {
			if out[string(intent)] == nil {
				out[string(intent)] = map[string]string{}
			}
			out[string(intent)][string(lang)] = text
		}
	}
	return out
}

// describeSettingsChange says what a save changed, for the audit log.
func describeSettingsChange(old, cfg store.TenantConfig) string {
	var parts []string
	if old.TemplateType != cfg.TemplateType {
		parts = append(parts, fmt.Sprintf("template %s → %s", old.TemplateType, cfg.TemplateType))
	}
	if old.Language != cfg.Language {
		parts = append(parts, fmt.Sprintf("language %s → %s", old.Language, cfg.Language))
	}
	if old.BusinessName != cfg.BusinessName {
		parts = append(parts, fmt.Sprintf("business %q → %q", old.BusinessName, cfg.BusinessName))
	}
	var changed []string
	for _, intent := range templates.Intents() {
		for _, rl := range templates.Languages() {
			a, _ := old.ReplyOverrides.Text(string(intent), string(rl))
			b, _ := cfg.ReplyOverrides.Text(string(intent), string(rl))
			if a != b {
				changed = append(changed, string(intent)+"/"+string(rl))
			}
		}
	}
	slices.Sort(changed)
	if len(changed) > 0 {
		parts = append(parts, "replies changed: "+strings.Join(changed, ", "))
	}
	if len(parts) == 0 {
		return "no changes"
	}
	return strings.Join(parts, "; ")
}
