package watest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/keys"
)

// Option configures a Server.
type Option func(*config)

type config struct {
	log      *slog.Logger
	qrFirst  time.Duration
	qrRest   time.Duration
	qrRefs   int
	grace    time.Duration
	platform string
	firstPKs int
}

// WithLogger sets the server's logger. By default the server logs nothing,
// unless the environment variable WATEST_LOG is set (to "debug" or "info"),
// in which case it logs to stderr.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.log = l }
}

// WithQRLifetimes makes the server drive the QR rotation itself: it hands the
// client one pair-device ref at a time, the first valid for first and each
// following one for rest, and closes the login socket when the last one
// expires (the client then reports "timeout" on its QR channel).
//
// whatsmeow decides a code's lifetime on the client (60 s for the first of a
// batch of six refs, 20 s otherwise, see qrchan.go); the server cannot change
// those numbers. What it can influence is when it sends refs and when it ends
// the socket. In this mode every QRChannelItem.Timeout still reads 20 s, but
// the codes really arrive at the server's pace. Because the client's own
// timer for a single ref runs out after 20 s, first+(refs-1)*rest must stay
// below 20 s; Start fails otherwise.
//
// Without this option the server behaves like WhatsApp: six refs in one
// pair-device request, rotated by the client (60 s, then 20 s each).
func WithQRLifetimes(first, rest time.Duration) Option {
	return func(c *config) { c.qrFirst, c.qrRest = first, rest }
}

// WithQRRefs sets how many refs the server offers per login socket (1 to 6,
// default 6).
func WithQRRefs(n int) Option {
	return func(c *config) { c.qrRefs = n }
}

// WithStreamEndGrace sets how long the server waits after sending a stream
// error or connect failure before it closes the socket itself (default 1 s).
// The delay lets whatsmeow handle the node before the socket goes away.
func WithStreamEndGrace(d time.Duration) Option {
	return func(c *config) { c.grace = d }
}

// WithInitialPreKeyCount makes the server report n one-time prekeys for a
// device that has not uploaded any yet. WhatsApp reports 0, which makes
// whatsmeow generate and upload 812 keys on its first login (most of the
// cost of linking a client); with n >= 5 it uploads a normal batch of 50.
// Meant for benchmarks that link many clients; tests should keep the default.
func WithInitialPreKeyCount(n int) Option {
	return func(c *config) { c.firstPKs = n }
}

// WithPlatform sets the platform name reported in pair-success (default
// "smba", WhatsApp Business on Android).
func WithPlatform(name string) Option {
	return func(c *config) { c.platform = name }
}

// Server is a local WhatsApp server for tests. All methods are safe for
// concurrent use.
type Server struct {
	cfg       config
	log       *slog.Logger
	ln        net.Listener
	httpSrv   *http.Server
	addr      string
	ctx       context.Context
	cancel    context.CancelFunc
	static    *keys.KeyPair
	certChain []byte
	client    *http.Client
	wg        sync.WaitGroup
	ids       atomic.Uint64
	tb        testing.TB
	closeOnce sync.Once

	mu        sync.Mutex
	changed   chan struct{}
	closed    bool
	conns     map[*conn]struct{}
	accounts  map[string]*Account // by phone number (JID user)
	lids      map[string]*Account // by LID user
	peers     map[string]*peer    // customers by phone number
	peerLIDs  map[string]*peer    // customers by LID user
	refs      map[string]*registration
	codeRegs  map[string]*codeRegistration // by pairing ref
	receipts  map[string][]Receipt
	errs      []error
	nextLID   uint64
	nextPhone uint64
}

// Start starts a server on a loopback port and stops it when the test ends.
// It installs the process-wide test root in whatsmeow.WACertPubKey while any
// server is running (see the package documentation).
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := NewServer(opts...)
	if err != nil {
		t.Fatalf("watest: %v", err)
	}
	s.tb = t
	t.Cleanup(s.Close)
	return s
}

// NewServer starts a server without a testing.TB; call Close when done.
func NewServer(opts ...Option) (*Server, error) {
	cfg := config{qrRefs: 6, grace: time.Second, platform: "smba"}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.qrRefs < 1 || cfg.qrRefs > 6 {
		return nil, fmt.Errorf("watest: QR ref count %d out of range 1..6", cfg.qrRefs)
	}
	if cfg.qrFirst > 0 || cfg.qrRest > 0 {
		if cfg.qrFirst <= 0 || cfg.qrRest <= 0 {
			return nil, errors.New("watest: both QR lifetimes must be positive")
		}
		if total := cfg.qrFirst + time.Duration(cfg.qrRefs-1)*cfg.qrRest; total >= 20*time.Second {
			return nil, fmt.Errorf("watest: server-driven QR schedule of %v must be shorter than the client's 20 s ref timer", total)
		}
	}
	if cfg.log == nil {
		cfg.log = envLogger()
	}
	static := keys.NewKeyPair()
	chain, err := newCertChain(static)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("watest: listen: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:       cfg,
		log:       cfg.log,
		ln:        ln,
		addr:      ln.Addr().String(),
		ctx:       ctx,
		cancel:    cancel,
		static:    static,
		certChain: chain,
		changed:   make(chan struct{}),
		conns:     make(map[*conn]struct{}),
		accounts:  make(map[string]*Account),
		lids:      make(map[string]*Account),
		peers:     make(map[string]*peer),
		peerLIDs:  make(map[string]*peer),
		refs:      make(map[string]*registration),
		codeRegs:  make(map[string]*codeRegistration),
		receipts:  make(map[string][]Receipt),
		nextLID:   100000000000000,
		nextPhone: 15550000000,
	}
	s.client = s.newHTTPClient()
	mux := http.NewServeMux()
	mux.HandleFunc("/ws/chat", s.serveWS)
	s.httpSrv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	installRoot()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("watest: serve", "err", err)
		}
	}()
	return s, nil
}

func envLogger() *slog.Logger {
	lvl := strings.ToLower(os.Getenv("WATEST_LOG"))
	if lvl == "" {
		return slog.New(slog.DiscardHandler)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(lvl)); err != nil {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// Addr returns the server's loopback address (host:port).
func (s *Server) Addr() string { return s.addr }

// Close stops the server: it closes every connection and the listener, and
// restores whatsmeow.WACertPubKey when no other server is running.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		conns := make([]*conn, 0, len(s.conns))
		for c := range s.conns {
			conns = append(conns, c)
		}
		s.notifyLocked()
		s.mu.Unlock()
		s.cancel()
		_ = s.httpSrv.Close()
		for _, c := range conns {
			c.close()
		}
		s.wg.Wait()
		s.client.CloseIdleConnections()
		releaseRoot()
	})
}

func (s *Server) newHTTPClient() *http.Client {
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", s.addr)
		if err != nil {
			return nil, fmt.Errorf("watest: dial test server: %w", err)
		}
		return c, nil
	}
	return &http.Client{Transport: &http.Transport{
		// Returning a plain TCP connection from DialTLSContext makes
		// net/http speak plain HTTP/1.1 to the loopback server even though
		// whatsmeow dials wss://web.whatsapp.com.
		DialTLSContext:      dial,
		DialContext:         dial,
		Proxy:               nil,
		MaxIdleConnsPerHost: -1,
	}}
}

// HTTPClient returns the HTTP client that dials this server whatever URL is
// requested. Configure installs it on a whatsmeow client.
func (s *Server) HTTPClient() *http.Client { return s.client }

var errMediaUnsupported = errors.New("watest: media transfers are not supported by the test server")

// Configure points a whatsmeow client at this server: both websocket HTTP
// clients dial the loopback listener, and media requests fail immediately
// instead of trying the internet.
func (s *Server) Configure(cli *whatsmeow.Client) {
	cli.SetWebsocketHTTPClient(s.client)
	cli.SetPreLoginHTTPClient(s.client)
	cli.SetMediaHTTPClient(&http.Client{Transport: &http.Transport{
		DialContext: func(context.Context, string, string) (net.Conn, error) { return nil, errMediaUnsupported },
		DialTLSContext: func(context.Context, string, string) (net.Conn, error) {
			return nil, errMediaUnsupported
		},
	}})
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		s.log.Debug("watest: websocket accept failed", "err", err)
		return
	}
	ws.SetReadLimit(1 << 25)
	c := newConn(s, ws)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.CloseNow()
		return
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	c.run(s.ctx)
}

// notifyLocked wakes every waiter. s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) notify() {
	s.mu.Lock()
	s.notifyLocked()
	s.mu.Unlock()
}

// waitUntil blocks until cond (called with s.mu held) returns true.
func (s *Server) waitUntil(ctx context.Context, what string, cond func() bool) error {
	for {
		s.mu.Lock()
		ok := cond()
		ch := s.changed
		closed := s.closed
		s.mu.Unlock()
		if ok {
			return nil
		}
		if closed {
			return fmt.Errorf("watest: wait for %s: server closed", what)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("watest: wait for %s: %w", what, ctx.Err())
		}
	}
}

func (s *Server) nextID(prefix string) string {
	return prefix + strconv.FormatUint(s.ids.Add(1), 10)
}

// Account returns the account of a phone number ("+255 700 000 001" and
// "255700000001" are the same), creating it if needed.
func (s *Server) Account(phone string) *Account {
	user := digits(phone)
	if user == "" {
		panic(fmt.Sprintf("watest: invalid phone number %q", phone))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accountLocked(user)
}

// NewAccount creates an account with a fresh phone number.
func (s *Server) NewAccount() *Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		s.nextPhone++
		user := strconv.FormatUint(s.nextPhone, 10)
		if _, ok := s.accounts[user]; !ok {
			return s.accountLocked(user)
		}
	}
}

func (s *Server) accountLocked(user string) *Account {
	if a, ok := s.accounts[user]; ok {
		return a
	}
	s.nextLID++
	a := newAccount(s, user, strconv.FormatUint(s.nextLID, 10))
	s.accounts[user] = a
	s.lids[a.lid.User] = a
	return a
}

// AccountByJID finds the account of a phone-number or LID JID, with or without
// a device part (for example the JID returned by Scan or PairSuccess.ID).
func (s *Server) AccountByJID(jid types.JID) (*Account, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accountByJIDLocked(jid)
	return a, a != nil
}

func (s *Server) accountByJIDLocked(jid types.JID) *Account {
	switch jid.Server {
	case types.DefaultUserServer:
		return s.accounts[jid.User]
	case types.HiddenUserServer:
		return s.lids[jid.User]
	}
	return nil
}

// Device returns the linked device with the given JID (phone-number or LID
// form, device part required).
func (s *Server) Device(jid types.JID) (*Device, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.deviceLocked(jid)
	return d, d != nil
}

func (s *Server) deviceLocked(jid types.JID) *Device {
	a := s.accountByJIDLocked(jid)
	if a == nil {
		return nil
	}
	return a.devices[jid.Device]
}

// Devices returns every device that has been linked on this server,
// including removed ones.
func (s *Server) Devices() []*Device {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Device
	for _, a := range s.accounts {
		for _, d := range a.devices {
			if d.linked {
				out = append(out, d)
			}
		}
	}
	return out
}

// Scan links the QR code to a new account with a fresh phone number and
// returns the new device's JID. See Account.Scan.
func (s *Server) Scan(qr string) (types.JID, error) {
	return s.NewAccount().Scan(qr)
}

// EnterCode completes a phone-number (pairing code) link: it types the code
// on the phone of the number the client passed to PairPhone. It fails when
// several code pairings are pending; use Account.EnterCode then.
func (s *Server) EnterCode(code string) (types.JID, error) {
	s.mu.Lock()
	var found *codeRegistration
	n := 0
	for _, cr := range s.codeRegs {
		if !cr.used {
			found = cr
			n++
		}
	}
	s.mu.Unlock()
	switch n {
	case 0:
		return types.EmptyJID, errors.New("watest: enter code: no pairing code request is pending")
	case 1:
		return s.Account(found.phone).EnterCode(code)
	default:
		return types.EmptyJID, fmt.Errorf("watest: enter code: %d pairing code requests pending, use Account.EnterCode", n)
	}
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
