package app

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/views"
)

// maxMessageText bounds a simulated or try-it message (bytes), WhatsApp's
// own limit.
const maxMessageText = 65536

// simOnly refuses the simulation routes unless the server runs the
// simulated network.
func (w *web) simOnly() error {
	if w.sim == nil {
		return errNotFound("page (the simulated phone network is off)")
	}
	return nil
}

// adminTenantSimScan links the tenant's simulated phone as if its QR code
// was scanned (POST /admin/tenants/:id/sim/scan).
func (w *web) adminTenantSimScan(c echo.Context) error {
	if err := w.simOnly(); err != nil {
		return err
	}
	t, err := w.loadTenant(c)
	if err != nil {
		return err
	}
	status := http.StatusOK
	errMsg := ""
	var connected *store.WhatsAppSession
	if _, err := w.sim.Scan(t.ID); err != nil {
		errMsg, status = "The phone is not showing a QR code right now. Start the worker first.", http.StatusConflict
		w.audit(c, "sim.scan", t.ID, t.Name, "no QR code showing")
	} else {
		w.audit(c, "sim.scan", t.ID, t.Name, "")
		w.log.Info("simulated QR scan", "tenant_id", t.ID)
		connected = w.waitConnected(c, t.ID, 3*time.Second)
	}
	if !isHTMX(c) {
		if errMsg != "" {
			return echo.NewHTTPError(status, errMsg)
		}
		return c.Redirect(http.StatusSeeOther, views.TenantURL(t.ID))
	}
	_, link, err := w.tenantState(c, t)
	if err != nil {
		return err
	}
	link.Error = errMsg
	if connected != nil {
		// What waitConnected saw: a second read can briefly return the
		// state from before while the supervisor flushes its writes.
		seen := link.Session.LastSeenAt
		link.Session, link.Session.LastSeenAt = *connected, seen
	}
	return w.render(c, status, views.TenantQR(link))
}

// waitConnected waits a little for a linked phone's session to read
// CONNECTED, so the answer shows it, and returns that session (nil if it
// did not get there in time).
func (w *web) waitConnected(c echo.Context, id string, d time.Duration) *store.WhatsAppSession {
	ctx, cancel := reqCtx(c, d)
	defer cancel()
	for ctx.Err() == nil {
		st, err := w.sup.Status(ctx, id)
		if err != nil {
			return nil
		}
		if st.Session.State == store.SessionConnected {
			return &st.Session
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// adminTenantSimMessage delivers a message from a simulated customer
// (POST /admin/tenants/:id/sim/message). The message and the bot's reply
// reach the page through its live log.
func (w *web) adminTenantSimMessage(c echo.Context) error {
	if err := w.simOnly(); err != nil {
		return err
	}
	t, err := w.loadTenant(c)
	if err != nil {
		return err
	}
	p := views.TenantSim{TenantID: t.ID, CSRF: w.csrfToken(c), Customer: strings.TrimSpace(c.FormValue("from")),
		Text: c.FormValue("text"), Errors: map[string]string{}}
	from, ok := normalizePhone(p.Customer)
	if !ok || from == "" {
		p.Errors["from"] = "Enter the customer's number in international format, e.g. +254700000001."
	}
	switch {
	case strings.TrimSpace(p.Text) == "":
		p.Errors["text"] = "Type a message."
	case len(p.Text) > maxMessageText:
		p.Errors["text"] = "The message is too long: WhatsApp allows 65,536 characters."
	case strings.ContainsRune(p.Text, 0) || !validUTF8(p.Text):
		p.Errors["text"] = "The message must be valid text."
	}
	status := http.StatusOK
	if len(p.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	} else {
		chat := strings.TrimPrefix(from, "+") + "@s.whatsapp.net"
		id := w.sim.Deliver(t.ID, tenant.Inbound{Chat: chat, Sender: chat, Text: p.Text})
		w.log.Info("simulated customer message", "tenant_id", t.ID, "chat", chat, "wa_message_id", id)
		w.audit(c, "sim.message", t.ID, t.Name, "from "+from)
		p.Text = ""
		p.Notice = "Delivered from " + from + ". The message and the bot's reply appear in the log below."
		if !w.sim.Connected(t.ID) {
			p.Notice = "Queued from " + from + ": the phone is not linked, so WhatsApp holds the message until it is."
		}
	}
	if !isHTMX(c) {
		if status != http.StatusOK {
			d, err := w.tenantDetail(c, t)
			if err != nil {
				return err
			}
			d.Sim = &p
			return w.renderDetail(c, status, d)
		}
		return c.Redirect(http.StatusSeeOther, views.TenantURL(t.ID))
	}
	return w.render(c, status, views.TenantSimPanel(p))
}
