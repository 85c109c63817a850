package app

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/templates"
	"github.com/flowhq/flowhq/views"
)

// maxTenantName bounds a tenant's name (runes).
const maxTenantName = 120

// maxRateLimit bounds a tenant's replies-per-minute setting.
const maxRateLimit = 10000

// tenantInput is a validated tenant form.
type tenantInput struct {
	form   views.TenantForm
	tenant store.Tenant
	config store.TenantConfig
}

// blankTenantForm is the form with its choices and defaults.
func (w *web) blankTenantForm() views.TenantForm {
	f := views.TenantForm{Template: string(templates.Booking), Language: string(templates.Auto), Errors: map[string]string{}}
	for _, t := range templates.Templates() {
		label := map[templates.Template]string{templates.Booking: "Booking (appointments)", templates.Ecommerce: "E-commerce (shop)", templates.Support: "Support (help desk)"}[t]
		f.Templates = append(f.Templates, views.Option{Value: string(t), Label: label})
	}
	for _, l := range templates.LanguageSettings() {
		label := map[templates.Language]string{templates.English: "English", templates.Swahili: "Swahili", templates.Auto: "Automatic: answer in the customer's language"}[l]
		f.Languages = append(f.Languages, views.Option{Value: string(l), Label: label})
	}
	f.DefaultRateLimit = w.opts.DefaultRateLimit
	return f
}

// formFromTenant fills the form from stored values.
func (w *web) formFromTenant(t store.Tenant, cfg store.TenantConfig) views.TenantForm {
	f := w.blankTenantForm()
	f.ID, f.Name, f.Phone = t.ID, t.Name, t.PhoneNumber
	f.Template, f.Business, f.Language = cfg.TemplateType, cfg.BusinessName, cfg.Language
	if f.Language == "" {
		f.Language = string(templates.Auto)
	}
	if cfg.RateLimitPerMinute != nil {
		f.RateLimit = strconv.Itoa(*cfg.RateLimitPerMinute)
	}
	return f
}

// normalizePhone turns what people type ("+255 712-345 678", "00255…")
// into E.164, or reports that it cannot.
func normalizePhone(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", true
	}
	var b strings.Builder
	for i, r := range v {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	p := b.String()
	if strings.HasPrefix(p, "00") {
		p = "+" + p[2:]
	}
	return p, store.ValidPhoneNumber(p)
}

// checkName says what is wrong with a tenant name, if anything.
func checkName(name string) string {
	switch {
	case name == "":
		return "Enter a name."
	case !utf8.ValidString(name):
		return "The name must be valid text."
	case utf8.RuneCountInString(name) > maxTenantName:
		return fmt.Sprintf("The name is too long: at most %d characters.", maxTenantName)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return "The name may not contain control characters."
		}
	}
	return ""
}

// bindTenantForm reads and validates the tenant form. The returned form
// carries the field errors (and the values as typed) for re-rendering.
func (w *web) bindTenantForm(c echo.Context, id string) tenantInput {
	f := w.blankTenantForm()
	f.ID = id
	f.Name = strings.TrimSpace(c.FormValue("name"))
	f.Phone = strings.TrimSpace(c.FormValue("phone"))
	f.Template = c.FormValue("template")
	f.Business = strings.TrimSpace(c.FormValue("business"))
	f.Language = c.FormValue("language")
	f.RateLimit = strings.TrimSpace(c.FormValue("rate_limit"))
	in := tenantInput{tenant: store.Tenant{ID: id}, config: store.TenantConfig{TenantID: id}}

	if msg := checkName(f.Name); msg != "" {
		f.Errors["name"] = msg
	}
	phone, ok := normalizePhone(f.Phone)
	if !ok {
		f.Errors["phone"] = "Enter the number in international format with its country code, e.g. +255712345678."
	}
	tmpl, err := templates.ParseTemplate(f.Template)
	if err != nil {
		f.Errors["template"] = "Choose one of the templates."
	}
	lang, err := templates.ParseLanguage(f.Language)
	if err != nil {
		f.Errors["language"] = "Choose one of the languages."
	}
	if err := templates.ValidateBusiness(f.Business); err != nil {
		f.Errors["business"] = businessError(err, f.Business)
	}
	var rate *int
	if f.RateLimit != "" {
		n, err := strconv.Atoi(f.RateLimit)
		if err != nil || n < 0 || n > maxRateLimit {
			f.Errors["rate_limit"] = fmt.Sprintf("Enter a whole number from 0 to %d, or leave it empty.", maxRateLimit)
		} else {
			rate = &n
		}
	}
	if len(f.Errors) == 0 {
		cfg := templates.Config{Template: tmpl, Business: f.Business, Language: lang}
		if err := cfg.Validate(); err != nil {
			f.Errors["form"] = "The reply settings are not valid."
		}
	}
	in.form = f
	in.tenant.Name, in.tenant.PhoneNumber = f.Name, phone
	in.config.TemplateType, in.config.BusinessName, in.config.Language = string(tmpl), f.Business, string(lang)
	in.config.RateLimitPerMinute = rate
	return in
}

// businessError explains a rejected business name.
func businessError(err error, name string) string {
	switch {
	case utf8.RuneCountInString(name) > templates.MaxBusinessLen:
		return fmt.Sprintf("At most %d characters.", templates.MaxBusinessLen)
	case strings.ContainsAny(name, "{}"):
		return "The business name may not contain { or }."
	case errors.Is(err, templates.ErrInvalid):
		return "The business name may not contain control characters."
	}
	return "This business name cannot be used."
}

// formCtx is the timeout of a form's store calls.
const formCtx = 15 * time.Second
