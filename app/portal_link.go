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

// portalLinkState loads what the Link page shows, in the portal language.
func (w *web) portalLinkState(c echo.Context) (store.Tenant, views.PortalLayout, views.TenantLink, error) {
	l, err := w.portalLayout(c, "link.title", "link")
	if err != nil {
		return store.Tenant{}, l, views.TenantLink{}, err
	}
	t, err := w.portalTenant(c)
	if err != nil {
		return store.Tenant{}, l, views.TenantLink{}, err
	}
	_, link, err := w.tenantState(c, t)
	return t, l, link, err
}

// portalLink is the Link page (GET /portal/link): step-by-step
// instructions and the QR code, updating live as it rotates.
func (w *web) portalLink(c echo.Context) error {
	_, l, link, err := w.portalLinkState(c)
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, views.PortalLinkPage(l, views.PortalLink{Lang: l.Lang, Link: link}))
}

// portalLinkAnswer answers a Link page action: the QR area for htmx, the
// page otherwise (with the problem, if any, in the QR area).
func (w *web) portalLinkAnswer(c echo.Context, status int, l views.PortalLayout, link views.TenantLink) error {
	if isHTMX(c) {
		return w.render(c, status, views.PortalQR(l.Lang, link))
	}
	if status == http.StatusOK {
		return c.Redirect(http.StatusSeeOther, "/portal/link")
	}
	return w.render(c, status, views.PortalLinkPage(l, views.PortalLink{Lang: l.Lang, Link: link}))
}

// portalLinkPair asks for a pairing code for the business's number
// (POST /portal/link/pair), for a phone that cannot scan.
func (w *web) portalLinkPair(c echo.Context) error {
	t, l, link, err := w.portalLinkState(c)
	if err != nil {
		return err
	}
	typed := strings.TrimSpace(c.FormValue("phone"))
	phone, msg := normalizeLocalPhone(typed, "")
	link.Phone = typed
	status := http.StatusOK
	switch {
	case msg != "":
		link.Error, status = views.T(l.Lang, "link.pair.bad"), http.StatusUnprocessableEntity
	case !link.Running:
		link.Error, status = views.T(l.Lang, "link.notrunning"), http.StatusConflict
	default:
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), pairCtx)
		defer cancel()
		code, err := w.sup.PairPhone(ctx, t.ID, phone)
		if err != nil {
			w.log.Warn("pairing code failed", "tenant_id", t.ID, "err", err)
			link.Error, status = views.T(l.Lang, "link.pair.failed"), http.StatusConflict
			w.audit(c, "session.pair_code", t.ID, t.Name, "portal: failed for "+phone)
			break
		}
		link.Session.State, link.Session.PairCode = store.SessionPairCodeReady, code
		w.audit(c, "session.pair_code", t.ID, t.Name, "portal: pairing code for "+phone)
		if !isHTMX(c) {
			// The code is in the session row: the page shows it.
			return w.render(c, http.StatusOK, views.PortalLinkPage(l, views.PortalLink{Lang: l.Lang, Link: link}))
		}
	}
	return w.portalLinkAnswer(c, status, l, link)
}

// portalLinkRelink shows a fresh QR code after WhatsApp logged the
// service out (POST /portal/link/relink): it unlinks what is left of the
// old device and restarts the worker. A linked phone is never unlinked
// from here.
func (w *web) portalLinkRelink(c echo.Context) error {
	t, l, link, err := w.portalLinkState(c)
	if err != nil {
		return err
	}
	if link.Session.State == store.SessionConnected {
		link.Error = views.T(l.Lang, "link.again.linked")
		return w.portalLinkAnswer(c, http.StatusConflict, l, link)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), workerCtx)
	defer cancel()
	if err := w.sup.ForceRestart(ctx, t.ID); err != nil {
		w.log.Error("portal relink failed", "tenant_id", t.ID, "err", err)
		w.audit(c, "session.relink", t.ID, t.Name, "portal: failed")
		link.Error = shortError(err)
		return w.portalLinkAnswer(c, http.StatusServiceUnavailable, l, link)
	}
	w.log.Info("portal relink", "tenant_id", t.ID)
	w.audit(c, "session.relink", t.ID, t.Name, "portal: new QR code after logout")
	if _, link, err = w.tenantState(c, t); err != nil {
		return err
	}
	return w.portalLinkAnswer(c, http.StatusOK, l, link)
}

// portalLinkSimScan links the tenant's simulated phone as if the QR code
// was scanned (POST /portal/link/sim-scan; FLOWHQ_WHATSAPP=sim only), for
// demos and tests.
func (w *web) portalLinkSimScan(c echo.Context) error {
	if err := w.simOnly(); err != nil {
		return err
	}
	t, l, link, err := w.portalLinkState(c)
	if err != nil {
		return err
	}
	status := http.StatusOK
	var connected *store.WhatsAppSession
	if _, err := w.sim.Scan(t.ID); err != nil {
		link.Error, status = views.T(l.Lang, "link.sim.none"), http.StatusConflict
		w.audit(c, "sim.scan", t.ID, t.Name, "portal: no QR code showing")
	} else {
		w.audit(c, "sim.scan", t.ID, t.Name, "portal")
		w.log.Info("simulated QR scan", "tenant_id", t.ID)
		connected = w.waitConnected(c, t.ID, 3*time.Second)
		if _, link, err = w.tenantState(c, t); err != nil {
			return err
		}
	}
	if connected != nil {
		seen := link.Session.LastSeenAt
		link.Session, link.Session.LastSeenAt = *connected, seen
	}
	return w.portalLinkAnswer(c, status, l, link)
}
