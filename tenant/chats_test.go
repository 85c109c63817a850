package tenant_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/tenant"
)

// The owner pauses the bot in one chat: its messages are logged and
// skipped, other chats are answered, the pause survives a restart, and
// resuming lets the bot answer again.
func TestPauseAndResumeChat(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		h := newHarness(t, st, nil, nil)
		id := h.add("booking", true, nil)
		h.waitSession(id, store.SessionConnected)
		if err := h.sup.PauseChat(ctx, id, chatA); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("pause a chat without messages: %v", err)
		}
		h.say(id, chatA, "Habari")
		waitFor(t, "first answer", func() bool { return len(h.net.Sent(id)) == 1 })
		if err := h.sup.PauseChat(ctx, id, chatA); err != nil {
			t.Fatal(err)
		}
		skipped := func(wa string) func() bool {
			return func() bool {
				return h.count(id, func(m store.MessageLog) bool { return m.WAMessageID == wa && m.Status == store.StatusSkipped }) == 1
			}
		}
		inA := h.say(id, chatA, "Nataka kuweka miadi kesho")
		h.say(id, chatB, "Nataka kuweka miadi kesho")
		waitFor(t, "chat B answered", func() bool { return len(h.net.Sent(id)) == 2 })
		waitFor(t, "chat A skipped", skipped(inA))

		// Paused across a restart of the worker.
		if err := h.sup.Restart(ctx, id); err != nil {
			t.Fatal(err)
		}
		h.waitSession(id, store.SessionConnected)
		waitFor(t, "worker running", func() bool { return h.status(id).Worker.Status == store.WorkerRunning })
		inA2 := h.say(id, chatA, "Bado mko wazi?")
		waitFor(t, "chat A still skipped after restart", skipped(inA2))

		if err := h.sup.ResumeChat(ctx, id, chatA); err != nil {
			t.Fatal(err)
		}
		h.say(id, chatA, "Nataka kuweka miadi kesho")
		waitFor(t, "chat A answered after resume", func() bool {
			n := 0
			for _, m := range h.net.Sent(id) {
				if m.Chat == chatA {
					n++
				}
			}
			return n == 2
		})
		if err := h.sup.PauseChat(ctx, "no-such-tenant", chatA); !errors.Is(err, tenant.ErrUnknownTenant) {
			t.Fatalf("unknown tenant: %v", err)
		}
	})
}

// Resuming also ends the automatic pause after the owner wrote from the
// phone.
func TestResumeEndsHandoff(t *testing.T) {
	h := newHarness(t, storeForTest(t), nil, nil)
	id := h.add("booking", true, nil)
	h.waitSession(id, store.SessionConnected)
	h.net.Deliver(id, tenant.Inbound{Chat: chatA, Sender: "me", Text: "Nitakujibu mimi", FromMe: true})
	waitFor(t, "human row", func() bool {
		return h.count(id, func(m store.MessageLog) bool { return m.Source == store.SourceHuman }) == 1
	})
	if err := h.sup.ResumeChat(context.Background(), id, chatA); err != nil {
		t.Fatal(err)
	}
	h.say(id, chatA, "Bei gani?")
	waitFor(t, "answered after resume", func() bool { return len(h.net.Sent(id)) == 1 })
}

// SendText goes out through the chat's lane and log, only to chats that
// wrote in the last 24 hours, within the rate limit.
func TestSendText(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		h := newHarness(t, st, nil, nil)
		id := h.add("support", true, intp(2))
		h.waitSession(id, store.SessionConnected)

		if _, err := h.sup.SendText(ctx, id, chatA, "Habari"); !errors.Is(err, tenant.ErrChatClosed) {
			t.Fatalf("chat that never wrote: %v", err)
		}
		h.say(id, chatA, "Hello, my order is late")
		waitFor(t, "bot reply", func() bool { return len(h.net.Sent(id)) == 1 })

		row, err := h.sup.SendText(ctx, id, chatA, "  A person from our team will call you today.  ")
		if err != nil {
			t.Fatal(err)
		}
		if row.ID == 0 || row.Source != store.SourceAPI || row.Status != store.StatusPending || row.WAMessageID == "" ||
			row.MessageText != "A person from our team will call you today." {
			t.Fatalf("row %+v", row)
		}
		waitFor(t, "sent and marked sent", func() bool {
			m, err := st.GetLog(ctx, id, row.ID)
			return err == nil && m.Status == store.StatusSent && len(h.net.Sent(id)) == 2
		})
		if got := h.net.Sent(id)[1]; got.Text != row.MessageText || got.ID != row.WAMessageID {
			t.Fatalf("sent %+v", got)
		}
		// The limit of 2 per minute is used up (bot reply + this one).
		if _, err := h.sup.SendText(ctx, id, chatA, "one more"); !errors.Is(err, tenant.ErrRateLimited) {
			t.Fatalf("over the limit: %v", err)
		}
		for _, bad := range []string{"", "   ", strings.Repeat("x", tenant.MaxSendText+1), "\xff"} {
			if _, err := h.sup.SendText(ctx, id, chatA, bad); !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("text %.10q: %v", bad, err)
			}
		}
		if err := h.sup.Stop(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := h.sup.SendText(ctx, id, chatA, "hello"); !errors.Is(err, tenant.ErrNotRunning) {
			t.Fatalf("stopped worker: %v", err)
		}
	})
}
