package tenant_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/tenant/sim"
)

// Over the limit, the first reply becomes one polite notice in the
// customer's language and the rest are logged as suppressed.
func TestRateLimitWarnsOnceThenSuppresses(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store.Store) {
		h := newHarness(t, st, nil, nil)
		id := h.add("ecommerce", true, intp(2))
		h.waitSession(id, store.SessionConnected)
		for i := 0; i < 5; i++ {
			h.say(id, fmt.Sprintf("2547000001%02d@s.whatsapp.net", i), "Oda yangu iko wapi?")
		}
		waitFor(t, "all five handled", func() bool {
			return h.count(id, isReply) == 5 && h.count(id, func(m store.MessageLog) bool { return isReply(m) && m.Status == store.StatusPending }) == 0
		})
		sent := h.net.Sent(id)
		if len(sent) != 3 {
			t.Fatalf("want 2 replies and 1 notice sent, got %d", len(sent))
		}
		var notices, suppressed int
		for _, m := range h.logs(id) {
			switch {
			case m.Source == store.SourceSystem && m.Status == store.StatusSent:
				notices++
				if want := "Asante kwa ujumbe wako"; m.MessageText[:len(want)] != want {
					t.Errorf("notice not in Swahili: %q", m.MessageText)
				}
			case m.Status == store.StatusSuppressed:
				suppressed++
			}
		}
		if notices != 1 || suppressed != 2 {
			t.Fatalf("notices %d (want 1), suppressed %d (want 2)", notices, suppressed)
		}
		if got := h.sup.Metrics().Suppressed; got < 2 {
			t.Fatalf("suppressed counter %d", got)
		}
	})
}

// The owner writing from the phone pauses the bot in that chat only; the
// human's message is logged OUT with source human.
func TestHumanHandoff(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store.Store) {
		h := newHarness(t, st, nil, nil)
		id := h.add("booking", true, nil)
		h.waitSession(id, store.SessionConnected)
		h.net.Deliver(id, tenant.Inbound{Chat: chatA, Sender: "me", Text: "Karibu, nitakuhudumia mimi mwenyewe", FromMe: true})
		waitFor(t, "human row", func() bool {
			return h.count(id, func(m store.MessageLog) bool {
				return m.Direction == store.DirOut && m.Source == store.SourceHuman && m.Status == store.StatusSent
			}) == 1
		})
		inA := h.say(id, chatA, "Bei gani?")
		h.say(id, chatB, "Bei gani?")
		waitFor(t, "chat B answered", func() bool { return len(h.net.Sent(id)) == 1 })
		waitFor(t, "chat A message skipped", func() bool {
			return h.count(id, func(m store.MessageLog) bool { return m.WAMessageID == inA && m.Status == store.StatusSkipped }) == 1
		})
		for _, m := range h.net.Sent(id) {
			if m.Chat == chatA {
				t.Fatalf("bot replied in a chat a human took over: %+v", m)
			}
		}
	})
}

// A message delivered again — at once, or after a restart of the whole
// supervisor — is logged once and answered once.
func TestDedupAcrossRestart(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store.Store) {
		net := sim.NewNetwork(sim.Options{RedeliverAfter: 20 * time.Millisecond})
		h := newHarness(t, st, net, nil)
		id := h.add("support", true, nil)
		h.waitSession(id, store.SessionConnected)
		in := tenant.Inbound{ID: "3EB0DUPLICATE", Chat: chatA, Sender: chatA, Text: "My internet is not working"}
		net.Deliver(id, in)
		net.Deliver(id, in)
		waitFor(t, "first reply", func() bool { return h.count(id, sentReply) == 1 })
		waitFor(t, "both deliveries acknowledged", func() bool { return net.Inbox(id) == 0 })
		h.shutdown()

		h2 := newHarness(t, st, net, nil)
		h2.waitSession(id, store.SessionConnected)
		net.Deliver(id, in)
		marker := h2.say(id, chatA, "thanks")
		waitFor(t, "reply to the later message", func() bool {
			return h2.count(id, func(m store.MessageLog) bool { return m.Direction == store.DirIn && m.WAMessageID == marker }) == 1 &&
				h2.count(id, sentReply) == 2
		})
		if n := h2.count(id, func(m store.MessageLog) bool { return m.WAMessageID == in.ID }); n != 1 {
			t.Fatalf("duplicate stored %d times", n)
		}
		if n := len(net.Sent(id)); n != 2 {
			t.Fatalf("want 2 replies (one per distinct message), got %d", n)
		}
	})
}

// Work a crash left behind is finished on start: a pending reply is sent
// with its original id exactly once, and a stored but unanswered message is
// answered.
func TestCrashRecovery(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		id := addTenant(t, st, "booking", true, nil)
		in1 := &store.MessageLog{TenantID: id, Direction: store.DirIn, Chat: chatA, FromNumber: "254700000001", WAMessageID: "IN-1", MessageText: "hello", Status: store.StatusReceived, Source: store.SourceCustomer}
		in2 := &store.MessageLog{TenantID: id, Direction: store.DirIn, Chat: chatB, FromNumber: "254700000002", WAMessageID: "IN-2", MessageText: "What time do you open?", Status: store.StatusReceived, Source: store.SourceCustomer}
		if err := st.Commit(ctx, store.Op{Insert: in1}, store.Op{Insert: in2}); err != nil {
			t.Fatal(err)
		}
		pending := &store.MessageLog{TenantID: id, Direction: store.DirOut, Chat: chatA, WAMessageID: "OUT-PENDING", MessageText: "Hello! How can we help?", Status: store.StatusPending, Source: store.SourceBot, ReplyTo: &in1.ID}
		if err := st.Commit(ctx, store.Op{Insert: pending}); err != nil {
			t.Fatal(err)
		}

		h := newHarness(t, st, nil, nil)
		waitFor(t, "both chats answered", func() bool { return h.count(id, sentReply) == 2 })
		if n := h.net.SendCount(id, "OUT-PENDING"); n != 1 {
			t.Fatalf("pending reply sent %d times, want 1", n)
		}
		if n := h.count(id, func(m store.MessageLog) bool { return isReply(m) && *m.ReplyTo == in1.ID }); n != 1 {
			t.Fatalf("message 1 has %d replies", n)
		}
		if n := h.count(id, func(m store.MessageLog) bool { return isReply(m) && *m.ReplyTo == in2.ID && m.Intent == "hours" }); n != 1 {
			t.Fatalf("message 2 has %d hours replies", n)
		}
	})
}

// One tenant whose link panics on every send and every connect never slows
// the fifty healthy tenants beside it.
func TestBrokenTenantIsolated(t *testing.T) {
	st := storeForTest(t)
	h := newHarness(t, st, nil, nil)
	broken := addTenant(t, st, "booking", true, nil)
	h.net.SetFaults(broken, sim.Faults{PanicSend: true, FailConnects: 1 << 30})
	var healthy []string
	for i := 0; i < 50; i++ {
		healthy = append(healthy, addTenant(t, st, []string{"booking", "ecommerce", "support"}[i%3], true, nil))
	}
	if err := h.sup.Start(context.Background(), broken); err != nil {
		t.Fatal(err)
	}
	for _, id := range healthy {
		if err := h.sup.Start(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range healthy {
		h.waitSession(id, store.SessionConnected)
	}
	start := time.Now()
	var wg sync.WaitGroup
	for _, id := range healthy {
		wg.Add(1)
		go func(id string) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				h.say(id, fmt.Sprintf("2547100000%02d@s.whatsapp.net", i), "Hello")
			}
		}(id)
	}
	wg.Wait()
	for _, id := range healthy {
		waitFor(t, "healthy replies", func() bool { return len(h.net.Sent(id)) == 10 })
	}
	t.Logf("500 replies from 50 healthy tenants in %s beside a broken one", time.Since(start))
	if w := h.status(broken).Worker; w.Restarts == 0 || w.LastError == "" {
		t.Fatalf("broken tenant not restarting: %+v", w)
	}
}

// A reply left pending longer than the recovery window (the worker was
// stopped for days) is given up, not sent out of the blue; a recent one
// is sent.
func TestOldPendingReplyExpires(t *testing.T) {
	st := storeForTest(t)
	ctx := context.Background()
	id := addTenant(t, st, "booking", true, nil)
	old := time.Now().Add(-48 * time.Hour)
	stale := &store.MessageLog{TenantID: id, Direction: store.DirOut, Chat: chatA, WAMessageID: "OUT-OLD", MessageText: "Hello!",
		Status: store.StatusPending, Source: store.SourceBot, CreatedAt: old, UpdatedAt: old}
	fresh := &store.MessageLog{TenantID: id, Direction: store.DirOut, Chat: chatB, WAMessageID: "OUT-NEW", MessageText: "Hello!",
		Status: store.StatusPending, Source: store.SourceBot}
	if err := st.Commit(ctx, store.Op{Insert: stale}, store.Op{Insert: fresh}); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, st, nil, nil)
	waitFor(t, "fresh reply sent", func() bool { return h.net.SendCount(id, "OUT-NEW") == 1 })
	waitFor(t, "old reply given up", func() bool {
		m, err := st.GetLog(ctx, id, stale.ID)
		return err == nil && m.Status == store.StatusFailed && strings.HasPrefix(m.Error, "expired")
	})
	if n := h.net.SendCount(id, "OUT-OLD"); n != 0 {
		t.Fatalf("expired reply sent %d times", n)
	}
}

// Lanes that go idle while messages keep coming (a very short LaneIdle
// makes the idle timer race the pushes) still run every job: each of
// the messages gets its reply.
func TestLaneIdleRaceLosesNothing(t *testing.T) {
	h := newHarness(t, storeForTest(t), nil, func(o *tenant.Options) { o.LaneIdle = time.Millisecond })
	var ids []string
	for range 10 {
		id := h.add("booking", true, nil)
		ids = append(ids, id)
	}
	for _, id := range ids {
		h.waitSession(id, store.SessionConnected)
	}
	const perTenant = 60
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			for i := range perTenant {
				h.say(id, fmt.Sprintf("2547300000%02d@s.whatsapp.net", i%5), "Hello")
				time.Sleep(time.Duration(i%3) * time.Millisecond) // lanes go idle as messages arrive
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		waitFor(t, "every message answered", func() bool { return len(h.net.Sent(id)) == perTenant })
	}
	if q := h.sup.Metrics().LaneQueued; q != 0 {
		t.Fatalf("%d jobs still counted as queued", q)
	}
}
