package app

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/templates"
)

// apiTenantInput is the body of POST /api/v1/tenants.
type apiTenantInput struct {
	Name               string                       `json:"name" doc:"Required, at most 120 characters."`
	PhoneNumber        string                       `json:"phone_number" optional:"true" doc:"The WhatsApp number in international format; stored as E.164."`
	Template           string                       `json:"template" optional:"true" doc:"booking (default), ecommerce or support"`
	BusinessName       string                       `json:"business_name" optional:"true"`
	Language           string                       `json:"language" optional:"true" doc:"en, sw or auto (default)"`
	RateLimitPerMinute *int                         `json:"rate_limit_per_minute" optional:"true" doc:"null or absent = the server default, 0 = no limit, at most 10000."`
	ReplyOverrides     map[string]map[string]string `json:"reply_overrides" optional:"true"`
}

// tenantSettings is a tenant and its config as the API receives them,
// before validation.
type tenantSettings struct {
	Name, Phone, Template, Business, Language string
	Rate                                      *int
	Overrides                                 map[string]map[string]string
}

// validate checks the settings with the dashboard form's rules and
// returns what to store, or a message per field (API field names).
func (s tenantSettings) validate() (store.Tenant, store.TenantConfig, map[string]string) {
	fields := map[string]string{}
	name := strings.TrimSpace(s.Name)
	if msg := checkName(name); msg != "" {
		fields["name"] = msg
	}
	phone, ok := normalizePhone(s.Phone)
	if !ok {
		fields["phone_number"] = "Give the number in international format with its country code, e.g. +255712345678."
	}
	tmpl, err := templates.ParseTemplate(s.Template)
	if err != nil {
		fields["template"] = "Must be booking, ecommerce or support."
	}
	lang, err := templates.ParseLanguage(s.Language)
	if err != nil {
		fields["language"] = "Must be en, sw or auto."
	}
	business := strings.TrimSpace(s.Business)
	if err := templates.ValidateBusiness(business); err != nil {
		fields["business_name"] = businessError(err, business)
	}
	if s.Rate != nil && (*s.Rate < 0 || *s.Rate > maxRateLimit) {
		fields["rate_limit_per_minute"] = fmt.Sprintf("Must be from 0 to %d, or null for the server default.", maxRateLimit)
	}
	overrides := templates.Overrides{}
	for intent, byLang := range s.Overrides {
		for l, text := range byLang {
			if overrides[templates.Intent(intent)] == nil {
				overrides[templates.Intent(intent)] = map[templates.Language]string{}
			}
			overrides[templates.Intent(intent)][templates.Language(l)] = text
		}
	}
	if len(fields) == 0 {
		cfg := templates.Config{Template: tmpl, Business: business, Language: lang, Overrides: overrides}
		if err := cfg.Validate(); err != nil {
			msg := err.Error()
			if errors.Is(err, templates.ErrInvalid) {
				msg = strings.TrimPrefix(msg, "templates: ")
			}
			fields["reply_overrides"] = msg
		}
	}
	if len(fields) > 0 {
		return store.Tenant{}, store.TenantConfig{}, fields
	}
	t := store.Tenant{Name: name, PhoneNumber: phone}
	cfg := store.TenantConfig{TemplateType: string(tmpl), BusinessName: business, Language: string(lang),
		RateLimitPerMinute: s.Rate, ReplyOverrides: store.ReplyOverrides(s.Overrides)}
	if cfg.ReplyOverrides == nil {
		cfg.ReplyOverrides = store.ReplyOverrides{}
	}
	return t, cfg, nil
}

// apiTenantCreate creates a tenant (POST /api/v1/tenants).
func (w *web) apiTenantCreate(c echo.Context) error {
	var in apiTenantInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	s := tenantSettings{Name: in.Name, Phone: in.PhoneNumber, Template: in.Template, Business: in.BusinessName,
		Language: in.Language, Rate: in.RateLimitPerMinute, Overrides: in.ReplyOverrides}
	if s.Template == "" {
		s.Template = string(templates.Booking)
	}
	if s.Language == "" {
		s.Language = string(templates.Auto)
	}
	t, cfg, fields := s.validate()
	if fields != nil {
		return apiInvalid(fields)
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	if err := w.st.CreateTenant(ctx, &t, cfg); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return apiInvalid(map[string]string{"phone_number": "Another tenant already uses this number."})
		}
		return apiStoreError(err, "tenant")
	}
	w.log.Info("tenant created through the API", "tenant_id", t.ID)
	w.apiAudit(c, "tenant.create", t.ID, t.Name, describeConfig(t, cfg))
	out := toAPITenant(t)
	out.Config = toAPIConfig(cfg)
	c.Response().Header().Set(echo.HeaderLocation, apiPrefix+"/tenants/"+t.ID)
	return c.JSON(http.StatusCreated, out)
}
