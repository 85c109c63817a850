package app

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/views"
)

// portalTenant loads the signed-in tenant user's tenant; a deleted tenant
// is a 404.
func (w *web) portalTenant(c echo.Context) (store.Tenant, error) {
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	t, err := w.st.GetTenant(ctx, portalTenantID(c))
	if errors.Is(err, store.ErrNotFound) {
		return store.Tenant{}, errNotFound("tenant")
	}
	if err != nil {
		return store.Tenant{}, fmt.Errorf("app: portal tenant: %w", err)
	}
	return t, nil
}

// portalLive is the status page's live state panel.
func portalLive(lang string, s views.TenantStatus) views.PortalLive {
	return views.PortalLive{
		Lang: lang, State: views.PortalState(s.Worker, s.Session), Number: views.LinkedNumber(s.Session.JID),
		LastSeen: s.Session.LastSeenAt, Now: time.Now(),
	}
}

// portalStatus is the portal's home (GET /portal/status): the WhatsApp
// link's state in plain words and what to do about it, with today's
// message counts.
func (w *web) portalStatus(c echo.Context) error {
	l, err := w.portalLayout(c, "status.title", "status")
	if err != nil {
		return err
	}
	t, err := w.portalTenant(c)
	if err != nil {
		return err
	}
	status, _, err := w.tenantState(c, t)
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	counts, err := w.st.CountMessagesSince(ctx, t.ID, views.DayStart(time.Now()))
	if err != nil {
		return fmt.Errorf("app: portal status: %w", err)
	}
	p := views.PortalStatus{
		Lang: l.Lang, Live: portalLive(l.Lang, status),
		In: counts.Get(store.DirIn, ""), Suppressed: counts.Get(store.DirOut, store.StatusSuppressed),
	}
	p.Out = counts.Get(store.DirOut, "") - p.Suppressed
	return w.render(c, http.StatusOK, views.PortalStatusPage(l, p))
}

// portalEvents streams the live state of the tenant's link
// (GET /portal/events): the Status page's state panel (view=status) or
// the Link page's QR area as it rotates (view=link).
func (w *web) portalEvents(c echo.Context) error {
	t, err := w.portalTenant(c)
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(c, formCtx)
	cfg, err := w.st.GetTenantConfig(ctx, t.ID)
	cancel()
	if err != nil {
		return fmt.Errorf("app: portal events: %w", err)
	}
	lang, view := portalLang(cfg), c.QueryParam("view")
	return w.tenantStateStream(c, t.ID, w.portalTenant, func(status views.TenantStatus, link views.TenantLink) templ.Component {
		if view == "link" {
			link.OOB = true
			return views.PortalLiveUpdate(nil, lang, &link)
		}
		live := portalLive(lang, status)
		live.OOB = true
		return views.PortalLiveUpdate(&live, lang, nil)
	})
}
