package app

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// receiver is a webhook endpoint for tests: it checks every request's
// signature, deduplicates events by id as receivers should, records the
// order in which it first accepted each event, and answers with whatever
// fault the test's plan says.
type receiver struct {
	t      testing.TB
	secret string
	srv    *httptest.Server
	fault  func(n int, eventID string) string // "", "500", "timeout", "close", "slow"
	hold   chan struct{}                      // "hold" faults wait for it

	mu       sync.Mutex
	requests int
	badSig   int
	seen     map[string]int // event id → requests carrying it
	accepted []string       // event ids in the order first processed
	bodies   map[string]webhookEnvelope
}

func newReceiver(t testing.TB, secret string, fault func(n int, eventID string) string) *receiver {
	r := &receiver{t: t, secret: secret, fault: fault, hold: make(chan struct{}), seen: map[string]int{}, bodies: map[string]webhookEnvelope{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(func() {
		r.release()
		r.srv.CloseClientConnections()
		r.srv.Close()
	})
	return r
}

func (r *receiver) release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.hold:
	default:
		close(r.hold)
	}
}

// verifySignature checks a delivery as a receiver would.
func verifySignature(secret string, h http.Header, body []byte) bool {
	ts, err := strconv.ParseInt(h.Get(headerTimestamp), 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		return false
	}
	return hmac.Equal([]byte(h.Get(headerSignature)), []byte(signWebhook(secret, ts, body)))
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var env webhookEnvelope
	okSig := verifySignature(r.secret, req.Header, body) && req.Header.Get("Content-Type") == "application/json"
	jerr := json.Unmarshal(body, &env)
	r.mu.Lock()
	r.requests++
	n := r.requests
	if !okSig || jerr != nil || env.ID != req.Header.Get(headerEventID) {
		r.badSig++
		r.mu.Unlock()
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	r.seen[env.ID]++
	fault := ""
	if r.fault != nil {
		fault = r.fault(n, env.ID)
	}
	process := func() {
		if _, dup := r.bodies[env.ID]; !dup {
			r.bodies[env.ID] = env
			r.accepted = append(r.accepted, env.ID)
		}
	}
	switch fault {
	case "500":
		r.mu.Unlock()
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	case "close":
		r.mu.Unlock()
		hj, _ := w.(http.Hijacker)
		conn, _, err := hj.Hijack()
		if err == nil {
			conn.Close()
		}
		return
	case "timeout":
		// Processed, but the answer comes too late: the sender retries and
		// the receiver's dedup drops the repeat.
		process()
		r.mu.Unlock()
		time.Sleep(400 * time.Millisecond)
		w.WriteHeader(http.StatusOK)
		return
	case "hold":
		r.mu.Unlock()
		select {
		case <-r.hold:
		case <-req.Context().Done():
		}
		http.Error(w, "held", http.StatusServiceUnavailable)
		return
	case "slow":
		process()
		r.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	process()
	r.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (r *receiver) snapshot() (accepted []string, seen map[string]int, bad, requests int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen = make(map[string]int, len(r.seen))
	for k, v := range r.seen {
		seen[k] = v
	}
	return slices.Clone(r.accepted), seen, r.badSig, r.requests
}

// hookFor creates a webhook of tenantID pointing at rc.
func hookFor(t testing.TB, st *store.Store, tenantID, url, secret string, events ...string) store.Webhook {
	t.Helper()
	h := store.Webhook{TenantID: tenantID, URL: url, Secret: secret, Enabled: true}
	h.SetEvents(events)
	if err := st.CreateWebhook(context.Background(), &h); err != nil {
		t.Fatal(err)
	}
	return h
}

func storeTenant(t testing.TB, st *store.Store, name string) store.Tenant {
	t.Helper()
	tn := store.Tenant{Name: name}
	if err := st.CreateTenant(context.Background(), &tn, store.TenantConfig{TemplateType: "booking", Language: "auto"}); err != nil {
		t.Fatal(err)
	}
	return tn
}

// inbound commits n customer messages of a tenant, one by one, and returns
// their message.in event ids in commit order.
func inbound(t testing.TB, st *store.Store, tenantID string, n int) []string {
	t.Helper()
	ids := make([]string, 0, n)
	for i := range n {
		m := &store.MessageLog{TenantID: tenantID, Direction: store.DirIn, Chat: "255700000001", MessageText: fmt.Sprintf("hi %d", i), WAMessageID: fmt.Sprintf("%s-%d-%d", tenantID, time.Now().UnixNano(), i)}
		if err := st.Commit(context.Background(), store.Op{Insert: m}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, fmt.Sprintf("evt_%016xi", m.ID))
	}
	return ids
}

func startDispatcher(t testing.TB, st *store.Store, opts webhookOptions) *webhookDispatcher {
	t.Helper()
	d := newWebhookDispatcher(st, storetest.Logger(t), opts)
	d.start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := d.stop(ctx); err != nil {
			t.Error(err)
		}
	})
	return d
}

func fastRetries() webhookOptions {
	return webhookOptions{Timeout: 200 * time.Millisecond, RetryBase: 5 * time.Millisecond, RetryMax: 40 * time.Millisecond, MaxAge: time.Hour, Poll: 50 * time.Millisecond,
		AllowPrivate: true} // the test receivers listen on loopback
}

// By default deliveries never reach internal addresses: the receiver on
// loopback gets no request and the event dies with a clear error.
func TestWebhookRefusesPrivateAddresses(t *testing.T) {
	st := storetest.SQLite(t)
	tn := storeTenant(t, st, "Inward")
	rc := newReceiver(t, "whsec_private_secret_0123456789", nil)
	h := hookFor(t, st, tn.ID, rc.srv.URL, rc.secret, store.EventMessageIn)
	opts := fastRetries()
	opts.AllowPrivate, opts.MaxAge = false, 50*time.Millisecond
	startDispatcher(t, st, opts)
	inbound(t, st, tn.ID, 1)
	waitFor(t, "a dead letter", 30*time.Second, func() bool {
		c, _ := st.CountWebhookEvents(context.Background(), tn.ID, h.ID)
		return c.Dead == 1
	})
	dead, _ := st.ListWebhookEvents(context.Background(), tn.ID, store.ListWebhookEventsOptions{Status: store.WebhookDead})
	if len(dead) != 1 || !strings.Contains(dead[0].LastError, "internal") {
		t.Fatalf("dead letter %+v", dead)
	}
	if _, _, _, req := rc.snapshot(); req != 0 {
		t.Fatalf("the loopback receiver got %d requests", req)
	}
	for _, addr := range []string{"10.1.2.3:80", "[::1]:443", "169.254.169.254:80", "100.64.0.1:80", "[::ffff:127.0.0.1]:80"} {
		if refusePrivate("tcp", addr, nil) == nil {
			t.Errorf("%s allowed", addr)
		}
	}
	if err := refusePrivate("tcp", "93.184.216.34:443", nil); err != nil {
		t.Errorf("a public address refused: %v", err)
	}
}

// A receiver that fails in every way (500, timeouts, closed connections,
// slow answers) still gets every event, in order, each signature valid;
// after its dedup each event is processed once.
func TestWebhookDeliveryThroughFaults(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		tn := storeTenant(t, st, "Faulty")
		faults := []string{"500", "", "timeout", "close", "", "slow", "500", "close", "", "", "timeout", "slow", ""}
		rc := newReceiver(t, "whsec_test_secret_0123456789", func(n int, _ string) string { return faults[n%len(faults)] })
		hookFor(t, st, tn.ID, rc.srv.URL+"/hook", rc.secret, store.EventMessageIn)
		const n = 40
		want := inbound(t, st, tn.ID, n/2)
		d := startDispatcher(t, st, fastRetries())
		want = append(want, inbound(t, st, tn.ID, n/2)...) // some queued before start, some while running
		deadline := time.Now().Add(time.Minute)
		for {
			acc, _, bad, req := rc.snapshot()
			if len(acc) == n {
				break
			}
			if time.Now().After(deadline) {
				c, _ := st.ListWebhookEvents(context.Background(), tn.ID, store.ListWebhookEventsOptions{Status: store.WebhookPending, Limit: 3})
				t.Fatalf("%d of %d events processed after %d requests (%d bad); pending e.g. %+v", len(acc), n, req, bad, c)
			}
			time.Sleep(20 * time.Millisecond)
		}
		acc, seen, bad, requests := rc.snapshot()
		if bad != 0 {
			t.Fatalf("%d requests with a bad signature", bad)
		}
		if !slices.Equal(acc, want) {
			t.Fatalf("processed order\n%v\nwant\n%v", acc, want)
		}
		retried := 0
		for _, c := range seen {
			if c > 1 {
				retried++
			}
		}
		if retried == 0 {
			t.Fatal("no event was retried: the faults did not happen")
		}
		waitFor(t, "outbox drained", 10*time.Second, func() bool {
			b, _ := st.WebhookBacklog(context.Background())
			return b == 0
		})
		t.Logf("%d events, %d requests, %d events retried, %d delivered by the dispatcher", n, requests, retried, d.delivered.Load())
		// The envelope carries the event.
		rc.mu.Lock()
		env := rc.bodies[want[0]]
		rc.mu.Unlock()
		var data store.MessageEventData
		if err := json.Unmarshal(env.Data, &data); err != nil || env.Type != store.EventMessageIn || env.TenantID != tn.ID || data.Text != "hi 0" || env.CreatedAt.IsZero() {
			t.Fatalf("envelope %+v data %+v %v", env, data, err)
		}
	})
}

// While tenant A's receiver hangs on its head event (and fails), tenant
// B's events are all delivered; A's are delivered later, in order.
func TestWebhookDeadReceiverDoesNotDelayOthers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		a := storeTenant(t, st, "A")
		b := storeTenant(t, st, "B")
		ra := newReceiver(t, "whsec_a_secret_0123456789", func(int, string) string { return "hold" })
		rb := newReceiver(t, "whsec_b_secret_0123456789", nil)
		hookFor(t, st, a.ID, ra.srv.URL, ra.secret, store.EventMessageIn)
		hookFor(t, st, b.ID, rb.srv.URL, rb.secret, store.EventMessageIn)
		opts := fastRetries()
		opts.Timeout = time.Minute // A's request hangs until released
		startDispatcher(t, st, opts)
		wantA := inbound(t, st, a.ID, 5)
		waitFor(t, "A's receiver holding the first request", 30*time.Second, func() bool {
			_, _, _, req := ra.snapshot()
			return req >= 1
		})
		wantB := inbound(t, st, b.ID, 30)
		waitFor(t, "all of B's events", 30*time.Second, func() bool {
			acc, _, _, _ := rb.snapshot()
			return len(acc) == len(wantB)
		})
		accB, _, _, _ := rb.snapshot()
		if !slices.Equal(accB, wantB) {
			t.Fatalf("B order %v", accB)
		}
		if accA, _, _, reqA := ra.snapshot(); len(accA) != 0 || reqA != 1 {
			t.Fatalf("A: processed %v with %d requests; want nothing and one request in flight", accA, reqA)
		}
		// A comes back: its events follow, in order.
		ra.mu.Lock()
		ra.fault = nil
		ra.mu.Unlock()
		ra.release()
		waitFor(t, "A's events after recovery", 30*time.Second, func() bool {
			acc, _, _, _ := ra.snapshot()
			return len(acc) == len(wantA)
		})
		if accA, _, bad, _ := ra.snapshot(); !slices.Equal(accA, wantA) || bad != 0 {
			t.Fatalf("A order %v want %v (bad signatures %d)", accA, wantA, bad)
		}
	})
}

// Events that fail past the retry window become dead letters, in order,
// each with its delivery log; replayed once the receiver is back, they
// are delivered.
func TestWebhookDeadLettersReplay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		tn := storeTenant(t, st, "Dead")
		var mu sync.Mutex
		down := true
		rc := newReceiver(t, "whsec_dead_secret_0123456789", func(int, string) string {
			mu.Lock()
			defer mu.Unlock()
			if down {
				return "500"
			}
			return ""
		})
		h := hookFor(t, st, tn.ID, rc.srv.URL, rc.secret, store.EventMessageIn)
		opts := fastRetries()
		opts.MaxAge = 150 * time.Millisecond
		startDispatcher(t, st, opts)
		want := inbound(t, st, tn.ID, 3)
		waitFor(t, "three dead letters", 30*time.Second, func() bool {
			c, _ := st.CountWebhookEvents(ctx, tn.ID, h.ID)
			return c.Dead == 3
		})
		dead, err := st.ListWebhookEvents(ctx, tn.ID, store.ListWebhookEventsOptions{WebhookID: h.ID, Status: store.WebhookDead})
		if err != nil || len(dead) != 3 {
			t.Fatal(dead, err)
		}
		for _, e := range dead {
			if e.Attempts < 1 || e.LastError == "" {
				t.Fatalf("dead letter %+v", e)
			}
		}
		logs, err := st.ListWebhookDeliveries(ctx, tn.ID, h.ID, 0)
		if err != nil || len(logs) < 3 || logs[0].StatusCode != 500 || logs[0].Error == "" {
			t.Fatalf("delivery log %+v %v", logs, err)
		}
		mu.Lock()
		down = false
		mu.Unlock()
		if n, err := st.ReplayDeadWebhookEvents(ctx, tn.ID, h.ID); err != nil || n != 3 {
			t.Fatalf("replay: %d %v", n, err)
		}
		waitFor(t, "replayed events delivered", 30*time.Second, func() bool {
			acc, _, _, _ := rc.snapshot()
			return len(acc) == 3
		})
		if acc, _, _, _ := rc.snapshot(); !slices.Equal(acc, want) {
			t.Fatalf("replayed order %v want %v", acc, want)
		}
		waitFor(t, "replayed events recorded as delivered", 10*time.Second, func() bool {
			c, _ := st.CountWebhookEvents(ctx, tn.ID, h.ID)
			return c == (store.WebhookCounts{Delivered: 3})
		})
	})
}

func TestRetryDelay(t *testing.T) {
	for attempt, want := range map[int]time.Duration{1: 5 * time.Second, 2: 10 * time.Second, 5: 80 * time.Second, 20: time.Hour} {
		for range 20 {
			d := retryDelay(5*time.Second, time.Hour, attempt)
			if d < want*8/10 || d > want*12/10 {
				t.Fatalf("attempt %d: %s, want %s ±20%%", attempt, d, want)
			}
		}
	}
}

// BenchmarkWebhookDelivery measures delivery throughput to a fast local
// receiver: FLOWHQ_BENCH_WEBHOOK_EVENTS events (default 5000) queued for
// FLOWHQ_BENCH_WEBHOOKS tenants with one webhook each (default 20), then
// delivered by one dispatcher. SQLite, or PostgreSQL when
// FLOWHQ_TEST_DATABASE_URL is set.
func BenchmarkWebhookDelivery(b *testing.B) {
	events := envInt("FLOWHQ_BENCH_WEBHOOK_EVENTS", 5000)
	hooks := envInt("FLOWHQ_BENCH_WEBHOOKS", 20)
	var st *store.Store
	if os.Getenv(storetest.EnvDatabaseURL) != "" {
		st = storetest.Postgres(b)
	} else {
		st = storetest.SQLite(b)
	}
	var mu sync.Mutex
	got := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		got++
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(srv.Close)
	var tenants []string
	for i := range hooks {
		tn := storeTenant(b, st, fmt.Sprintf("bench-%d", i))
		hookFor(b, st, tn.ID, srv.URL, "whsec_bench_secret_0123456789", store.EventMessageIn)
		tenants = append(tenants, tn.ID)
	}
	var total time.Duration
	delivered := 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		// Queue the events in big commits, as the log writer does under load.
		ops := make([]store.Op, 0, 500)
		for j := range events {
			ops = append(ops, store.Op{Insert: &store.MessageLog{TenantID: tenants[j%len(tenants)], Direction: store.DirIn, Chat: "c", MessageText: "hello", WAMessageID: fmt.Sprintf("%d-%d", i, j)}})
			if len(ops) == cap(ops) || j == events-1 {
				if err := st.Commit(context.Background(), ops...); err != nil {
					b.Fatal(err)
				}
				ops = ops[:0]
			}
		}
		mu.Lock()
		got = 0
		mu.Unlock()
		b.StartTimer()
		start := time.Now()
		d := newWebhookDispatcher(st, storetest.Logger(b), webhookOptions{Poll: 20 * time.Millisecond, AllowPrivate: true})
		d.start()
		for {
			if n, err := st.WebhookBacklog(context.Background()); err != nil {
				b.Fatal(err)
			} else if n == 0 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		total += time.Since(start)
		b.StopTimer()
		_ = d.stop(context.Background())
		mu.Lock()
		delivered += got
		mu.Unlock()
		b.StartTimer()
	}
	rate := float64(delivered) / total.Seconds()
	b.ReportMetric(rate, "events/s")
	b.Logf("%d events to %d webhooks (%s): %.0f events/s", delivered, hooks, st.Dialect(), rate)
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
