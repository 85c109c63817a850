package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/views"
)

// adminTenantCreate creates a tenant from the form (POST /admin/tenants)
// and goes to its page; an invalid form comes back with its messages.
func (w *web) adminTenantCreate(c echo.Context) error {
	in := w.bindTenantForm(c, "")
	invalidForm := func() error {
		return w.page(c, http.StatusUnprocessableEntity, views.TenantFormPage(w.layout(c, "New tenant", "tenants"), in.form),
			views.TenantFormPanel(w.csrfToken(c), in.form))
	}
	if len(in.form.Errors) > 0 {
		return invalidForm()
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	t := in.tenant
	if err := w.createTenant(ctx, &t, in.config); err != nil {
		if errors.Is(err, store.ErrConflict) {
			in.form.Errors["phone"] = "Another tenant already uses this number."
			return invalidForm()
		}
		return err
	}
	w.audit(c, "tenant.create", t.ID, t.Name, describeConfig(t, in.config))
	return redirect(c, views.TenantURL(t.ID))
}

// createTenant stores a new tenant with its config (the dashboard form and
// approved setup requests both create tenants here). A taken phone number
// is store.ErrConflict.
func (w *web) createTenant(ctx context.Context, t *store.Tenant, cfg store.TenantConfig) error {
	if err := w.st.CreateTenant(ctx, t, cfg); err != nil {
		return fmt.Errorf("app: create tenant: %w", err)
	}
	w.log.Info("tenant created", "tenant_id", t.ID)
	return nil
}

// describeConfig summarises a tenant's settings for the audit log.
func describeConfig(t store.Tenant, cfg store.TenantConfig) string {
	rate := "default"
	if cfg.RateLimitPerMinute != nil {
		rate = fmt.Sprint(*cfg.RateLimitPerMinute)
	}
	return fmt.Sprintf("phone %q, template %s, business %q, language %s, rate limit %s",
		t.PhoneNumber, cfg.TemplateType, cfg.BusinessName, cfg.Language, rate)
}
