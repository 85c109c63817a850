package tenant

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/templates"
)

// errActorDone is returned to callers whose actor has stopped.
var errActorDone = errors.New("tenant: actor stopped")

// permanentError is a link failure that restarting will not fix (the device
// is linked elsewhere, the client is outdated): the worker waits for an
// operator instead of restarting.
type permanentError struct{ reason string }

func (e permanentError) Error() string { return e.reason }

// actor is one run of a tenant's worker: a goroutine whose select loop alone
// owns the tenant's link, session state, rate limiter, dedup memory, handoff
// pauses and chat lanes. The only ways in are notify (fire and forget) and
// call (wait for the loop to run a function), both giving up once the actor
// is done. A restart builds a new actor; nothing carries over but the store.
type actor struct {
	sup     *Supervisor
	e       *entry
	id      string
	log     *slog.Logger
	mailbox chan func()
	done    chan struct{} // closed when the loop has exited
	fail    chan error    // a link failure that ends this run
	gate    *gate

	laneCtx    context.Context // lanes' context: outlives the loop for a graceful drain
	laneCancel context.CancelFunc
	lanesWG    sync.WaitGroup

	link    Link                       // set before the loop starts, read-only afterwards
	linkRef atomic.Pointer[linkHolder] // the same link, for the supervisor to close a stuck run

	// Owned by the loop.
	reply    templates.Config
	session  store.WhatsAppSession
	seen     *seenSet
	limiter  rateLimiter
	handoff  map[string]time.Time // automatic pauses: the owner wrote from the phone
	paused   map[string]bool      // manual pauses (PauseChat), stored
	lanes    map[string]*lane
	banUntil time.Time
	pairing  chan struct{} // closed when the current pairing attempt shows its first QR
}

func newActor(sup *Supervisor, e *entry) *actor {
	laneCtx, cancel := context.WithCancel(context.Background())
	return &actor{
		sup:        sup,
		e:          e,
		id:         e.id,
		log:        sup.log.With("tenant_id", e.id),
		mailbox:    make(chan func(), 64),
		done:       make(chan struct{}),
		fail:       make(chan error, 1),
		gate:       newGate(),
		laneCtx:    laneCtx,
		laneCancel: cancel,
		seen:       newSeenSet(sup.opts.DedupMemory),
		handoff:    make(map[string]time.Time),
		paused:     make(map[string]bool),
		lanes:      make(map[string]*lane),
		pairing:    make(chan struct{}),
	}
}

type linkHolder struct{ Link }

// notify queues fn for the loop. It reports false when the actor is done.
func (a *actor) notify(fn func()) bool {
	// Room in the mailbox is the usual case: a plain send is cheaper than
	// a select over two channels. (A done actor's mailbox may still take
	// fn; nobody runs it, as with a send that wins the race below.)
	select {
	case a.mailbox <- fn:
		return true
	default:
	}
	select {
	case a.mailbox <- fn:
		return true
	case <-a.done:
		return false
	}
}

// tryNotify queues fn only if the mailbox has room right now.
func (a *actor) tryNotify(fn func()) bool {
	select {
	case a.mailbox <- fn:
		return true
	default:
		return false
	}
}

// call runs fn on the loop and waits for it.
func (a *actor) call(ctx context.Context, fn func()) error {
	finished := make(chan struct{})
	if !a.notify(func() { fn(); close(finished) }) {
		return errActorDone
	}
	select {
	case <-finished:
		return nil
	case <-a.done:
		return errActorDone
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run is one life of the actor. It returns nil when ctx ends (a stop), or
// the error that ended it.
func (a *actor) run(ctx context.Context) error {
	err := a.serve(ctx)
	close(a.done)
	a.drainLanes()
	if a.link != nil {
		if cerr := a.link.Close(); cerr != nil {
			a.log.Warn("close link", "err", cerr)
		}
	}
	return err
}

func (a *actor) serve(ctx context.Context) (err error) {
	defer func() {
		if r := recover(); r != nil {
			a.log.Error("actor panic", "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("tenant: actor panic: %v", r)
		}
	}()
	// Start-up runs deep database and link calls. It gets a goroutine of its
	// own so their stack growth is freed when it ends, instead of staying
	// with the long-lived loop goroutine of every idle tenant.
	started := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				a.log.Error("actor panic while starting", "panic", r, "stack", string(debug.Stack()))
				started <- fmt.Errorf("tenant: actor panic: %v", r)
			}
		}()
		started <- a.start(ctx)
	}()
	if err := <-started; err != nil {
		return err
	}
	a.e.running(a)

	sweep := time.NewTicker(time.Minute)
	defer sweep.Stop()
	for {
		select {
		case fn := <-a.mailbox:
			fn()
		case err := <-a.fail:
			return err
		case <-ctx.Done():
			return nil
		case now := <-sweep.C:
			a.sweep(now)
		}
	}
}

// start loads the tenant's state, builds and connects its link, and queues
// the work a previous run left unfinished.
func (a *actor) start(ctx context.Context) error {
	st := a.sup.opts.Store
	cfg, err := st.GetTenantConfig(ctx, a.id)
	if err != nil {
		return fmt.Errorf("tenant: load config: %w", err)
	}
	a.applyConfig(cfg)
	paused, err := st.PausedChats(ctx, a.id)
	if err != nil {
		return fmt.Errorf("tenant: load paused chats: %w", err)
	}
	for _, chat := range paused {
		a.paused[chat] = true
	}
	a.session, err = st.GetSession(ctx, a.id)
	if err != nil {
		return fmt.Errorf("tenant: load session: %w", err)
	}
	link, err := a.sup.opts.Links(ctx, LinkParams{TenantID: a.id, JID: a.session.JID, Handler: a, Logger: a.log})
	if err != nil {
		return fmt.Errorf("tenant: build link: %w", err)
	}
	a.link = link
	a.linkRef.Store(&linkHolder{link})
	if err := a.recoverWork(ctx); err != nil {
		return err
	}
	if err := link.Connect(ctx); err != nil {
		return fmt.Errorf("tenant: connect: %w", err)
	}
	return nil
}

// applyConfig turns the stored tenant config into reply settings.
func (a *actor) applyConfig(cfg store.TenantConfig) {
	a.reply = replyConfig(cfg)
	a.limiter.limit = a.sup.opts.RateLimitPerMinute
	if cfg.RateLimitPerMinute != nil {
		a.limiter.limit = *cfg.RateLimitPerMinute
	}
}

// recoverWork finishes what a previous run left: replies logged as pending
// are sent again under their original message id, and committed customer
// messages that never got an answer are answered now.
func (a *actor) recoverWork(ctx context.Context) error {
	st := a.sup.opts.Store
	pending, err := st.PendingReplies(ctx, a.id)
	if err != nil {
		return fmt.Errorf("tenant: load pending replies: %w", err)
	}
	// A reply that waited longer than the recovery window (the worker was
	// stopped for days) would reach the customer out of the blue: give it
	// up instead.
	cutoff := time.Now().Add(-a.sup.opts.RecoverWindow)
	var expired []store.Op
	for i := range pending {
		out := pending[i]
		if out.CreatedAt.Before(cutoff) {
			expired = append(expired, store.Op{Update: &store.StatusUpdate{TenantID: a.id, ID: out.ID,
				Status: store.StatusFailed, Error: "expired: not sent within " + a.sup.opts.RecoverWindow.String()}})
			continue
		}
		a.dispatch(out.Chat, job{out: &out})
	}
	if len(expired) > 0 {
		if err := st.Commit(ctx, expired...); err != nil {
			return fmt.Errorf("tenant: expire old pending replies: %w", err)
		}
		a.log.Warn("gave up replies that waited too long", "count", len(expired), "older_than", a.sup.opts.RecoverWindow)
	}
	unanswered, err := st.UnansweredInbound(ctx, a.id, time.Now().Add(-a.sup.opts.RecoverWindow))
	if err != nil {
		return fmt.Errorf("tenant: load unanswered messages: %w", err)
	}
	for _, in := range unanswered {
		a.seen.add(dedupKey(in.Chat, in.FromNumber, in.WAMessageID))
		a.dispatchInbound(in, true)
	}
	if n := len(pending) + len(unanswered); n > 0 {
		a.log.Info("recovering unfinished work", "pending_replies", len(pending), "unanswered", len(unanswered))
	}
	return nil
}

// sweep forgets expired handoff pauses and lanes that have exited.
func (a *actor) sweep(now time.Time) {
	for chat, until := range a.handoff {
		if now.After(until) {
			delete(a.handoff, chat)
		}
	}
	for chat, l := range a.lanes {
		if l.isClosed() {
			delete(a.lanes, chat)
		}
	}
}

// Event is called by the link from its own goroutine.
func (a *actor) Event(ev Event) {
	a.notify(func() { a.onEvent(ev) })
}

func (a *actor) onEvent(ev Event) {
	s := &a.session
	log := a.log.With("event", ev.Kind.String())
	switch ev.Kind {
	case EventQR:
		url, err := QRDataURL(ev.QR)
		if err != nil {
			log.Error("render qr", "err", err)
			return
		}
		expires := ev.Expires
		s.State, s.LastQR, s.QRExpiresAt, s.Reason = store.SessionQRReady, url, &expires, ""
		a.openPairing()
	case EventPairCode:
		s.State, s.PairCode, s.Reason = store.SessionPairCodeReady, ev.PairCode, ""
	case EventPaired:
		s.JID = ev.JID
		log.Info("device linked", "jid", ev.JID)
		// The device id must survive a crash right after pairing.
		a.sup.states.saveSessionNow(*s)
	case EventConnected:
		if ev.JID != "" {
			s.JID = ev.JID
		}
		s.State, s.LastQR, s.QRExpiresAt, s.PairCode, s.Reason = store.SessionConnected, "", nil, "", ""
		a.pairing = make(chan struct{})
		a.gate.set(time.Now().After(a.banUntil))
		log.Info("whatsapp connected")
	case EventDisconnected:
		s.State, s.Reason = store.SessionDisconnected, ev.Reason
		s.LastQR, s.QRExpiresAt, s.PairCode = "", nil, ""
		a.pairing = make(chan struct{})
		a.gate.set(false)
		log.Info("whatsapp disconnected", "reason", ev.Reason)
	case EventLoggedOut:
		s.State, s.Reason, s.JID = store.SessionLoggedOut, ev.Reason, ""
		s.LastQR, s.QRExpiresAt, s.PairCode = "", nil, ""
		a.gate.set(false)
		log.Warn("whatsapp logged out: the phone must be linked again", "reason", ev.Reason)
		a.sup.states.saveSessionNow(*s)
		return
	case EventBanned:
		a.banUntil = ev.Expires
		s.Reason = fmt.Sprintf("temporarily banned until %s: sending paused", ev.Expires.UTC().Format(time.RFC3339))
		a.gate.set(false)
		log.Warn("whatsapp temporary ban: sending paused", "until", ev.Expires)
		if wait := time.Until(ev.Expires); wait > 0 {
			time.AfterFunc(wait, func() { a.notify(a.liftBan) })
		}
	case EventFailed:
		log.Error("whatsapp link failed", "reason", ev.Reason)
		select {
		case a.fail <- permanentError{ev.Reason}:
		default:
		}
		return
	}
	a.sup.states.saveSession(*s)
}

func (a *actor) liftBan() {
	if time.Now().Before(a.banUntil) {
		return
	}
	a.session.Reason = ""
	a.gate.set(a.session.State == store.SessionConnected)
	a.sup.states.saveSession(a.session)
}

func (a *actor) openPairing() {
	select {
	case <-a.pairing:
	default:
		close(a.pairing)
	}
}

// Inbound is called synchronously by the link for each customer message. It
// returns true only once the message is safely stored; then the reply is
// left to the chat's lane.
//
// The reply is decided here, before the message is stored, so that the
// customer message and its pending reply are committed together in one
// group commit: one database round on the way to the customer instead of
// two. The lane then only sends it. A message stored by an earlier
// delivery whose reply never got written is answered the old way, by the
// lane (see recovered below).
func (a *actor) Inbound(in Inbound) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			a.log.Error("inbound handler panic", "panic", r, "stack", string(debug.Stack()))
			ok = false
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), a.sup.opts.InboundTimeout)
	defer cancel()
	sender := bareUser(in.Sender)
	key := dedupKey(in.Chat, sender, in.ID)
	var (
		dup   bool
		own   string // the session belongs to the loop: read it there
		skip  bool   // the bot stays silent in this chat (handoff)
		d     decision
		reply templates.Config
	)
	err := a.call(ctx, func() {
		dup, own = a.seen.has(key), a.ownNumber()
		if dup || in.FromMe {
			return
		}
		if skip = a.silentIn(in.Chat); !skip {
			d, reply = a.limiter.take(time.Now()), a.reply
		}
	})
	if err != nil {
		return false
	}
	if in.FromMe {
		return a.inboundFromMe(ctx, in, own)
	}
	if dup {
		a.e.count(cDuplicates)
		return true
	}
	row := &store.MessageLog{
		TenantID:    a.id,
		Direction:   store.DirIn,
		Chat:        in.Chat,
		FromNumber:  sender,
		ToNumber:    own,
		MessageText: in.Text,
		WAMessageID: in.ID,
		Status:      store.StatusReceived,
		Source:      store.SourceCustomer,
	}
	ops := []store.Op{{Insert: row}}
	var out *store.MessageLog
	if skip {
		row.Status = store.StatusSkipped
	} else {
		out = a.replyTo(row, d, reply)
		ops = append(ops, store.Op{Insert: out, Parent: row})
	}
	if err := a.sup.opts.Store.Commit(ctx, ops...); err != nil {
		a.giveBack(d, skip)
		a.log.Warn("store inbound message; WhatsApp will deliver it again", "err", err, "chat", in.Chat)
		return false
	}
	if row.ID != 0 {
		a.e.count(cMessagesIn)
		a.publishMessage(*row)
		if out == nil {
			a.notify(func() { a.seen.add(key) })
			return true
		}
		a.publishMessage(*out)
		if out.Status == store.StatusSuppressed {
			a.e.count(cSuppressed)
			a.notify(func() { a.seen.add(key) })
			return true
		}
		pending := *out
		// If the actor is gone, the pending reply is sent by the next run's
		// recovery; the message itself is safe, so acknowledge.
		a.notify(func() {
			a.seen.add(key)
			a.dispatch(in.Chat, job{out: &pending})
		})
		return true
	}
	// Already stored by an earlier delivery. If no run answered it yet,
	// answer it now; the lane checks for an existing reply first.
	a.giveBack(d, skip)
	prev, err := a.sup.opts.Store.GetLogByKey(ctx, a.id, store.DirIn, in.Chat, in.ID)
	if err != nil {
		return false
	}
	a.e.count(cDuplicates)
	if prev.Status != store.StatusReceived {
		a.notify(func() { a.seen.add(key) })
		return true
	}
	a.notify(func() {
		if a.seen.has(key) {
			return
		}
		a.seen.add(key)
		a.dispatchInbound(prev, true)
	})
	return true
}

// silentIn reports whether the bot stays silent in chat: the owner paused
// it there, or wrote from the phone a short while ago. Loop only.
func (a *actor) silentIn(chat string) bool {
	until, ok := a.handoff[chat]
	return a.paused[chat] || ok && time.Now().Before(until)
}

// giveBack undoes what the rate limiter handed out for a message that was
// not stored after all (a duplicate, or a database error): a reply, or
// the one notice of the window.
func (a *actor) giveBack(d decision, skip bool) {
	if !skip && d != suppress {
		a.notify(func() { a.limiter.giveBack(d) })
	}
}

// replyTo builds the pending reply to a customer message, as the rate
// limiter decided. Its ReplyTo is set by the commit (see store.Op.Parent).
func (a *actor) replyTo(in *store.MessageLog, d decision, cfg templates.Config) *store.MessageLog {
	res := templates.Reply(in.MessageText, cfg)
	out := &store.MessageLog{
		TenantID:    a.id,
		Direction:   store.DirOut,
		Chat:        in.Chat,
		FromNumber:  in.ToNumber,
		ToNumber:    in.FromNumber,
		MessageText: res.Text,
		WAMessageID: a.link.NewMessageID(),
		Intent:      string(res.Intent),
		Status:      store.StatusPending,
		Source:      store.SourceBot,
	}
	switch d {
	case warn:
		out.MessageText = templates.RateLimitNotice(res.Language)
		out.Source = store.SourceSystem
	case suppress:
		out.Status = store.StatusSuppressed
	}
	return out
}

// inboundFromMe logs a message the business sent from its own phone and
// pauses the bot in that chat: a human has taken over.
func (a *actor) inboundFromMe(ctx context.Context, in Inbound, own string) bool {
	row := &store.MessageLog{
		TenantID:    a.id,
		Direction:   store.DirOut,
		Chat:        in.Chat,
		FromNumber:  own,
		ToNumber:    bareUser(in.Chat),
		MessageText: in.Text,
		WAMessageID: in.ID,
		Status:      store.StatusSent,
		Source:      store.SourceHuman,
	}
	if err := a.sup.opts.Store.Commit(ctx, store.Op{Insert: row}); err != nil {
		a.log.Warn("store message sent from the phone", "err", err, "chat", in.Chat)
		return false
	}
	if row.ID == 0 {
		return true // our own reply echoed back, or a repeat
	}
	a.publishMessage(*row)
	until := time.Now().Add(a.sup.opts.HandoffPause)
	a.notify(func() {
		a.handoff[in.Chat] = until
		a.log.Info("human took over the chat; bot paused", "chat", in.Chat, "until", until)
	})
	return true
}

// dispatchInbound decides what happens to a stored customer message and
// queues it on its chat's lane. Loop only.
func (a *actor) dispatchInbound(in store.MessageLog, recovered bool) {
	if a.silentIn(in.Chat) {
		a.dispatch(in.Chat, job{in: in, skip: true})
		return
	}
	a.dispatch(in.Chat, job{in: in, decision: a.limiter.take(time.Now()), check: recovered, reply: a.reply})
}

// dispatch queues a job on the chat's lane, starting the lane if needed.
func (a *actor) dispatch(chat string, j job) {
	if l := a.lanes[chat]; l != nil && l.push(j) {
		return
	}
	l := newLane(a, chat)
	a.lanes[chat] = l
	l.push(j)
	a.lanesWG.Add(1)
	go l.run()
}

// drainLanes lets lanes finish their queued work for a while, then cancels
// what is still in flight (pending replies are finished by the next run).
func (a *actor) drainLanes() {
	drained := make(chan struct{})
	go func() {
		a.lanesWG.Wait()
		close(drained)
	}()
	t := time.NewTimer(a.sup.opts.DrainTimeout)
	defer t.Stop()
	select {
	case <-drained:
	case <-t.C:
		a.log.Warn("lanes did not drain in time; unfinished replies resume after restart")
	}
	a.laneCancel()
}

// publishMessage tells live subscribers about a logged or updated row.
func (a *actor) publishMessage(m store.MessageLog) {
	a.sup.broker.publish(Change{TenantID: a.id, Kind: ChangeMessage, Message: m})
}

// ownNumber is the tenant's linked phone number, if known. Loop only.
func (a *actor) ownNumber() string {
	return bareUser(a.session.JID)
}

// bareUser turns a WhatsApp JID like "255712345678:3@s.whatsapp.net" into
// its user part "255712345678"; other strings pass through.
func bareUser(jid string) string {
	if i := strings.IndexByte(jid, '@'); i >= 0 {
		jid = jid[:i]
	}
	if i := strings.IndexByte(jid, ':'); i >= 0 {
		jid = jid[:i]
	}
	return jid
}

// replyConfig maps a stored tenant config to the reply engine's settings.
func replyConfig(cfg store.TenantConfig) templates.Config {
	var ov templates.Overrides
	if len(cfg.ReplyOverrides) > 0 {
		ov = make(templates.Overrides, len(cfg.ReplyOverrides))
		for intent, byLang := range cfg.ReplyOverrides {
			m := make(map[templates.Language]string, len(byLang))
			for lang, text := range byLang {
				m[templates.Language(lang)] = text
			}
			ov[templates.Intent(intent)] = m
		}
	}
	return templates.Config{
		Template:  templates.Template(cfg.TemplateType),
		Business:  cfg.BusinessName,
		Language:  templates.Language(cfg.Language),
		Overrides: ov,
	}
}
