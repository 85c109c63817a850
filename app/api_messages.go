package app

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/tenant"
)

// apiMessage is one logged message.
type apiMessage struct {
	ID          string    `json:"id" doc:"Time-ordered. A string: it does not fit a JavaScript number."`
	TenantID    string    `json:"tenant_id"`
	Direction   string    `json:"direction" doc:"IN (from the customer) or OUT"`
	Chat        string    `json:"chat" doc:"The customer's WhatsApp JID, e.g. 255712345678@s.whatsapp.net"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	Text        string    `json:"text"`
	WAMessageID string    `json:"wa_message_id"`
	Intent      string    `json:"intent" doc:"What the bot understood (on its OUT reply)."`
	Status      string    `json:"status" doc:"IN: received or skipped; OUT: pending, sent, failed or suppressed"`
	Source      string    `json:"source" doc:"customer, bot, human (the owner's phone), system or api"`
	Error       string    `json:"error"`
	ReplyTo     *string   `json:"reply_to" doc:"The IN message an OUT reply answers."`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func toAPIMessage(m store.MessageLog) apiMessage {
	out := apiMessage{ID: strconv.FormatInt(m.ID, 10), TenantID: m.TenantID, Direction: m.Direction, Chat: m.Chat,
		From: m.FromNumber, To: m.ToNumber, Text: m.MessageText, WAMessageID: m.WAMessageID, Intent: m.Intent,
		Status: m.Status, Source: m.Source, Error: m.Error, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC()}
	if m.ReplyTo != nil {
		r := strconv.FormatInt(*m.ReplyTo, 10)
		out.ReplyTo = &r
	}
	return out
}

// apiSendInput is the body of POST /tenants/:id/messages.
type apiSendInput struct {
	Chat string `json:"chat" doc:"The customer: a number in international format or a JID."`
	Text string `json:"text" doc:"1 to 4096 bytes."`
}

func (w *web) messageAPIRoutes() []apiRoute {
	return []apiRoute{
		{
			Method: http.MethodGet, Path: "/tenants/:id/messages", Tag: "messages", Scope: scopeTenant,
			Summary: "The tenant's message log, newest first", Handler: w.apiMessageList,
			Query: []apiParam{
				{Name: "direction", Description: "Only IN or only OUT messages.", Enum: []string{store.DirIn, store.DirOut}},
				{Name: "chat", Description: "Only this chat (number or JID)."},
				{Name: "text", Description: "Case-insensitive substring of the text."},
				{Name: "since", Format: "date-time", Description: "Only messages created at or after this time (RFC 3339)."},
				{Name: "until", Format: "date-time", Description: "Only messages created before this time (RFC 3339)."},
				{Name: "limit", Type: "integer", Description: "Page size, 1 to 200 (default 50)."},
				{Name: "cursor", Description: "next_cursor of the previous page."},
			},
			Response: apiPage[apiMessage]{},
		},
		{
			Method: http.MethodPost, Path: "/tenants/:id/messages", Tag: "messages", Scope: scopeTenant,
			Summary: "Send a text to a chat that wrote to the tenant in the last 24 hours",
			Description: "Goes through the chat's lane like a bot reply: same rate limit, same log (an OUT row with source api) " +
				"and outbox. Answers 202 with the pending OUT row; its status becomes sent or failed (read the log). " +
				"A chat without a customer message in the last 24 hours is refused (422 chat_closed): messaging people " +
				"out of the blue gets numbers banned.",
			Handler: w.apiMessageSend, Request: apiSendInput{}, Response: apiMessage{}, Status: http.StatusAccepted,
		},
	}
}

// parseChat turns a number in international format or a WhatsApp JID
// into the stored chat form (a phone-number JID).
func parseChat(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 128 || !utf8.ValidString(v) {
		return "", false
	}
	if user, server, ok := strings.Cut(v, "@"); ok {
		if user == "" || server == "" || strings.ContainsAny(v, " \t\r\n\x00/") {
			return "", false
		}
		return v, true
	}
	p, ok := normalizePhone(v)
	if !ok || p == "" {
		return "", false
	}
	return strings.TrimPrefix(p, "+") + "@s.whatsapp.net", true
}

// apiChatPathParam reads the :chat path parameter.
func apiChatPathParam(c echo.Context) (string, error) {
	raw, err := url.PathUnescape(c.Param("chat"))
	if err != nil {
		raw = c.Param("chat")
	}
	chat, ok := parseChat(raw)
	if !ok {
		return "", apiErr(http.StatusBadRequest, "invalid_parameter", "The chat must be a number in international format or a WhatsApp JID.")
	}
	return chat, nil
}

// apiMessageList is GET /api/v1/tenants/:id/messages.
func (w *web) apiMessageList(c echo.Context) error {
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	opts := store.ListLogsOptions{Limit: limit + 1}
	switch d := strings.ToUpper(c.QueryParam("direction")); d {
	case "":
	case store.DirIn, store.DirOut:
		opts.Direction = d
	default:
		return apiErr(http.StatusBadRequest, "invalid_parameter", "direction must be IN or OUT.")
	}
	if v := c.QueryParam("chat"); v != "" {
		chat, ok := parseChat(v)
		if !ok {
			return apiErr(http.StatusBadRequest, "invalid_parameter", "chat must be a number in international format or a WhatsApp JID.")
		}
		opts.Chat = chat
	}
	if opts.Query, err = querySearch(c, "text"); err != nil {
		return err
	}
	if opts.Since, err = queryTime(c, "since"); err != nil {
		return err
	}
	if opts.Until, err = queryTime(c, "until"); err != nil {
		return err
	}
	if opts.BeforeID, err = queryIDCursor(c, "messages"); err != nil {
		return err
	}
	t, err := w.apiLoadTenant(c)
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	rows, err := w.st.ListLogs(ctx, t.ID, opts)
	if err != nil {
		return fmt.Errorf("app: api list messages: %w", err)
	}
	rows, next := cutPage(rows, limit, func(last store.MessageLog) apiCursor { return apiCursor{K: "messages", N: last.ID} })
	out := make([]apiMessage, len(rows))
	for i, m := range rows {
		out[i] = toAPIMessage(m)
	}
	return c.JSON(http.StatusOK, newPage(out, next))
}

// apiMessageSend is POST /api/v1/tenants/:id/messages.
func (w *web) apiMessageSend(c echo.Context) error {
	t, err := w.apiLoadTenant(c)
	if err != nil {
		return err
	}
	var in apiSendInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	fields := map[string]string{}
	chat, ok := parseChat(in.Chat)
	if !ok {
		fields["chat"] = "Give the customer's number in international format or their WhatsApp JID."
	}
	text := strings.TrimSpace(in.Text)
	switch {
	case text == "":
		fields["text"] = "Type a message."
	case len(text) > tenant.MaxSendText:
		fields["text"] = fmt.Sprintf("At most %d bytes.", tenant.MaxSendText)
	case strings.ContainsRune(text, 0) || !utf8.ValidString(text):
		fields["text"] = "The message must be valid text."
	}
	if len(fields) > 0 {
		return apiInvalid(fields)
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	row, err := w.sup.SendText(ctx, t.ID, chat, text)
	switch {
	case errors.Is(err, tenant.ErrChatClosed):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "chat_closed",
			Message: "This chat has not written to the tenant in the last 24 hours; Flow HQ only answers, to protect the number from bans.", Err: err}
	case errors.Is(err, tenant.ErrRateLimited):
		return &apiError{Status: http.StatusTooManyRequests, Code: "rate_limited",
			Message: "The tenant's reply rate limit is used up for now; try again in a minute.", Err: err}
	case errors.Is(err, tenant.ErrNotRunning):
		return &apiError{Status: http.StatusConflict, Code: "not_running",
			Message: "The tenant's worker is not running: POST …/worker/start first.", Err: err}
	case err != nil:
		return apiStoreError(err, "message")
	}
	w.log.Info("message sent through the API", "tenant_id", t.ID, "chat", chat, "id", row.ID)
	w.apiAudit(c, "message.send", t.ID, t.Name, "to "+chat)
	return c.JSON(http.StatusAccepted, toAPIMessage(row))
}
