package wa

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	wastore "go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/tenant"
)

// state is what a link is doing.
type state int

const (
	stIdle      state = iota // nothing under way: unpaired and not pairing, or waiting for an operator
	stWaitSlot               // a pairing attempt waits for a linking slot
	stPairing                // the login socket is up: QR codes (or a pairing code) are showing
	stLoggingIn              // paired: connecting, reconnecting, or finishing the first login
	stConnected              // logged in
	stBanned                 // temporarily banned; a reconnect is scheduled for the end of the ban
	stLoggedOut              // the device is gone; Connect starts a new pairing
	stFailed                 // a permanent failure (linked elsewhere, outdated client)
)

func (s state) String() string {
	switch s {
	case stIdle:
		return "idle"
	case stWaitSlot:
		return "waiting_for_slot"
	case stPairing:
		return "pairing"
	case stLoggingIn:
		return "logging_in"
	case stConnected:
		return "connected"
	case stBanned:
		return "banned"
	case stLoggedOut:
		return "logged_out"
	case stFailed:
		return "failed"
	}
	return "unknown"
}

// Timings of a pairing attempt, as whatsmeow and WhatsApp have them: the
// first of a batch of six QR codes lives 60 s, every other code 20 s.
const (
	qrFirstLifetime = 60 * time.Second
	qrLifetime      = 20 * time.Second
	qrBatch         = 6
	// firstLoginTimeout bounds the first login after a successful pairing;
	// the linking slot is released when it passes.
	firstLoginTimeout = time.Minute
	// firstQRTimeout bounds the wait for the first QR code of an attempt.
	firstQRTimeout = 30 * time.Second
	// pairDisplayName is how the device is listed on the phone; WhatsApp
	// wants "Browser (OS)".
	pairDisplayName = "Chrome (Linux)"
)

// Link is one tenant's whatsmeow connection. It implements tenant.Link and
// is safe for concurrent use.
type Link struct {
	m        *Manager
	tenantID string
	log      *slog.Logger
	h        tenant.Handler
	ctx      context.Context // ends at Close; whatsmeow's background work runs under it
	cancel   context.CancelFunc

	activity   atomic.Int64 // unix nanos of the last frame or event received
	kaFailures atomic.Int32 // consecutive keepalive failures

	// sessionMu keeps a reply's encryption and a message's decryption for
	// the same client apart. whatsmeow loads a Signal session, works on it
	// and stores it back without a lock of its own, so a decryption that
	// overlaps a send can undo the send's ratchet step (the customer then
	// sees the same counter twice and cannot read the reply). Send holds it
	// around SendMessage; the device's decryption transaction takes it too
	// (see lockedBuffer).
	sessionMu sync.Mutex

	// deliverMu makes the handler see events and messages one at a time,
	// in order, as the simulated link delivers them: a message waits until
	// the events queued before it have been handed over, and no event is
	// handed over while the handler works on a message.
	deliverMu sync.Mutex

	mu        sync.Mutex
	cli       *whatsmeow.Client
	jid       types.JID // the paired device; empty while unpaired
	goneJID   types.JID // a stored device that was not found in the container
	state     state
	since     time.Time // when state was entered
	closed    bool
	slot      bool // holds a linking slot
	attempt   int  // bumped whenever a pairing attempt starts or ends
	codes     []string
	qr        string
	qrExpires time.Time
	pairCode  string
	relogin   bool        // WhatsApp asked the freshly paired client to log in again
	timer     *time.Timer // QR rotation, pairing-code or first-login deadline
	banUntil  time.Time
	banTimer  *time.Timer
	events    []tenant.Event
	pumping   bool
}

var _ tenant.Link = (*Link)(nil)

func newLink(m *Manager, tenantID string, h tenant.Handler, log *slog.Logger) *Link {
	ctx, cancel := context.WithCancel(context.Background())
	l := &Link{m: m, tenantID: tenantID, h: h, log: log, ctx: ctx, cancel: cancel, since: time.Now()}
	l.touch()
	return l
}

// setClient builds a whatsmeow client for dev. l.mu must be held (or l not
// yet shared). A paired device (one loaded from the container) gets its
// decryption transactions serialized with this link's sends; an unpaired
// one has no sessions yet, and after pairing the link builds a new client
// from the stored device (see relogLocked).
func (l *Link) setClient(dev *wastore.Device) {
	if dev.EventBuffer != nil {
		if _, done := dev.EventBuffer.(lockedBuffer); !done {
			dev.EventBuffer = lockedBuffer{EventBuffer: dev.EventBuffer, mu: &l.sessionMu}
		}
	}
	cli := whatsmeow.NewClient(dev, newWALogger(l.log, "Client", l.touch))
	// After pairing, WhatsApp ends the stream (515) and the client must log
	// in again as the new device: the link does that itself, with a client
	// built from the stored device.
	cli.DisableLoginAutoReconnect = true
	// Durable inbound: the delivery receipt goes out only after the
	// handler returned true, and a message whose handler failed is kept
	// decrypted for its redelivery.
	cli.SynchronousAck = true
	cli.EnableDecryptedEventBuffer = true
	// A failed first dial of a paired device is retried in the background
	// like any other drop.
	cli.InitialAutoReconnect = true
	cli.BackgroundEventCtx = l.ctx
	cli.GetMessageForRetry = l.messageForRetry
	if l.m.opts.Configure != nil {
		l.m.opts.Configure(cli)
	}
	cli.AddEventHandlerWithSuccessStatus(func(evt any) bool { return l.handle(cli, evt) })
	l.cli = cli
}

// touch records that something arrived from WhatsApp.
func (l *Link) touch() { l.activity.Store(time.Now().UnixNano()) }

// LastActivity is when the link last received a frame or an event from
// WhatsApp. A connected link normally receives at least a keepalive answer
// every 30 seconds; a long silence means the connection is deaf.
func (l *Link) LastActivity() time.Time { return time.Unix(0, l.activity.Load()) }

// KeepAliveFailures is the number of keepalive pings that failed in a row.
func (l *Link) KeepAliveFailures() int { return int(l.kaFailures.Load()) }

// QR returns the QR code on display (its raw text, as in tenant.EventQR)
// and when it expires, or "" when none is showing.
func (l *Link) QR() (string, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.qr, l.qrExpires
}

// State names what the link is doing: idle, waiting_for_slot, pairing,
// logging_in, connected, banned, logged_out or failed.
func (l *Link) State() string { return l.currentState().String() }

func (l *Link) currentState() state {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state
}

// setStateLocked enters s. l.mu must be held.
func (l *Link) setStateLocked(s state) {
	if l.state != s {
		l.state, l.since = s, time.Now()
	}
}

// Connect logs a paired device in, or starts a pairing attempt for an
// unpaired one. It returns at once; what happens next arrives as events.
// On a link that is connecting or pairing already it does nothing.
func (l *Link) Connect(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errors.New("wa: connect: link closed")
	}
	switch l.state {
	case stWaitSlot, stPairing, stLoggingIn, stConnected:
		return nil
	case stFailed:
		return errors.New("wa: connect: the link failed permanently; restart the worker")
	case stBanned:
		if time.Now().Before(l.banUntil) {
			return nil // the reconnect at the end of the ban is scheduled
		}
	}
	if !l.goneJID.IsEmpty() {
		jid := l.goneJID
		l.goneJID = types.EmptyJID
		l.setStateLocked(stLoggedOut)
		l.emitLocked(tenant.Event{Kind: tenant.EventLoggedOut,
			Reason: fmt.Sprintf("the keys of device %s are no longer in the device store; link the phone again", jid)})
		return nil
	}
	if !l.jid.IsEmpty() {
		l.loginLocked()
		return nil
	}
	if l.state == stLoggedOut {
		// The old device is gone: pair a fresh one.
		l.setClient(l.m.container.NewDevice())
	}
	l.startPairingLocked()
	return nil
}

// loginLocked connects a paired device in the background.
func (l *Link) loginLocked() {
	l.setStateLocked(stLoggingIn)
	cli := l.cli
	go func() {
		err := cli.Connect()
		if err == nil || errors.Is(err, whatsmeow.ErrAlreadyConnected) {
			return
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.closed || l.cli != cli || l.state != stLoggingIn {
			return
		}
		l.log.Warn("whatsapp connect failed; the watchdog retries", "err", err)
		l.emitLocked(tenant.Event{Kind: tenant.EventDisconnected, Reason: "cannot connect to WhatsApp: " + err.Error()})
	}()
}

// startPairingLocked begins a pairing attempt. It needs a linking slot;
// when none is free it waits for one in the background.
func (l *Link) startPairingLocked() {
	l.attempt++
	attempt := l.attempt
	if l.m.tryAcquireSlot() {
		l.slot = true
		l.openLoginSocketLocked(attempt)
		return
	}
	l.setStateLocked(stWaitSlot)
	l.log.Info("waiting for a free linking slot", "max_concurrent_linking", l.m.opts.MaxConcurrentLinking)
	l.emitLocked(tenant.Event{Kind: tenant.EventDisconnected,
		Reason: fmt.Sprintf("waiting for a free linking slot (at most %d tenants link at once)", l.m.opts.MaxConcurrentLinking)})
	go func() {
		if !l.m.acquireSlot(l.ctx) {
			return
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.closed || l.attempt != attempt || l.state != stWaitSlot {
			l.m.releaseSlot()
			return
		}
		l.slot = true
		l.openLoginSocketLocked(attempt)
	}()
}

// openLoginSocketLocked connects the unpaired client; WhatsApp answers with
// QR codes (events.QR).
func (l *Link) openLoginSocketLocked(attempt int) {
	l.setStateLocked(stPairing)
	// An attempt that never gets a QR code must not hold its slot forever.
	l.stopTimerLocked()
	l.timer = time.AfterFunc(firstQRTimeout, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.closed || l.attempt != attempt || l.state != stPairing || l.qr != "" || l.pairCode != "" {
			return
		}
		l.endPairingLocked("WhatsApp sent no QR code")
	})
	cli := l.cli
	go func() {
		err := cli.Connect()
		if err == nil || errors.Is(err, whatsmeow.ErrAlreadyConnected) {
			return
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.closed || l.attempt != attempt {
			return
		}
		l.log.Warn("cannot open a pairing connection", "err", err)
		l.endPairingLocked("cannot connect to WhatsApp to show a QR code: " + err.Error())
	}()
}

// showQRLocked shows code i of the current batch and arms its expiry.
func (l *Link) showQRLocked(i int) {
	l.stopTimerLocked()
	if i >= len(l.codes) {
		l.endPairingLocked("QR code expired before it was scanned")
		return
	}
	life := l.m.qrNext
	if i == 0 && len(l.codes) == qrBatch {
		life = l.m.qrFirst
	}
	l.qr, l.qrExpires = l.codes[i], time.Now().Add(life)
	l.emitLocked(tenant.Event{Kind: tenant.EventQR, QR: l.qr, Expires: l.qrExpires})
	attempt := l.attempt
	l.timer = time.AfterFunc(life, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.closed || l.attempt != attempt || l.state != stPairing || l.pairCode != "" {
			return
		}
		l.showQRLocked(i + 1)
	})
}

// endPairingLocked ends the current pairing attempt without a link: the
// login socket is closed, the slot released, and the session goes back to
// DISCONNECTED with the reason. A new attempt starts with Connect.
func (l *Link) endPairingLocked(reason string) {
	l.attempt++
	l.stopTimerLocked()
	l.releaseSlotLocked()
	l.codes, l.qr, l.qrExpires, l.pairCode = nil, "", time.Time{}, ""
	l.setStateLocked(stIdle)
	// Synchronously, so that a Connect that follows cannot be undone by it.
	// It waits only if a dial is under way, and no dial waits for l.mu.
	l.cli.Disconnect()
	l.log.Info("pairing ended", "reason", reason)
	l.emitLocked(tenant.Event{Kind: tenant.EventDisconnected, Reason: reason})
}

func (l *Link) releaseSlotLocked() {
	if l.slot {
		l.slot = false
		l.m.releaseSlot()
	}
}

func (l *Link) stopTimerLocked() {
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
}

// PairPhone asks WhatsApp for a pairing code for phone (international
// format, e.g. +255712345678) while QR codes are showing. The QR codes stop;
// the code stays valid for Options.PairCodeLifetime.
func (l *Link) PairPhone(ctx context.Context, phone string) (string, error) {
	if phone == "" {
		return "", errors.New("wa: pair phone: empty phone number")
	}
	l.mu.Lock()
	if l.closed || l.state != stPairing {
		st := l.state
		l.mu.Unlock()
		return "", fmt.Errorf("wa: pair phone: the link is not pairing (%s)", st)
	}
	cli, attempt := l.cli, l.attempt
	l.mu.Unlock()

	code, err := cli.PairPhone(ctx, phone, true, whatsmeow.PairClientChrome, pairDisplayName)
	if err != nil {
		return "", fmt.Errorf("wa: pair phone: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || l.attempt != attempt || l.state != stPairing {
		return "", errors.New("wa: pair phone: the pairing attempt ended")
	}
	l.stopTimerLocked()
	l.pairCode, l.qr, l.qrExpires = code, "", time.Time{}
	l.timer = time.AfterFunc(l.m.opts.PairCodeLifetime, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.closed || l.attempt != attempt || l.state != stPairing {
			return
		}
		l.endPairingLocked("pairing code expired before it was entered on the phone")
	})
	l.log.Info("pairing code issued")
	l.emitLocked(tenant.Event{Kind: tenant.EventPairCode, PairCode: code})
	return code, nil
}

// NewMessageID returns a fresh WhatsApp message id for a reply.
func (l *Link) NewMessageID() string {
	l.mu.Lock()
	cli := l.cli
	l.mu.Unlock()
	return cli.GenerateMessageID()
}

// Send shows "typing…" in the chat for a short, varied moment, then sends
// text under the caller's message id. While the link is down it returns an
// error wrapping tenant.ErrNotConnected.
func (l *Link) Send(ctx context.Context, chat, id, text string) error {
	to, err := types.ParseJID(chat)
	if err != nil {
		return fmt.Errorf("wa: send to %q: %w", chat, err)
	}
	to = to.ToNonAD()
	l.mu.Lock()
	cli, st, closed := l.cli, l.state, l.closed
	banned := time.Now().Before(l.banUntil)
	l.mu.Unlock()
	switch {
	case closed:
		return fmt.Errorf("wa: send: link closed: %w", tenant.ErrNotConnected)
	case banned:
		return fmt.Errorf("wa: send: temporarily banned until %s: %w", l.banUntilTime().UTC().Format(time.RFC3339), tenant.ErrNotConnected)
	case st != stConnected:
		return fmt.Errorf("wa: send: %s: %w", st, tenant.ErrNotConnected)
	}
	if d := l.typingTime(); d > 0 {
		if err := cli.SendChatPresence(ctx, to, types.ChatPresenceComposing, ""); err != nil {
			if notConnected(err) {
				return fmt.Errorf("wa: send: %w: %w", tenant.ErrNotConnected, err)
			}
			l.log.Debug("typing indicator", "err", err)
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("wa: send: %w", ctx.Err())
		}
	}
	msg := &waE2E.Message{Conversation: proto.String(text)}
	l.sessionMu.Lock()
	_, err = cli.SendMessage(ctx, to, msg, whatsmeow.SendRequestExtra{ID: id})
	l.sessionMu.Unlock()
	if err != nil {
		if notConnected(err) {
			return fmt.Errorf("wa: send: %w: %w", tenant.ErrNotConnected, err)
		}
		return fmt.Errorf("wa: send: %w", err)
	}
	return nil
}

func (l *Link) banUntilTime() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.banUntil
}

// notConnected reports whether a whatsmeow error means the connection is
// down (the send can be tried again after reconnecting).
func notConnected(err error) bool {
	var de *whatsmeow.DisconnectedError
	return errors.Is(err, whatsmeow.ErrNotConnected) || errors.Is(err, whatsmeow.ErrNotLoggedIn) || errors.As(err, &de)
}

// typingTime is how long "typing…" shows before a reply.
func (l *Link) typingTime() time.Duration {
	avg := l.m.opts.Typing
	if avg <= 0 {
		return 0
	}
	return time.Duration(float64(avg) * (0.5 + rand.Float64()))
}

// Logout unlinks the device from the phone and deletes its keys. A device
// that is offline is connected first (for at most Options.LoginTimeout);
// if WhatsApp cannot be told, the device is forgotten locally.
func (l *Link) Logout(ctx context.Context) error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return errors.New("wa: logout: link closed")
	}
	cli, jid := l.cli, l.jid
	if jid.IsEmpty() {
		gone := l.goneJID
		l.mu.Unlock()
		if gone.IsEmpty() {
			return nil // nothing was paired
		}
		return l.m.deletePrivacyTokens(ctx, gone)
	}
	if l.state != stConnected && l.state != stLoggingIn {
		l.loginLocked()
	}
	l.mu.Unlock()

	var err error
	if l.waitConnected(ctx, l.m.opts.LoginTimeout) {
		err = cli.Logout(ctx)
	} else {
		err = errors.New("could not connect to WhatsApp to log out")
	}
	l.mu.Lock()
	l.attempt++
	l.stopTimerLocked()
	l.jid = types.EmptyJID
	l.setStateLocked(stLoggedOut)
	l.mu.Unlock()
	if err != nil {
		// WhatsApp could not be told: forget the device here at least.
		cli.Disconnect()
		if derr := cli.Store.Delete(ctx); derr != nil {
			return errors.Join(fmt.Errorf("wa: logout %s: %w", jid, err), fmt.Errorf("wa: forget device %s: %w", jid, derr))
		}
	}
	if terr := l.m.deletePrivacyTokens(ctx, jid); terr != nil {
		err = errors.Join(err, terr)
	}
	if err != nil {
		l.log.Warn("logout: WhatsApp was not told; the device was forgotten locally", "jid", jid, "err", err)
		return fmt.Errorf("wa: logout %s: %w", jid, err)
	}
	l.log.Info("device logged out", "jid", jid)
	return nil
}

// waitConnected waits until the link is logged in, for at most d. (Not
// whatsmeow's WaitForConnection: its lazily made wait channel races with
// the client's own reconnect loop.)
func (l *Link) waitConnected(ctx context.Context, d time.Duration) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if l.currentState() == stConnected {
			return true
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// Close disconnects and releases the link; the device stays paired.
// Events that arrive afterwards are dropped, messages are not acknowledged.
func (l *Link) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.attempt++
	l.stopTimerLocked()
	if l.banTimer != nil {
		l.banTimer.Stop()
	}
	l.releaseSlotLocked()
	l.events = nil
	cli := l.cli
	l.mu.Unlock()
	// Disconnect first: cancelling the client's context while its socket
	// is open makes whatsmeow's read loop race with the close (-race sees
	// it). Only a dial that is stuck holding the socket lock is cut short
	// by cancelling the context.
	done := make(chan struct{})
	go func() {
		cli.Disconnect()
		close(done)
	}()
	t := time.NewTimer(closeGrace)
	select {
	case <-done:
		t.Stop()
	case <-t.C:
		l.cancel()
		<-done
	}
	l.cancel() // ends whatsmeow's background work for this link
	l.m.unregister(l)
	return nil
}

// closeGrace is how long Close waits for a disconnect before it cuts a dial
// in progress short.
const closeGrace = 2 * time.Second

// restart drops the connection and logs in again (the watchdog's remedy).
func (l *Link) restartLocked(reason string) {
	l.log.Warn("watchdog: restarting the whatsapp session", "reason", reason)
	l.kaFailures.Store(0)
	l.touch()
	prev := l.state
	l.setStateLocked(stLoggingIn)
	if prev == stConnected {
		l.emitLocked(tenant.Event{Kind: tenant.EventDisconnected, Reason: reason + "; reconnecting"})
	}
	cli := l.cli
	go func() {
		cli.Disconnect()
		if err := cli.Connect(); err != nil && !errors.Is(err, whatsmeow.ErrAlreadyConnected) {
			l.log.Warn("watchdog: reconnect failed", "err", err)
		}
	}()
}

// watch is the watchdog's look at one link.
func (l *Link) watch(now time.Time) {
	o := l.m.opts
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	switch l.state {
	case stLoggingIn:
		if l.jid.IsEmpty() {
			return // first login after pairing: bounded by its own timer
		}
		if d := now.Sub(l.since); d > o.NotLoggedInAfter {
			l.since = now
			l.restartLocked(fmt.Sprintf("not logged in for %s", d.Round(time.Second)))
		}
	case stConnected:
		if n := l.KeepAliveFailures(); n >= o.KeepAliveFailures {
			l.restartLocked(fmt.Sprintf("%d keepalive pings failed in a row", n))
			return
		}
		if d := now.Sub(l.LastActivity()); d > o.SilentAfter {
			l.restartLocked(fmt.Sprintf("nothing received from WhatsApp for %s", d.Round(time.Second)))
		}
	}
}

// emitLocked queues an event for the handler. Events reach the handler one
// at a time, in order, from a short-lived pump goroutine, so that neither
// whatsmeow's goroutines nor l.mu wait for the actor's mailbox.
func (l *Link) emitLocked(ev tenant.Event) {
	if l.closed {
		return
	}
	l.events = append(l.events, ev)
	if !l.pumping {
		l.pumping = true
		go l.pump()
	}
}

func (l *Link) pump() {
	for {
		l.deliverMu.Lock()
		l.deliverQueued()
		l.deliverMu.Unlock()
		l.mu.Lock()
		if l.closed || len(l.events) == 0 {
			l.pumping = false
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
	}
}

// deliverQueued hands the queued events to the handler. l.deliverMu must
// be held.
func (l *Link) deliverQueued() {
	for {
		l.mu.Lock()
		if l.closed || len(l.events) == 0 {
			l.mu.Unlock()
			return
		}
		ev := l.events[0]
		l.events[0] = tenant.Event{}
		l.events = l.events[1:]
		l.mu.Unlock()
		l.h.Event(ev)
	}
}

// messageForRetry answers a retry receipt for a reply whatsmeow no longer
// keeps in memory, from the OUT row of the message log.
func (l *Link) messageForRetry(requester, to types.JID, id types.MessageID) *waE2E.Message {
	ctx, cancel := context.WithTimeout(l.ctx, 10*time.Second)
	defer cancel()
	chat, err := l.phoneJID(ctx, to, types.EmptyJID)
	if err != nil {
		l.log.Warn("retry receipt: resolve chat", "err", err, "chat", to)
		return nil
	}
	row, err := l.m.st.GetLogByKey(ctx, l.tenantID, store.DirOut, chat.String(), string(id))
	if err != nil {
		l.log.Warn("retry receipt: reply not found", "err", err, "wa_message_id", id)
		return nil
	}
	return &waE2E.Message{Conversation: proto.String(row.MessageText)}
}

// lockedBuffer is a device's decrypted-event buffer whose decryption
// transactions hold the link's session lock (see Link.sessionMu).
type lockedBuffer struct {
	wastore.EventBuffer
	mu *sync.Mutex
}

func (b lockedBuffer) DoDecryptionTxn(ctx context.Context, fn func(context.Context) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.EventBuffer.DoDecryptionTxn(ctx, fn)
}

// relogLocked logs the freshly paired device in: the pairing client is
// dropped and a new client is built from the device as stored, exactly as
// after a restart.
func (l *Link) relogLocked() {
	l.relogin = false
	old, jid := l.cli, l.jid
	go func() {
		old.Disconnect()
		ctx, cancel := context.WithTimeout(l.ctx, 30*time.Second)
		dev, err := l.m.container.GetDevice(ctx, jid)
		cancel()
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.closed || l.cli != old || l.jid != jid {
			return
		}
		if err != nil || dev == nil {
			// Carry on with the pairing client, which knows the device too.
			l.log.Warn("load the new device; logging in with the pairing client", "jid", jid, "err", err)
			l.loginLocked()
			return
		}
		l.setClient(dev)
		l.loginLocked()
	}()
}
