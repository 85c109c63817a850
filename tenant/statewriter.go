package tenant

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/flowhq/flowhq/store"
)

// stateWriter coalesces worker and session state changes and writes them in
// batches: when thousands of tenants start at once, each one's STARTING,
// RUNNING and CONNECTED collapse into one row per tenant per flush. Only the
// newest state of a tenant is kept.
type stateWriter struct {
	st     *store.Store
	log    *slog.Logger
	broker *broker // told of every state change as it is queued

	flushMu sync.Mutex // one flush at a time, so an older snapshot never lands after a newer one

	mu       sync.Mutex
	workers  map[string]store.Worker
	sessions map[string]store.WhatsAppSession
	writing  map[string]store.WhatsAppSession // taken by the flush in progress, not yet in the database
}

func newStateWriter(st *store.Store, log *slog.Logger, b *broker) *stateWriter {
	return &stateWriter{
		st:       st,
		log:      log,
		broker:   b,
		workers:  make(map[string]store.Worker),
		sessions: make(map[string]store.WhatsAppSession),
	}
}

func (w *stateWriter) saveWorker(x store.Worker) {
	w.mu.Lock()
	w.workers[x.TenantID] = x
	w.mu.Unlock()
	w.broker.publish(Change{TenantID: x.TenantID, Kind: ChangeWorker, Worker: x})
}

func (w *stateWriter) saveSession(x store.WhatsAppSession) {
	w.mu.Lock()
	w.sessions[x.TenantID] = x
	w.mu.Unlock()
	w.broker.publish(Change{TenantID: x.TenantID, Kind: ChangeSession, Session: x})
}

// saveSessionNow writes the session before returning, for changes that must
// survive a crash (a new device id, a logout).
func (w *stateWriter) saveSessionNow(x store.WhatsAppSession) {
	w.saveSession(x)
	if err := w.flush(context.Background()); err != nil {
		w.log.Error("save session", "tenant_id", x.TenantID, "err", err)
	}
}

// pendingSession returns a session state not yet written, if any,
// including one a flush is writing right now.
func (w *stateWriter) pendingSession(id string) (store.WhatsAppSession, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s, ok := w.sessions[id]; ok {
		return s, true
	}
	s, ok := w.writing[id]
	return s, ok
}

func (w *stateWriter) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := w.flush(ctx); err != nil && ctx.Err() == nil {
				w.log.Warn("write worker states; retrying", "err", err)
			}
		}
	}
}

// flush writes everything queued. On failure the unwritten states go back
// in the queue unless a newer state arrived meanwhile.
func (w *stateWriter) flush(ctx context.Context) error {
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	w.mu.Lock()
	workers, sessions := w.workers, w.sessions
	if len(workers) == 0 && len(sessions) == 0 {
		w.mu.Unlock()
		return nil
	}
	w.workers = make(map[string]store.Worker)
	w.sessions = make(map[string]store.WhatsAppSession)
	w.writing = sessions
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.writing = nil
		w.mu.Unlock()
	}()

	ws := make([]store.Worker, 0, len(workers))
	for _, x := range workers {
		ws = append(ws, x)
	}
	ss := make([]store.WhatsAppSession, 0, len(sessions))
	for _, x := range sessions {
		ss = append(ss, x)
	}
	err := w.st.SaveWorkers(ctx, ws)
	if err == nil {
		err = w.st.SaveSessions(ctx, ss)
	}
	if err != nil {
		w.mu.Lock()
		for id, x := range workers {
			if _, newer := w.workers[id]; !newer {
				w.workers[id] = x
			}
		}
		for id, x := range sessions {
			if _, newer := w.sessions[id]; !newer {
				w.sessions[id] = x
			}
		}
		w.mu.Unlock()
	}
	return err
}
