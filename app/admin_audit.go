package app

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/views"
)

// auditActions are the actions the dashboard records, for the filter.
func auditActions() []views.Option {
	return []views.Option{
		{Value: "auth.", Label: "Sign-ins and sign-outs"},
		{Value: "tenant.", Label: "Tenants created, edited, deleted"},
		{Value: "worker.", Label: "Worker controls"},
		{Value: "worker.force_restart", Label: "Force restarts"},
		{Value: "session.", Label: "Pairing codes and relinks"},
		{Value: "sim.", Label: "Simulated phone"},
		{Value: "user.", Label: "Accounts and invites"},
		{Value: "setup.", Label: "Setup requests"},
		{Value: "settings.", Label: "Bot settings (portal)"},
		{Value: "chat.", Label: "Chats paused and resumed"},
		{Value: "message.", Label: "Messages sent through the API"},
		{Value: "token.", Label: "API tokens"},
		{Value: "webhook.", Label: "Webhooks"},
	}
}

// auditPerPage is the audit log's page size.
const auditPerPage = 50

// adminAudit lists the audit log, newest first (GET /admin/audit).
func (w *web) adminAudit(c echo.Context) error {
	p := views.Audit{Actions: auditActions(), Now: time.Now()}
	p.TenantID = searchParam(c.QueryParam("tenant"))
	if a := c.QueryParam("action"); a != "" {
		for _, o := range p.Actions {
			if o.Value == a {
				p.Action = a
			}
		}
	}
	p.Before, _ = strconv.ParseInt(c.QueryParam("before"), 10, 64)
	p.Before = max(p.Before, 0)
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	entries, err := w.st.ListAudit(ctx, store.ListAuditOptions{
		TenantID: strings.TrimSpace(p.TenantID), Action: p.Action, BeforeID: p.Before, Limit: auditPerPage + 1,
	})
	if err != nil {
		return fmt.Errorf("app: audit log: %w", err)
	}
	if len(entries) > auditPerPage {
		entries = entries[:auditPerPage]
		p.Older = entries[len(entries)-1].ID
	}
	p.Entries = entries
	return w.page(c, http.StatusOK, views.AuditPage(w.layout(c, "Audit log", "audit"), p), views.AuditPanel(p))
}

// audit records an action of the signed-in person. A failure to record is
// logged, not returned: the action itself has already happened.
func (w *web) audit(c echo.Context, action, tenantID, tenantName, detail string) {
	e := store.AuditEntry{Action: action, TenantID: tenantID, TenantName: tenantName, Detail: detail, IP: c.RealIP()}
	if a := authOf(c); a != nil {
		e.ActorID, e.ActorEmail = a.User.ID, a.User.Email
	}
	// Not the request's context: a client that disconnects right after the
	// action must not leave it unrecorded.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), 5*time.Second)
	defer cancel()
	if err := w.st.AddAudit(ctx, &e); err != nil {
		w.log.Error("audit log write failed", "action", action, "tenant_id", tenantID, "err", err)
	}
}
