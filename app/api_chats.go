package app

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/tenant"
)

// apiChat is one conversation of a tenant.
type apiChat struct {
	Chat        string     `json:"chat"`
	LastMessage apiMessage `json:"last_message" doc:"The newest message, either direction."`
	LastInAt    *time.Time `json:"last_in_at" doc:"The customer's newest message."`
	CanSend     bool       `json:"can_send" doc:"The customer wrote in the last 24 hours, so POST …/messages may write to them."`
	Paused      bool       `json:"paused" doc:"The bot is paused here (manual handoff)."`
	PausedAt    *time.Time `json:"paused_at"`
}

// apiChatState answers pause and resume.
type apiChatState struct {
	Chat   string `json:"chat"`
	Paused bool   `json:"paused"`
}

func (w *web) chatAPIRoutes() []apiRoute {
	return []apiRoute{
		{
			Method: http.MethodGet, Path: "/tenants/:id/chats", Tag: "chats", Scope: scopeTenant,
			Summary: "The tenant's chats, most recently active first", Handler: w.apiChatList,
			Query: []apiParam{
				{Name: "q", Description: "Substring of the chat (phone number)."},
				{Name: "limit", Type: "integer", Description: "Page size, 1 to 200 (default 50)."},
				{Name: "cursor", Description: "next_cursor of the previous page."},
			},
			Response: apiPage[apiChat]{},
		},
		{
			Method: http.MethodPost, Path: "/tenants/:id/chats/:chat/pause", Tag: "chats", Scope: scopeTenant,
			Summary: "Pause the bot in one chat (the owner answers by hand)", Handler: w.apiChatPause(true), Response: apiChatState{},
		},
		{
			Method: http.MethodPost, Path: "/tenants/:id/chats/:chat/resume", Tag: "chats", Scope: scopeTenant,
			Summary: "Let the bot answer the chat again", Handler: w.apiChatPause(false), Response: apiChatState{},
		},
	}
}

// apiChatList is GET /api/v1/tenants/:id/chats.
func (w *web) apiChatList(c echo.Context) error {
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	opts := store.ListChatsOptions{Limit: limit + 1}
	if opts.Query, err = querySearch(c, "q"); err != nil {
		return err
	}
	if opts.BeforeID, err = queryIDCursor(c, "chats"); err != nil {
		return err
	}
	t, err := w.apiLoadTenant(c)
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(c, formCtx)
	defer cancel()
	rows, err := w.st.ListChats(ctx, t.ID, opts)
	if err != nil {
		return apiStoreError(fmt.Errorf("app: api list chats: %w", err), "chat")
	}
	rows, next := cutPage(rows, limit, func(last store.Chat) apiCursor { return apiCursor{K: "chats", N: last.Last.ID} })
	now := time.Now()
	out := make([]apiChat, len(rows))
	for i, ch := range rows {
		out[i] = apiChat{Chat: ch.Chat, LastMessage: toAPIMessage(ch.Last), LastInAt: utcTime(ch.LastInAt),
			CanSend: ch.LastInAt != nil && now.Sub(*ch.LastInAt) <= tenant.ReplyWindow,
			Paused:  ch.Paused, PausedAt: utcTime(ch.PausedAt)}
	}
	return c.JSON(http.StatusOK, newPage(out, next))
}

// apiChatPause pauses or resumes the bot in a chat
// (POST /api/v1/tenants/:id/chats/:chat/pause|resume).
func (w *web) apiChatPause(pause bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		t, err := w.apiLoadTenant(c)
		if err != nil {
			return err
		}
		chat, err := apiChatPathParam(c)
		if err != nil {
			return err
		}
		ctx, cancel := reqCtx(c, formCtx)
		defer cancel()
		action := "chat.resume"
		if pause {
			err, action = w.sup.PauseChat(ctx, t.ID, chat), "chat.pause"
		} else {
			err = w.sup.ResumeChat(ctx, t.ID, chat)
		}
		if err != nil {
			return apiStoreError(err, "chat")
		}
		w.log.Info("chat pause changed through the API", "tenant_id", t.ID, "chat", chat, "paused", pause)
		w.apiAudit(c, action, t.ID, t.Name, chat)
		return c.JSON(http.StatusOK, apiChatState{Chat: chat, Paused: pause})
	}
}
