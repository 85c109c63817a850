package watest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types/events"
	waLog "go.mau.fi/whatsmeow/util/log"
)

// recorder collects a client's events so tests can wait for them.
type recorder struct {
	mu      sync.Mutex
	events  []any
	changed chan struct{}
}

func newRecorder(cli *whatsmeow.Client) *recorder {
	r := &recorder{changed: make(chan struct{})}
	cli.AddEventHandler(r.add)
	return r
}

func (r *recorder) add(evt any) {
	r.mu.Lock()
	r.events = append(r.events, evt)
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

// count returns how many recorded events have type T.
func count[T any](r *recorder) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if _, ok := e.(T); ok {
			n++
		}
	}
	return n
}

// waitFor waits until at least n events of type T were recorded and returns the n-th.
func waitFor[T any](t testing.TB, r *recorder, n int, timeout time.Duration) T {
	t.Helper()
	deadline := time.After(timeout)
	for {
		r.mu.Lock()
		var seen []T
		for _, e := range r.events {
			if v, ok := e.(T); ok {
				seen = append(seen, v)
			}
		}
		ch := r.changed
		r.mu.Unlock()
		if len(seen) >= n {
			return seen[n-1]
		}
		select {
		case <-ch:
		case <-deadline:
			var zero T
			t.Fatalf("timed out after %v waiting for event #%d of type %T (have %d)", timeout, n, zero, len(seen))
			return zero
		}
	}
}

// waitWhere waits for an event of type T that satisfies match.
func waitWhere[T any](t testing.TB, r *recorder, timeout time.Duration, match func(T) bool) T {
	t.Helper()
	deadline := time.After(timeout)
	for {
		r.mu.Lock()
		ch := r.changed
		for _, e := range r.events {
			if v, ok := e.(T); ok && match(v) {
				r.mu.Unlock()
				return v
			}
		}
		r.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			var zero T
			t.Fatalf("timed out after %v waiting for a matching %T", timeout, zero)
			return zero
		}
	}
}

// startServer starts a server for tests that are not about the first prekey
// upload: clients upload 50 keys instead of 812 on their first login, which
// saves most of the CPU a link costs under -race.
func startServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return Start(t, append([]Option{WithInitialPreKeyCount(50)}, opts...)...)
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

type testClient struct {
	cli *whatsmeow.Client
	rec *recorder
	c   *sqlstore.Container
}

func newTestClient(t testing.TB, srv *Server, c *sqlstore.Container) *testClient {
	t.Helper()
	if c == nil {
		c = NewContainer(t)
	}
	return clientFor(t, srv, c, c.NewDevice())
}

// clientFor builds a client whose recorder also notices, through the client's
// log, when whatsmeow has finished tearing down a socket.
func clientFor(t testing.TB, srv *Server, c *sqlstore.Container, dev *store.Device) *testClient {
	t.Helper()
	rec := &recorder{changed: make(chan struct{})}
	cli := whatsmeow.NewClient(dev, socketWatcher{Logger: SlogWALogger(srv.log, "client"), rec: rec})
	srv.Configure(cli)
	t.Cleanup(cli.Disconnect)
	cli.AddEventHandler(rec.add)
	return &testClient{cli: cli, rec: rec, c: c}
}

// socketGone is recorded when whatsmeow's onDisconnect has run for a socket
// the server closed.
type socketGone struct{}

// socketWatcher forwards logs and records socketGone. whatsmeow gives no
// event for a server-side close it expected (after StreamReplaced, LoggedOut
// or TemporaryBan); its FrameSocket also reads an unsynchronised flag while
// tearing such a socket down, so calling Disconnect at that moment trips the
// race detector. Tests wait for socketGone before they let cleanup run.
type socketWatcher struct {
	waLog.Logger
	rec *recorder
}

func (w socketWatcher) Debugf(msg string, args ...any) {
	if strings.HasPrefix(msg, "OnDisconnect() called, but it was expected") || strings.HasPrefix(msg, "Emitting Disconnected event") {
		w.rec.add(socketGone{})
	}
	w.Logger.Debugf(msg, args...)
}

func (w socketWatcher) Sub(module string) waLog.Logger {
	return socketWatcher{Logger: w.Logger.Sub(module), rec: w.rec}
}

// settleOnCleanup makes the test's end wait until the client has answered
// everything the server sent (or is offline), so that cleanup's Disconnect
// does not tear down a socket whatsmeow is still writing to.
func settleOnCleanup(t testing.TB, d *Device) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := d.acct.srv.waitUntil(ctx, "settled or offline", func() bool {
			return d.conn == nil || (len(d.pending) == 0 && len(d.unacked) == 0)
		})
		if err != nil {
			d.acct.srv.mu.Lock()
			t.Logf("device did not settle: pending %d, unacked %v", len(d.pending), d.unacked)
			d.acct.srv.mu.Unlock()
		}
	})
}

func (r *recorder) waitConnected(t testing.TB, n int) {
	t.Helper()
	waitFor[*events.Connected](t, r, n, 30*time.Second)
}

// waitReceipts waits until the server recorded n receipts for id.
func waitReceipts(t testing.TB, srv *Server, id string, n int) {
	t.Helper()
	err := srv.waitUntil(ctxT(t, 10*time.Second), "receipts", func() bool { return len(srv.receipts[id]) >= n })
	must(t, err)
}

func noErrors(t testing.TB, srv *Server) {
	t.Helper()
	for _, err := range srv.Errors() {
		t.Errorf("server error: %v", err)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
