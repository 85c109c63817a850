package tenant_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
	"github.com/flowhq/flowhq/tenant"
	"github.com/flowhq/flowhq/tenant/sim"
)

// harness runs a real supervisor on a real store with the simulated network.
type harness struct {
	t   *testing.T
	st  *store.Store
	net *sim.Network
	sup *tenant.Supervisor
}

func testLogger() *slog.Logger {
	if os.Getenv("FLOWHQ_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// fastOptions are supervisor options scaled down for tests.
func fastOptions(st *store.Store, links tenant.LinkFactory) tenant.Options {
	return tenant.Options{
		Store:             st,
		Links:             links,
		Logger:            testLogger(),
		BackoffBase:       10 * time.Millisecond,
		BackoffMax:        50 * time.Millisecond,
		HeartbeatInterval: 50 * time.Millisecond,
		StaleAfter:        5 * time.Second,
		LaneIdle:          200 * time.Millisecond,
		SendWait:          2 * time.Second,
		DrainTimeout:      2 * time.Second,
		StateFlush:        10 * time.Millisecond,
		HandoffPause:      time.Hour,
	}
}

// newHarness starts a supervisor; tune adjusts its options first.
func newHarness(t *testing.T, st *store.Store, net *sim.Network, tune func(*tenant.Options)) *harness {
	t.Helper()
	if net == nil {
		net = sim.NewNetwork(sim.Options{RedeliverAfter: 20 * time.Millisecond, ReconnectAfter: 20 * time.Millisecond})
	}
	opts := fastOptions(st, net.Factory())
	if tune != nil {
		tune(&opts)
	}
	sup, err := tenant.NewSupervisor(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		sup.Run(ctx)
	}()
	h := &harness{t: t, st: st, net: net, sup: sup}
	t.Cleanup(func() { h.shutdown(); cancel(); <-ran })
	return h
}

func (h *harness) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.sup.Shutdown(ctx); err != nil {
		h.t.Errorf("shutdown: %v", err)
	}
}

var tenantSeq int

// addTenant creates an ACTIVE tenant; linked gives it a paired device so it
// logs in without a QR code.
func addTenant(t *testing.T, st *store.Store, template string, linked bool, rate *int) string {
	t.Helper()
	tenantSeq++
	// PENDING until its session is ready, so a booting supervisor never
	// starts it half made.
	tn := &store.Tenant{Name: fmt.Sprintf("Shop %d", tenantSeq), Status: store.TenantPending}
	cfg := store.TenantConfig{TemplateType: template, BusinessName: fmt.Sprintf("Shop %d", tenantSeq), Language: "auto", RateLimitPerMinute: rate}
	if err := st.CreateTenant(context.Background(), tn, cfg); err != nil {
		t.Fatalf("create tenant: %v", err)
	}
	if linked {
		err := st.SaveSession(context.Background(), store.WhatsAppSession{TenantID: tn.ID, State: store.SessionDisconnected, JID: fmt.Sprintf("25570000%04d:1@s.whatsapp.net", tenantSeq)})
		if err != nil {
			t.Fatalf("save session: %v", err)
		}
	}
	if err := st.SetTenantStatus(context.Background(), tn.ID, store.TenantActive); err != nil {
		t.Fatalf("activate tenant: %v", err)
	}
	return tn.ID
}

// waitFor polls cond until it holds or 15 seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<22)
			buf = buf[:runtime.Stack(buf, true)]
			dump := filepath.Join(os.TempDir(), fmt.Sprintf("flowhq-%s-goroutines.txt", strings.ReplaceAll(t.Name(), "/", "_")))
			_ = os.WriteFile(dump, buf, 0o644)
			t.Fatalf("timed out waiting for %s (goroutines in %s)", what, dump)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *harness) status(id string) tenant.Status {
	h.t.Helper()
	st, err := h.sup.Status(context.Background(), id)
	if err != nil {
		h.t.Fatalf("status: %v", err)
	}
	return st
}

func (h *harness) waitWorker(id, status string) {
	h.t.Helper()
	waitFor(h.t, "worker "+status, func() bool { return h.status(id).Worker.Status == status })
}

func (h *harness) waitSession(id, state string) store.WhatsAppSession {
	h.t.Helper()
	var s store.WhatsAppSession
	waitFor(h.t, "session "+state, func() bool {
		var err error
		s, err = h.st.GetSession(context.Background(), id)
		return err == nil && s.State == state
	})
	return s
}

// logs returns the tenant's message log, oldest first.
func (h *harness) logs(id string) []store.MessageLog {
	h.t.Helper()
	rows, err := h.st.ListLogs(context.Background(), id, store.ListLogsOptions{Limit: 10000})
	if err != nil {
		h.t.Fatalf("list logs: %v", err)
	}
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
	}
	return rows
}

// count returns how many of the tenant's rows match.
func (h *harness) count(id string, match func(store.MessageLog) bool) int {
	n := 0
	for _, m := range h.logs(id) {
		if match(m) {
			n++
		}
	}
	return n
}

func isReply(m store.MessageLog) bool { return m.Direction == store.DirOut && m.ReplyTo != nil }

func sentReply(m store.MessageLog) bool { return isReply(m) && m.Status == store.StatusSent }

// say delivers a customer message and returns its id.
func (h *harness) say(id, chat, text string) string {
	return h.net.Deliver(id, tenant.Inbound{Chat: chat, Sender: chat, Text: text})
}

func intp(n int) *int { return &n }

// eachStore runs fn on SQLite and, when configured, on PostgreSQL.
func eachStore(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	storetest.Each(t, fn)
}

// storeForTest is a fresh SQLite store, for tests whose subject is the
// runtime rather than the database.
func storeForTest(t *testing.T) *store.Store { return storetest.SQLite(t) }

// add creates an ACTIVE tenant and starts its worker.
func (h *harness) add(template string, linked bool, rate *int) string {
	h.t.Helper()
	id := addTenant(h.t, h.st, template, linked, rate)
	h.start(id)
	return id
}

func (h *harness) start(id string) {
	h.t.Helper()
	if err := h.sup.Start(context.Background(), id); err != nil {
		h.t.Fatalf("start: %v", err)
	}
}
