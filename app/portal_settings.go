package app

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/templates"
	"github.com/flowhq/flowhq/views"
)

// The portal's settings: the tenant's own reply configuration (business
// name, template, language, reply overrides) within the limits the
// operator set: the rate limit is shown but only an admin changes it,
// override texts are bounded (templates.MaxOverrideLen) and must pass
// templates.ValidateOverride. The tenant always comes from the signed-in
// account (portalTenantID).

// settingsInput is a read and checked settings form.
type settingsInput struct {
	form      views.PortalSettings
	business  string
	template  templates.Template
	language  templates.Language
	overrides templates.Overrides // valid, non-empty texts only
	// typed holds every override as typed (normalised), valid or not,
	// for previews.
	typed templates.Overrides
}

// replyConfig is the engine configuration the form describes; invalid
// parts fall back as templates.Reply does.
func (in settingsInput) replyConfig() templates.Config {
	return templates.Config{Template: in.template, Business: in.business, Language: in.language, Overrides: in.overrides}
}

// portalSettingsForm is the settings form with its choices in lang.
func (w *web) portalSettingsForm(lang, csrf string, cfg store.TenantConfig) views.PortalSettings {
	f := views.PortalSettings{Lang: lang, CSRF: csrf, MaxLen: templates.MaxOverrideLen, Errors: map[string]string{}}
	for _, t := range templates.Templates() {
		f.Templates = append(f.Templates, views.Option{Value: string(t), Label: views.T(lang, "settings.template."+string(t))})
	}
	for _, l := range []templates.Language{templates.Auto, templates.English, templates.Swahili} {
		f.Languages = append(f.Languages, views.Option{Value: string(l), Label: views.T(lang, "settings.lang."+string(l))})
	}
	switch {
	case cfg.RateLimitPerMinute == nil && w.opts.DefaultRateLimit == 0, cfg.RateLimitPerMinute != nil && *cfg.RateLimitPerMinute == 0:
		f.RateLimit = views.T(lang, "settings.ratelimit.none")
	case cfg.RateLimitPerMinute == nil:
		f.RateLimit = fmt.Sprintf(views.T(lang, "settings.ratelimit.n"), w.opts.DefaultRateLimit)
	default:
		f.RateLimit = fmt.Sprintf(views.T(lang, "settings.ratelimit.n"), *cfg.RateLimitPerMinute)
	}
	return f
}

// settingsFromConfig reads the stored configuration into the form.
func settingsFromConfig(cfg store.TenantConfig) settingsInput {
	in := settingsInput{
		business: cfg.BusinessName,
		template: templates.Template(cfg.TemplateType),
		language: templates.Language(cfg.Language),
		typed:    templates.Overrides{},
	}
	if in.language == "" {
		in.language = templates.Auto
	}
	for intent, byLang := range cfg.ReplyOverrides {
		for lang, text := range byLang {
			if in.typed[templates.Intent(intent)] == nil {
				in.typed[templates.Intent(intent)] = map[templates.Language]string{}
			}
			in.typed[templates.Intent(intent)][templates.Language(lang)] = text
		}
	}
	in.overrides = in.typed
	return in
}

// normalizeOverride is an override as stored: line breaks as \n, no
// surrounding space.
func normalizeOverride(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

// overrideError explains, in lang, why an override text cannot be used.
func overrideError(lang string, intent templates.Intent, replyIn templates.Language, text string) string {
	switch {
	case !utf8.ValidString(text) || strings.ContainsRune(text, 0):
		return views.T(lang, "settings.err.text")
	case utf8.RuneCountInString(text) > templates.MaxOverrideLen:
		return fmt.Sprintf(views.T(lang, "settings.err.long"), templates.MaxOverrideLen)
	case templates.ValidateOverride(intent, replyIn, text) != nil:
		return views.T(lang, "settings.err.placeholder")
	}
	return ""
}

// businessErrorIn explains, in lang, a rejected business name.
func businessErrorIn(lang, name string) string {
	switch {
	case utf8.RuneCountInString(name) > templates.MaxBusinessLen:
		return fmt.Sprintf(views.T(lang, "settings.err.business.long"), templates.MaxBusinessLen)
	case strings.ContainsAny(name, "{}"):
		return views.T(lang, "settings.err.business.braces")
	}
	return views.T(lang, "settings.err.business.text")
}

// bindPortalSettings reads and checks the settings form. The form it
// returns carries the values as typed and a message per bad field.
func (w *web) bindPortalSettings(c echo.Context, lang, csrf string, stored store.TenantConfig) settingsInput {
	f := w.portalSettingsForm(lang, csrf, stored)
	in := settingsInput{typed: templates.Overrides{}, overrides: templates.Overrides{}}
	f.Business = strings.TrimSpace(c.FormValue("business"))
	f.Template = c.FormValue("template")
	f.Language = c.FormValue("language")
	in.business = f.Business
	if err := templates.ValidateBusiness(f.Business); err != nil {
		f.Errors["business"] = businessErrorIn(lang, f.Business)
		in.business = ""
	}
	var err error
	if in.template, err = templates.ParseTemplate(f.Template); err != nil {
		f.Errors["template"] = views.T(lang, "settings.err.template")
	}
	if in.language, err = templates.ParseLanguage(f.Language); err != nil {
		f.Errors["language"] = views.T(lang, "settings.err.language")
	}
	for _, intent := range templates.Intents() {
		for _, rl := range templates.Languages() {
			name := views.OverrideFieldName(string(intent), string(rl))
			text := normalizeOverride(c.FormValue(name))
			if text == "" {
				continue
			}
			if in.typed[intent] == nil {
				in.typed[intent] = map[templates.Language]string{}
			}
			in.typed[intent][rl] = text
			if msg := overrideError(lang, intent, rl, text); msg != "" {
				f.Errors[name] = msg
				continue
			}
			if in.overrides[intent] == nil {
				in.overrides[intent] = map[templates.Language]string{}
			}
			in.overrides[intent][rl] = text
		}
	}
	if len(f.Errors) == 0 {
		if err := in.replyConfig().Validate(); err != nil {
			f.Errors["form"] = views.T(lang, "settings.err.form")
		}
	}
	in.form = f
	return in
}

// fillOverrides puts the override boxes, with their previews, on the form.
func fillOverrides(f *views.PortalSettings, in settingsInput) {
	cfg := in.replyConfig()
	for _, intent := range templates.Intents() {
		oi := views.OverrideIntent{Intent: string(intent), Label: views.T(f.Lang, "intent."+string(intent))}
		for _, rl := range templates.Languages() {
			name := views.OverrideFieldName(string(intent), string(rl))
			field := views.OverrideField{
				Intent: string(intent), ReplyIn: string(rl), Name: name,
				Label: views.T(f.Lang, "settings.reply."+string(rl)),
				Text:  in.typed[intent][rl],
			}
			builtin := cfg
			builtin.Overrides = nil
			builtin.Language = rl
			field.Builtin = templates.Reply(previewSample(intent, rl), builtin).Text
			field.Preview = overridePreview(f.Lang, cfg, intent, rl, f.Errors[name])
			oi.Fields = append(oi.Fields, field)
		}
		f.Intents = append(f.Intents, oi)
	}
}

// portalSettings shows the settings form (GET /portal/settings).
func (w *web) portalSettings(c echo.Context) error {
	l, err := w.portalLayout(c, "", "settings")
	if err != nil {
		return err
	}
	l.Title = views.T(l.Lang, "settings.title")
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	cfg, err := w.st.GetTenantConfig(ctx, portalTenantID(c))
	if err != nil {
		return fmt.Errorf("app: portal settings: %w", err)
	}
	in := settingsFromConfig(cfg)
	f := w.portalSettingsForm(l.Lang, l.CSRF, cfg)
	f.Business, f.Template, f.Language = cfg.BusinessName, cfg.TemplateType, string(in.language)
	f.Saved = c.QueryParam("saved") == "1"
	fillOverrides(&f, in)
	return w.page(c, http.StatusOK, views.PortalSettingsPage(l, f), views.PortalSettingsPanel(f))
}
