package app

import (
	"errors"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/views"
)

// tenantStateStream streams a tenant's live worker and session state as
// SSE "update" events: the admin's tenant page and the portal's Status and
// Link pages each render the state their own way (render). load reads the
// tenant again before every event; a 404 from it (the tenant was deleted)
// ends the stream.
func (w *web) tenantStateStream(c echo.Context, tenantID string, load func(echo.Context) (store.Tenant, error),
	render func(views.TenantStatus, views.TenantLink) templ.Component) error {
	sub := w.sup.Subscribe(tenantID, 256)
	defer sub.Close()
	stream, err := startSSE(c)
	if err != nil {
		return err
	}
	var lastWorker *store.Worker
	var lastSession *store.WhatsAppSession
	// send renders the live parts. It returns errStreamGone when the
	// stream cannot go on (the client left, the tenant was deleted); other
	// errors are worth a retry at the next tick.
	send := func() error {
		cur, err := load(c)
		if err != nil {
			var he *echo.HTTPError
			if errors.As(err, &he) && he.Code == http.StatusNotFound || errors.Is(err, store.ErrNotFound) {
				return errStreamGone
			}
			return err
		}
		status, link, err := w.tenantState(c, cur)
		if err != nil {
			return err
		}
		// The changes themselves are the newest state: the supervisor's
		// stored copy can lag behind while its state writer flushes.
		if lastWorker != nil {
			status.Worker = *lastWorker
			link.Running = lastWorker.Status == store.WorkerRunning || lastWorker.Status == store.WorkerStarting
		}
		if lastSession != nil {
			seen := status.Session.LastSeenAt
			status.Session, link.Session = *lastSession, *lastSession
			status.Session.LastSeenAt, link.Session.LastSeenAt = seen, seen
		}
		if err := stream.send("update", render(status, link)); err != nil {
			return errStreamGone
		}
		return nil
	}
	// The page was rendered just before this connection: anything that
	// changed in between is sent now.
	dirty := false
	if err := send(); errors.Is(err, errStreamGone) {
		return nil
	} else if err != nil {
		w.log.Warn("tenant status stream", "tenant_id", tenantID, "err", err)
		dirty = true
	}
	return stream.pump(w.done, sub, statusFlush, func(ch tenant.Change) {
		switch ch.Kind {
		case tenant.ChangeWorker:
			wk := ch.Worker
			lastWorker, dirty = &wk, true
		case tenant.ChangeSession:
			ss := ch.Session
			lastSession, dirty = &ss, true
		}
	}, func(lost bool) error {
		if !dirty && !lost {
			return nil
		}
		dirty = false
		err := send()
		if err != nil && !errors.Is(err, errStreamGone) {
			w.log.Warn("tenant status stream; retrying", "tenant_id", tenantID, "err", err)
			dirty = true
			return nil
		}
		return err
	})
}
