package wa

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/tenant"
)

// Options configure a Manager. Zero values take the defaults in brackets.
type Options struct {
	// Store is Flow HQ's store. The device keys live in its database
	// (whatsmeow's own whatsmeow_* tables); sent replies are read back from
	// its message log to answer retry receipts. Required.
	Store *store.Store
	// Logger receives the links' and whatsmeow's log lines. [slog.Default]
	Logger *slog.Logger

	// MaxConcurrentLinking is how many tenants may be pairing (showing QR
	// or pairing codes, until their first login) at once; the others wait
	// for a free slot. [4]
	MaxConcurrentLinking int

	// WatchdogInterval is how often the watchdog looks at every link. [15s]
	WatchdogInterval time.Duration
	// NotLoggedInAfter: a paired link that has not logged in for this long
	// (while it should be connected) is restarted: Disconnect, then
	// Connect. [3m]
	NotLoggedInAfter time.Duration
	// SilentAfter: a connected link that has received nothing at all for
	// this long is deaf and is restarted. whatsmeow pings every 20–30 s, so
	// a healthy connection receives at least that often. [3m]
	SilentAfter time.Duration
	// KeepAliveFailures: a connected link whose keepalive pings failed this
	// many times in a row is restarted (whatsmeow itself gives up only
	// after three minutes). [3]
	KeepAliveFailures int
	// PairCodeLifetime is how long a pairing code is kept waiting for the
	// phone before the attempt ends. [3m]
	PairCodeLifetime time.Duration
	// LoginTimeout bounds how long Logout waits to connect a device that
	// is offline before it forgets the device locally. [20s]
	LoginTimeout time.Duration

	// Typing is the average time the "typing…" indicator shows before a
	// reply; each reply varies it between half and one and a half times.
	// Negative turns it off. [800ms]
	Typing time.Duration

	// Configure, when set, is called on every new whatsmeow client before it
	// connects. Tests use it to point clients at a local server.
	Configure func(*whatsmeow.Client)
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxConcurrentLinking <= 0 {
		o.MaxConcurrentLinking = 4
	}
	if o.KeepAliveFailures <= 0 {
		o.KeepAliveFailures = 3
	}
	def(&o.WatchdogInterval, 15*time.Second)
	def(&o.NotLoggedInAfter, 3*time.Minute)
	def(&o.SilentAfter, 3*time.Minute)
	def(&o.PairCodeLifetime, 3*time.Minute)
	def(&o.LoginTimeout, 20*time.Second)
	def(&o.Typing, 800*time.Millisecond)
	return o
}

// Manager owns the process's whatsmeow device container and builds one
// Link per tenant actor run. It limits how many tenants pair at once and
// runs the watchdog that restarts stuck sessions.
type Manager struct {
	opts      Options
	log       *slog.Logger
	st        *store.Store
	container *sqlstore.Container
	slots     chan struct{} // one token per tenant that is pairing
	qrFirst   time.Duration // lifetime of the first code of a batch of six
	qrNext    time.Duration // lifetime of every other code

	stop     context.CancelFunc
	watchdog sync.WaitGroup

	mu    sync.Mutex
	links map[string]*Link // the current link of each tenant
}

// New opens the device container on the store's database (creating or
// upgrading whatsmeow's tables) and starts the watchdog. Close stops it.
func New(ctx context.Context, opts Options) (*Manager, error) {
	if opts.Store == nil {
		return nil, errors.New("wa: a store is required")
	}
	opts = opts.withDefaults()
	log := opts.Logger.With("component", "whatsapp")
	c := sqlstore.NewWithDB(opts.Store.SQLDB(), opts.Store.Dialect(), newWALogger(log, "Database", nil))
	if err := c.Upgrade(ctx); err != nil {
		return nil, fmt.Errorf("wa: upgrade device store on %s: %w", opts.Store.Dialect(), err)
	}
	wctx, stop := context.WithCancel(context.Background())
	m := &Manager{
		opts:      opts,
		log:       log,
		st:        opts.Store,
		container: c,
		slots:     make(chan struct{}, opts.MaxConcurrentLinking),
		qrFirst:   qrFirstLifetime,
		qrNext:    qrLifetime,
		stop:      stop,
		links:     make(map[string]*Link),
	}
	m.watchdog.Add(1)
	go m.runWatchdog(wctx)
	return m, nil
}

// Close stops the watchdog. Links are closed by their actors; the database
// belongs to the store.
func (m *Manager) Close() error {
	m.stop()
	m.watchdog.Wait()
	return nil
}

// Factory returns the tenant.LinkFactory that builds whatsmeow links. A
// link built with a JID logs in with that stored device; without one it
// pairs a new device.
func (m *Manager) Factory() tenant.LinkFactory {
	return m.newLink
}

// Link returns the tenant's current link, or nil.
func (m *Manager) Link(tenantID string) *Link {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.links[tenantID]
}

// Check reports whether the device container answers (for /readyz).
func (m *Manager) Check(ctx context.Context) error {
	var n int
	err := m.st.SQLDB().QueryRowContext(ctx, "SELECT COUNT(*) FROM whatsmeow_version").Scan(&n)
	if err != nil {
		return fmt.Errorf("wa: device store: %w", err)
	}
	return nil
}

// Stats counts the links by what they are doing.
type Stats struct {
	Links      int // current links (one per running tenant)
	Connected  int // logged in
	Pairing    int // showing QR or pairing codes (each holds a linking slot)
	WaitingFor int // waiting for a linking slot
}

// Stats returns how many links there are and what they do.
func (m *Manager) Stats() Stats {
	var s Stats
	for _, l := range m.snapshot() {
		s.Links++
		switch l.currentState() {
		case stConnected:
			s.Connected++
		case stPairing:
			s.Pairing++
		case stWaitSlot:
			s.WaitingFor++
		}
	}
	return s
}

func (m *Manager) snapshot() []*Link {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*Link, 0, len(m.links))
	for _, l := range m.links {
		out = append(out, l)
	}
	return out
}

// newLink is the link factory.
func (m *Manager) newLink(ctx context.Context, p tenant.LinkParams) (tenant.Link, error) {
	if p.Handler == nil {
		return nil, errors.New("wa: link needs a handler")
	}
	log := p.Logger
	if log == nil {
		log = m.opts.Logger.With("tenant_id", p.TenantID)
	}
	l := newLink(m, p.TenantID, p.Handler, log)
	if p.JID != "" {
		jid, err := types.ParseJID(p.JID)
		if err != nil {
			return nil, fmt.Errorf("wa: tenant %s: stored device %q: %w", p.TenantID, p.JID, err)
		}
		dev, err := m.container.GetDevice(ctx, jid)
		if err != nil {
			return nil, fmt.Errorf("wa: tenant %s: load device %s: %w", p.TenantID, jid, err)
		}
		if dev == nil {
			// The keys are gone (deleted by a logout, or a different
			// database): Connect reports the device as logged out.
			l.goneJID = jid
			l.setClient(m.container.NewDevice())
		} else {
			l.jid = jid
			l.setClient(dev)
		}
	} else {
		l.setClient(m.container.NewDevice())
	}
	m.register(l)
	return l, nil
}

// register makes l the tenant's current link. A link still open for the
// tenant is closed first: two clients must never share a device.
func (m *Manager) register(l *Link) {
	m.mu.Lock()
	old := m.links[l.tenantID]
	m.links[l.tenantID] = l
	m.mu.Unlock()
	if old == nil {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = old.Close()
	}()
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		l.log.Warn("previous link of the tenant is slow to close; going on")
	}
}

// unregister forgets l if it is still the tenant's current link.
func (m *Manager) unregister(l *Link) {
	m.mu.Lock()
	if m.links[l.tenantID] == l {
		delete(m.links, l.tenantID)
	}
	m.mu.Unlock()
}

// acquireSlot waits for a linking slot or ctx.
func (m *Manager) acquireSlot(ctx context.Context) bool {
	select {
	case m.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// tryAcquireSlot takes a linking slot if one is free now.
func (m *Manager) tryAcquireSlot() bool {
	select {
	case m.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (m *Manager) releaseSlot() { <-m.slots }

// runWatchdog checks every link at WatchdogInterval.
func (m *Manager) runWatchdog(ctx context.Context) {
	defer m.watchdog.Done()
	t := time.NewTicker(m.opts.WatchdogInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			for _, l := range m.snapshot() {
				l.watch(now)
			}
		}
	}
}

// deletePrivacyTokens removes the privacy tokens whatsmeow kept for a
// device. Their table has no foreign key to the device, so deleting the
// device leaves them behind.
func (m *Manager) deletePrivacyTokens(ctx context.Context, jid types.JID) error {
	q := "DELETE FROM whatsmeow_privacy_tokens WHERE our_jid = ?"
	if m.st.Dialect() == store.DialectPostgres {
		q = "DELETE FROM whatsmeow_privacy_tokens WHERE our_jid = $1"
	}
	if _, err := m.st.SQLDB().ExecContext(ctx, q, jid.String()); err != nil {
		return fmt.Errorf("wa: delete privacy tokens of %s: %w", jid, err)
	}
	return nil
}
