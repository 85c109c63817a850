package wa_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
	"github.com/flowhq/flowhq/tenant/watest"
)

// pair links two tenants: the one a test breaks and a bystander that must
// not notice.
func pair(t *testing.T, tune tuning) (e *env, id string, acct *watest.Account, dev *watest.Device, other string, otherAcct *watest.Account) {
	t.Helper()
	srv := newServer(t)
	e = startEnv(t, storetest.SQLite(t), srv, tune)
	id, other = e.add("booking"), e.add("ecommerce")
	acct, dev = e.link(id)
	otherAcct, _ = e.link(other)
	return
}

// unaffected checks that the bystander tenant still answers.
func (e *env) unaffected(other string, otherAcct *watest.Account) {
	e.t.Helper()
	if s := e.session(other); s.State != store.SessionConnected {
		e.t.Fatalf("bystander session %s (%s)", s.State, s.Reason)
	}
	if w := e.worker(other); w.Status != store.WorkerRunning {
		e.t.Fatalf("bystander worker %s (%s)", w.Status, w.LastError)
	}
	e.converse(other, otherAcct.Customer("+255 722 000 009"), "Where is my order?")
}

// The same message delivered twice (by phone number and again by LID) is
// logged and answered once.
func TestDuplicateDelivery(t *testing.T) {
	t.Parallel()
	e, id, acct, dev, other, otherAcct := pair(t, nil)
	cust := acct.Customer("+255 711 000 002")
	in, _ := e.converse(id, cust, "Bei ya kunyoa ni ngapi?")
	e.waitOnline(dev)

	cust.UseLID(true)
	if err := cust.Resend(ctxFor(t, 10*time.Second), in.WAMessageID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "second receipt", 10*time.Second, func() bool { return len(e.srv.Receipts(in.WAMessageID)) >= 2 })
	time.Sleep(300 * time.Millisecond)
	if n := e.count(id, isIn); n != 1 {
		t.Fatalf("%d IN rows after a duplicate, want 1", n)
	}
	if n := e.count(id, isReply); n != 1 {
		t.Fatalf("%d replies after a duplicate, want 1", n)
	}
	if got := cust.Received(); len(got) != 1 {
		t.Fatalf("customer got %d messages, want 1", len(got))
	}
	// A new message by LID is logged under the phone-number chat.
	in2, _ := e.converse(id, cust, "Asante")
	if in2.Chat != cust.JID().String() {
		t.Errorf("LID-addressed message logged in chat %q, want %q", in2.Chat, cust.JID())
	}
	e.unaffected(other, otherAcct)
}

// The device logs in somewhere else: the worker stops in ERROR with the
// reason and does not fight for the device.
func TestStreamReplaced(t *testing.T) {
	t.Parallel()
	e, id, _, dev, other, otherAcct := pair(t, nil)
	dev.Replace()
	w := e.waitWorker(id, store.WorkerError)
	if !strings.Contains(w.LastError, "linked in another place") {
		t.Fatalf("worker error %q", w.LastError)
	}
	time.Sleep(500 * time.Millisecond)
	if n := dev.Logins(); n != 1 {
		t.Fatalf("device logged in %d times after being replaced, want 1 (no reconnect loop)", n)
	}
	if w := e.worker(id); w.Status != store.WorkerError {
		t.Fatalf("worker %s after stream replaced", w.Status)
	}
	e.unaffected(other, otherAcct)
}

// The owner removes the device on the phone: the session is LOGGED_OUT, the
// device keys are gone, and a restart shows a new QR code.
func TestRemoteLogout(t *testing.T) {
	t.Parallel()
	e, id, _, dev, other, otherAcct := pair(t, nil)
	jid := dev.JID()
	dev.Remove()
	s := e.waitSession(id, store.SessionLoggedOut)
	if s.JID != "" || !strings.Contains(s.Reason, "removed") {
		t.Fatalf("session after remote logout: %+v", s)
	}
	if got := e.m.Link(id); got == nil || got.State() != "logged_out" {
		t.Fatalf("link state after logout: %v", got)
	}
	waitFor(t, "device deleted from the store", 10*time.Second, func() bool {
		var n int
		err := e.st.SQLDB().QueryRow("SELECT COUNT(*) FROM whatsmeow_device WHERE jid = ?", jid.String()).Scan(&n)
		return err == nil && n == 0
	})
	if w := e.worker(id); w.Status != store.WorkerRunning {
		t.Fatalf("worker %s after logout; it should wait for a new link", w.Status)
	}
	e.unaffected(other, otherAcct)

	if err := e.sup.Restart(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	code := e.waitQR(id)
	if _, err := e.srv.NewAccount().Scan(code); err != nil {
		t.Fatal(err)
	}
	e.waitSession(id, store.SessionConnected)
}

// A temporary ban pauses the tenant: the session says so, nothing is sent,
// and when the ban ends the link logs in again by itself and answers what
// came in meanwhile.
func TestTemporaryBan(t *testing.T) {
	t.Parallel()
	e, id, acct, dev, other, otherAcct := pair(t, nil)
	cust := acct.Customer("+255 711 000 003")
	acct.Ban(events.TempBanSentToTooManyPeople, 3*time.Second)
	e.waitSaw(id, "session DISCONNECTED with the ban", func(s store.WhatsAppSession) bool {
		return s.State == store.SessionDisconnected && strings.Contains(s.Reason, "temporarily banned")
	})
	msgID := cust.Send("Nataka kuweka miadi")
	time.Sleep(200 * time.Millisecond)
	if len(cust.Received()) != 0 {
		t.Fatal("a reply went out during the ban")
	}
	e.waitSession(id, store.SessionConnected)
	if _, err := cust.WaitReply(ctxFor(t, 30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.GetLogByKey(context.Background(), id, store.DirIn, cust.JID().String(), msgID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "reply logged", 10*time.Second, func() bool { return e.count(id, sentReply) == 1 })
	if w := e.worker(id); w.Status != store.WorkerRunning {
		t.Fatalf("worker %s after the ban", w.Status)
	}
	e.waitOnline(dev)
	e.unaffected(other, otherAcct)
}

// A dropped connection: DISCONNECTED, then whatsmeow reconnects by itself,
// CONNECTED again, and a message sent meanwhile is answered once.
func TestDroppedConnection(t *testing.T) {
	t.Parallel()
	e, id, acct, dev, other, otherAcct := pair(t, nil)
	dev.Drop()
	e.waitSaw(id, "session DISCONNECTED", func(s store.WhatsAppSession) bool {
		return s.State == store.SessionDisconnected && strings.Contains(s.Reason, "reconnecting")
	})
	ctx := ctxFor(t, 30*time.Second)
	if err := dev.WaitLogins(ctx, 2); err != nil {
		t.Fatal(err)
	}
	e.waitSession(id, store.SessionConnected)
	e.waitOnline(dev)
	e.converse(id, acct.Customer("+255 711 000 004"), "Habari za asubuhi")
	if w := e.worker(id); w.Status != store.WorkerRunning || w.Restarts != 0 {
		t.Fatalf("worker %s with %d restarts after a drop; whatsmeow should reconnect by itself", w.Status, w.Restarts)
	}
	e.unaffected(other, otherAcct)
}

// The business answers from its own phone: the message is logged as a
// human reply and the bot stays silent in that chat.
func TestHandoff(t *testing.T) {
	t.Parallel()
	e, id, acct, dev, other, otherAcct := pair(t, nil)
	cust := acct.Customer("+255 711 000 005")
	phoneID, err := acct.SendFromPhone(ctxFor(t, 10*time.Second), cust.JID(), &waE2E.Message{Conversation: proto.String("Karibu, nitakuhudumia mimi mwenyewe")})
	if err != nil {
		t.Fatal(err)
	}
	chat := cust.JID().String()
	waitFor(t, "the phone's message logged", 10*time.Second, func() bool {
		m, err := e.st.GetLogByKey(context.Background(), id, store.DirOut, chat, phoneID)
		return err == nil && m.Source == store.SourceHuman
	})
	msgID := cust.Send("Sawa, asante")
	waitFor(t, "customer message skipped", 10*time.Second, func() bool {
		m, err := e.st.GetLogByKey(context.Background(), id, store.DirIn, chat, msgID)
		return err == nil && m.Status == store.StatusSkipped
	})
	time.Sleep(200 * time.Millisecond)
	if n := len(cust.Received()); n != 0 {
		t.Fatalf("the bot answered %d times in a chat a human took over", n)
	}
	e.waitOnline(dev)
	// Other chats of the same tenant still get answers.
	e.converse(id, acct.Customer("+255 711 000 006"), "Habari")
	e.unaffected(other, otherAcct)
}

// Customers who write several messages in a row while the bot is
// answering: every reply can be read. (Decrypting a message while a reply
// to the same customer is being encrypted must not undo the reply's
// ratchet step; see Link.sessionMu.)
func TestBurstFromOneCustomer(t *testing.T) {
	t.Parallel()
	e, id, acct, dev, _, _ := pair(t, nil)
	texts := []string{"Habari", "Nataka kuweka miadi", "Kesho saa nne asubuhi", "Bei gani?"}
	custs := []*watest.Customer{acct.Customer("+255 711 000 007"), acct.Customer("+255 711 000 008"), acct.Customer("+255 711 000 009")}
	for round := 0; round < 2; round++ {
		for _, text := range texts {
			for _, c := range custs {
				c.Send(text)
			}
		}
		for _, c := range custs {
			if _, err := c.WaitReceived(ctxFor(t, 30*time.Second), (round+1)*len(texts)); err != nil {
				t.Fatalf("%v (server errors: %v)", err, e.srv.Errors())
			}
		}
	}
	want := 2 * len(texts) * len(custs)
	waitFor(t, "replies logged", 10*time.Second, func() bool { return e.count(id, sentReply) == want })
	if errs := e.srv.Errors(); len(errs) != 0 {
		t.Fatalf("server errors: %v", errs)
	}
	e.waitOnline(dev)
}

// A tenant whose stored device is no longer in the device store (its keys
// were deleted, or the database was swapped) is reported LOGGED_OUT with the
// reason; a restart pairs a new device.
func TestStoredDeviceGone(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	st := storetest.SQLite(t)
	id := addTenant(t, st, "booking", "255700000099:3@s.whatsapp.net")
	e := startEnv(t, st, srv, nil)
	s := e.waitSession(id, store.SessionLoggedOut)
	if s.JID != "" || !strings.Contains(s.Reason, "no longer in the device store") {
		t.Fatalf("session: %+v", s)
	}
	if err := e.sup.Restart(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	e.link(id)
}
