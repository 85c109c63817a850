// Package tenant runs Flow HQ's tenants: a Supervisor owns one actor per
// active tenant; each actor owns its tenant's WhatsApp link, state and chat
// lanes, and is restarted with per-tenant exponential backoff when it fails.
package tenant

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowhq/flowhq/store"
)

// Options configure a Supervisor. Zero durations and counts take the
// defaults in brackets; RateLimitPerMinute is used as given (0 = off).
type Options struct {
	Store  *store.Store
	Links  LinkFactory
	Logger *slog.Logger

	MaxRestarts        int           // consecutive failures before ERROR [10]
	BackoffBase        time.Duration // first restart delay [1s]
	BackoffMax         time.Duration // restart delay cap [5m]
	BackoffReset       time.Duration // healthy run time that forgives past failures [10m]
	HeartbeatInterval  time.Duration // supervisor tick [30s]
	StaleAfter         time.Duration // no heartbeat answer for this long → ERROR and restart [2m]
	RateLimitPerMinute int           // default replies per minute per tenant; 0 = off
	HandoffPause       time.Duration // bot silence in a chat after the owner writes from the phone [30m]
	LaneIdle           time.Duration // an idle chat lane exits after this [30s]
	SendWait           time.Duration // a reply waits this long for a connection [60s]
	DrainTimeout       time.Duration // on stop, lanes get this long to finish [5s]
	InboundTimeout     time.Duration // storing one inbound message may take this long [30s]
	RecoverWindow      time.Duration // unanswered messages older than this are not answered after a crash [24h]
	DedupMemory        int           // recent message keys remembered per tenant [2048]
	StateFlush         time.Duration // worker/session state write interval [100ms]
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.MaxRestarts <= 0 {
		o.MaxRestarts = 10
	}
	if o.DedupMemory <= 0 {
		o.DedupMemory = 2048
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	def(&o.BackoffBase, time.Second)
	def(&o.BackoffMax, 5*time.Minute)
	def(&o.BackoffReset, 10*time.Minute)
	def(&o.HeartbeatInterval, 30*time.Second)
	def(&o.StaleAfter, 2*time.Minute)
	def(&o.HandoffPause, 30*time.Minute)
	def(&o.LaneIdle, 30*time.Second)
	def(&o.SendWait, 60*time.Second)
	def(&o.DrainTimeout, 5*time.Second)
	def(&o.InboundTimeout, 30*time.Second)
	def(&o.RecoverWindow, 24*time.Hour)
	def(&o.StateFlush, 100*time.Millisecond)
	return o
}

// ErrUnknownTenant is returned for a tenant id the store does not know.
var ErrUnknownTenant = errors.New("tenant: unknown tenant")

// Supervisor runs the tenants' actors.
type Supervisor struct {
	opts    Options
	log     *slog.Logger
	states  *stateWriter
	metrics *counters
	queued  atomic.Int64 // jobs waiting on chat lanes
	broker  *broker

	root   context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	entries map[string]*entry
}

// NewSupervisor builds a supervisor. Call Run to boot the active tenants.
func NewSupervisor(opts Options) (*Supervisor, error) {
	if opts.Store == nil || opts.Links == nil {
		return nil, errors.New("tenant: supervisor needs a store and a link factory")
	}
	opts = opts.withDefaults()
	root, cancel := context.WithCancel(context.Background())
	s := &Supervisor{
		opts:    opts,
		log:     opts.Logger,
		metrics: &counters{},
		broker:  newBroker(),
		root:    root,
		cancel:  cancel,
		entries: make(map[string]*entry),
	}
	s.states = newStateWriter(opts.Store, opts.Logger, s.broker)
	return s, nil
}

// Run starts the actors of all ACTIVE tenants, then keeps the heartbeat and
// the state writer going until ctx ends or Shutdown. It does not stop the
// actors: call Shutdown for that.
func (s *Supervisor) Run(ctx context.Context) {
	go s.states.run(s.root, s.opts.StateFlush)
	s.boot(ctx)
	tick := time.NewTicker(s.opts.HeartbeatInterval)
	defer tick.Stop()
	prev := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.root.Done():
			return
		case now := <-tick.C:
			s.heartbeat(ctx, prev, now)
			prev = now
		}
	}
}

// boot starts the workers of all ACTIVE tenants. While the database cannot
// be reached it keeps trying with backoff, until ctx ends or the supervisor
// shuts down.
func (s *Supervisor) boot(ctx context.Context) {
	for attempt := 1; ; attempt++ {
		ids, err := s.opts.Store.ListTenantIDsByStatus(ctx, store.TenantActive)
		if err == nil {
			for _, id := range ids {
				s.launch(id)
			}
			s.log.Info("supervisor started", "tenants", len(ids))
			return
		}
		if ctx.Err() != nil || s.root.Err() != nil {
			return // stopped while booting
		}
		delay := backoff(s.opts, attempt)
		s.log.Warn("boot: cannot list tenants; retrying", "err", err, "retry_in", delay)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.root.Done():
			t.Stop()
			return
		}
	}
}

// Shutdown stops every actor (each drains its lanes and closes its link) and
// flushes the state writer. It returns early with ctx's error.
func (s *Supervisor) Shutdown(ctx context.Context) error {
	s.cancel()
	s.mu.Lock()
	var waits []chan struct{}
	for _, e := range s.entries {
		e.mu.Lock()
		if e.done != nil {
			waits = append(waits, e.done)
		}
		e.mu.Unlock()
	}
	s.mu.Unlock()
	var err error
	for _, w := range waits {
		select {
		case <-w:
		case <-ctx.Done():
			err = fmt.Errorf("tenant: shutdown: %w", ctx.Err())
		}
		if err != nil {
			break
		}
	}
	if ferr := s.states.flush(context.WithoutCancel(ctx)); ferr != nil && err == nil {
		err = ferr
	}
	return err
}

// heartbeat records last_seen_at for actors that answered the previous
// tick's ping, flags actors that have not answered for StaleAfter, and pings
// every running actor through its mailbox.
func (s *Supervisor) heartbeat(ctx context.Context, prev, now time.Time) {
	var alive []string
	for _, e := range s.snapshot() {
		e.mu.Lock()
		a, status, gen := e.actor, e.worker.Status, e.gen
		e.mu.Unlock()
		if status != store.WorkerRunning && status != store.WorkerStarting {
			continue
		}
		last := time.Unix(0, e.lastBeat.Load())
		if !last.Before(prev) {
			alive = append(alive, e.id)
		}
		if now.Sub(last) > s.opts.StaleAfter {
			e.stale(gen, now.Sub(last))
			continue
		}
		if a != nil && status == store.WorkerRunning {
			a.tryNotify(func() { e.lastBeat.Store(time.Now().UnixNano()) })
		}
	}
	if len(alive) == 0 {
		return
	}
	if err := s.opts.Store.TouchLastSeen(ctx, alive, now); err != nil {
		s.log.Warn("heartbeat: record last seen", "err", err, "tenants", len(alive))
	}
}

func (s *Supervisor) snapshot() []*entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*entry, 0, len(s.entries))
	for _, e := range s.entries {
		out = append(out, e)
	}
	return out
}

// entryFor returns the tenant's entry, creating it.
func (s *Supervisor) entryFor(id string) *entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[id]
	if e == nil {
		e = &entry{id: id, sup: s, worker: store.Worker{TenantID: id, Status: store.WorkerStopped}}
		s.entries[id] = e
	}
	return e
}

// launch starts the tenant's worker unless it runs already.
func (s *Supervisor) launch(id string) {
	e := s.entryFor(id)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cancel == nil {
		e.startLocked()
	}
}

// checkTenant returns the tenant or ErrUnknownTenant.
func (s *Supervisor) checkTenant(ctx context.Context, id string) (store.Tenant, error) {
	t, err := s.opts.Store.GetTenant(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return t, fmt.Errorf("%w: %s", ErrUnknownTenant, id)
	}
	if err != nil {
		return t, fmt.Errorf("tenant: start %s: %w", id, err)
	}
	return t, nil
}

// Start starts the tenant's worker and marks the tenant ACTIVE, so it also
// starts at boot. Starting a running worker does nothing.
func (s *Supervisor) Start(ctx context.Context, id string) error {
	t, err := s.checkTenant(ctx, id)
	if err != nil {
		return err
	}
	if t.Status != store.TenantActive {
		if err := s.opts.Store.SetTenantStatus(ctx, id, store.TenantActive); err != nil {
			return fmt.Errorf("tenant: start %s: %w", id, err)
		}
	}
	e := s.entryFor(id)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cancel == nil {
		e.failures = 0
		e.startLocked()
	}
	return nil
}

// Stop stops the tenant's worker and marks the tenant PAUSED so it stays
// stopped across server restarts. It waits for the actor to finish (its
// lanes drain) or for ctx.
func (s *Supervisor) Stop(ctx context.Context, id string) error {
	if _, err := s.checkTenant(ctx, id); err != nil {
		return err
	}
	if err := s.opts.Store.SetTenantStatus(ctx, id, store.TenantPaused); err != nil {
		return fmt.Errorf("tenant: stop %s: %w", id, err)
	}
	return s.entryFor(id).stop(ctx)
}

// Restart stops the worker if it runs and starts it again, resetting its
// failure count.
func (s *Supervisor) Restart(ctx context.Context, id string) error {
	if _, err := s.checkTenant(ctx, id); err != nil {
		return err
	}
	e := s.entryFor(id)
	if err := e.stop(ctx); err != nil {
		return err
	}
	return s.Start(ctx, id)
}

// ForceRestart unlinks the tenant's phone (logging the device out, or
// forgetting it when that fails), clears the session, and starts the worker
// fresh so it shows a new QR code.
func (s *Supervisor) ForceRestart(ctx context.Context, id string) error {
	if _, err := s.checkTenant(ctx, id); err != nil {
		return err
	}
	e := s.entryFor(id)
	if err := e.stop(ctx); err != nil {
		return err
	}
	if err := s.unlink(ctx, id); err != nil {
		return err
	}
	return s.Start(ctx, id)
}

// unlink logs the tenant's device out and resets its session row.
func (s *Supervisor) unlink(ctx context.Context, id string) error {
	st := s.opts.Store
	sess, err := st.GetSession(ctx, id)
	if err != nil {
		return fmt.Errorf("tenant: unlink %s: %w", id, err)
	}
	log := s.log.With("tenant_id", id)
	if sess.JID != "" {
		link, err := s.opts.Links(ctx, LinkParams{TenantID: id, JID: sess.JID, Handler: discardHandler{}, Logger: log})
		if err != nil {
			return fmt.Errorf("tenant: unlink %s: %w", id, err)
		}
		if err := link.Logout(ctx); err != nil {
			log.Warn("logout failed; the device was forgotten locally", "err", err)
		}
		_ = link.Close()
	}
	sess = store.WhatsAppSession{TenantID: id, State: store.SessionDisconnected, Reason: "unlinked by an operator (force restart)"}
	s.states.saveSessionNow(sess)
	log.Info("device unlinked for a fresh pairing")
	return nil
}

// Reload makes a running worker pick up the tenant's saved config.
func (s *Supervisor) Reload(ctx context.Context, id string) error {
	cfg, err := s.opts.Store.GetTenantConfig(ctx, id)
	if err != nil {
		return fmt.Errorf("tenant: reload %s: %w", id, err)
	}
	if a := s.entryFor(id).current(); a != nil {
		a.notify(func() { a.applyConfig(cfg) })
	}
	return nil
}

// PairPhone asks the tenant's running link for a pairing code for phone,
// starting a new pairing attempt if none is showing.
func (s *Supervisor) PairPhone(ctx context.Context, id, phone string) (string, error) {
	a := s.entryFor(id).current()
	if a == nil {
		return "", fmt.Errorf("tenant: pair %s: worker is not running", id)
	}
	var state string
	var pairing chan struct{}
	if err := a.call(ctx, func() { state, pairing = a.session.State, a.pairing }); err != nil {
		return "", fmt.Errorf("tenant: pair %s: %w", id, err)
	}
	switch state {
	case store.SessionConnected:
		return "", fmt.Errorf("tenant: pair %s: already linked", id)
	case store.SessionQRReady, store.SessionPairCodeReady:
	default:
		if err := a.link.Connect(ctx); err != nil {
			return "", fmt.Errorf("tenant: pair %s: %w", id, err)
		}
	}
	wait, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	select {
	case <-pairing:
	case <-wait.Done():
		return "", fmt.Errorf("tenant: pair %s: no QR code showing yet (the tenant may be waiting for a linking slot; try again shortly): %w", id, wait.Err())
	}
	code, err := a.link.PairPhone(ctx, phone)
	if err != nil {
		return "", fmt.Errorf("tenant: pair %s: %w", id, err)
	}
	return code, nil
}

// Status is a tenant's worker and session as the supervisor sees them.
type Status struct {
	Worker  store.Worker
	Session store.WhatsAppSession
}

// Status returns the tenant's live worker state and its stored session.
func (s *Supervisor) Status(ctx context.Context, id string) (Status, error) {
	if _, err := s.checkTenant(ctx, id); err != nil {
		return Status{}, err
	}
	var st Status
	s.mu.Lock()
	e := s.entries[id]
	s.mu.Unlock()
	if e != nil {
		e.mu.Lock()
		st.Worker = e.worker
		e.mu.Unlock()
	} else {
		w, err := s.opts.Store.GetWorker(ctx, id)
		if err != nil {
			return st, fmt.Errorf("tenant: status %s: %w", id, err)
		}
		st.Worker = w
	}
	// A state not yet written is newer than the stored one. Look for it
	// before reading the store: looked for afterwards, a flush finishing in
	// between would hide it and leave the stored row read before that
	// flush, an older state.
	pending, isPending := s.states.pendingSession(id)
	sess, err := s.opts.Store.GetSession(ctx, id)
	if err != nil {
		return st, fmt.Errorf("tenant: status %s: %w", id, err)
	}
	if isPending {
		pending.LastSeenAt = sess.LastSeenAt
		sess = pending
	}
	st.Session = sess
	return st, nil
}

// Metrics are message and worker counters, process-wide or of one tenant.
type Metrics struct {
	MessagesIn, RepliesSent, RepliesFailed, Suppressed, Duplicates int64
	Restarts                                                       int64 // worker restarts after a failure
	LaneQueued                                                     int64 // jobs waiting on chat lanes now (a gauge; process-wide only)
}

// Metrics returns the process-wide counters so far.
func (s *Supervisor) Metrics() Metrics {
	m := s.metrics.snapshot()
	m.LaneQueued = s.queued.Load()
	return m
}

// TenantMetrics calls fn with the counters of every tenant the supervisor
// has run since it started (for per-tenant metrics labels).
func (s *Supervisor) TenantMetrics(fn func(tenantID string, m Metrics)) {
	for _, e := range s.snapshot() {
		fn(e.id, e.counts.snapshot())
	}
}

// counter names one of the message counters.
type counter int

const (
	cMessagesIn counter = iota
	cSent
	cFailed
	cSuppressed
	cDuplicates
	cRestarts
	nCounters
)

type counters [nCounters]atomic.Int64

func (c *counters) snapshot() Metrics {
	return Metrics{
		MessagesIn:    c[cMessagesIn].Load(),
		RepliesSent:   c[cSent].Load(),
		RepliesFailed: c[cFailed].Load(),
		Suppressed:    c[cSuppressed].Load(),
		Duplicates:    c[cDuplicates].Load(),
		Restarts:      c[cRestarts].Load(),
	}
}

// count adds one to a counter of the process and of the tenant.
func (e *entry) count(c counter) {
	e.sup.metrics[c].Add(1)
	e.counts[c].Add(1)
}

// backoff returns the delay before restart number n (1-based): BackoffBase
// doubled per failure, capped at BackoffMax, with ±20% jitter so tenants
// that failed together do not restart together.
func backoff(o Options, n int) time.Duration {
	d := o.BackoffBase
	for i := 1; i < n && d < o.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, o.BackoffMax)
	jitter := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * jitter)
}

// discardHandler is the handler of a link built only to log a device out.
type discardHandler struct{}

func (discardHandler) Event(Event)          {}
func (discardHandler) Inbound(Inbound) bool { return false }

// WorkerCounts returns how many workers are in each status, from memory.
func (s *Supervisor) WorkerCounts() map[string]int {
	out := make(map[string]int)
	for _, e := range s.snapshot() {
		e.mu.Lock()
		out[e.worker.Status]++
		e.mu.Unlock()
	}
	return out
}
