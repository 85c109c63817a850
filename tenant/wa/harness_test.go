package wa_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
	"github.com/flowhq/flowhq/templates"
	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/tenant/wa"
	"github.com/flowhq/flowhq/tenant/watest"
)

// env is one Flow HQ process as the tests see it: the real store, the real
// supervisor and actors, and whatsmeow links to a local WhatsApp server.
type env struct {
	t   testing.TB
	st  *store.Store
	srv *watest.Server
	m   *wa.Manager
	sup *tenant.Supervisor

	stopOnce sync.Once
	cancel   context.CancelFunc
	ran      chan struct{}
	changes  *tenant.Subscription
	mu       sync.Mutex
	sessions map[string][]store.WhatsAppSession // every session change seen, per tenant
	workers  map[string][]store.Worker
	changed  chan struct{}
}

// testLogger logs warnings to the test log, or everything to stderr with
// FLOWHQ_TEST_LOG set.
func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("FLOWHQ_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return storetest.Logger(t)
}

// newServer starts a local WhatsApp server. Clients upload 50 prekeys on
// their first login instead of 812, which saves most of a link's CPU under
// -race; stream errors close the socket after 300 ms.
func newServer(t testing.TB, opts ...watest.Option) *watest.Server {
	return watest.Start(t, append([]watest.Option{
		watest.WithInitialPreKeyCount(50),
		watest.WithStreamEndGrace(300 * time.Millisecond),
	}, opts...)...)
}

// tuning adjusts an env's options before it starts.
type tuning func(wo *wa.Options, to *tenant.Options)

// startEnv starts a manager and a supervisor on st that talk to srv.
func startEnv(t testing.TB, st *store.Store, srv *watest.Server, tune tuning) *env {
	t.Helper()
	log := testLogger(t)
	wo := wa.Options{
		Store:            st,
		Logger:           log,
		Typing:           -1,
		WatchdogInterval: 100 * time.Millisecond,
		Configure:        srv.Configure,
	}
	to := tenant.Options{
		Store:             st,
		Logger:            log,
		BackoffBase:       20 * time.Millisecond,
		BackoffMax:        100 * time.Millisecond,
		HeartbeatInterval: 100 * time.Millisecond,
		StaleAfter:        30 * time.Second,
		LaneIdle:          time.Second,
		SendWait:          10 * time.Second,
		DrainTimeout:      3 * time.Second,
		StateFlush:        10 * time.Millisecond,
		HandoffPause:      time.Hour,
	}
	if tune != nil {
		tune(&wo, &to)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m, err := wa.New(ctx, wo)
	if err != nil {
		t.Fatal(err)
	}
	to.Links = m.Factory()
	sup, err := tenant.NewSupervisor(to)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{
		t: t, st: st, srv: srv, m: m, sup: sup,
		ran:      make(chan struct{}),
		sessions: make(map[string][]store.WhatsAppSession),
		workers:  make(map[string][]store.Worker),
		changed:  make(chan struct{}),
	}
	e.changes = sup.Subscribe("", 4096)
	go e.record()
	runCtx, stop := context.WithCancel(context.Background())
	e.cancel = stop
	go func() {
		defer close(e.ran)
		sup.Run(runCtx)
	}()
	t.Cleanup(e.stop)
	return e
}

// record keeps every session and worker change.
func (e *env) record() {
	for ch := range e.changes.C {
		e.mu.Lock()
		switch ch.Kind {
		case tenant.ChangeSession:
			e.sessions[ch.TenantID] = append(e.sessions[ch.TenantID], ch.Session)
		case tenant.ChangeWorker:
			e.workers[ch.TenantID] = append(e.workers[ch.TenantID], ch.Worker)
		}
		close(e.changed)
		e.changed = make(chan struct{})
		e.mu.Unlock()
	}
}

// stop shuts the process down: clients first settle (so that no client is
// torn down while it writes, which -race reports inside whatsmeow), then the
// supervisor stops every actor and the manager stops its watchdog.
func (e *env) stop() {
	e.stopOnce.Do(func() {
		e.settle()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := e.sup.Shutdown(ctx); err != nil {
			e.t.Errorf("shutdown: %v", err)
		}
		e.cancel()
		<-e.ran
		e.changes.Close()
		if err := e.m.Close(); err != nil {
			e.t.Errorf("close manager: %v", err)
		}
	})
}

// settle waits (briefly) until every online device has answered all the
// server sent it.
func (e *env) settle() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, d := range e.srv.Devices() {
		if d.Online() {
			_ = d.WaitSettled(ctx)
		}
	}
}

var tenantSeq atomic.Int64

// addTenant creates an ACTIVE tenant with a booking template; a non-empty
// jid gives it a stored device.
func addTenant(t testing.TB, st *store.Store, template, jid string) string {
	t.Helper()
	n := tenantSeq.Add(1)
	name := fmt.Sprintf("Salon %d", n)
	ctx := context.Background()
	tn := &store.Tenant{Name: name, Status: store.TenantPending}
	cfg := store.TenantConfig{TemplateType: template, BusinessName: name, Language: "auto"}
	if err := st.CreateTenant(ctx, tn, cfg); err != nil {
		t.Fatalf("create tenant: %v", err)
	}
	if jid != "" {
		if err := st.SaveSession(ctx, store.WhatsAppSession{TenantID: tn.ID, State: store.SessionDisconnected, JID: jid}); err != nil {
			t.Fatalf("save session: %v", err)
		}
	}
	if err := st.SetTenantStatus(ctx, tn.ID, store.TenantActive); err != nil {
		t.Fatalf("activate tenant: %v", err)
	}
	return tn.ID
}

// add creates a tenant and starts its worker.
func (e *env) add(template string) string {
	e.t.Helper()
	id := addTenant(e.t, e.st, template, "")
	if err := e.sup.Start(context.Background(), id); err != nil {
		e.t.Fatalf("start: %v", err)
	}
	return id
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<22)
			buf = buf[:runtime.Stack(buf, true)]
			dump := filepath.Join(os.TempDir(), fmt.Sprintf("flowhq-wa-%s-goroutines.txt", strings.ReplaceAll(t.Name(), "/", "_")))
			_ = os.WriteFile(dump, buf, 0o644)
			t.Fatalf("timed out after %v waiting for %s (goroutines in %s)", timeout, what, dump)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// session returns the tenant's session as the supervisor reports it.
func (e *env) session(id string) store.WhatsAppSession {
	e.t.Helper()
	st, err := e.sup.Status(context.Background(), id)
	if err != nil {
		e.t.Fatalf("status: %v", err)
	}
	return st.Session
}

func (e *env) worker(id string) store.Worker {
	e.t.Helper()
	st, err := e.sup.Status(context.Background(), id)
	if err != nil {
		e.t.Fatalf("status: %v", err)
	}
	return st.Worker
}

// waitSession waits until the tenant's session is in state in the database.
func (e *env) waitSession(id, state string) store.WhatsAppSession {
	e.t.Helper()
	var s store.WhatsAppSession
	waitFor(e.t, "session "+state, 30*time.Second, func() bool {
		var err error
		s, err = e.st.GetSession(context.Background(), id)
		return err == nil && s.State == state
	})
	return s
}

// sawSession reports whether the tenant's session has passed through a
// state matching match.
func (e *env) sawSession(id string, match func(store.WhatsAppSession) bool) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.sessions[id] {
		if match(s) {
			return true
		}
	}
	return false
}

// waitSaw waits until the tenant's session has passed through a matching state.
func (e *env) waitSaw(id, what string, match func(store.WhatsAppSession) bool) {
	e.t.Helper()
	waitFor(e.t, what, 30*time.Second, func() bool { return e.sawSession(id, match) })
}

func (e *env) waitWorker(id, status string) store.Worker {
	e.t.Helper()
	var w store.Worker
	waitFor(e.t, "worker "+status, 30*time.Second, func() bool {
		w = e.worker(id)
		return w.Status == status
	})
	return w
}

// waitQR waits until the tenant shows a QR code, in the database as a PNG
// and on its link as text, and returns the text.
func (e *env) waitQR(id string) string {
	e.t.Helper()
	var code string
	waitFor(e.t, "QR code", 30*time.Second, func() bool {
		s, err := e.st.GetSession(context.Background(), id)
		if err != nil || s.State != store.SessionQRReady || !strings.HasPrefix(s.LastQR, "data:image/png;base64,") {
			return false
		}
		l := e.m.Link(id)
		if l == nil {
			return false
		}
		code, _ = l.QR()
		if code == "" {
			return false
		}
		// The PNG in the database is the code on the link.
		want, err := tenant.QRDataURL(code)
		return err == nil && want == s.LastQR
	})
	return code
}

// link shows a QR code for a new tenant, scans it with a fresh account's
// phone and waits until the session is CONNECTED with the device's JID.
func (e *env) link(id string) (*watest.Account, *watest.Device) {
	e.t.Helper()
	code := e.waitQR(id)
	acct := e.srv.NewAccount()
	jid, err := acct.Scan(code)
	if err != nil {
		e.t.Fatalf("scan: %v", err)
	}
	s := e.waitSession(id, store.SessionConnected)
	if s.JID != jid.String() || s.LastQR != "" {
		e.t.Fatalf("session after scan: jid %q (want %s), qr cleared %v", s.JID, jid, s.LastQR == "")
	}
	dev, ok := e.srv.Device(jid)
	if !ok {
		e.t.Fatal("server does not know the linked device")
	}
	e.waitOnline(dev)
	return acct, dev
}

// waitOnline waits until the device is logged in and has settled.
func (e *env) waitOnline(d *watest.Device) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.WaitConnected(ctx); err != nil {
		e.t.Fatal(err)
	}
	if err := d.WaitSettled(ctx); err != nil {
		e.t.Fatal(err)
	}
}

// logs returns the tenant's message log, oldest first.
func (e *env) logs(id string) []store.MessageLog {
	e.t.Helper()
	rows, err := e.st.ListLogs(context.Background(), id, store.ListLogsOptions{Limit: 1000})
	if err != nil {
		e.t.Fatalf("list logs: %v", err)
	}
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
	}
	return rows
}

func (e *env) count(id string, match func(store.MessageLog) bool) int {
	n := 0
	for _, m := range e.logs(id) {
		if match(m) {
			n++
		}
	}
	return n
}

func isIn(m store.MessageLog) bool      { return m.Direction == store.DirIn }
func isReply(m store.MessageLog) bool   { return m.Direction == store.DirOut && m.ReplyTo != nil }
func sentReply(m store.MessageLog) bool { return isReply(m) && m.Status == store.StatusSent }

func ctxFor(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// expectReply is the reply the tenant's template gives to text.
func expectReply(t testing.TB, st *store.Store, id, text string) string {
	t.Helper()
	cfg, err := st.GetTenantConfig(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return templates.Reply(text, templates.Config{
		Template: templates.Template(cfg.TemplateType),
		Business: cfg.BusinessName,
		Language: templates.Language(cfg.Language),
	}).Text
}

// converse has the customer write text and waits for the tenant's reply,
// checking that both rows are logged with the ids WhatsApp saw.
func (e *env) converse(id string, cust *watest.Customer, text string) (in, out store.MessageLog) {
	e.t.Helper()
	msgID := cust.Send(text)
	reply, err := cust.WaitReply(ctxFor(e.t, 30*time.Second))
	if err != nil {
		e.t.Fatalf("wait reply: %v", err)
	}
	if want := expectReply(e.t, e.st, id, text); reply.Text != want {
		e.t.Fatalf("customer got %q, want the template's %q", reply.Text, want)
	}
	chat := cust.JID().String()
	ctx := context.Background()
	waitFor(e.t, "reply logged as sent", 10*time.Second, func() bool {
		var err error
		out, err = e.st.GetLogByKey(ctx, id, store.DirOut, chat, reply.ID)
		return err == nil && out.Status == store.StatusSent
	})
	in, err = e.st.GetLogByKey(ctx, id, store.DirIn, chat, msgID)
	if err != nil {
		e.t.Fatalf("IN row of %s: %v", msgID, err)
	}
	if out.ReplyTo == nil || *out.ReplyTo != in.ID || out.MessageText != reply.Text || in.MessageText != text {
		e.t.Fatalf("rows do not match the conversation: in %+v out %+v", in, out)
	}
	if in.FromNumber != cust.JID().User || in.Source != store.SourceCustomer {
		e.t.Fatalf("IN row sender: %+v", in)
	}
	return in, out
}

func jidOf(t testing.TB, s string) types.JID {
	t.Helper()
	j, err := types.ParseJID(s)
	if err != nil {
		t.Fatal(err)
	}
	return j
}
