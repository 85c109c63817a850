package app

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/views"
)

// portalMessagesPerPage is how many messages a conversation shows at once.
const portalMessagesPerPage = 50

// portalChat shows one conversation, newest messages at the bottom
// (GET /portal/conversations/:chat). With before it shows older messages;
// with part=older (htmx) only those messages and a new "older" button.
func (w *web) portalChat(c echo.Context) error {
	ch, err := w.loadPortalChat(c)
	if err != nil {
		return err
	}
	l, err := w.portalLayout(c, views.ChatNumber(ch.Chat), "conversations")
	if err != nil {
		return err
	}
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	p, err := w.portalChatView(c.Request().Context(), ch, max(before, 0))
	if err != nil {
		return err
	}
	p.Lang, p.CSRF = l.Lang, l.CSRF
	p.Control.Lang, p.Control.CSRF = l.Lang, l.CSRF
	if c.QueryParam("part") == "older" && isHTMX(c) {
		return w.render(c, http.StatusOK, views.ChatOlder(p))
	}
	return w.page(c, http.StatusOK, views.PortalChatPage(l, p), views.PortalChatPanel(p))
}

// portalChatView loads a page of a chat's messages (oldest first) and its
// bot switch.
func (w *web) portalChatView(ctx context.Context, ch store.Chat, before int64) (views.PortalChat, error) {
	ctx, cancel := context.WithTimeout(ctx, formCtx)
	defer cancel()
	p := views.PortalChat{Chat: ch, Before: before, Now: time.Now()}
	rows, err := w.st.ListLogs(ctx, ch.TenantID, store.ListLogsOptions{Chat: ch.Chat, BeforeID: before, Limit: portalMessagesPerPage + 1})
	if err != nil {
		return p, fmt.Errorf("app: portal conversation: %w", err)
	}
	if len(rows) > portalMessagesPerPage {
		rows = rows[:portalMessagesPerPage]
		p.Older = rows[len(rows)-1].ID
	}
	newest := rows
	if before > 0 {
		if newest, err = w.st.ListLogs(ctx, ch.TenantID, store.ListLogsOptions{Chat: ch.Chat, Limit: autoPauseLookback}); err != nil {
			return p, fmt.Errorf("app: portal conversation: %w", err)
		}
	}
	p.Control = chatControl(ch, newest, p.Now)
	slices.Reverse(rows)
	p.Messages = rows
	return p, nil
}

// autoPauseLookback is how many recent messages are read to tell an
// automatic pause.
const autoPauseLookback = 20

// chatControl is the bot switch of ch; recent are its newest messages,
// newest first.
func chatControl(ch store.Chat, recent []store.MessageLog, now time.Time) views.ChatControl {
	ctl := views.ChatControl{Chat: ch.Chat, Paused: ch.Paused, PausedAt: ch.PausedAt, Now: now}
	if !ch.Paused {
		ctl.AutoSince = autoPausedSince(recent)
	}
	return ctl
}

// autoPausedSince tells from a chat's newest messages (newest first)
// whether the bot stayed silent because the owner wrote from the phone:
// the owner's message is the newest one from the business, and a customer
// message after it was skipped. It returns the owner's message time.
func autoPausedSince(recent []store.MessageLog) *time.Time {
	skipped := false
	for _, m := range recent {
		switch {
		case m.Direction == store.DirIn:
			if m.Status != store.StatusSkipped {
				return nil // the bot handled a later message
			}
			skipped = true
		case m.Source == store.SourceHuman:
			if !skipped {
				return nil
			}
			t := m.CreatedAt
			return &t
		default:
			return nil // the bot (or the API) wrote after the owner
		}
	}
	return nil
}
