package wa_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/tenant/wa"
	"github.com/flowhq/flowhq/tenant/watest"
)

// Linking by phone number: the operator asks for a pairing code while the
// QR code shows, the session shows the code, the owner types it on the
// phone and the tenant is linked to that number.
func TestPairingCode(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	e := startEnv(t, storetest.SQLite(t), srv, nil)
	id := e.add("support")
	e.waitQR(id)
	const phone = "+255 754 000 111"
	code, err := e.sup.PairPhone(ctxFor(t, 30*time.Second), id, phone)
	if err != nil {
		t.Fatal(err)
	}
	if len(code) != 9 || code[4] != '-' {
		t.Fatalf("pairing code %q is not XXXX-XXXX", code)
	}
	s := e.waitSession(id, store.SessionPairCodeReady)
	if s.PairCode != code {
		t.Fatalf("session pair code %q, want %q", s.PairCode, code)
	}
	if qr, _ := e.m.Link(id).QR(); qr != "" {
		t.Error("QR codes keep showing after a pairing code was issued")
	}
	acct := srv.Account(phone)
	jid, err := acct.EnterCode(code)
	if err != nil {
		t.Fatal(err)
	}
	s = e.waitSession(id, store.SessionConnected)
	if s.JID != jid.String() || jid.User != "255754000111" || s.PairCode != "" {
		t.Fatalf("session after entering the code: %+v (device %s)", s, jid)
	}
	dev, _ := srv.Device(jid)
	e.waitOnline(dev)
	e.converse(id, acct.Customer("+255 711 000 010"), "My internet is not working")
}

// The QR codes run out: the session goes back to DISCONNECTED with a
// reason. A new pairing attempt can be asked for, by the supervisor's
// restart or by connecting the idle link again.
func TestQRTimeoutAndNewQR(t *testing.T) {
	t.Parallel()
	srv := newServer(t, watest.WithQRLifetimes(150*time.Millisecond, 100*time.Millisecond))
	e := startEnv(t, storetest.SQLite(t), srv, func(wo *wa.Options, _ *tenant.Options) { wo.MaxConcurrentLinking = 1 })
	id := e.add("booking")
	e.waitSaw(id, "QR shown", func(s store.WhatsAppSession) bool { return s.State == store.SessionQRReady })
	expired := func(s store.WhatsAppSession) bool {
		return s.State == store.SessionDisconnected && strings.Contains(s.Reason, "QR code") && s.LastQR == ""
	}
	e.waitSaw(id, "session DISCONNECTED after the QR codes ran out", expired)
	waitFor(t, "the expiry stored", 10*time.Second, func() bool {
		s, err := e.st.GetSession(context.Background(), id)
		return err == nil && expired(s)
	})
	// The slot was released: with one slot, the next attempt can start.
	if st := e.m.Stats(); st.Pairing != 0 {
		t.Fatalf("stats after timeout: %+v", st)
	}
	seen := func(match func(store.WhatsAppSession) bool) int {
		n := 0
		e.mu.Lock()
		for _, s := range e.sessions[id] {
			if match(s) {
				n++
			}
		}
		e.mu.Unlock()
		return n
	}
	qrShown := func() int {
		return seen(func(s store.WhatsAppSession) bool { return s.State == store.SessionQRReady })
	}
	before := qrShown()

	// Connect on the idle link starts a new attempt.
	if err := e.m.Link(id).Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a new QR code", 10*time.Second, func() bool { return qrShown() > before })
	waitFor(t, "the new codes to run out", 10*time.Second, func() bool { return seen(expired) >= 2 })

	// So does a restart.
	before = qrShown()
	if err := e.sup.Restart(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a QR code after restart", 10*time.Second, func() bool { return qrShown() > before })
	waitFor(t, "the restart's codes to run out", 10*time.Second, func() bool { return seen(expired) >= 3 })
	if w := e.worker(id); w.Status != store.WorkerRunning {
		t.Fatalf("worker %s after the codes ran out; it should wait for the next request", w.Status)
	}
}

// Force restart logs the device out (WhatsApp forgets it, its keys are
// deleted) and starts a fresh pairing with a new QR code.
func TestForceRestart(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	e := startEnv(t, storetest.SQLite(t), srv, nil)
	id := e.add("booking")
	acct, dev := e.link(id)
	jid := dev.JID()
	e.settle()
	if err := e.sup.ForceRestart(ctxFor(t, 30*time.Second), id); err != nil {
		t.Fatal(err)
	}
	s := e.waitSession(id, store.SessionQRReady)
	if s.JID != "" {
		t.Fatalf("session after force restart still has JID %q", s.JID)
	}
	if n := len(acct.Devices()); n != 0 {
		t.Fatalf("the phone still lists %d linked devices", n)
	}
	var n int
	if err := e.st.SQLDB().QueryRow("SELECT COUNT(*) FROM whatsmeow_device WHERE jid = ?", jid.String()).Scan(&n); err != nil || n != 0 {
		t.Fatalf("device keys still stored: %d (%v)", n, err)
	}
	if err := e.st.SQLDB().QueryRow("SELECT COUNT(*) FROM whatsmeow_privacy_tokens WHERE our_jid = ?", jid.String()).Scan(&n); err != nil || n != 0 {
		t.Fatalf("privacy tokens left: %d (%v)", n, err)
	}
	code := e.waitQR(id)
	if _, err := acct.Scan(code); err != nil {
		t.Fatal(err)
	}
	e.waitSession(id, store.SessionConnected)
}

// At most MaxConcurrentLinking tenants pair at once; the others wait for a
// slot (their start is not held up), and get their QR code once a slot is
// free.
func TestLinkingSlots(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	e := startEnv(t, storetest.SQLite(t), srv, func(wo *wa.Options, _ *tenant.Options) { wo.MaxConcurrentLinking = 1 })
	first := e.add("booking")
	e.waitQR(first)
	second := e.add("support")
	e.waitWorker(second, store.WorkerRunning)
	e.waitSaw(second, "the second tenant waits for a linking slot", func(s store.WhatsAppSession) bool {
		return s.State == store.SessionDisconnected && strings.Contains(s.Reason, "linking slot")
	})
	if st := e.m.Stats(); st.Pairing != 1 || st.WaitingFor != 1 {
		t.Fatalf("stats: %+v", st)
	}
	time.Sleep(200 * time.Millisecond)
	if e.session(second).State != store.SessionDisconnected {
		t.Fatal("second tenant started pairing without a slot")
	}
	e.link(first)
	e.link(second)
	if st := e.m.Stats(); st.Connected != 2 || st.Pairing != 0 || st.WaitingFor != 0 {
		t.Fatalf("stats after linking: %+v", st)
	}
}

// A session that cannot finish logging in is restarted by the watchdog
// (Disconnect, then Connect) until it gets through.
func TestWatchdogRestartsStuckLogin(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	e := startEnv(t, storetest.SQLite(t), srv, func(wo *wa.Options, _ *tenant.Options) {
		wo.NotLoggedInAfter = 500 * time.Millisecond
	})
	id := e.add("booking")
	acct, dev := e.link(id)
	// The server stops answering, and the connection drops: the client
	// logs in again but never gets the answers it needs to finish.
	dev.Stall(true)
	dev.Drop()
	ctx := ctxFor(t, 30*time.Second)
	if err := dev.WaitLogins(ctx, 4); err != nil {
		t.Fatalf("watchdog did not retry the login: %v", err)
	}
	if s := e.session(id); s.State != store.SessionDisconnected {
		t.Fatalf("session %s while the login cannot finish", s.State)
	}
	dev.Stall(false)
	e.waitSession(id, store.SessionConnected)
	e.waitOnline(dev)
	e.converse(id, acct.Customer("+255 711 000 011"), "Habari")
}
