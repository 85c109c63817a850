package app

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/views"
)

// pairCtx bounds waiting for a pairing code.
const pairCtx = 30 * time.Second

// adminTenantPair asks the running worker for a pairing code for the
// business's number (POST /admin/tenants/:id/pair) and shows it.
func (w *web) adminTenantPair(c echo.Context) error {
	t, err := w.loadTenant(c)
	if err != nil {
		return err
	}
	phone, ok := normalizePhone(c.FormValue("phone"))
	_, link, err := w.tenantState(c, t)
	if err != nil {
		return err
	}
	link.Phone = strings.TrimSpace(c.FormValue("phone"))
	status := http.StatusOK
	switch {
	case !ok || phone == "":
		link.Error = "Enter the business's number in international format, e.g. +255712345678."
		status = http.StatusUnprocessableEntity
	case !link.Running:
		link.Error = "Start the worker first."
		status = http.StatusConflict
	default:
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), pairCtx)
		defer cancel()
		code, err := w.sup.PairPhone(ctx, t.ID, phone)
		if err != nil {
			w.log.Warn("pairing code failed", "tenant_id", t.ID, "err", err)
			link.Error = "No pairing code: the phone may already be linked, or WhatsApp did not answer. Try again."
			status = http.StatusConflict
			w.audit(c, "session.pair_code", t.ID, t.Name, "failed for "+phone)
			break
		}
		link.Session.State, link.Session.PairCode = store.SessionPairCodeReady, code
		w.audit(c, "session.pair_code", t.ID, t.Name, "pairing code for "+phone)
	}
	if !isHTMX(c) {
		if status != http.StatusOK {
			return errBadRequest(link.Error)
		}
		return c.Redirect(http.StatusSeeOther, views.TenantURL(t.ID))
	}
	return w.render(c, status, views.TenantQR(link))
}
