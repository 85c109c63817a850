package app

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/views"
)

// adminTenantNew shows the empty tenant form (GET /admin/tenants/new).
func (w *web) adminTenantNew(c echo.Context) error {
	f := w.blankTenantForm()
	return w.page(c, http.StatusOK, views.TenantFormPage(w.layout(c, "New tenant", "tenants"), f), views.TenantFormPanel(w.csrfToken(c), f))
}
