package tenant

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowhq/flowhq/store"
)

// entry is the supervisor's record of one tenant's worker: its restart loop,
// backoff and state. Each tenant's backoff lives here, so one flapping
// tenant never delays another's restart.
type entry struct {
	id       string
	sup      *Supervisor
	lastBeat atomic.Int64 // unix nanos of the last heartbeat answer

	mu       sync.Mutex
	gen      int                // bumped on every launch; older loops are ignored
	cancel   context.CancelFunc // nil when no loop runs
	done     chan struct{}      // closed when the current loop exits
	actor    *actor
	worker   store.Worker
	failures int // consecutive failed runs

	counts counters // this tenant's share of the supervisor's metrics
}

// startLocked launches a new restart loop. e.mu must be held.
func (e *entry) startLocked() {
	e.gen++
	ctx, cancel := context.WithCancel(e.sup.root)
	e.cancel = cancel
	e.done = make(chan struct{})
	go e.loop(ctx, e.gen, e.done)
}

func (e *entry) current() *actor {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.actor
}

// stop ends the current loop and waits for it (or ctx).
func (e *entry) stop(ctx context.Context) error {
	e.mu.Lock()
	cancel, done := e.cancel, e.done
	e.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("tenant: stop %s: %w", e.id, ctx.Err())
	}
}

// loop runs actors one after another until stopped, restarting failed ones
// with exponential backoff, and gives up into ERROR after MaxRestarts
// consecutive failures or on a permanent failure.
func (e *entry) loop(ctx context.Context, gen int, done chan struct{}) {
	defer close(done)
	o := e.sup.opts
	log := e.sup.log.With("tenant_id", e.id)
	for {
		a := newActor(e.sup, e)
		if !e.update(gen, func(w *store.Worker) {
			w.Status = store.WorkerStarting
			now := time.Now()
			w.StartedAt = &now
			e.actor = a
		}) {
			return
		}
		e.lastBeat.Store(time.Now().UnixNano())
		started := time.Now()
		err := a.run(ctx)
		if ctx.Err() != nil {
			e.finish(gen, func(w *store.Worker) { w.Status = store.WorkerStopped })
			log.Info("worker stopped")
			return
		}
		if err == nil {
			err = errors.New("actor exited unexpectedly")
		}
		var perm permanentError
		if errors.As(err, &perm) {
			e.finish(gen, func(w *store.Worker) { w.Status, w.LastError = store.WorkerError, err.Error() })
			log.Error("worker failed permanently; waiting for an operator", "err", err)
			return
		}
		e.mu.Lock()
		if time.Since(started) >= o.BackoffReset {
			e.failures = 0
		}
		e.failures++
		failures := e.failures
		e.mu.Unlock()
		if failures >= o.MaxRestarts {
			e.finish(gen, func(w *store.Worker) {
				w.Status = store.WorkerError
				w.LastError = fmt.Sprintf("gave up after %d consecutive failures: %v", failures, err)
			})
			log.Error("worker gave up; waiting for an operator", "failures", failures, "err", err)
			return
		}
		delay := backoff(o, failures)
		if !e.update(gen, func(w *store.Worker) {
			w.Status, w.LastError = store.WorkerBackoff, err.Error()
			w.Restarts++
			e.actor = nil
			e.count(cRestarts)
		}) {
			return
		}
		log.Warn("worker failed; restarting", "err", err, "failures", failures, "delay", delay)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			e.finish(gen, func(w *store.Worker) { w.Status = store.WorkerStopped })
			return
		}
	}
}

// update changes the worker state if gen is still the current loop, and
// queues the new state for the database. It reports whether gen is current.
func (e *entry) update(gen int, fn func(w *store.Worker)) bool {
	e.mu.Lock()
	if gen != e.gen {
		e.mu.Unlock()
		return false
	}
	fn(&e.worker)
	w := e.worker
	e.mu.Unlock()
	e.sup.states.saveWorker(w)
	return true
}

// finish records the loop's final state and marks it no longer running.
func (e *entry) finish(gen int, fn func(w *store.Worker)) {
	e.update(gen, func(w *store.Worker) {
		fn(w)
		e.actor = nil
		e.cancel = nil
	})
}

// running is called by the actor once its link is connecting and its loop
// is about to start.
func (e *entry) running(a *actor) {
	e.mu.Lock()
	ok := e.actor == a
	e.mu.Unlock()
	if !ok {
		return
	}
	e.lastBeat.Store(time.Now().UnixNano())
	e.update(e.genOf(a), func(w *store.Worker) { w.Status, w.LastError = store.WorkerRunning, "" })
}

func (e *entry) genOf(a *actor) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.actor == a {
		return e.gen
	}
	return -1
}

// stale handles an actor that stopped answering heartbeats: its worker is
// marked ERROR with the reason, the stuck run is abandoned (its context is
// cancelled and its link closed) and a fresh run starts at once.
func (e *entry) stale(gen int, silent time.Duration) {
	e.mu.Lock()
	if gen != e.gen {
		e.mu.Unlock()
		return
	}
	stuck := e.actor
	if e.cancel != nil {
		e.cancel()
	}
	reason := fmt.Sprintf("stale: no heartbeat answer for %s; restarted", silent.Round(time.Second))
	e.worker.Status, e.worker.LastError = store.WorkerError, reason
	e.worker.Restarts++
	w := e.worker
	e.actor = nil
	e.startLocked()
	e.mu.Unlock()
	e.sup.states.saveWorker(w)
	e.sup.log.Error("worker stale; restarting it", "tenant_id", e.id, "silent", silent)
	if stuck != nil {
		if h := stuck.linkRef.Load(); h != nil {
			go func() { _ = h.Close() }()
		}
	}
}
