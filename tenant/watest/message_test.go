package watest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"
)

// durableClient is a linked client set up the way Flow HQ runs whatsmeow:
// acks only after the handlers return, decrypted-event buffer on.
func durableClient(t *testing.T, srv *Server) (*testClient, *Device) {
	t.Helper()
	tc := newTestClient(t, srv, nil)
	tc.cli.SynchronousAck = true
	tc.cli.EnableDecryptedEventBuffer = true
	d, err := srv.NewAccount().Link(ctxT(t, 30*time.Second), tc.cli)
	must(t, err)
	tc.rec.waitConnected(t, 1)
	settleOnCleanup(t, d)
	return tc, d
}

type handled struct {
	msg      *events.Message
	returned time.Time
}

// messageHandler records messages; decide says whether the handler succeeds
// and may block.
func messageHandler(cli *whatsmeow.Client, decide func(*events.Message) bool) (func() []handled, <-chan *events.Message) {
	var mu sync.Mutex
	var seen []handled
	started := make(chan *events.Message, 16)
	cli.AddEventHandlerWithSuccessStatus(func(evt any) bool {
		m, ok := evt.(*events.Message)
		if !ok {
			return true
		}
		started <- m
		ok = decide(m)
		mu.Lock()
		seen = append(seen, handled{m, time.Now()})
		mu.Unlock()
		return ok
	})
	return func() []handled {
		mu.Lock()
		defer mu.Unlock()
		return append([]handled(nil), seen...)
	}, started
}

func TestCustomerMessageArrivesAndReceiptFollowsHandler(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	tc, dev := durableClient(t, srv)
	release := make(chan struct{})
	seen, started := messageHandler(tc.cli, func(*events.Message) bool {
		<-release
		return true
	})

	cust := dev.Account().Customer("+255 711 000 001")
	cust.SetPushName("Asha")
	id := cust.Send("Habari, nataka kuweka booking kesho")

	var m *events.Message
	select {
	case m = <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("message did not reach the handler")
	}
	custJID := types.NewJID("255711000001", types.DefaultUserServer)
	if m.Info.ID != id || m.Info.Chat != custJID || m.Info.Sender.ToNonAD() != custJID || m.Info.IsFromMe {
		t.Errorf("message info = %+v, want id %s from/in %s", m.Info.MessageSource, id, custJID)
	}
	if m.Info.ID != id {
		t.Errorf("id = %s, want %s", m.Info.ID, id)
	}
	if got := m.Message.GetConversation(); got != "Habari, nataka kuweka booking kesho" {
		t.Errorf("text = %q", got)
	}
	if m.Info.PushName != "Asha" {
		t.Errorf("push name = %q", m.Info.PushName)
	}

	// While the handler runs, the server has no receipt.
	time.Sleep(300 * time.Millisecond)
	if _, ok := srv.ReceiptFor(id); ok {
		t.Fatal("receipt arrived while the handler was still running")
	}
	if p := dev.PendingIDs(); len(p) != 1 || p[0] != id {
		t.Errorf("pending on server = %v, want [%s]", p, id)
	}
	close(release)
	r, err := srv.WaitReceipt(ctxT(t, 10*time.Second), id)
	must(t, err)
	h := seen()
	if len(h) != 1 {
		t.Fatalf("handler ran %d times", len(h))
	}
	if r.Time.Before(h[0].returned) {
		t.Errorf("receipt at %v is before the handler returned at %v", r.Time, h[0].returned)
	}
	if r.Device != dev.JID() || r.Chat != custJID {
		t.Errorf("receipt = %+v", r)
	}
	if len(dev.PendingIDs()) != 0 {
		t.Error("message still pending after its receipt")
	}
	noErrors(t, srv)
}

func TestHandlerFailureSuppressesReceiptAndRedelivers(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	tc, dev := durableClient(t, srv)
	var mu sync.Mutex
	calls := 0
	seen, started := messageHandler(tc.cli, func(*events.Message) bool {
		mu.Lock()
		defer mu.Unlock()
		calls++
		return calls > 1 // the first attempt fails, e.g. the database was down
	})
	id := dev.Account().Customer("+255711000002").Send("Bei ya kiatu?")
	<-started
	time.Sleep(400 * time.Millisecond)
	if _, ok := srv.ReceiptFor(id); ok {
		t.Fatal("receipt sent although the handler failed")
	}
	if p := dev.PendingIDs(); len(p) != 1 || p[0] != id {
		t.Fatalf("pending on server = %v", p)
	}

	// The next connection gets the unacknowledged message again.
	dev.Drop()
	waitFor[*events.Disconnected](t, tc.rec, 1, 10*time.Second)
	tc.rec.waitConnected(t, 2)
	if _, err := srv.WaitReceipt(ctxT(t, 10*time.Second), id); err != nil {
		t.Fatal(err)
	}
	h := seen()
	if len(h) != 2 || h[0].msg.Info.ID != id || h[1].msg.Info.ID != id {
		t.Fatalf("handler saw %d messages, want the same id twice", len(h))
	}
	if h[1].msg.Message.GetConversation() != "Bei ya kiatu?" {
		t.Errorf("redelivered text = %q", h[1].msg.Message.GetConversation())
	}
	noErrors(t, srv)
}

func TestReplyIsDecryptedByCustomer(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	tc, dev := durableClient(t, srv)
	acct := dev.Account()
	cust := acct.Customer("+255711000003")
	_, started := messageHandler(tc.cli, func(*events.Message) bool { return true })
	inID := cust.Send("Hello")
	<-started
	_, err := srv.WaitReceipt(ctxT(t, 10*time.Second), inID)
	must(t, err)

	ctx := ctxT(t, 30*time.Second)
	outID := tc.cli.GenerateMessageID()
	resp, err := tc.cli.SendMessage(ctx, cust.JID(), &waE2E.Message{Conversation: proto.String("Karibu! Booking yako imethibitishwa.")},
		whatsmeow.SendRequestExtra{ID: outID})
	must(t, err)
	if resp.ID != outID || resp.Timestamp.IsZero() {
		t.Errorf("send response = %+v", resp)
	}
	got, err := cust.WaitReply(ctx)
	must(t, err)
	if got.ID != outID || got.Text != "Karibu! Booking yako imethibitishwa." || got.Sender != dev.JID() || got.Chat != cust.JID() {
		t.Errorf("customer got %+v", got)
	}
	// The customer's phone confirms delivery back to the client.
	rcpt := waitFor[*events.Receipt](t, tc.rec, 1, 10*time.Second)
	if rcpt.MessageIDs[0] != outID || rcpt.Type != types.ReceiptTypeDelivered || rcpt.Chat != cust.JID() {
		t.Errorf("receipt event = %+v", rcpt)
	}
	// The account's own phone got the DeviceSentMessage copy.
	var copied bool
	for _, m := range acct.PhoneReceived() {
		if m.ID == outID && m.Chat == cust.JID() && m.Text == got.Text {
			copied = true
		}
	}
	if !copied {
		t.Errorf("phone did not get a copy: %+v", acct.PhoneReceived())
	}

	// A customer who never wrote first can be messaged too.
	fresh := types.NewJID("255711999888", types.DefaultUserServer)
	_, err = tc.cli.SendMessage(ctx, fresh, &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("Promo")}})
	must(t, err)
	m, err := acct.Customer("+255711999888").WaitReply(ctx)
	must(t, err)
	if m.Text != "Promo" {
		t.Errorf("fresh customer got %q", m.Text)
	}
	noErrors(t, srv)
}

func TestLIDAddressing(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	tc, dev := durableClient(t, srv)
	_, started := messageHandler(tc.cli, func(*events.Message) bool { return true })
	cust := dev.Account().Customer("+255711000020")

	// Phone-number addressing carries the LID as the alternative sender.
	cust.Send("first")
	m := <-started
	if m.Info.Chat != cust.JID() || m.Info.Sender.ToNonAD() != cust.JID() || m.Info.SenderAlt.ToNonAD() != cust.LID() {
		t.Errorf("PN-addressed message source = %+v", m.Info.MessageSource)
	}
	if lid, err := tc.cli.Store.LIDs.GetLIDForPN(t.Context(), cust.JID()); err != nil || lid != cust.LID() {
		t.Errorf("client's LID mapping = %v, %v", lid, err)
	}

	// LID addressing: the same person, now as @lid, phone number in SenderAlt.
	cust.UseLID(true)
	id := cust.Send("second")
	m = <-started
	if m.Info.ID != id || m.Info.Chat != cust.LID() || m.Info.Sender.ToNonAD() != cust.LID() || m.Info.SenderAlt.ToNonAD() != cust.JID() {
		t.Errorf("LID-addressed message source = %+v", m.Info.MessageSource)
	}

	// Replies work to either form of the chat.
	ctx := ctxT(t, 20*time.Second)
	for i, chat := range []types.JID{cust.LID(), cust.JID()} {
		text := fmt.Sprintf("reply %d", i)
		resp, err := tc.cli.SendMessage(ctx, chat, &waE2E.Message{Conversation: proto.String(text)})
		must(t, err)
		got, err := cust.WaitReply(ctx)
		must(t, err)
		if got.ID != resp.ID || got.Text != text || got.Chat != chat {
			t.Errorf("reply to %s: customer got %+v", chat, got)
		}
	}
	noErrors(t, srv)
}

// Other queries a client makes in normal operation get an answer, never a hang.
func TestOtherQueriesAnswered(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	tc, dev := durableClient(t, srv)
	ctx := ctxT(t, 20*time.Second)
	cust := dev.Account().Customer("+255711000030")

	on, err := tc.cli.IsOnWhatsApp(ctx, []string{"+255711000030"})
	must(t, err)
	if len(on) != 1 || !on[0].IsIn || on[0].JID != cust.JID() || on[0].Query != "+255711000030" {
		t.Errorf("IsOnWhatsApp = %+v", on)
	}
	info, err := tc.cli.GetUserInfo(ctx, []types.JID{cust.JID()})
	must(t, err)
	if info[cust.JID()].LID != cust.LID() || len(info[cust.JID()].Devices) != 1 {
		t.Errorf("GetUserInfo = %+v", info)
	}
	_, err = tc.cli.GetBlocklist(ctx)
	must(t, err)
	if _, err := tc.cli.TryFetchPrivacySettings(ctx, true); err != nil {
		t.Errorf("privacy settings: %v", err)
	}
	start := time.Now()
	if _, err := tc.cli.GetProfilePictureInfo(ctx, cust.JID(), nil); err == nil {
		t.Error("profile picture query unexpectedly succeeded")
	} else if time.Since(start) > 5*time.Second {
		t.Errorf("unsupported query took %v", time.Since(start))
	}

	// Read receipts travel both ways.
	resp, err := tc.cli.SendMessage(ctx, cust.JID(), &waE2E.Message{Conversation: proto.String("Asante")})
	must(t, err)
	_, err = cust.WaitReply(ctx)
	must(t, err)
	must(t, cust.MarkRead(resp.ID))
	waitWhere(t, tc.rec, 10*time.Second, func(r *events.Receipt) bool {
		return r.Type == types.ReceiptTypeRead && r.MessageIDs[0] == resp.ID && r.Chat == cust.JID()
	})
	_, started := messageHandler(tc.cli, func(*events.Message) bool { return true })
	id := cust.Send("Je, mko wazi leo?")
	m := <-started
	must(t, tc.cli.MarkRead(ctx, []types.MessageID{id}, time.Now(), m.Info.Chat, m.Info.Sender))
	waitReceipts(t, srv, id, 2)
	var read bool
	for _, r := range srv.Receipts(id) {
		read = read || r.Type == "read"
	}
	if !read {
		t.Errorf("receipts = %+v, want a read receipt", srv.Receipts(id))
	}
	noErrors(t, srv)
}

func TestTwoDevicesOnOneAccount(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	acct := srv.NewAccount()
	ctx := ctxT(t, 30*time.Second)
	var tcs []*testClient
	var devs []*Device
	var starts []<-chan *events.Message
	for range 2 {
		tc := newTestClient(t, srv, nil)
		tc.cli.SynchronousAck = true
		_, started := messageHandler(tc.cli, func(*events.Message) bool { return true })
		d, err := acct.Link(ctx, tc.cli)
		must(t, err)
		tc.rec.waitConnected(t, 1)
		settleOnCleanup(t, d)
		tcs, devs, starts = append(tcs, tc), append(devs, d), append(starts, started)
	}
	if len(acct.Devices()) != 2 {
		t.Fatalf("account has %d devices", len(acct.Devices()))
	}
	cust := acct.Customer("+255711000040")
	id := cust.Send("Kwa wote")
	for i, started := range starts {
		if m := <-started; m.Info.ID != id {
			t.Errorf("device %d got %s", i+1, m.Info.ID)
		}
	}
	waitReceipts(t, srv, id, 2)

	resp, err := tcs[0].cli.SendMessage(ctx, cust.JID(), &waE2E.Message{Conversation: proto.String("Jibu kutoka kifaa 1")})
	must(t, err)
	got, err := cust.WaitReply(ctx)
	must(t, err)
	if got.ID != resp.ID || got.Sender != devs[0].JID() {
		t.Errorf("customer got %+v", got)
	}
	m := <-starts[1]
	if !m.Info.IsFromMe || m.Info.ID != resp.ID || m.Info.Chat != cust.JID() || m.Info.Sender != devs[0].JID() {
		t.Errorf("second device got source %+v id %s", m.Info.MessageSource, m.Info.ID)
	}
	if m.Message.GetConversation() != "Jibu kutoka kifaa 1" {
		t.Errorf("second device text = %q", m.Message.GetConversation())
	}
	noErrors(t, srv)
}
