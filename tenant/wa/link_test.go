package wa_test

import (
	"context"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// A tenant started by the supervisor shows a QR code (a PNG in the
// database); the phone scans it; the session becomes CONNECTED with the
// device's JID; a customer's message gets the template's reply, which the
// customer decrypts, and both rows are logged with the ids WhatsApp saw.
// The IN row is committed before the delivery receipt reaches WhatsApp.
// Then the process restarts on the same database: no QR code, the stored
// device logs straight in and keeps answering.
func TestQRLinkReplyAndRestart(t *testing.T) {
	storetest.EachConfig(t, func(t *testing.T, cfg store.Config) {
		t.Parallel()
		srv := newServer(t)
		st := storetest.Open(t, cfg)
		e := startEnv(t, st, srv, nil)
		id := e.add("booking")
		other := e.add("support")
		acct, dev := e.link(id)
		_, otherDev := e.link(other)
		cust := acct.Customer("+255 711 000 001")

		msgID := cust.Send("Habari, nataka kuweka miadi kesho saa nne asubuhi")
		rcpt, err := srv.WaitReceipt(ctxFor(t, 30*time.Second), msgID)
		if err != nil {
			t.Fatal(err)
		}
		// The receipt is sent only after the handler returned, and the
		// handler returns only once the row is committed: it is there now.
		in, err := st.GetLogByKey(context.Background(), id, store.DirIn, cust.JID().String(), msgID)
		if err != nil {
			t.Fatalf("IN row missing when the receipt (at %s) was seen: %v", rcpt.Time.Format(time.StampMicro), err)
		}
		if in.Status != store.StatusReceived && in.Status != store.StatusSkipped {
			t.Logf("IN row status %s", in.Status)
		}
		reply, err := cust.WaitReply(ctxFor(t, 30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if want := expectReply(t, st, id, "Habari, nataka kuweka miadi kesho saa nne asubuhi"); reply.Text != want {
			t.Fatalf("reply %q, want %q", reply.Text, want)
		}
		if reply.Sender != dev.JID() {
			t.Errorf("reply sent by %s, want the tenant's device %s", reply.Sender, dev.JID())
		}
		waitFor(t, "reply logged as sent", 10*time.Second, func() bool { return e.count(id, sentReply) == 1 })
		out, err := st.GetLogByKey(context.Background(), id, store.DirOut, cust.JID().String(), reply.ID)
		if err != nil || *out.ReplyTo != in.ID || out.Intent != "book" || out.Source != store.SourceBot {
			t.Fatalf("OUT row %+v (%v) does not match the reply %+v", out, err, reply)
		}
		if in.ToNumber != acct.JID().User {
			t.Errorf("IN row to %q, want the business number %s", in.ToNumber, acct.JID().User)
		}

		// Restart: a new process on the same database.
		e.stop()
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		st2 := storetest.Open(t, cfg)
		e2 := startEnv(t, st2, srv, nil)
		e2.waitSession(id, store.SessionConnected)
		e2.waitSession(other, store.SessionConnected)
		if e2.sawSession(id, func(s store.WhatsAppSession) bool { return s.State == store.SessionQRReady }) {
			t.Error("a linked tenant showed a QR code after the restart")
		}
		e2.waitOnline(dev)
		e2.waitOnline(otherDev)
		if n := dev.Logins(); n != 2 {
			t.Errorf("device logged in %d times, want 2 (pairing login + restart)", n)
		}
		e2.converse(id, cust, "Asante sana")
		if e2.count(id, isIn) != 2 || e2.count(id, sentReply) != 2 {
			t.Errorf("after restart: %d IN rows, %d replies sent; want 2 and 2", e2.count(id, isIn), e2.count(id, sentReply))
		}
	})
}
