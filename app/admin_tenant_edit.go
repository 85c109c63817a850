package app

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/views"
)

// loadTenant returns the tenant named by the :id parameter, or a 404.
func (w *web) loadTenant(c echo.Context) (store.Tenant, error) {
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	t, err := w.st.GetTenant(ctx, c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		return store.Tenant{}, errNotFound("tenant")
	}
	if err != nil {
		return store.Tenant{}, fmt.Errorf("app: load tenant: %w", err)
	}
	return t, nil
}

// adminTenantEdit shows the tenant form filled in
// (GET /admin/tenants/:id/edit).
func (w *web) adminTenantEdit(c echo.Context) error {
	t, err := w.loadTenant(c)
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	cfg, err := w.st.GetTenantConfig(ctx, t.ID)
	if err != nil {
		return fmt.Errorf("app: edit tenant: %w", err)
	}
	f := w.formFromTenant(t, cfg)
	return w.page(c, http.StatusOK, views.TenantFormPage(w.layout(c, "Edit "+t.Name, "tenants"), f), views.TenantFormPanel(w.csrfToken(c), f))
}
