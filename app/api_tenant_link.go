package app

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
)

// Linking the tenant's phone: the QR code and pairing codes.

// apiQR is GET /tenants/:id/qr.
type apiQR struct {
	State     string     `json:"state" doc:"The session state; the QR code is there only in QR_READY."`
	QR        *string    `json:"qr" doc:"The QR code as a PNG data URL (data:image/png;base64,…), for an <img>; null when none is showing."`
	ExpiresAt *time.Time `json:"expires_at" doc:"When WhatsApp replaces this code; poll again then."`
	PairCode  string     `json:"pair_code" doc:"The pairing code in PAIR_CODE_READY."`
}

// apiPairInput is the body of POST /tenants/:id/pair-code.
type apiPairInput struct {
	Phone string `json:"phone" doc:"The business's WhatsApp number in international format, e.g. +255712345678."`
}

// apiPairCode is the answer of POST /tenants/:id/pair-code.
type apiPairCode struct {
	State string `json:"state"`
	Code  string `json:"code" doc:"Type it on the phone: Linked devices → Link a device → Link with phone number instead, within 3 minutes."`
}

func (w *web) linkAPIRoutes() []apiRoute {
	return []apiRoute{
		{
			Method: http.MethodGet, Path: "/tenants/:id/qr", Tag: "linking", Scope: scopeTenant,
			Summary: "The QR code to link the tenant's phone, while one is showing", Handler: w.apiQRGet, Response: apiQR{},
		},
		{
			Method: http.MethodPost, Path: "/tenants/:id/pair-code", Tag: "linking", Scope: scopeTenant,
			Summary:     "Ask for a pairing code for the business's number (instead of scanning)",
			Description: "The worker must be running. Starts a pairing attempt if none is under way.",
			Handler:     w.apiPairCode, Request: apiPairInput{}, Response: apiPairCode{},
		},
	}
}

// apiQRGet is GET /api/v1/tenants/:id/qr.
func (w *web) apiQRGet(c echo.Context) error {
	t, err := w.apiLoadTenant(c)
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	st, err := w.sup.Status(ctx, t.ID)
	if err != nil {
		return apiStoreError(err, "tenant")
	}
	out := apiQR{State: st.Session.State, PairCode: st.Session.PairCode}
	if st.Session.State == store.SessionQRReady && strings.HasPrefix(st.Session.LastQR, "data:image/png;base64,") {
		qr := st.Session.LastQR
		out.QR, out.ExpiresAt = &qr, utcTime(st.Session.QRExpiresAt)
	}
	return c.JSON(http.StatusOK, out)
}

// apiPairCode is POST /api/v1/tenants/:id/pair-code.
func (w *web) apiPairCode(c echo.Context) error {
	t, err := w.apiLoadTenant(c)
	if err != nil {
		return err
	}
	var in apiPairInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	phone, ok := normalizePhone(in.Phone)
	if !ok || phone == "" {
		return apiInvalid(map[string]string{"phone": "Give the business's number in international format, e.g. +255712345678."})
	}
	ctx, cancel := reqCtx(c, formCtx)
	st, err := w.sup.Status(ctx, t.ID)
	cancel()
	if err != nil {
		return apiStoreError(err, "tenant")
	}
	if st.Worker.Status != store.WorkerRunning && st.Worker.Status != store.WorkerStarting {
		return apiErr(http.StatusConflict, "not_running", "The worker is not running: POST …/worker/start first.")
	}
	pctx, pcancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), pairCtx)
	defer pcancel()
	code, err := w.sup.PairPhone(pctx, t.ID, phone)
	if err != nil {
		w.log.Warn("pairing code failed", "tenant_id", t.ID, "err", err)
		w.apiAudit(c, "session.pair_code", t.ID, t.Name, "failed for "+phone)
		return &apiError{Status: http.StatusConflict, Code: "pairing_failed",
			Message: "No pairing code: the phone may already be linked, or WhatsApp did not answer. Try again.", Err: err}
	}
	w.apiAudit(c, "session.pair_code", t.ID, t.Name, "pairing code for "+phone)
	return c.JSON(http.StatusOK, apiPairCode{State: store.SessionPairCodeReady, Code: code})
}
