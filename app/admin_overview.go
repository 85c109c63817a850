package app

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/views"
)

// overviewAttention is how many tenants needing attention the overview
// lists.
const overviewAttention = 10

// adminOverview is the dashboard's front page (GET /admin): tenants,
// workers and sessions by state, today's traffic, messages per hour over
// the last 24 hours and the tenants that need attention.
func (w *web) adminOverview(c echo.Context) error {
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	now := time.Now()
	today := views.DayStart(now)
	states, err := w.st.CountStates(ctx)
	if err != nil {
		return fmt.Errorf("app: overview: %w", err)
	}
	counts, err := w.st.CountMessagesSince(ctx, "", today)
	if err != nil {
		return fmt.Errorf("app: overview: %w", err)
	}
	hours, err := w.st.MessagesPerHour(ctx, now.Truncate(time.Hour).Add(-23*time.Hour), 24)
	if err != nil {
		return fmt.Errorf("app: overview: %w", err)
	}
	rows, total, err := w.st.ListTenantRows(ctx, store.TenantRowsOptions{
		Attention: true, StaleBefore: w.staleBefore(now), Since: today, Limit: overviewAttention,
	})
	if err != nil {
		return fmt.Errorf("app: overview: %w", err)
	}
	suppressed := counts.Get(store.DirOut, store.StatusSuppressed)
	p := views.Overview{
		States:     states,
		InToday:    counts.Get(store.DirIn, ""),
		OutToday:   counts.Get(store.DirOut, "") - suppressed,
		Failed:     counts.Get(store.DirOut, store.StatusFailed),
		Suppressed: suppressed,
		Chart:      views.NewChart(hours),
		More:       total > int64(len(rows)),
	}
	for _, r := range rows {
		p.Attention = append(p.Attention, w.rowProps(r, now))
	}
	return w.page(c, http.StatusOK, views.OverviewPage(w.layout(c, "Overview", "overview"), p), views.OverviewPanel(p))
}
