package app

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/tenant"
)

// apiWorker is a tenant's worker as the API shows it.
type apiWorker struct {
	Status    string     `json:"status" doc:"STOPPED, STARTING, RUNNING, BACKOFF or ERROR"`
	LastError string     `json:"last_error"`
	Restarts  int        `json:"restarts"`
	StartedAt *time.Time `json:"started_at"`
}

// apiSession is a tenant's WhatsApp session as the API shows it (the QR
// code itself is at …/qr).
type apiSession struct {
	State       string     `json:"state" doc:"DISCONNECTED, QR_READY, PAIR_CODE_READY, CONNECTED or LOGGED_OUT"`
	Reason      string     `json:"reason"`
	PairCode    string     `json:"pair_code"`
	JID         string     `json:"jid"`
	QRExpiresAt *time.Time `json:"qr_expires_at"`
	LastSeenAt  *time.Time `json:"last_seen_at"`
}

// apiStatus is GET /tenants/:id/status.
type apiStatus struct {
	Tenant     apiTenant  `json:"tenant"`
	Worker     apiWorker  `json:"worker"`
	Session    apiSession `json:"session"`
	LastSeenAt *time.Time `json:"last_seen_at" doc:"The worker's last heartbeat."`
	LastError  string     `json:"last_error"`
	Attention  string     `json:"attention" doc:"Why the tenant needs an operator: error, stale, logged out, banned, restarting; empty when it does not."`
}

// apiTenantStatus reads a tenant's live state.
func (w *web) apiTenantStatus(c echo.Context, t store.Tenant) (apiStatus, error) {
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	st, err := w.sup.Status(ctx, t.ID)
	if err != nil {
		return apiStatus{}, apiStoreError(err, "tenant")
	}
	row := store.TenantRow{Tenant: t, WorkerStatus: st.Worker.Status, LastError: st.Worker.LastError,
		Restarts: st.Worker.Restarts, StartedAt: st.Worker.StartedAt, SessionState: st.Session.State,
		SessionReason: st.Session.Reason, LastSeenAt: st.Session.LastSeenAt}
	return apiStatus{
		Tenant: toAPITenant(t),
		Worker: apiWorker{Status: st.Worker.Status, LastError: st.Worker.LastError, Restarts: st.Worker.Restarts,
			StartedAt: utcTime(st.Worker.StartedAt)},
		Session: apiSession{State: st.Session.State, Reason: st.Session.Reason, PairCode: st.Session.PairCode,
			JID: st.Session.JID, QRExpiresAt: utcTime(st.Session.QRExpiresAt), LastSeenAt: utcTime(st.Session.LastSeenAt)},
		LastSeenAt: utcTime(st.Session.LastSeenAt),
		LastError:  st.Worker.LastError,
		Attention:  row.Attention(w.staleBefore(time.Now())),
	}, nil
}

func utcTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (w *web) workerAPIRoutes() []apiRoute {
	actions := []struct {
		path, summary, audit string
		run                  func(ctx context.Context, id string) error
	}{
		{"start", "Start the worker (the tenant becomes ACTIVE)", "worker.start", w.sup.Start},
		{"stop", "Stop the worker (the tenant becomes PAUSED, also across server restarts)", "worker.stop", w.sup.Stop},
		{"restart", "Restart the worker, keeping the phone linked", "worker.restart", w.sup.Restart},
		{"force-restart", "Unlink the phone and restart with a fresh pairing", "worker.force_restart", w.sup.ForceRestart},
	}
	var out []apiRoute
	for _, a := range actions {
		out = append(out, apiRoute{
			Method: http.MethodPost, Path: "/tenants/:id/worker/" + a.path, Tag: "workers", Scope: scopeTenant,
			Summary: a.summary, Handler: w.apiWorkerAction(a.audit, a.run), Response: apiStatus{},
		})
	}
	out = append(out, apiRoute{
		Method: http.MethodGet, Path: "/tenants/:id/status", Tag: "workers", Scope: scopeTenant,
		Summary: "The tenant, its worker and WhatsApp session states, last heartbeat and last error",
		Handler: w.apiStatusGet, Response: apiStatus{},
	})
	return out
}

// apiWorkerAction runs one worker control and answers with the new state.
func (w *web) apiWorkerAction(action string, run func(ctx context.Context, id string) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		t, err := w.apiLoadTenant(c)
		if err != nil {
			return err
		}
		// Not the request's context: a control that has begun finishes.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), workerCtx)
		defer cancel()
		if err := run(ctx, t.ID); err != nil {
			if errors.Is(err, tenant.ErrUnknownTenant) || errors.Is(err, store.ErrNotFound) {
				return apiNotFound("tenant")
			}
			w.log.Error("worker control failed", "tenant_id", t.ID, "action", action, "err", err)
			w.apiAudit(c, action, t.ID, t.Name, "failed")
			return &apiError{Status: http.StatusConflict, Code: "worker_error",
				Message: "The worker control did not work: " + shortError(err) + ". The details are in the server log.", Err: err}
		}
		w.log.Info("worker control through the API", "tenant_id", t.ID, "action", action)
		w.apiAudit(c, action, t.ID, t.Name, "")
		if action != "worker.stop" {
			w.waitWorkerLaunched(c, t.ID, 2*time.Second)
		}
		if t, err = w.apiLoadTenant(c); err != nil {
			return err
		}
		st, err := w.apiTenantStatus(c, t)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, st)
	}
}

// apiStatusGet is GET /api/v1/tenants/:id/status.
func (w *web) apiStatusGet(c echo.Context) error {
	t, err := w.apiLoadTenant(c)
	if err != nil {
		return err
	}
	st, err := w.apiTenantStatus(c, t)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

// waitWorkerLaunched waits a little for a started worker to leave STOPPED
// (the actor launches asynchronously), so the answer shows it starting.
func (w *web) waitWorkerLaunched(c echo.Context, id string, d time.Duration) {
	ctx, cancel := reqCtx(c, d)
	defer cancel()
	for {
		st, err := w.sup.Status(ctx, id)
		if err != nil || st.Worker.Status != store.WorkerStopped {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}
