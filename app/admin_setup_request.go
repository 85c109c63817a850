package app

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/views"
)

// setupPerPage is the page size of the pending setup requests.
const setupPerPage = 50

// setupRecent is how many decided requests the list shows.
const setupRecent = 20

// adminSetupRequestRoutes adds the admin's side of the setup requests.
func (w *web) adminSetupRequestRoutes(e *echo.Echo) {
	admin := func(method, path string, h echo.HandlerFunc) { e.Add(method, path, h, w.requireAdmin) }
	admin(http.MethodGet, "/admin/setup-requests", w.adminSetupRequests)
	admin(http.MethodGet, "/admin/setup-requests/count", w.adminSetupRequestCount)
	admin(http.MethodPost, "/admin/setup-requests/:id/approve", w.adminSetupRequestApprove)
	admin(http.MethodPost, "/admin/setup-requests/:id/reject", w.adminSetupRequestReject)
	admin(http.MethodPost, "/admin/setup-requests/:id/invite", w.adminSetupRequestInvite)
}

// setupList loads the list page: pending requests newest first (paged by
// the before cursor) and the latest decided ones.
func (w *web) setupList(c echo.Context) (views.SetupRequests, error) {
	p := views.SetupRequests{Now: time.Now(), CSRF: w.csrfToken(c), Errors: map[string]string{}, Reasons: map[string]string{}}
	if b := c.QueryParam("before"); len(b) <= 64 {
		p.Before = b
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	pending, err := w.st.ListSetupRequests(ctx, store.SetupPending, setupPerPage+1, p.Before)
	if err != nil {
		return p, fmt.Errorf("app: setup requests: %w", err)
	}
	if len(pending) > setupPerPage {
		pending = pending[:setupPerPage]
		p.Older = pending[len(pending)-1].ID
	}
	p.Pending = pending
	for _, status := range []string{store.SetupApproved, store.SetupRejected} {
		rows, err := w.st.ListSetupRequests(ctx, status, setupRecent, "")
		if err != nil {
			return p, fmt.Errorf("app: setup requests: %w", err)
		}
		p.Recent = append(p.Recent, rows...)
	}
	sortDecided(p.Recent)
	if len(p.Recent) > setupRecent {
		p.Recent = p.Recent[:setupRecent]
	}
	if p.PendingCount, err = w.st.CountSetupRequests(ctx, store.SetupPending); err != nil {
		return p, fmt.Errorf("app: setup requests: %w", err)
	}
	return p, nil
}

// sortDecided orders decided requests by decision time, newest first.
func sortDecided(rs []store.SetupRequest) {
	at := func(r store.SetupRequest) time.Time {
		if r.DecidedAt != nil {
			return *r.DecidedAt
		}
		return r.UpdatedAt
	}
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && at(rs[j]).After(at(rs[j-1])); j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

// renderSetupList answers with the list: the panel for htmx, the page
// otherwise.
func (w *web) renderSetupList(c echo.Context, status int, p views.SetupRequests) error {
	l := w.layout(c, "Setup requests", "setup")
	l.SetupPending = p.PendingCount
	return w.page(c, status, views.SetupRequestsPage(l, p), views.SetupRequestsPanel(p))
}

// adminSetupRequests lists the setup requests (GET /admin/setup-requests).
func (w *web) adminSetupRequests(c echo.Context) error {
	p, err := w.setupList(c)
	if err != nil {
		return err
	}
	switch {
	case c.QueryParam("rejected") != "":
		p.Notice = "The request was rejected."
	}
	return w.renderSetupList(c, http.StatusOK, p)
}

// adminSetupRequestCount is the nav badge
// (GET /admin/setup-requests/count, htmx).
func (w *web) adminSetupRequestCount(c echo.Context) error {
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	n, err := w.st.CountSetupRequests(ctx, store.SetupPending)
	if err != nil {
		return fmt.Errorf("app: setup request count: %w", err)
	}
	return w.render(c, http.StatusOK, views.SetupBadge(n))
}
