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
	shown := map[int64]bool{} // rows this stream added to the page
	var added, changed []store.MessageLog
	queue := func(m store.MessageLog) {
		if !f.match(m) {
			return
		}
		if i := slices.IndexFunc(added, func(x store.MessageLog) bool { return x.ID == m.ID }); i >= 0 {
			added[i] = m
			return
		}
		if m.ID > after && !shown[m.ID] {
			shown[m.ID] = true
			added = append(added, m)
			return
		}
		if i := slices.IndexFunc(changed, func(x store.MessageLog) bool { return x.ID == m.ID }); i >= 0 {
			changed[i] = m
			return
		}
		changed = append(changed, m)
	}
	catchUp := func() {
		ctx, cancel := reqCtx(c, formCtx)
		defer cancel()
		rows, err := w.st.ListLogs(ctx, t.ID, store.ListLogsOptions{Direction: dir, Query: q, Limit: tailCatchUp})
		if err != nil {
			w.log.Warn("log stream catch-up", "tenant_id", t.ID, "err", err)
			return
		}
		for i := len(rows) - 1; i >= 0; i-- {
			if rows[i].ID > after && !shown[rows[i].ID] {
				queue(rows[i])
			}
		}
	}
	catchUp()
	return stream.pump(w.done, sub, logFlush, func(ch tenant.Change) {
		if ch.Kind == tenant.ChangeMessage {
			queue(ch.Message)
		}
	}, func(lost bool) error {
		if lost {
			catchUp()
		}
		if len(added) == 0 && len(changed) == 0 {
			return nil
		}
		// Newest first, as the table lists them.
		slices.SortFunc(added, func(a, b store.MessageLog) int { return cmpID(b.ID, a.ID) })
		err := stream.send("log", views.LogTail(added, changed, time.Now()))
		added, changed = added[:0], changed[:0]
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
