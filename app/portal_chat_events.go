package app

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/views"
)

// Live conversations. Both streams subscribe to the signed-in tenant's
// changes only (portalTenantID) and reuse the event-stream loop of the
// dashboard (sseStream.pump).

// chatListFlush paces the conversation list: a burst of messages becomes
// one redraw of the list. A redraw reads the first page again (about 40 ms
// for a tenant with 2,000 chats), so a busy tenant's open list costs at
// most a few percent of a core.
const chatListFlush = 500 * time.Millisecond

// portalConversationsEvents keeps the newest page of the conversation list
// current (GET /portal/conversations/events): when a message arrives or
// changes, the list is read again and replaces the one on the page
// (event "chats"), so a chat with news moves to the top.
func (w *web) portalConversationsEvents(c echo.Context) error {
	tid := portalTenantID(c)
	l, err := w.portalLayout(c, "", "conversations")
	if err != nil {
		return err
	}
	sub := w.sup.Subscribe(tid, 256)
	defer sub.Close()
	stream, err := startSSE(c)
	if err != nil {
		return err
	}
	send := func() error {
		p, err := w.portalChatList(c.Request().Context(), tid, "", 0)
		if err != nil {
			w.log.Warn("portal conversation stream; retrying", "tenant_id", tid, "err", err)
			return err
		}
		p.Lang = l.Lang
		if err := stream.send("chats", views.ChatListItems(p, true)); err != nil {
			return errStreamGone
		}
		return nil
	}
	// What changed between the page load and this connection.
	dirty := false
	if err := send(); errors.Is(err, errStreamGone) {
		return nil
	} else if err != nil {
		dirty = true
	}
	return stream.pump(w.done, sub, chatListFlush, func(ch tenant.Change) {
		if ch.Kind == tenant.ChangeMessage && ch.Message.Chat != "" {
			dirty = true
		}
	}, func(lost bool) error {
		if !dirty && !lost {
			return nil
		}
		dirty = false
		err := send()
		if err != nil && !errors.Is(err, errStreamGone) {
			dirty = true
			return nil
		}
		return err
	})
}

// portalChatEvents streams one conversation's new and changed messages
// (GET /portal/conversations/:chat/events?after=ID, event "messages"):
// messages above after are added at the bottom, changes of earlier ones
// (a reply marked sent or failed) replace them, and the bot switch is
// redrawn with every new message.
func (w *web) portalChatEvents(c echo.Context) error {
	ch, err := w.loadPortalChat(c)
	if err != nil {
		return err
	}
	tid := ch.TenantID
	l, err := w.portalLayout(c, "", "conversations")
	if err != nil {
		return err
	}
	after, _ := strconv.ParseInt(c.QueryParam("after"), 10, 64)
	sub := w.sup.Subscribe(tid, 1024)
	defer sub.Close()
	stream, err := startSSE(c)
	if err != nil {
		return err
	}
	tail := newLogTail(after, func(m store.MessageLog) bool { return m.Chat == ch.Chat })
	catchUp := func() {
		ctx, cancel := context.WithTimeout(c.Request().Context(), formCtx)
		defer cancel()
		rows, err := w.st.ListLogs(ctx, tid, store.ListLogsOptions{Chat: ch.Chat, Limit: tailCatchUp})
		if err != nil {
			w.log.Warn("portal chat stream catch-up", "tenant_id", tid, "err", err)
			return
		}
		tail.catchUp(rows)
	}
	// control redraws the bot switch from the stored chat.
	control := func() *views.ChatControl {
		ctx, cancel := context.WithTimeout(c.Request().Context(), formCtx)
		defer cancel()
		cur, err := w.st.GetChat(ctx, tid, ch.Chat)
		if err != nil {
			return nil
		}
		recent, err := w.st.ListLogs(ctx, tid, store.ListLogsOptions{Chat: ch.Chat, Limit: autoPauseLookback})
		if err != nil {
			return nil
		}
		ctl := chatControl(cur, recent, time.Now())
		ctl.Lang, ctl.CSRF, ctl.OOB = l.Lang, l.CSRF, true
		return &ctl
	}
	catchUp()
	return stream.pump(w.done, sub, logFlush, func(chg tenant.Change) {
		if chg.Kind == tenant.ChangeMessage {
			tail.queue(chg.Message)
		}
	}, func(lost bool) error {
		if lost {
			catchUp()
		}
		if tail.empty() {
			return nil
		}
		// The switch depends on the newest messages and on whether the
		// bot skipped a customer's message: redraw it when either moves.
		var ctl *views.ChatControl
		if len(tail.added) > 0 || slices.ContainsFunc(tail.moved, func(m store.MessageLog) bool { return m.Direction == store.DirIn }) {
			ctl = control()
		}
		// Oldest first, as the thread reads.
		slices.SortFunc(tail.added, func(a, b store.MessageLog) int { return cmpID(a.ID, b.ID) })
		err := stream.send("messages", views.ChatTail(l.Lang, tail.added, tail.moved, time.Now(), ctl))
		tail.reset()
		if err != nil {
			return errStreamGone
		}
		return nil
	})
}
