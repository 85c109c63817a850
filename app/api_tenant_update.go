package app

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
)

// apiTenantPatch is the body of PATCH /api/v1/tenants/:id: only the
// fields present change. Name, phone number and rate limit need an admin
// token.
type apiTenantPatch struct {
	Name               *string                       `json:"name" optional:"true"`
	PhoneNumber        *string                       `json:"phone_number" optional:"true" doc:"\"\" removes the number."`
	Template           *string                       `json:"template" optional:"true"`
	BusinessName       *string                       `json:"business_name" optional:"true"`
	Language           *string                       `json:"language" optional:"true"`
	RateLimitPerMinute optionalInt                   `json:"rate_limit_per_minute" optional:"true" doc:"null = the server default."`
	ReplyOverrides     *map[string]map[string]string `json:"reply_overrides" optional:"true" doc:"Replaces all overrides; {} removes them."`
}

// apiTenantUpdate changes a tenant (PATCH /api/v1/tenants/:id).
func (w *web) apiTenantUpdate(c echo.Context) error {
	t, err := w.apiLoadTenant(c)
	if err != nil {
		return err
	}
	var in apiTenantPatch
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	// A tenant's own token tunes its bot, like the portal's settings; the
	// name, the number and the rate limit (which protects the number from
	// bans) stay the operator's.
	if p, _ := principalOf(c); !p.Admin && (in.Name != nil || in.PhoneNumber != nil || in.RateLimitPerMinute.Set) {
		return apiErr(http.StatusForbidden, "forbidden",
			"A tenant token may change template, business_name, language and reply_overrides; name, phone_number and rate_limit_per_minute need an admin token.")
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	old, err := w.st.GetTenantConfig(ctx, t.ID)
	if err != nil {
		return apiStoreError(err, "tenant")
	}
	s := tenantSettings{Name: t.Name, Phone: t.PhoneNumber, Template: old.TemplateType, Business: old.BusinessName,
		Language: old.Language, Rate: old.RateLimitPerMinute, Overrides: old.ReplyOverrides}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&s.Name, in.Name)
	set(&s.Phone, in.PhoneNumber)
	set(&s.Template, in.Template)
	set(&s.Business, in.BusinessName)
	set(&s.Language, in.Language)
	if in.RateLimitPerMinute.Set {
		s.Rate = in.RateLimitPerMinute.Value
	}
	if in.ReplyOverrides != nil {
		s.Overrides = *in.ReplyOverrides
	}
	nt, cfg, fields := s.validate()
	if fields != nil {
		return apiInvalid(fields)
	}
	t.Name, t.PhoneNumber = nt.Name, nt.PhoneNumber
	if err := w.st.UpdateTenant(ctx, t); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return apiInvalid(map[string]string{"phone_number": "Another tenant already uses this number."})
		}
		return apiStoreError(err, "tenant")
	}
	cfg.TenantID = t.ID
	if err := w.st.SaveTenantConfig(ctx, cfg); err != nil {
		return apiStoreError(err, "tenant")
	}
	if err := w.sup.Reload(ctx, t.ID); err != nil {
		w.log.Warn("reload tenant config", "tenant_id", t.ID, "err", err)
	}
	w.log.Info("tenant updated through the API", "tenant_id", t.ID)
	w.apiAudit(c, "tenant.update", t.ID, t.Name, describeConfig(t, cfg))
	if t, err = w.apiLoadTenant(c); err != nil {
		return err
	}
	out, err := w.apiTenantWithConfig(c, t)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
