package app

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// adminSetupRequestReject rejects a pending request with the reason given
// (POST /admin/setup-requests/:id/reject).
func (w *web) adminSetupRequestReject(c echo.Context) error {
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	if _, err := w.rejectSetupRequest(withClientIP(ctx, c.RealIP()), c.Param("id"), c.FormValue("reason"), authOf(c).User); err != nil {
		return w.setupActionFailed(c, c.Param("id"), err)
	}
	if !isHTMX(c) {
		return c.Redirect(http.StatusSeeOther, "/admin/setup-requests?rejected=1")
	}
	p, err := w.setupList(c)
	if err != nil {
		return err
	}
	p.Notice = "The request was rejected."
	return w.renderSetupList(c, http.StatusOK, p)
}
