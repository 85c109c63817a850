package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// crashReceiver is the webhook endpoint of the crash test: a little slow
// (so deliveries are in flight when the server is killed), failing now and
// then, checking every signature and keeping every body it accepted.
type crashReceiver struct {
	secret string
	srv    *http.Server
	url    string

	hang    atomic.Bool  // hold every request until the sender gives up
	hanging atomic.Int32 // requests being held

	mu       sync.Mutex
	requests int
	badSig   int
	bodies   map[string][]webhookEnvelope // event id → every accepted delivery of it
}

func newCrashReceiver(t *testing.T, secret string) *crashReceiver {
	r := &crashReceiver{secret: secret, bodies: map[string][]webhookEnvelope{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.url = "http://" + ln.Addr().String() + "/flowhq"
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	t.Cleanup(func() { _ = r.srv.Close() })
	return r
}

func (r *crashReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.requests++
	n := r.requests
	if !verifySignature(r.secret, req.Header, body) {
		r.badSig++
		r.mu.Unlock()
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	r.mu.Unlock()
	if r.hang.Load() {
		r.hanging.Add(1)
		<-req.Context().Done()
		return
	}
	time.Sleep(15 * time.Millisecond)
	if n%7 == 0 {
		http.Error(w, "try again", http.StatusInternalServerError)
		return
	}
	var env webhookEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.bodies[env.ID] = append(r.bodies[env.ID], env)
	r.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (r *crashReceiver) received() (unique, bad int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.bodies), r.badSig
}

// serveChild runs `flowhq serve` on the simulated network and returns it
// with its base URL.
func serveChild(t *testing.T, env []string) (*exec.Cmd, string, *bytes.Buffer) {
	t.Helper()
	cmd := childCommand("serve")
	cmd.Env = append(cmd.Env, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	logs := &bytes.Buffer{}
	var logMu sync.Mutex
	addr := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`addr=(\S+)`)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			logMu.Lock()
			logs.WriteString(sc.Text() + "\n")
			logMu.Unlock()
			if m := re.FindStringSubmatch(sc.Text()); m != nil && strings.Contains(sc.Text(), "flowhq serving") {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		_, port, _ := net.SplitHostPort(a)
		return cmd, "http://127.0.0.1:" + port, logs
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not start")
	}
	return nil, "", nil
}

// apiCall makes one API request with a bearer token.
func apiCall(t *testing.T, method, url, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// The server is SIGKILLed while it delivers webhooks and started again on
// the same database: every event the outbox holds (one per stored
// message, final reply and session change) reaches the receiver at least
// once, every request's signature is valid, and an event id always names
// the same event.
//
// Customer messages go in through the real path of the child: the JSON
// API's simulated network (POST /api/v1/sim/tenants/:id/inbound with an
// admin token minted into the database before the child starts), so the
// child's actor commits the IN row, answers, and the log writer queues the
// events in the same transactions. What must be delivered is read from
// the database afterwards (the log is the truth: a message the sim
// network still held in memory at the kill never became a row and so owes
// no event).
func TestWebhookSIGKILLMidDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	dbs := map[string]func(t *testing.T) (env []string, cfg store.Config){
		"sqlite": func(t *testing.T) ([]string, store.Config) {
			dir := t.TempDir()
			return []string{"FLOWHQ_DATA_DIR=" + dir}, store.Config{DataDir: dir}
		},
	}
	if os.Getenv(storetest.EnvDatabaseURL) != "" {
		dbs["postgres"] = func(t *testing.T) ([]string, store.Config) {
			url := storetest.PostgresURL(t)
			return []string{"DATABASE_URL=" + url}, store.Config{DatabaseURL: url}
		}
	}
	for name, db := range dbs {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dbEnv, cfg := db(t)
			rc := newCrashReceiver(t, "whsec_crash_secret_0123456789")

			// The tenant, its webhook and an admin token, before the server runs.
			st, err := store.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			tn := store.Tenant{Name: "Crash Salon", Status: store.TenantActive}
			if err := st.CreateTenant(ctx, &tn, store.TenantConfig{TemplateType: "booking", Language: "en"}); err != nil {
				t.Fatal(err)
			}
			hook := store.Webhook{TenantID: tn.ID, URL: rc.url, Secret: rc.secret, Enabled: true}
			hook.SetEvents(store.WebhookEventTypes())
			if err := st.CreateWebhook(ctx, &hook); err != nil {
				t.Fatal(err)
			}
			token, hash, prefix := newAPIToken()
			if err := st.CreateAPIToken(ctx, &store.APIToken{Name: "crash test", Prefix: prefix, TokenHash: hash, Scope: store.TokenScopeAdmin}); err != nil {
				t.Fatal(err)
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}

			env := append([]string{"FLOWHQ_WHATSAPP=sim", "FLOWHQ_ADDR=127.0.0.1:0", "FLOWHQ_RATE_LIMIT_PER_MINUTE=0",
				"FLOWHQ_WEBHOOK_ALLOW_PRIVATE=true", "FLOWHQ_WEBHOOK_RETRY_BASE=50ms", "FLOWHQ_WEBHOOK_RETRY_MAX=200ms", "FLOWHQ_WEBHOOK_TIMEOUT=2s",
				"FLOWHQ_HEARTBEAT_INTERVAL=1s", "FLOWHQ_BACKOFF_BASE=50ms", "FLOWHQ_BACKOFF_MAX=1s"}, dbEnv...)
			link := func(base string) {
				t.Helper()
				if code, body := apiCall(t, http.MethodPost, base+"/api/v1/tenants/"+tn.ID+"/worker/start", token, nil); code >= 300 && code != http.StatusConflict {
					t.Fatalf("start: %d %v", code, body)
				}
				deadline := time.Now().Add(30 * time.Second)
				for {
					_, status := apiCall(t, http.MethodGet, base+"/api/v1/tenants/"+tn.ID+"/status", token, nil)
					if sess, _ := status["session"].(map[string]any); sess["state"] == store.SessionConnected {
						return
					}
					if time.Now().After(deadline) {
						t.Fatalf("the tenant did not connect: %v", status)
					}
					// A QR code may not be showing yet (409): try again.
					apiCall(t, http.MethodPost, base+"/api/v1/sim/tenants/"+tn.ID+"/scan", token, nil)
					time.Sleep(100 * time.Millisecond)
				}
			}
			send := func(base string, from, to int) {
				t.Helper()
				for i := from; i < to; i++ {
					code, body := apiCall(t, http.MethodPost, base+"/api/v1/sim/tenants/"+tn.ID+"/inbound", token, map[string]string{
						"from": fmt.Sprintf("+2557000%05d", i%9), "text": fmt.Sprintf("Nataka kuweka miadi kesho %d", i), "id": fmt.Sprintf("CRASH%04d", i),
					})
					if code != http.StatusAccepted {
						t.Fatalf("inbound %d: %d %v", i, code, body)
					}
				}
			}

			first, base, logs := serveChild(t, env)
			link(base)
			send(base, 0, 60)
			deadline := time.Now().Add(time.Minute)
			for {
				if n, _ := rc.received(); n >= 15 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no deliveries before the kill; child log:\n%s", logs.String())
				}
				time.Sleep(5 * time.Millisecond)
			}
			if err := first.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = first.Wait()
			atKill, _ := rc.received()

			st, err = store.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			backlog, err := st.WebhookBacklog(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if backlog == 0 {
				t.Fatalf("nothing was pending at the kill (%d events received): the test proves nothing", atKill)
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}

			second, base, logs := serveChild(t, env)
			link(base)
			send(base, 60, 80)
			st = storetest.Open(t, cfg) // read alongside the running server

			// Every event the log implies, by id.
			// settled: every stored message is answered, and every message
			// sent after the restart is stored.
			var settled bool
			want := func() map[string]string {
				out := map[string]string{}
				ins, outs, late := 0, 0, 0
				err := st.ScanLogs(ctx, tn.ID, func(m store.MessageLog) error {
					switch {
					case m.Direction == store.DirIn:
						ins++
						if m.WAMessageID >= "CRASH0060" {
							late++
						}
						out[fmt.Sprintf("evt_%016xi", m.ID)] = store.EventMessageIn
					case finalStatus(m.Status):
						outs++
						out[fmt.Sprintf("evt_%016xo", m.ID)] = store.EventMessageOut
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				settled = late == 20 && outs >= ins
				return out
			}
			var missing []string
			deadline = time.Now().Add(2 * time.Minute)
			for {
				missing = missing[:0]
				w := want()
				rc.mu.Lock()
				for id := range w {
					if len(rc.bodies[id]) == 0 {
						missing = append(missing, id)
					}
				}
				rc.mu.Unlock()
				backlog, _ := st.WebhookBacklog(ctx)
				if len(missing) == 0 && backlog == 0 && settled {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("after restart: %d of %d events missing (backlog %d, settled %v), e.g. %v; child log:\n%s", len(missing), len(w), backlog, settled, missing[:min(5, len(missing))], logs.String())
				}
				time.Sleep(50 * time.Millisecond)
			}
			// SIGTERM while a delivery hangs: the server still stops cleanly
			// within its shutdown budget (10 s), the event stays queued.
			rc.hang.Store(true)
			send(base, 80, 81)
			deadline = time.Now().Add(time.Minute)
			for rc.hanging.Load() == 0 {
				if time.Now().After(deadline) {
					t.Fatal("no delivery in flight before SIGTERM")
				}
				time.Sleep(10 * time.Millisecond)
			}
			if err := second.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- second.Wait() }()
			select {
			case err := <-exited:
				if err != nil {
					t.Fatalf("exit after SIGTERM with a delivery in flight: %v; log:\n%s", err, logs.String())
				}
			case <-time.After(20 * time.Second):
				t.Fatal("the server did not stop within 20 s of SIGTERM while a delivery hung")
			}
			if n, _ := st.WebhookBacklog(ctx); n == 0 {
				t.Fatal("the event whose delivery was cut short is not queued any more")
			}

			// Signatures, and one id per event.
			rc.mu.Lock()
			defer rc.mu.Unlock()
			if rc.badSig != 0 {
				t.Fatalf("%d requests with a bad signature", rc.badSig)
			}
			byEvent := map[string]string{} // (type, subject) → event id
			sessions, dups := 0, 0
			for id, envs := range rc.bodies {
				if len(envs) > 1 {
					dups++
				}
				for _, e := range envs[1:] {
					if e.Type != envs[0].Type || !bytes.Equal(e.Data, envs[0].Data) {
						t.Fatalf("event id %s names two different events: %s and %s", id, envs[0].Data, e.Data)
					}
				}
				e := envs[0]
				if e.ID != id || e.TenantID != tn.ID {
					t.Fatalf("envelope %+v", e)
				}
				var subject string
				switch e.Type {
				case store.EventSessionState:
					sessions++
					subject = id // no natural key: each change is its own event
				default:
					var d store.MessageEventData
					if err := json.Unmarshal(e.Data, &d); err != nil {
						t.Fatal(err)
					}
					subject = fmt.Sprint(d.MessageID)
				}
				k := e.Type + "|" + subject
				if other, ok := byEvent[k]; ok && other != id {
					t.Fatalf("one event has two ids: %s and %s", other, id)
				}
				byEvent[k] = id
			}
			if sessions == 0 {
				t.Fatal("no session.state event was delivered")
			}
			t.Logf("%d events delivered (%d of them more than once), %d requests; %d received and %d pending at the kill; %d message rows",
				len(rc.bodies), dups, rc.requests, atKill, backlog, len(want()))
		})
	}
}

func finalStatus(s string) bool {
	return s == store.StatusSent || s == store.StatusFailed || s == store.StatusSuppressed
}
