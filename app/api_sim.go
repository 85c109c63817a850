package app

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/tenant"
)

// The simulated phone network through the API (FLOWHQ_WHATSAPP=sim only),
// for demos and tests: scan a tenant's QR code, write as a customer.

// apiSimScan answers POST /sim/tenants/:id/scan.
type apiSimScan struct {
	State string `json:"state" doc:"CONNECTED once the link is up (or the state when it took longer than 3 s)."`
	JID   string `json:"jid" doc:"The tenant's simulated device."`
}

// apiSimInbound is the body of POST /sim/tenants/:id/inbound.
type apiSimInbound struct {
	From string `json:"from" doc:"The customer's number in international format."`
	Text string `json:"text"`
	ID   string `json:"id" optional:"true" doc:"WhatsApp message id; the same id twice is one message (duplicate delivery). Default: random."`
}

// apiSimDelivered answers POST /sim/tenants/:id/inbound.
type apiSimDelivered struct {
	ID     string `json:"id" doc:"The WhatsApp message id used."`
	Chat   string `json:"chat"`
	Queued bool   `json:"queued" doc:"The phone is not linked: WhatsApp holds the message until it is."`
}

func (w *web) simAPIRoutes() []apiRoute {
	return []apiRoute{
		{
			Method: http.MethodPost, Path: "/sim/tenants/:id/scan", Tag: "sim", Scope: scopeSim,
			Summary: "Simulated network: scan the tenant's QR code (links its phone)", Handler: w.apiSimScan, Response: apiSimScan{},
		},
		{
			Method: http.MethodPost, Path: "/sim/tenants/:id/inbound", Tag: "sim", Scope: scopeSim,
			Summary: "Simulated network: a customer writes to the tenant", Handler: w.apiSimInbound,
			Request: apiSimInbound{}, Response: apiSimDelivered{}, Status: http.StatusAccepted,
		},
	}
}

// apiSimScan is POST /api/v1/sim/tenants/:id/scan.
func (w *web) apiSimScan(c echo.Context) error {
	t, err := w.apiLoadTenant(c)
	if err != nil {
		return err
	}
	jid, err := w.sim.Scan(t.ID)
	if err != nil {
		w.apiAudit(c, "sim.scan", t.ID, t.Name, "no QR code showing")
		return apiErr(http.StatusConflict, "no_qr", "The phone is not showing a QR code right now: start the worker first.")
	}
	w.apiAudit(c, "sim.scan", t.ID, t.Name, "")
	w.log.Info("simulated QR scan through the API", "tenant_id", t.ID)
	out := apiSimScan{State: "", JID: jid}
	if s := w.waitConnected(c, t.ID, 3*time.Second); s != nil {
		out.State = s.State
	} else {
		ctx, cancel := reqCtx(c, formCtx)
		defer cancel()
		if st, err := w.sup.Status(ctx, t.ID); err == nil {
			out.State = st.Session.State
		}
	}
	return c.JSON(http.StatusOK, out)
}

// apiSimInbound is POST /api/v1/sim/tenants/:id/inbound.
func (w *web) apiSimInbound(c echo.Context) error {
	t, err := w.apiLoadTenant(c)
	if err != nil {
		return err
	}
	var in apiSimInbound
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	fields := map[string]string{}
	from, ok := normalizePhone(in.From)
	if !ok || from == "" {
		fields["from"] = "Give the customer's number in international format, e.g. +254700000001."
	}
	switch {
	case strings.TrimSpace(in.Text) == "":
		fields["text"] = "Type a message."
	case len(in.Text) > maxMessageText:
		fields["text"] = "The message is too long: WhatsApp allows 65,536 characters."
	case strings.ContainsRune(in.Text, 0) || !utf8.ValidString(in.Text):
		fields["text"] = "The message must be valid text."
	}
	if len(in.ID) > 128 || strings.ContainsAny(in.ID, " \t\r\n\x00") || !utf8.ValidString(in.ID) {
		fields["id"] = "At most 128 characters, no spaces."
	}
	if len(fields) > 0 {
		return apiInvalid(fields)
	}
	chat := strings.TrimPrefix(from, "+") + "@s.whatsapp.net"
	id := w.sim.Deliver(t.ID, tenant.Inbound{ID: in.ID, Chat: chat, Sender: chat, Text: in.Text})
	w.log.Info("simulated customer message through the API", "tenant_id", t.ID, "chat", chat, "wa_message_id", id)
	w.apiAudit(c, "sim.message", t.ID, t.Name, "from "+from)
	return c.JSON(http.StatusAccepted, apiSimDelivered{ID: id, Chat: chat, Queued: !w.sim.Connected(t.ID)})
}
