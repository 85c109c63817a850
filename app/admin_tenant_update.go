package app

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/views"
)

// adminTenantUpdate saves the tenant form (POST /admin/tenants/:id) and
// makes a running worker pick up the new settings.
func (w *web) adminTenantUpdate(c echo.Context) error {
	t, err := w.loadTenant(c)
	if err != nil {
		return err
	}
	in := w.bindTenantForm(c, t.ID)
	invalidForm := func() error {
		return w.page(c, http.StatusUnprocessableEntity, views.TenantFormPage(w.layout(c, "Edit "+t.Name, "tenants"), in.form),
			views.TenantFormPanel(w.csrfToken(c), in.form))
	}
	if len(in.form.Errors) > 0 {
		return invalidForm()
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	old, err := w.st.GetTenantConfig(ctx, t.ID)
	if err != nil {
		return fmt.Errorf("app: update tenant: %w", err)
	}
	t.Name, t.PhoneNumber = in.tenant.Name, in.tenant.PhoneNumber
	if err := w.st.UpdateTenant(ctx, t); err != nil {
		if errors.Is(err, store.ErrConflict) {
			in.form.Errors["phone"] = "Another tenant already uses this number."
			return invalidForm()
		}
		return fmt.Errorf("app: update tenant: %w", err)
	}
	cfg := in.config
	cfg.ReplyOverrides = old.ReplyOverrides // edited elsewhere (the portal); kept as they are
	if err := w.st.SaveTenantConfig(ctx, cfg); err != nil {
		return fmt.Errorf("app: update tenant: %w", err)
	}
	if err := w.sup.Reload(ctx, t.ID); err != nil {
		w.log.Warn("reload tenant config", "tenant_id", t.ID, "err", err)
	}
	w.log.Info("tenant updated", "tenant_id", t.ID)
	w.audit(c, "tenant.update", t.ID, t.Name, describeConfig(t, cfg))
	return redirect(c, views.TenantURL(t.ID))
}
