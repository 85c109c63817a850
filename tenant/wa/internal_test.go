package wa

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waAdv"
	"go.mau.fi/whatsmeow/proto/waE2E"
	wastore "go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
	"github.com/flowhq/flowhq/tenant"
)

// recorder is a tenant.Handler that keeps what it is given.
type recorder struct {
	mu      sync.Mutex
	events  []tenant.Event
	inbound []tenant.Inbound
	accept  bool
}

func (r *recorder) Event(ev tenant.Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
}

func (r *recorder) Inbound(in tenant.Inbound) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inbound = append(r.inbound, in)
	return r.accept
}

func (r *recorder) kinds() []tenant.EventKind {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]tenant.EventKind, len(r.events))
	for i, ev := range r.events {
		out[i] = ev.Kind
	}
	return out
}

func (r *recorder) last() tenant.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.events) == 0 {
		return tenant.Event{}
	}
	return r.events[len(r.events)-1]
}

func (r *recorder) messages() []tenant.Inbound {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]tenant.Inbound(nil), r.inbound...)
}

// offline makes clients fail to dial at once: these tests never reach a
// server.
func offline(cli *whatsmeow.Client) {
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(context.Context, string, string) (net.Conn, error) {
			return nil, errors.New("offline test")
		},
		DialTLSContext: func(context.Context, string, string) (net.Conn, error) {
			return nil, errors.New("offline test")
		},
	}}
	cli.SetWebsocketHTTPClient(hc)
	cli.SetPreLoginHTTPClient(hc)
}

func testManager(t *testing.T, tune func(*Options)) *Manager {
	t.Helper()
	o := Options{Store: storetest.SQLite(t), Logger: storetest.Logger(t), Configure: offline, WatchdogInterval: time.Hour}
	if tune != nil {
		tune(&o)
	}
	m, err := New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func testLink(t *testing.T, m *Manager) (*Link, *recorder) {
	t.Helper()
	h := &recorder{accept: true}
	tl, err := m.Factory()(context.Background(), tenant.LinkParams{TenantID: "t1", Handler: h, Logger: storetest.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	l := tl.(*Link)
	t.Cleanup(func() { _ = l.Close() })
	return l, h
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A connected link that hears nothing for SilentAfter, or whose keepalive
// pings keep failing, is restarted by the watchdog.
func TestWatchdogDeafAndKeepalive(t *testing.T) {
	m := testManager(t, func(o *Options) { o.SilentAfter = time.Minute; o.KeepAliveFailures = 2 })
	l, h := testLink(t, m)
	connected := func() {
		l.mu.Lock()
		l.setStateLocked(stConnected)
		l.mu.Unlock()
		l.touch()
	}

	connected()
	l.watch(time.Now())
	if l.State() != "connected" {
		t.Fatalf("a link that just heard from WhatsApp was restarted: %s", l.State())
	}
	l.watch(time.Now().Add(2 * time.Minute))
	if l.State() != "logging_in" {
		t.Fatalf("deaf link not restarted: %s", l.State())
	}
	waitUntil(t, "disconnected event", func() bool { return h.last().Kind == tenant.EventDisconnected })
	if r := h.last().Reason; !strings.Contains(r, "nothing received") {
		t.Fatalf("reason %q", r)
	}

	connected()
	l.handle(l.cli, &events.KeepAliveTimeout{ErrorCount: 1})
	l.watch(time.Now())
	if l.State() != "connected" {
		t.Fatal("restarted after one keepalive failure")
	}
	l.handle(l.cli, &events.KeepAliveRestored{})
	l.handle(l.cli, &events.KeepAliveTimeout{ErrorCount: 1})
	l.handle(l.cli, &events.KeepAliveTimeout{ErrorCount: 2})
	if l.KeepAliveFailures() != 2 {
		t.Fatalf("keepalive failures %d", l.KeepAliveFailures())
	}
	l.watch(time.Now())
	if l.State() != "logging_in" {
		t.Fatalf("link with failing keepalives not restarted: %s", l.State())
	}
	waitUntil(t, "disconnected event", func() bool { return strings.Contains(h.last().Reason, "keepalive") })
}

// A paired link that stays not logged in is restarted; an unpaired one
// that is idle is left alone.
func TestWatchdogNotLoggedIn(t *testing.T) {
	m := testManager(t, func(o *Options) { o.NotLoggedInAfter = time.Minute })
	l, _ := testLink(t, m)
	l.mu.Lock()
	l.setStateLocked(stIdle)
	l.mu.Unlock()
	l.watch(time.Now().Add(time.Hour))
	if l.State() != "idle" {
		t.Fatalf("idle unpaired link touched: %s", l.State())
	}
	l.mu.Lock()
	l.jid = types.NewADJID("255700000001", 0, 3)
	l.setStateLocked(stLoggingIn)
	since := l.since
	l.mu.Unlock()
	l.watch(since.Add(30 * time.Second))
	l.mu.Lock()
	same := l.since == since
	l.mu.Unlock()
	if !same {
		t.Fatal("restarted before NotLoggedInAfter")
	}
	l.watch(since.Add(2 * time.Minute))
	l.mu.Lock()
	restarted := l.since != since
	l.mu.Unlock()
	if !restarted {
		t.Fatal("not restarted after NotLoggedInAfter")
	}
}

// QR codes rotate on their own timers; when they run out the attempt ends
// with EventDisconnected and the linking slot is free again.
func TestQRRotationRunsOut(t *testing.T) {
	m := testManager(t, func(o *Options) { o.MaxConcurrentLinking = 1 })
	m.qrFirst, m.qrNext = 30*time.Millisecond, 20*time.Millisecond
	l, h := testLink(t, m)
	l.mu.Lock()
	l.slot = m.tryAcquireSlot()
	l.setStateLocked(stPairing)
	l.mu.Unlock()
	codes := []string{"2@a,x,y,z", "2@b,x,y,z", "2@c,x,y,z", "2@d,x,y,z", "2@e,x,y,z", "2@f,x,y,z"}
	l.handle(l.cli, &events.QR{Codes: codes})
	waitUntil(t, "codes to run out", func() bool { return h.last().Kind == tenant.EventDisconnected })
	kinds := h.kinds()
	if len(kinds) != 7 {
		t.Fatalf("events %v, want six QR codes and a disconnect", kinds)
	}
	for i := 0; i < 6; i++ {
		if h.events[i].Kind != tenant.EventQR || h.events[i].QR != codes[i] {
			t.Fatalf("event %d: %+v", i, h.events[i])
		}
	}
	if !strings.Contains(h.last().Reason, "QR code expired") {
		t.Fatalf("reason %q", h.last().Reason)
	}
	if l.State() != "idle" || !m.tryAcquireSlot() {
		t.Fatalf("after the codes ran out: state %s, slot free %v", l.State(), false)
	}
	m.releaseSlot()
	if qr, _ := l.QR(); qr != "" {
		t.Fatal("an expired QR code is still on display")
	}
}

// Only 1:1 text messages reach the handler; chats and senders are phone
// numbers even when WhatsApp used LIDs; the business's own messages are
// FromMe.
func TestMessageMapping(t *testing.T) {
	m := testManager(t, nil)
	l, h := testLink(t, m)
	own := types.NewADJID("255700000001", 0, 5)
	l.cli.Store.ID = &own
	l.cli.Store.LIDs = m.container.LIDMap
	ctx := context.Background()
	custPN := types.NewJID("255711000001", types.DefaultUserServer)
	custLID := types.NewJID("100000000000001", types.HiddenUserServer)
	if err := m.container.LIDMap.PutLIDMapping(ctx, custLID, custPN); err != nil {
		t.Fatal(err)
	}
	text := &waE2E.Message{Conversation: proto.String("Habari")}
	msg := func(chat, sender, alt types.JID, fromMe bool, m *waE2E.Message) *events.Message {
		return &events.Message{Info: types.MessageInfo{
			MessageSource: types.MessageSource{Chat: chat, Sender: sender, SenderAlt: alt, IsFromMe: fromMe, IsGroup: chat.Server == types.GroupServer},
			ID:            "3A" + strings.ToUpper(chat.User), Timestamp: time.Unix(1700000000, 0),
		}, Message: m}
	}
	ignored := []*events.Message{
		msg(types.NewJID("120363000000000001", types.GroupServer), custPN, types.EmptyJID, false, text),
		msg(types.StatusBroadcastJID, custPN, types.EmptyJID, false, text),
		msg(types.NewJID("120363000000000002", types.NewsletterServer), custPN, types.EmptyJID, false, text),
		msg(custPN, custPN, types.EmptyJID, false, &waE2E.Message{ReactionMessage: &waE2E.ReactionMessage{Text: proto.String("👍")}}),
	}
	for _, e := range ignored {
		if !l.handle(l.cli, e) {
			t.Fatalf("ignored message %s not acknowledged", e.Info.Chat)
		}
	}
	if n := len(h.messages()); n != 0 {
		t.Fatalf("%d ignored messages reached the handler", n)
	}

	byLID := msg(custLID, types.NewADJID(custLID.User, 0, 0), types.EmptyJID, false, text)
	byLID.Info.Sender.Server = types.HiddenUserServer
	cases := []*events.Message{
		msg(custPN, types.NewADJID(custPN.User, 0, 2), custLID, false, &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("Habari")}}),
		byLID,
		msg(custLID, custLID, custPN, false, text),
	}
	for _, e := range cases {
		if !l.handle(l.cli, e) {
			t.Fatal("message not acknowledged")
		}
	}
	got := h.messages()
	if len(got) != len(cases) {
		t.Fatalf("handler got %d messages", len(got))
	}
	for i, in := range got {
		if in.Chat != custPN.String() || in.Sender != custPN.String() || in.Text != "Habari" || in.FromMe || in.ID == "" || !in.Time.Equal(time.Unix(1700000000, 0)) {
			t.Errorf("message %d: %+v", i, in)
		}
	}

	// From the business's own phone into the chat.
	fromPhone := msg(custPN, types.NewADJID(own.User, 0, 0), types.EmptyJID, true, text)
	l.handle(l.cli, fromPhone)
	got = h.messages()
	if last := got[len(got)-1]; !last.FromMe || last.Chat != custPN.String() || last.Sender != own.ToNonAD().String() {
		t.Errorf("own phone's message: %+v", last)
	}

	// The handler's verdict is whatsmeow's success status; a panic is a failure.
	h.mu.Lock()
	h.accept = false
	h.mu.Unlock()
	if l.handle(l.cli, msg(custPN, custPN, types.EmptyJID, false, text)) {
		t.Error("refused message reported as handled")
	}
	l.h = panicHandler{}
	if l.handle(l.cli, msg(custPN, custPN, types.EmptyJID, false, text)) {
		t.Error("a handler panic counted as success")
	}
}

type panicHandler struct{}

func (panicHandler) Event(tenant.Event)          {}
func (panicHandler) Inbound(tenant.Inbound) bool { panic("boom") }

// whatsmeow's log lines reach slog with their module; frame lines count as
// activity and stay at debug level.
func TestWALogger(t *testing.T) {
	var buf bytes.Buffer
	var frames int
	log := newWALogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})).With("tenant_id", "t9"), "Client", func() { frames++ })
	log.Infof("Successfully authenticated %d", 1)
	recv := log.Sub("Recv")
	recv.Debugf("<iq id=%q/>", "1")
	log.Sub("Socket").Debugf("noise")
	out := buf.String()
	if !strings.Contains(out, "Successfully authenticated 1") || !strings.Contains(out, "tenant_id=t9") || !strings.Contains(out, "module=Client") {
		t.Errorf("info line: %q", out)
	}
	if strings.Contains(out, "<iq") || strings.Contains(out, "noise") {
		t.Errorf("debug lines leaked at info level: %q", out)
	}
	if frames != 1 {
		t.Errorf("frames counted %d, want 1 (only Client/Recv)", frames)
	}
}

// Replies whatsmeow no longer keeps in memory are read back from the OUT
// rows when a customer's phone asks for them again, also when it names
// the chat by LID.
func TestMessageForRetry(t *testing.T) {
	m := testManager(t, nil)
	ctx := context.Background()
	tn := &store.Tenant{Name: "Retry Shop", Status: store.TenantActive}
	if err := m.st.CreateTenant(ctx, tn, store.TenantConfig{TemplateType: "booking", Language: "auto"}); err != nil {
		t.Fatal(err)
	}
	h := &recorder{accept: true}
	tl, err := m.Factory()(ctx, tenant.LinkParams{TenantID: tn.ID, Handler: h, Logger: storetest.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	l := tl.(*Link)
	defer l.Close()
	l.cli.Store.LIDs = m.container.LIDMap
	pn := types.NewJID("255711000077", types.DefaultUserServer)
	lid := types.NewJID("100000000000077", types.HiddenUserServer)
	if err := m.container.LIDMap.PutLIDMapping(ctx, lid, pn); err != nil {
		t.Fatal(err)
	}
	out := &store.MessageLog{TenantID: tn.ID, Direction: store.DirOut, Chat: pn.String(), MessageText: "Karibu tena",
		WAMessageID: "3EB0RETRY", Status: store.StatusSent, Source: store.SourceBot}
	if err := m.st.Commit(ctx, store.Op{Insert: out}); err != nil {
		t.Fatal(err)
	}
	for _, to := range []types.JID{pn, lid} {
		msg := l.messageForRetry(to, to, "3EB0RETRY")
		if msg.GetConversation() != "Karibu tena" {
			t.Errorf("retry for %s: %v", to, msg)
		}
	}
	if msg := l.messageForRetry(pn, pn, "3EB0UNKNOWN"); msg != nil {
		t.Errorf("unknown id answered: %v", msg)
	}
}

// Sending while the link is down fails with tenant.ErrNotConnected, which
// makes the lane wait for the reconnection.
func TestSendWhileDisconnected(t *testing.T) {
	m := testManager(t, nil)
	l, _ := testLink(t, m)
	err := l.Send(context.Background(), "255711000001@s.whatsapp.net", l.NewMessageID(), "hello")
	if !errors.Is(err, tenant.ErrNotConnected) {
		t.Fatalf("send while not connected: %v", err)
	}
	if !notConnected(whatsmeow.ErrNotConnected) || !notConnected(whatsmeow.ErrNotLoggedIn) || notConnected(whatsmeow.ErrMessageTimedOut) {
		t.Error("notConnected classifies whatsmeow's errors wrongly")
	}
}

// When WhatsApp cannot be reached, Logout forgets the device locally: its
// keys and its privacy tokens are deleted.
func TestLogoutOffline(t *testing.T) {
	m := testManager(t, func(o *Options) { o.LoginTimeout = 200 * time.Millisecond })
	ctx := context.Background()
	dev := m.container.NewDevice()
	jid := types.NewADJID("255700000042", 0, 4)
	dev.ID = &jid
	dev.Account = &waAdv.ADVSignedDeviceIdentity{Details: []byte{1}, AccountSignature: make([]byte, 64),
		AccountSignatureKey: make([]byte, 32), DeviceSignature: make([]byte, 64)}
	if err := dev.Save(ctx); err != nil {
		t.Fatal(err)
	}
	if err := dev.PrivacyTokens.PutPrivacyTokens(ctx, wastore.PrivacyToken{User: types.NewJID("255711000001", types.DefaultUserServer), Token: []byte{1}, Timestamp: time.Now()}); err != nil {
		t.Fatal(err)
	}
	tl, err := m.Factory()(ctx, tenant.LinkParams{TenantID: "t-logout", JID: jid.String(), Handler: &recorder{}, Logger: storetest.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	l := tl.(*Link)
	if err := l.Logout(ctx); err == nil {
		t.Error("logout without WhatsApp reported success")
	}
	_ = l.Close()
	if got, err := m.container.GetDevice(ctx, jid); err != nil || got != nil {
		t.Fatalf("device still stored: %v %v", got, err)
	}
	var n int
	if err := m.st.SQLDB().QueryRow("SELECT COUNT(*) FROM whatsmeow_privacy_tokens WHERE our_jid = ?", jid.String()).Scan(&n); err != nil || n != 0 {
		t.Fatalf("privacy tokens left: %d (%v)", n, err)
	}
	// A link built for the forgotten device reports it logged out.
	h := &recorder{}
	tl, err = m.Factory()(ctx, tenant.LinkParams{TenantID: "t-logout", JID: jid.String(), Handler: h, Logger: storetest.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Close()
	if err := tl.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "logged out event", func() bool { return h.last().Kind == tenant.EventLoggedOut })
	if !strings.Contains(h.last().Reason, "no longer in the device store") {
		t.Errorf("reason %q", h.last().Reason)
	}
}
