package tenant_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/tenant/sim"
)

const chatA, chatB = "254700000001@s.whatsapp.net", "254700000002@s.whatsapp.net"

// A new tenant shows a QR code, a scan links it, and a customer's message
// gets the template's reply, logged in both directions with the same id the
// phone network saw.
func TestLinkAndReply(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store.Store) {
		h := newHarness(t, st, nil, nil)
		id := addTenant(t, st, "booking", false, nil)
		if err := h.sup.Start(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		sess := h.waitSession(id, store.SessionQRReady)
		if !strings.HasPrefix(sess.LastQR, "data:image/png;base64,") || sess.QRExpiresAt == nil {
			t.Fatalf("QR not stored as a PNG data URL with expiry: %.40q %v", sess.LastQR, sess.QRExpiresAt)
		}
		h.waitWorker(id, store.WorkerRunning)
		jid, err := h.net.Scan(id)
		if err != nil {
			t.Fatal(err)
		}
		sess = h.waitSession(id, store.SessionConnected)
		if sess.JID != jid || sess.LastQR != "" {
			t.Fatalf("session after scan: jid %q (want %q), qr cleared %v", sess.JID, jid, sess.LastQR == "")
		}

		msgID := h.say(id, chatA, "Nataka kuweka miadi kesho saa nne asubuhi")
		waitFor(t, "reply", func() bool { return len(h.net.Sent(id)) == 1 })
		sent := h.net.Sent(id)[0]
		waitFor(t, "reply marked sent", func() bool { return h.count(id, sentReply) == 1 })
		rows := h.logs(id)
		if len(rows) != 2 {
			t.Fatalf("want 2 log rows, got %d", len(rows))
		}
		in, out := rows[0], rows[1]
		if in.Direction != store.DirIn || in.WAMessageID != msgID || in.Chat != chatA || in.Source != store.SourceCustomer {
			t.Errorf("IN row: %+v", in)
		}
		if out.WAMessageID != sent.ID || out.MessageText != sent.Text || *out.ReplyTo != in.ID || out.Intent != "book" || out.Source != store.SourceBot {
			t.Errorf("OUT row %+v does not match the sent message %+v", out, sent)
		}
		if sent.Chat != chatA || !strings.Contains(sent.Text, "kesho saa nne asubuhi") {
			t.Errorf("reply should go to the chat and repeat the time back: %+v", sent)
		}
	})
}

// Worker states move STOPPED → STARTING → RUNNING → STOPPED; stop pauses
// the tenant so it stays stopped across a server restart.
func TestStartStopRestart(t *testing.T) {
	st := storeForTest(t)
	h := newHarness(t, st, nil, nil)
	id := h.add("support", true, nil)
	ctx := context.Background()
	h.waitWorker(id, store.WorkerRunning)
	h.waitSession(id, store.SessionConnected)

	if err := h.sup.Stop(ctx, id); err != nil {
		t.Fatal(err)
	}
	if s := h.status(id).Worker.Status; s != store.WorkerStopped {
		t.Fatalf("after stop: %s", s)
	}
	tn, _ := st.GetTenant(ctx, id)
	if tn.Status != store.TenantPaused {
		t.Fatalf("stopped tenant status %s, want PAUSED", tn.Status)
	}
	if err := h.sup.Restart(ctx, id); err != nil {
		t.Fatal(err)
	}
	h.waitWorker(id, store.WorkerRunning)
	tn, _ = st.GetTenant(ctx, id)
	if tn.Status != store.TenantActive {
		t.Fatalf("restarted tenant status %s, want ACTIVE", tn.Status)
	}
	waitFor(t, "worker row in the database", func() bool {
		w, err := st.GetWorker(ctx, id)
		return err == nil && w.Status == store.WorkerRunning && w.StartedAt != nil
	})

	if err := h.sup.Start(ctx, "no-such-tenant"); !errors.Is(err, tenant.ErrUnknownTenant) {
		t.Fatalf("start unknown tenant: %v", err)
	}
	if _, err := h.sup.Status(ctx, "no-such-tenant"); !errors.Is(err, tenant.ErrUnknownTenant) {
		t.Fatalf("status of unknown tenant: %v", err)
	}
}

// A link that keeps failing is restarted with backoff and ends in ERROR after
// MaxRestarts consecutive failures; an operator's Start tries again.
func TestBackoffUntilMaxRestarts(t *testing.T) {
	st := storeForTest(t)
	h := newHarness(t, st, nil, func(o *tenant.Options) { o.MaxRestarts = 4 })
	id := addTenant(t, st, "booking", true, nil)
	h.net.SetFaults(id, sim.Faults{FailConnects: 1000})
	if err := h.sup.Start(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	h.waitWorker(id, store.WorkerError)
	w := h.status(id).Worker
	if w.Restarts != 3 || !strings.Contains(w.LastError, "gave up after 4 consecutive failures") || !strings.Contains(w.LastError, "injected connect failure") {
		t.Fatalf("worker after giving up: restarts %d, last error %q", w.Restarts, w.LastError)
	}
	waitFor(t, "ERROR stored", func() bool {
		dw, err := st.GetWorker(context.Background(), id)
		return err == nil && dw.Status == store.WorkerError && dw.LastError == w.LastError
	})
	h.net.SetFaults(id, sim.Faults{})
	if err := h.sup.Start(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	h.waitWorker(id, store.WorkerRunning)
}

// A panic inside the link is recovered; the actor restarts and runs again.
func TestPanicIsRecovered(t *testing.T) {
	st := storeForTest(t)
	h := newHarness(t, st, nil, nil)
	id := addTenant(t, st, "booking", true, nil)
	h.net.SetFaults(id, sim.Faults{PanicConnect: true})
	if err := h.sup.Start(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a restart after the panic", func() bool {
		w := h.status(id).Worker
		return w.Restarts >= 2 && strings.Contains(w.LastError, "panic")
	})
	h.net.SetFaults(id, sim.Faults{})
	h.waitWorker(id, store.WorkerRunning)
	h.say(id, chatA, "hello")
	waitFor(t, "reply after recovery", func() bool { return len(h.net.Sent(id)) == 1 })
}

// An actor stuck inside its link stops answering heartbeats: it is marked
// ERROR (stale) and restarted without waiting for the stuck run.
func TestStaleActorIsRestarted(t *testing.T) {
	st := storeForTest(t)
	h := newHarness(t, st, nil, func(o *tenant.Options) {
		o.HeartbeatInterval = 20 * time.Millisecond
		o.StaleAfter = 150 * time.Millisecond
	})
	id := addTenant(t, st, "booking", true, nil)
	h.net.SetFaults(id, sim.Faults{HangConnect: true})
	if err := h.sup.Start(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "stale detection", func() bool {
		dw, err := st.GetWorker(context.Background(), id)
		return err == nil && strings.Contains(dw.LastError, "stale")
	})
	h.net.SetFaults(id, sim.Faults{})
	h.net.Release(id)
	h.waitWorker(id, store.WorkerRunning)
	h.waitSession(id, store.SessionConnected)
	h.say(id, chatA, "hello")
	waitFor(t, "reply from the fresh run", func() bool { return len(h.net.Sent(id)) == 1 })
	w := h.status(id).Worker
	if w.Restarts < 1 {
		t.Fatalf("stale restart not counted: %+v", w)
	}
}

// The heartbeat records last_seen_at for running workers.
func TestHeartbeatRecordsLastSeen(t *testing.T) {
	st := storeForTest(t)
	h := newHarness(t, st, nil, nil)
	id := h.add("booking", true, nil)
	h.waitWorker(id, store.WorkerRunning)
	waitFor(t, "last_seen_at", func() bool {
		s, err := st.GetSession(context.Background(), id)
		return err == nil && s.LastSeenAt != nil && time.Since(*s.LastSeenAt) < 5*time.Second
	})
}

// Force restart logs the device out, clears the session and shows a new QR.
func TestForceRestart(t *testing.T) {
	st := storeForTest(t)
	h := newHarness(t, st, nil, nil)
	id := h.add("booking", true, nil)
	h.waitSession(id, store.SessionConnected)
	if err := h.sup.ForceRestart(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	s := h.waitSession(id, store.SessionQRReady)
	if s.JID != "" {
		t.Fatalf("device id kept after force restart: %q", s.JID)
	}
	if h.net.JID(id) != "" {
		t.Fatal("the phone still has the device linked")
	}
	if _, err := h.net.Scan(id); err != nil {
		t.Fatal(err)
	}
	h.waitSession(id, store.SessionConnected)
}

// When every QR code expires unscanned the session returns to DISCONNECTED
// with a reason, and a restart shows a new QR code.
func TestQRTimeout(t *testing.T) {
	st := storeForTest(t)
	net := sim.NewNetwork(sim.Options{QRCodes: 2, FirstQR: 500 * time.Millisecond, NextQR: 200 * time.Millisecond})
	h := newHarness(t, st, net, nil)
	ctx := context.Background()
	id := addTenant(t, st, "booking", false, nil)
	if err := h.sup.Start(ctx, id); err != nil {
		t.Fatal(err)
	}
	h.waitSession(id, store.SessionQRReady)
	waitFor(t, "timeout reason", func() bool {
		s, _ := st.GetSession(ctx, id)
		return s.State == store.SessionDisconnected && strings.Contains(s.Reason, "QR code expired")
	})
	if err := h.sup.Restart(ctx, id); err != nil {
		t.Fatal(err)
	}
	h.waitSession(id, store.SessionQRReady)
}

// Session states follow the link: a pairing code links, a drop
// reconnects, a remote logout forgets the device, a ban pauses sending, and a
// device linked elsewhere puts the worker in ERROR without a restart loop.
func TestSessionStates(t *testing.T) {
	st := storeForTest(t)
	net := sim.NewNetwork(sim.Options{ReconnectAfter: 50 * time.Millisecond, RedeliverAfter: 20 * time.Millisecond})
	h := newHarness(t, st, net, nil)
	ctx := context.Background()

	t.Run("pairing code", func(t *testing.T) {
		id := addTenant(t, st, "booking", false, nil)
		h.sup.Start(ctx, id)
		h.waitWorker(id, store.WorkerRunning)
		code, err := h.sup.PairPhone(ctx, id, "+255712345678")
		if err != nil {
			t.Fatal(err)
		}
		s := h.waitSession(id, store.SessionPairCodeReady)
		if s.PairCode != code || len(code) != 9 || code[4] != '-' {
			t.Fatalf("pair code %q stored as %q", code, s.PairCode)
		}
		if _, err := h.net.EnterCode(id, code); err != nil {
			t.Fatal(err)
		}
		h.waitSession(id, store.SessionConnected)
	})
	t.Run("drop reconnects", func(t *testing.T) {
		id := addTenant(t, st, "booking", true, nil)
		h.sup.Start(ctx, id)
		h.waitSession(id, store.SessionConnected)
		h.net.Drop(id)
		h.waitSession(id, store.SessionDisconnected)
		h.waitSession(id, store.SessionConnected)
		h.say(id, chatA, "hi")
		waitFor(t, "reply after reconnect", func() bool { return len(h.net.Sent(id)) == 1 })
	})
	t.Run("remote logout", func(t *testing.T) {
		id := addTenant(t, st, "booking", true, nil)
		h.sup.Start(ctx, id)
		h.waitSession(id, store.SessionConnected)
		h.net.RemoteLogout(id)
		s := h.waitSession(id, store.SessionLoggedOut)
		if s.JID != "" || s.Reason == "" {
			t.Fatalf("logged-out session keeps device %q / reason %q", s.JID, s.Reason)
		}
		if err := h.sup.Restart(ctx, id); err != nil {
			t.Fatal(err)
		}
		h.waitSession(id, store.SessionQRReady)
	})
	t.Run("temporary ban", func(t *testing.T) {
		id := addTenant(t, st, "booking", true, nil)
		h.sup.Start(ctx, id)
		h.waitSession(id, store.SessionConnected)
		h.net.Ban(id, time.Now().Add(300*time.Millisecond))
		waitFor(t, "ban reason", func() bool {
			s, _ := st.GetSession(ctx, id)
			return strings.Contains(s.Reason, "temporarily banned")
		})
		h.say(id, chatA, "hello")
		time.Sleep(100 * time.Millisecond)
		if n := len(h.net.Sent(id)); n != 0 {
			t.Fatalf("sent %d messages during a ban", n)
		}
		waitFor(t, "reply after the ban", func() bool { return len(h.net.Sent(id)) == 1 })
		waitFor(t, "reason cleared", func() bool {
			s, _ := st.GetSession(ctx, id)
			return s.Reason == ""
		})
	})
	t.Run("linked elsewhere", func(t *testing.T) {
		id := addTenant(t, st, "booking", true, nil)
		h.sup.Start(ctx, id)
		h.waitSession(id, store.SessionConnected)
		s, _ := st.GetSession(ctx, id)
		// A second client on the same device replaces ours.
		other, err := net.Factory()(ctx, tenant.LinkParams{TenantID: id, JID: s.JID, Handler: nopHandler{}})
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		h.waitWorker(id, store.WorkerError)
		if w := h.status(id).Worker; !strings.Contains(w.LastError, "another place") || w.Restarts != 0 {
			t.Fatalf("worker after replacement: %+v", w)
		}
	})
}

type nopHandler struct{}

func (nopHandler) Event(tenant.Event)          {}
func (nopHandler) Inbound(tenant.Inbound) bool { return true }
