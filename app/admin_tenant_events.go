package app

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/views"
)

// Pacing of a tenant page's streams: state changes are gathered for
// statusFlush (a starting worker changes state several times in a few
// milliseconds), log rows for logFlush.
const (
	statusFlush = 150 * time.Millisecond
	logFlush    = 100 * time.Millisecond
	// tailCatchUp is how many rows a log stream reads at its start, to
	// send what was logged between the page load and the connection.
	tailCatchUp = 100
)

// adminTenantEvents streams a tenant page's live updates
// (GET /admin/tenants/:id/events): by default the state and link panels
// (event "update": the QR code as it rotates, worker and session states);
// with stream=logs, new and changed log rows matching dir and q (event
// "log"), for the rows above the id given as after.
func (w *web) adminTenantEvents(c echo.Context) error {
	t, err := w.loadTenant(c)
	if err != nil {
		return err
	}
	if c.QueryParam("stream") == "logs" {
		return w.tenantLogStream(c, t)
	}
	return w.tenantStatusStream(c, t)
}

func (w *web) tenantStatusStream(c echo.Context, t store.Tenant) error {
	return w.tenantStateStream(c, t.ID, w.loadTenant, func(status views.TenantStatus, link views.TenantLink) templ.Component {
		status.OOB, link.OOB = true, true
		return views.StatusUpdate(status, link)
	})
}

// logFilter is a log stream's filters.
type logFilter struct {
	dir, q string // q lower-cased
}

func (f logFilter) match(m store.MessageLog) bool {
	if f.dir != "" && m.Direction != f.dir {
		return false
	}
	return f.q == "" || strings.Contains(strings.ToLower(m.MessageText), f.q)
}

func (w *web) tenantLogStream(c echo.Context, t store.Tenant) error {
	dir, q, _ := logsParams(c)
	f := logFilter{dir: dir, q: strings.ToLower(q)}
	after, _ := strconv.ParseInt(c.QueryParam("after"), 10, 64)
	sub := w.sup.Subscribe(t.ID, 1024)
	defer sub.Close()
	stream, err := startSSE(c)
	if err != nil {
		return err
	}
	tail := newLogTail(after, f.match)
	catchUp := func() {
		ctx, cancel := reqCtx(c, formCtx)
		defer cancel()
		rows, err := w.st.ListLogs(ctx, t.ID, store.ListLogsOptions{Direction: dir, Query: q, Limit: tailCatchUp})
		if err != nil {
			w.log.Warn("log stream catch-up", "tenant_id", t.ID, "err", err)
			return
		}
		tail.catchUp(rows)
	}
	catchUp()
	return stream.pump(w.done, sub, logFlush, func(ch tenant.Change) {
		if ch.Kind == tenant.ChangeMessage {
			tail.queue(ch.Message)
		}
	}, func(lost bool) error {
		if lost {
			catchUp()
		}
		if tail.empty() {
			return nil
		}
		// Newest first, as the table lists them.
		slices.SortFunc(tail.added, func(a, b store.MessageLog) int { return cmpID(b.ID, a.ID) })
		err := stream.send("log", views.LogTail(tail.added, tail.moved, time.Now()))
		tail.reset()
		if err != nil {
			return errStreamGone
		}
		return nil
	})
}

func cmpID(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
