package app

import (
	"errors"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/views"
)

// maxWatchedTenants bounds the rows one list stream follows.
const maxWatchedTenants = 100

// How the tenant list stream paces itself: changes are gathered for
// rowsFlush and sent as one event; every rowsRefresh all rows are sent
// again so "last seen" stays current.
const (
	rowsFlush   = 400 * time.Millisecond
	rowsRefresh = 30 * time.Second
)

// adminTenantsEvents streams updated rows of the tenants a list page shows
// (GET /admin/tenants/events?ids=a,b,c) as the event "rows".
func (w *web) adminTenantsEvents(c echo.Context) error {
	want := map[string]bool{}
	for _, id := range strings.Split(c.QueryParam("ids"), ",") {
		if id = strings.TrimSpace(id); id != "" && len(id) <= 128 && len(want) < maxWatchedTenants {
			want[id] = true
		}
	}
	sub := w.sup.Subscribe("", 1024)
	defer sub.Close()
	stream, err := startSSE(c)
	if err != nil {
		return err
	}
	// Latest live state per changed tenant, laid over the stored row: the
	// supervisor's state writer may not have flushed it yet.
	workers := map[string]store.Worker{}
	sessions := map[string]store.WhatsAppSession{}
	// Everything is sent once at the start: rows may have changed between
	// the page load and this connection. Later, every row is redrawn every
	// rowsRefresh (last seen moves on) and after lost changes.
	dirty := map[string]bool{}
	markAll := func() {
		for id := range want {
			dirty[id] = true
		}
	}
	markAll()
	refreshed := time.Now()
	return stream.pump(w.done, sub, rowsFlush, func(ch tenant.Change) {
		if !want[ch.TenantID] {
			return
		}
		dirty[ch.TenantID] = true
		switch ch.Kind {
		case tenant.ChangeWorker:
			workers[ch.TenantID] = ch.Worker
		case tenant.ChangeSession:
			sessions[ch.TenantID] = ch.Session
		}
	}, func(lost bool) error {
		if lost || time.Since(refreshed) >= rowsRefresh {
			markAll()
			refreshed = time.Now()
		}
		if len(dirty) == 0 {
			return nil
		}
		ids := make([]string, 0, len(dirty))
		for id := range dirty {
			ids = append(ids, id)
		}
		clear(dirty)
		err := w.sendRows(c, stream, ids, workers, sessions)
		if err != nil && !errors.Is(err, errStreamGone) {
			w.log.Warn("tenant list stream", "err", err)
			return nil
		}
		return err
	})
}

var errStreamGone = errors.New("app: event stream closed")

func (w *web) sendRows(c echo.Context, stream *sseStream, ids []string, workers map[string]store.Worker, sessions map[string]store.WhatsAppSession) error {
	now := time.Now()
	ctx, cancel := reqCtx(c, 10*time.Second)
	defer cancel()
	rows, err := w.st.GetTenantRows(ctx, ids, views.DayStart(now))
	if err != nil {
		return err
	}
	props := make([]views.TenantRowProps, 0, len(rows))
	for _, r := range rows {
		if wk, ok := workers[r.ID]; ok {
			r.WorkerStatus, r.LastError, r.Restarts, r.StartedAt = wk.Status, wk.LastError, wk.Restarts, wk.StartedAt
		}
		if s, ok := sessions[r.ID]; ok {
			r.SessionState, r.SessionReason = s.State, s.Reason
		}
		props = append(props, w.rowProps(r, now))
	}
	if err := stream.send("rows", views.TenantRowsUpdate(props)); err != nil {
		return errStreamGone
	}
	return nil
}
