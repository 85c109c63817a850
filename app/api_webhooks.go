package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
)

// The webhook endpoints of the JSON API: a tenant's webhooks, their
// events (with dead letters and replay) and their delivery logs.

// apiWebhook is one webhook.
type apiWebhook struct {
	ID        string               `json:"id"`
	URL       string               `json:"url"`
	Events    []string             `json:"events" doc:"Subscribed event types: message.in, message.out, session.state."`
	Enabled   bool                 `json:"enabled"`
	Secret    string               `json:"secret,omitempty" doc:"The signing secret (HMAC-SHA256 key of X-FlowHQ-Signature). Shown by create, get and update; lists leave it out."`
	Counts    *store.WebhookCounts `json:"counts,omitempty" doc:"Events by status (get only)."`
	CreatedAt time.Time            `json:"created_at"`
	UpdatedAt time.Time            `json:"updated_at"`
}

func toAPIWebhook(h store.Webhook, withSecret bool) apiWebhook {
	out := apiWebhook{ID: h.ID, URL: h.URL, Events: h.Events(), Enabled: h.Enabled, CreatedAt: h.CreatedAt.UTC(), UpdatedAt: h.UpdatedAt.UTC()}
	if out.Events == nil {
		out.Events = []string{}
	}
	if withSecret {
		out.Secret = h.Secret
	}
	return out
}

// apiWebhookCreate is the body of POST /tenants/:id/webhooks.
type apiWebhookCreate struct {
	URL     string   `json:"url" doc:"http:// or https:// URL that receives the POSTs."`
	Events  []string `json:"events" doc:"One or more of message.in, message.out, session.state."`
	Secret  string   `json:"secret" optional:"true" doc:"16 to 256 characters, no spaces. Default: a generated secret (returned in the answer)."`
	Enabled *bool    `json:"enabled" optional:"true" doc:"Default true."`
}

// apiWebhookUpdate is the body of PATCH /tenants/:id/webhooks/:webhook;
// absent fields stay as they are.
type apiWebhookUpdate struct {
	URL     *string  `json:"url" optional:"true"`
	Events  []string `json:"events" optional:"true"`
	Secret  *string  `json:"secret" optional:"true" doc:"A new secret; \"generate\" makes a fresh one."`
	Enabled *bool    `json:"enabled" optional:"true"`
}

// apiWebhookEvent is one event of a webhook's outbox.
type apiWebhookEvent struct {
	ID            string          `json:"id" doc:"The event id receivers deduplicate by (X-FlowHQ-Event-Id)."`
	Type          string          `json:"type"`
	Status        string          `json:"status" doc:"pending, delivered or dead (a dead letter)."`
	Attempts      int             `json:"attempts"`
	NextAttemptAt *time.Time      `json:"next_attempt_at" doc:"When a pending event is tried next."`
	LastError     string          `json:"last_error"`
	CreatedAt     time.Time       `json:"created_at"`
	DeliveredAt   *time.Time      `json:"delivered_at"`
	Data          json.RawMessage `json:"data" doc:"The data object the delivery carries."`
}

func toAPIWebhookEvent(e store.WebhookEvent) apiWebhookEvent {
	out := apiWebhookEvent{ID: e.EventID, Type: e.Type, Status: e.Status, Attempts: e.Attempts, LastError: e.LastError,
		CreatedAt: e.CreatedAt.UTC(), DeliveredAt: utcTime(e.DeliveredAt), Data: e.Data()}
	if e.Status == store.WebhookPending {
		t := e.NextAttemptAt.UTC()
		out.NextAttemptAt = &t
	}
	return out
}

// apiWebhookDelivery is one attempt in a webhook's delivery log.
type apiWebhookDelivery struct {
	At         time.Time `json:"at"`
	EventID    string    `json:"event_id"`
	EventType  string    `json:"event_type"`
	Attempt    int       `json:"attempt"`
	StatusCode int       `json:"status_code" doc:"The receiver's HTTP status; 0 when it did not answer."`
	Error      string    `json:"error" doc:"Empty for a delivered event."`
	DurationMS int64     `json:"duration_ms"`
}

// apiWebhookReplayed answers the replay of all dead letters.
type apiWebhookReplayed struct {
	Replayed int64 `json:"replayed" doc:"Dead letters put back in the queue."`
}

func (w *web) webhookAPIRoutes() []apiRoute {
	const tag = "webhooks"
	return []apiRoute{
		{
			Method: http.MethodGet, Path: "/tenants/:id/webhooks", Tag: tag, Scope: scopeTenant,
			Summary: "The tenant's webhooks", Handler: w.apiWebhookList, Response: apiPage[apiWebhook]{},
		},
		{
			Method: http.MethodPost, Path: "/tenants/:id/webhooks", Tag: tag, Scope: scopeTenant,
			Summary: "Create a webhook", Handler: w.apiWebhookCreate,
			Request: apiWebhookCreate{}, Response: apiWebhook{}, Status: http.StatusCreated,
		},
		{
			Method: http.MethodGet, Path: "/tenants/:id/webhooks/:webhook", Tag: tag, Scope: scopeTenant,
			Summary: "One webhook, with its secret and event counts", Handler: w.apiWebhookGet, Response: apiWebhook{},
		},
		{
			Method: http.MethodPatch, Path: "/tenants/:id/webhooks/:webhook", Tag: tag, Scope: scopeTenant,
			Summary: "Change a webhook's URL, events, secret or enabled flag", Handler: w.apiWebhookUpdate,
			Request: apiWebhookUpdate{}, Response: apiWebhook{},
		},
		{
			Method: http.MethodDelete, Path: "/tenants/:id/webhooks/:webhook", Tag: tag, Scope: scopeTenant,
			Summary: "Delete a webhook with its queued events and delivery log", Handler: w.apiWebhookDelete, Status: http.StatusNoContent,
		},
		{
			Method: http.MethodGet, Path: "/tenants/:id/webhooks/:webhook/events", Tag: tag, Scope: scopeTenant,
			Summary: "A webhook's events, newest first (status=dead lists the dead letters)", Handler: w.apiWebhookEvents,
			Query: []apiParam{
				{Name: "status", Description: "Only events in this status.", Enum: []string{store.WebhookPending, store.WebhookDelivered, store.WebhookDead}},
				{Name: "limit", Type: "integer", Description: "Page size, 1 to 200 (default 50)."},
				{Name: "cursor", Description: "next_cursor of the previous page."},
			},
			Response: apiPage[apiWebhookEvent]{},
		},
		{
			Method: http.MethodPost, Path: "/tenants/:id/webhooks/:webhook/events/:event/replay", Tag: tag, Scope: scopeTenant,
			Summary: "Replay a dead letter (same event id, a fresh round of retries)", Handler: w.apiWebhookReplay, Response: apiWebhookEvent{},
		},
		{
			Method: http.MethodPost, Path: "/tenants/:id/webhooks/:webhook/replay-dead", Tag: tag, Scope: scopeTenant,
			Summary: "Replay every dead letter of the webhook", Handler: w.apiWebhookReplayDead, Response: apiWebhookReplayed{},
		},
		{
			Method: http.MethodGet, Path: "/tenants/:id/webhooks/:webhook/deliveries", Tag: tag, Scope: scopeTenant,
			Summary: "The webhook's delivery log: its last 100 attempts, newest first", Handler: w.apiWebhookDeliveries,
			Response: apiPage[apiWebhookDelivery]{},
		},
	}
}

// apiLoadWebhook loads the tenant of :id and its webhook :webhook.
func (w *web) apiLoadWebhook(c echo.Context) (store.Tenant, store.Webhook, error) {
	t, err := w.apiLoadTenant(c)
	if err != nil {
		return store.Tenant{}, store.Webhook{}, err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	h, err := w.st.GetWebhook(ctx, t.ID, c.Param("webhook"))
	if err != nil {
		return store.Tenant{}, store.Webhook{}, apiStoreError(err, "webhook")
	}
	return t, h, nil
}

// webhookFieldErrors checks a webhook's fields as the forms and the API
// take them; only the fields given (non-nil) are checked.
func webhookFieldErrors(url *string, events []string, eventsGiven bool, secret *string) map[string]string {
	fields := map[string]string{}
	if url != nil {
		if err := store.ValidateWebhookURL(strings.TrimSpace(*url)); err != nil {
			fields["url"] = webhookErrText(err)
		}
	}
	if eventsGiven {
		if len(events) == 0 {
			fields["events"] = "Choose at least one event."
		}
		for _, e := range events {
			if !slices.Contains(store.WebhookEventTypes(), e) {
				fields["events"] = fmt.Sprintf("Unknown event %q: use %s.", truncateForMessage(e), strings.Join(store.WebhookEventTypes(), ", "))
				break
			}
		}
	}
	if secret != nil && *secret != "" {
		s := *secret
		if len(s) < 16 || len(s) > store.MaxWebhookSecret || strings.ContainsAny(s, " \t\r\n\x00") || !utf8.ValidString(s) {
			fields["secret"] = fmt.Sprintf("Use 16 to %d characters without spaces, or leave it empty to generate one.", store.MaxWebhookSecret)
		}
	}
	return fields
}

// webhookErrText is the user-facing part of a store validation error.
func webhookErrText(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "invalid: "); i >= 0 {
		msg = msg[i+len("invalid: "):]
	}
	if msg == "" {
		return "Not valid."
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

// webhookStoreError maps a webhook store error: validation errors keep
// their explanation.
func webhookStoreError(err error) error {
	if errors.Is(err, store.ErrInvalid) {
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "validation_failed", Message: webhookErrText(err), Err: err}
	}
	return apiStoreError(err, "webhook")
}

// apiWebhookList is GET /api/v1/tenants/:id/webhooks.
func (w *web) apiWebhookList(c echo.Context) error {
	t, err := w.apiLoadTenant(c)
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	hooks, err := w.st.ListWebhooks(ctx, t.ID)
	if err != nil {
		return apiStoreError(err, "webhook")
	}
	out := make([]apiWebhook, len(hooks))
	for i, h := range hooks {
		out[i] = toAPIWebhook(h, false)
	}
	return c.JSON(http.StatusOK, newPage(out, ""))
}

// apiWebhookCreate is POST /api/v1/tenants/:id/webhooks.
func (w *web) apiWebhookCreate(c echo.Context) error {
	t, err := w.apiLoadTenant(c)
	if err != nil {
		return err
	}
	var in apiWebhookCreate
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if fields := webhookFieldErrors(&in.URL, in.Events, true, &in.Secret); len(fields) > 0 {
		return apiInvalid(fields)
	}
	h := store.Webhook{TenantID: t.ID, URL: strings.TrimSpace(in.URL), Secret: in.Secret, Enabled: in.Enabled == nil || *in.Enabled}
	h.SetEvents(in.Events)
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	if err := w.st.CreateWebhook(ctx, &h); err != nil {
		return webhookStoreError(err)
	}
	w.log.Info("webhook created through the API", "tenant_id", t.ID, "webhook_id", h.ID)
	w.apiAudit(c, "webhook.create", t.ID, t.Name, h.ID+" "+h.URL)
	return c.JSON(http.StatusCreated, toAPIWebhook(h, true))
}

// apiWebhookGet is GET /api/v1/tenants/:id/webhooks/:webhook.
func (w *web) apiWebhookGet(c echo.Context) error {
	t, h, err := w.apiLoadWebhook(c)
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	counts, err := w.st.CountWebhookEvents(ctx, t.ID, h.ID)
	if err != nil {
		return apiStoreError(err, "webhook")
	}
	out := toAPIWebhook(h, true)
	out.Counts = &counts
	return c.JSON(http.StatusOK, out)
}

// apiWebhookUpdate is PATCH /api/v1/tenants/:id/webhooks/:webhook.
func (w *web) apiWebhookUpdate(c echo.Context) error {
	t, h, err := w.apiLoadWebhook(c)
	if err != nil {
		return err
	}
	var in apiWebhookUpdate
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.Secret != nil && *in.Secret == "" {
		return apiInvalid(map[string]string{"secret": "Give a new secret, or \"generate\" for a fresh one."})
	}
	secret := in.Secret
	if secret != nil && *secret == "generate" {
		s := store.NewWebhookSecret()
		secret = &s
	}
	if fields := webhookFieldErrors(in.URL, in.Events, in.Events != nil, secret); len(fields) > 0 {
		return apiInvalid(fields)
	}
	u := store.WebhookUpdate{Secret: secret, Events: in.Events, Enabled: in.Enabled}
	if in.URL != nil {
		v := strings.TrimSpace(*in.URL)
		u.URL = &v
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	h, err = w.st.UpdateWebhook(ctx, t.ID, h.ID, u)
	if err != nil {
		return webhookStoreError(err)
	}
	w.log.Info("webhook updated through the API", "tenant_id", t.ID, "webhook_id", h.ID)
	w.apiAudit(c, "webhook.update", t.ID, t.Name, h.ID)
	return c.JSON(http.StatusOK, toAPIWebhook(h, true))
}

// apiWebhookDelete is DELETE /api/v1/tenants/:id/webhooks/:webhook.
func (w *web) apiWebhookDelete(c echo.Context) error {
	t, h, err := w.apiLoadWebhook(c)
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	if err := w.st.DeleteWebhook(ctx, t.ID, h.ID); err != nil {
		return apiStoreError(err, "webhook")
	}
	w.log.Info("webhook deleted through the API", "tenant_id", t.ID, "webhook_id", h.ID)
	w.apiAudit(c, "webhook.delete", t.ID, t.Name, h.ID+" "+h.URL)
	return c.NoContent(http.StatusNoContent)
}

// apiWebhookEvents is GET /api/v1/tenants/:id/webhooks/:webhook/events.
func (w *web) apiWebhookEvents(c echo.Context) error {
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	status := c.QueryParam("status")
	if status != "" && status != store.WebhookPending && status != store.WebhookDelivered && status != store.WebhookDead {
		return apiErr(http.StatusBadRequest, "invalid_parameter", "status must be pending, delivered or dead.")
	}
	cur, ok, err := queryCursor(c, "webhook_events")
	if err != nil {
		return err
	}
	if ok && cur.N <= 0 {
		return apiErr(http.StatusBadRequest, "bad_cursor", "The cursor is not valid for this list: pass next_cursor from the previous page unchanged.")
	}
	t, h, err := w.apiLoadWebhook(c)
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	evs, err := w.st.ListWebhookEvents(ctx, t.ID, store.ListWebhookEventsOptions{WebhookID: h.ID, Status: status, BeforeSeq: cur.N, Limit: limit + 1})
	if err != nil {
		return apiStoreError(err, "webhook")
	}
	evs, next := cutPage(evs, limit, func(last store.WebhookEvent) apiCursor { return apiCursor{K: "webhook_events", N: last.Seq} })
	out := make([]apiWebhookEvent, len(evs))
	for i, e := range evs {
		out[i] = toAPIWebhookEvent(e)
	}
	return c.JSON(http.StatusOK, newPage(out, next))
}

// apiWebhookReplay is POST /api/v1/tenants/:id/webhooks/:webhook/events/:event/replay.
func (w *web) apiWebhookReplay(c echo.Context) error {
	t, h, err := w.apiLoadWebhook(c)
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	e, err := w.st.ReplayWebhookEvent(ctx, t.ID, h.ID, c.Param("event"))
	switch {
	case errors.Is(err, store.ErrConflict):
		return apiErr(http.StatusConflict, "not_dead", "Only dead letters can be replayed; this event is %s.", currentEventStatus(w, c, t.ID, h.ID))
	case err != nil:
		return apiStoreError(err, "event")
	}
	w.log.Info("webhook event replayed through the API", "tenant_id", t.ID, "webhook_id", h.ID, "event_id", e.EventID)
	w.apiAudit(c, "webhook.replay", t.ID, t.Name, h.ID+" "+e.EventID)
	return c.JSON(http.StatusOK, toAPIWebhookEvent(e))
}

func currentEventStatus(w *web, c echo.Context, tenantID, webhookID string) string {
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	if e, err := w.st.GetWebhookEvent(ctx, tenantID, webhookID, c.Param("event")); err == nil {
		return e.Status
	}
	return "not dead"
}

// apiWebhookReplayDead is POST /api/v1/tenants/:id/webhooks/:webhook/replay-dead.
func (w *web) apiWebhookReplayDead(c echo.Context) error {
	t, h, err := w.apiLoadWebhook(c)
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	n, err := w.st.ReplayDeadWebhookEvents(ctx, t.ID, h.ID)
	if err != nil {
		return apiStoreError(err, "webhook")
	}
	w.log.Info("webhook dead letters replayed through the API", "tenant_id", t.ID, "webhook_id", h.ID, "events", n)
	w.apiAudit(c, "webhook.replay", t.ID, t.Name, fmt.Sprintf("%s: %d dead letters", h.ID, n))
	return c.JSON(http.StatusOK, apiWebhookReplayed{Replayed: n})
}

// apiWebhookDeliveries is GET /api/v1/tenants/:id/webhooks/:webhook/deliveries.
func (w *web) apiWebhookDeliveries(c echo.Context) error {
	t, h, err := w.apiLoadWebhook(c)
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	logs, err := w.st.ListWebhookDeliveries(ctx, t.ID, h.ID, 0)
	if err != nil {
		return apiStoreError(err, "webhook")
	}
	out := make([]apiWebhookDelivery, len(logs))
	for i, d := range logs {
		out[i] = apiWebhookDelivery{At: d.At.UTC(), EventID: d.EventID, EventType: d.EventType, Attempt: d.Attempt,
			StatusCode: d.StatusCode, Error: d.Error, DurationMS: d.DurationMS}
	}
	return c.JSON(http.StatusOK, newPage(out, ""))
}
