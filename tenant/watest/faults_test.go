package watest

import (
	"errors"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"
)

func TestDropReconnects(t *testing.T) {
	t.Parallel()
	srv := startServer(t, WithStreamEndGrace(300*time.Millisecond))
	tc, dev := durableClient(t, srv)
	dev.Drop()
	waitFor[*events.Disconnected](t, tc.rec, 1, 10*time.Second)
	tc.rec.waitConnected(t, 2)
	must(t, dev.WaitConnected(ctxT(t, 10*time.Second)))
	if dev.Logins() != 2 {
		t.Errorf("logins = %d, want 2", dev.Logins())
	}
	// Messages still flow after the reconnect.
	_, started := messageHandler(tc.cli, func(*events.Message) bool { return true })
	id := dev.Account().Customer("+255711000010").Send("still there?")
	if m := <-started; m.Info.ID != id {
		t.Errorf("got %s, want %s", m.Info.ID, id)
	}
	// Let the client finish writing before the next fault.
	must(t, dev.WaitSettled(ctxT(t, 10*time.Second)))

	// A server-wide outage drops every socket; the client comes back again.
	srv.DropAll()
	waitFor[*events.Disconnected](t, tc.rec, 2, 10*time.Second)
	tc.rec.waitConnected(t, 3)
	noErrors(t, srv)
}

func TestMessageOfflineIsDeliveredOnLogin(t *testing.T) {
	t.Parallel()
	srv := startServer(t, WithStreamEndGrace(300*time.Millisecond))
	tc, dev := durableClient(t, srv)
	tc.cli.Disconnect()
	must(t, dev.WaitOffline(ctxT(t, 10*time.Second)))
	id := dev.Account().Customer("+255711000011").Send("uko wapi?")
	_, started := messageHandler(tc.cli, func(*events.Message) bool { return true })
	must(t, tc.cli.Connect())
	if m := <-started; m.Info.ID != id {
		t.Errorf("got %s, want %s", m.Info.ID, id)
	}
	waitFor[*events.OfflineSyncCompleted](t, tc.rec, 1, 10*time.Second)
	_, err := srv.WaitReceipt(ctxT(t, 10*time.Second), id)
	must(t, err)
}

func TestDuplicateDeliverySeenTwice(t *testing.T) {
	t.Parallel()
	srv := startServer(t, WithStreamEndGrace(300*time.Millisecond))
	tc, dev := durableClient(t, srv)
	seen, started := messageHandler(tc.cli, func(*events.Message) bool { return true })
	cust := dev.Account().Customer("+255711000012")
	id := cust.Send("order #12")
	<-started
	_, err := srv.WaitReceipt(ctxT(t, 10*time.Second), id)
	must(t, err)
	must(t, cust.Resend(ctxT(t, 10*time.Second), id))
	<-started
	waitReceipts(t, srv, id, 2)
	h := seen()
	if len(h) != 2 || h[0].msg.Info.ID != id || h[1].msg.Info.ID != id {
		t.Fatalf("handler saw %d messages, want id %s twice", len(h), id)
	}
	if h[1].msg.Message.GetConversation() != "order #12" {
		t.Errorf("duplicate text = %q", h[1].msg.Message.GetConversation())
	}
	if n := len(srv.Receipts(id)); n != 2 {
		t.Errorf("receipts for the duplicated id = %d, want 2", n)
	}
	noErrors(t, srv)
}

func TestSameDeviceTwiceReplacesStream(t *testing.T) {
	t.Parallel()
	srv := startServer(t, WithStreamEndGrace(300*time.Millisecond))
	tc, dev := durableClient(t, srv)
	stored, err := tc.c.GetDevice(t.Context(), dev.JID())
	must(t, err)
	second := clientFor(t, srv, tc.c, stored)
	must(t, second.cli.Connect())
	second.rec.waitConnected(t, 1)
	waitFor[*events.StreamReplaced](t, tc.rec, 1, 10*time.Second)
	waitFor[socketGone](t, tc.rec, 1, 10*time.Second)
	if tc.cli.IsConnected() {
		t.Error("replaced client is still connected")
	}
	time.Sleep(300 * time.Millisecond)
	if count[*events.Connected](tc.rec) != 1 {
		t.Error("replaced client reconnected on its own")
	}
	if !dev.Online() {
		t.Error("the second client is not online")
	}
}

func TestReplaceFault(t *testing.T) {
	t.Parallel()
	srv := startServer(t, WithStreamEndGrace(300*time.Millisecond))
	tc, dev := durableClient(t, srv)
	dev.Replace()
	waitFor[*events.StreamReplaced](t, tc.rec, 1, 10*time.Second)
	must(t, dev.WaitOffline(ctxT(t, 10*time.Second)))
	waitFor[socketGone](t, tc.rec, 1, 10*time.Second)
}

func TestRemoteLogout(t *testing.T) {
	t.Parallel()
	srv := startServer(t, WithStreamEndGrace(300*time.Millisecond))
	tc, dev := durableClient(t, srv)
	dev.Remove()
	lo := waitFor[*events.LoggedOut](t, tc.rec, 1, 10*time.Second)
	if lo.OnConnect || lo.Reason != events.ConnectFailureLoggedOut {
		t.Errorf("LoggedOut = %+v", lo)
	}
	must(t, dev.WaitOffline(ctxT(t, 10*time.Second)))
	waitFor[socketGone](t, tc.rec, 1, 10*time.Second)
	if len(dev.Account().Devices()) != 0 {
		t.Error("removed device still listed")
	}
	// whatsmeow deleted the device from its store.
	if got, err := tc.c.GetDevice(t.Context(), dev.JID()); err != nil || got != nil {
		t.Errorf("device still in store: %v %v", got, err)
	}
}

func TestLoginOfRemovedDeviceIsLoggedOut(t *testing.T) {
	t.Parallel()
	srv := startServer(t, WithStreamEndGrace(300*time.Millisecond))
	tc, dev := durableClient(t, srv)
	tc.cli.Disconnect()
	must(t, dev.WaitOffline(ctxT(t, 10*time.Second)))
	dev.Remove()
	must(t, tc.cli.Connect())
	lo := waitFor[*events.LoggedOut](t, tc.rec, 1, 10*time.Second)
	if !lo.OnConnect || lo.Reason != events.ConnectFailureLoggedOut {
		t.Errorf("LoggedOut = %+v", lo)
	}
	waitFor[socketGone](t, tc.rec, 1, 10*time.Second)
}

func TestTemporaryBan(t *testing.T) {
	t.Parallel()
	srv := startServer(t, WithStreamEndGrace(300*time.Millisecond))
	tc, dev := durableClient(t, srv)
	dev.Account().Ban(events.TempBanSentToTooManyPeople, time.Hour)
	ban := waitFor[*events.TemporaryBan](t, tc.rec, 1, 15*time.Second)
	if ban.Code != events.TempBanSentToTooManyPeople || ban.Expire < 59*time.Minute || ban.Expire > time.Hour {
		t.Errorf("TemporaryBan = %+v", ban)
	}
	// The ban dropped the socket (Disconnected, socketGone #1); the login that
	// followed got the 402 failure and was closed by the server (#2).
	waitFor[socketGone](t, tc.rec, 2, 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	if tc.cli.IsConnected() || count[*events.Connected](tc.rec) != 1 {
		t.Error("banned client connected again")
	}
	dev.Account().Unban()
	must(t, tc.cli.Connect())
	tc.rec.waitConnected(t, 2)
}

func TestOwnPhoneMessageIsFromMe(t *testing.T) {
	t.Parallel()
	srv := startServer(t, WithStreamEndGrace(300*time.Millisecond))
	tc, dev := durableClient(t, srv)
	_, started := messageHandler(tc.cli, func(*events.Message) bool { return true })
	acct := dev.Account()
	cust := acct.Customer("+255711000013")
	id, err := acct.SendFromPhone(ctxT(t, 10*time.Second), cust.JID(), &waE2E.Message{Conversation: proto.String("Nitakusaidia mimi mwenyewe")})
	must(t, err)
	m := <-started
	if !m.Info.IsFromMe || m.Info.ID != id || m.Info.Chat != cust.JID() || m.Info.Sender.User != acct.JID().User || m.Info.Sender.Device != 0 {
		t.Errorf("message source = %+v", m.Info.MessageSource)
	}
	if m.Message.GetConversation() != "Nitakusaidia mimi mwenyewe" {
		t.Errorf("text = %q (raw %v)", m.Message.GetConversation(), m.RawMessage)
	}
	if m.RawMessage.GetDeviceSentMessage().GetDestinationJID() != cust.JID().String() {
		t.Errorf("raw message is not a DeviceSentMessage for %s", cust.JID())
	}
	r, err := srv.WaitReceipt(ctxT(t, 10*time.Second), id)
	must(t, err)
	if r.Type != string(types.ReceiptTypeSender) {
		t.Errorf("receipt type = %q, want sender", r.Type)
	}
	noErrors(t, srv)
}

func TestStalledServerTimesOutSends(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	tc, dev := durableClient(t, srv)
	cust := dev.Customer("+255711000014")
	ctx := ctxT(t, 20*time.Second)
	// A first message fills whatsmeow's device cache and Signal session, so
	// the stalled send below needs no query, only the server's ack.
	_, err := tc.cli.SendMessage(ctx, cust.JID(), &waE2E.Message{Conversation: proto.String("hi")})
	must(t, err)
	must(t, dev.WaitSettled(ctx))
	dev.Stall(true)
	_, err = tc.cli.SendMessage(ctx, cust.JID(), &waE2E.Message{Conversation: proto.String("hello?")},
		whatsmeow.SendRequestExtra{Timeout: time.Second})
	if !errors.Is(err, whatsmeow.ErrMessageTimedOut) {
		t.Fatalf("send to a stalled server: %v, want ErrMessageTimedOut", err)
	}
	dev.Stall(false)
	_, err = tc.cli.SendMessage(ctx, cust.JID(), &waE2E.Message{Conversation: proto.String("hello again")})
	must(t, err)
	got, err := cust.WaitReceived(ctx, 2)
	must(t, err)
	if last := got[len(got)-1]; last.Text != "hello again" {
		t.Errorf("customer got %+v", got)
	}
}
