package app

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/views"
)

// portalTry is the Try it page (GET /portal/try).
func (w *web) portalTry(c echo.Context) error {
	l, err := w.portalLayout(c, "try.title", "try")
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, views.PortalTryPage(l, views.PortalTry{Lang: l.Lang, CSRF: l.CSRF}))
}

// portalTrySend runs a typed message through the tenant's bot as it is
// configured now (POST /portal/try), like the admin's try-it chat.
// Nothing is logged or sent to WhatsApp.
func (w *web) portalTrySend(c echo.Context) error {
	l, err := w.portalLayout(c, "try.title", "try")
	if err != nil {
		return err
	}
	msg := c.FormValue("message")
	form := views.PortalTry{Lang: l.Lang, CSRF: l.CSRF, OOB: isHTMX(c)}
	if tryMessageError(msg) != "" {
		form.Error, form.Message = views.T(l.Lang, "try.empty"), msg
		if strings.TrimSpace(msg) != "" {
			form.Error = views.T(l.Lang, "try.long")
		}
		if !isHTMX(c) {
			form.OOB = false
			return w.render(c, http.StatusUnprocessableEntity, views.PortalTryPage(l, form))
		}
		return w.render(c, http.StatusUnprocessableEntity, views.PortalTryResult(nil, form))
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	id := portalTenantID(c)
	cfg, err := w.st.GetTenantConfig(ctx, id)
	if err != nil {
		return err
	}
	ex := w.tryReply(id, msg, cfg)
	if !isHTMX(c) {
		form.Exchanges = []views.TryExchange{ex}
		return w.render(c, http.StatusOK, views.PortalTryPage(l, form))
	}
	return w.render(c, http.StatusOK, views.PortalTryResult(&ex, form))
}
