package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// Op is one write to the message log: exactly one of Insert and Update is
// set.
type Op struct {
	Insert *MessageLog
	Update *StatusUpdate
	// Parent, with Insert, makes the row depend on another row inserted by
	// the same Commit call (an earlier Insert op without a Parent of its
	// own, same tenant): the row is written only if Parent is, and its
	// ReplyTo is set to Parent's id. A customer message and the reply to
	// it are committed together this way; if the message turns out to be
	// a duplicate, neither is written.
	Parent *MessageLog
}

// StatusUpdate sets the status and error of one existing row of a tenant.
type StatusUpdate struct {
	TenantID string
	ID       int64
	Status   string
	Error    string
}

// Commit writes ops through the group-commit writer and returns once they
// are committed, all in the same transaction. Many callers' ops share one
// transaction, so Commit is cheap per op but each call waits for a whole
// batch; call it with all the ops that belong together.
//
// Inserted rows: ID is assigned (any value passed in is ignored) and set on
// the caller's struct once committed. A row whose (tenant, direction, chat,
// WhatsApp message id) already exists, in the database or earlier in the
// same batch, is not inserted; its ID is set to 0 and Commit still returns
// nil, so callers detect duplicates with row.ID == 0. Empty fields get
// defaults before queuing, on the caller's struct: CreatedAt and UpdatedAt
// the current time, Status "received" for IN rows and "pending" for OUT
// rows, Source "customer" for IN rows. Times are stored in UTC with
// microsecond precision.
//
// A row with a Parent (see Op) is inserted only if its parent is; then its
// ReplyTo is set on the caller's struct too. Otherwise its ID is 0.
//
// Updates: a row that does not exist for that tenant is left alone (and
// logged); it is not an error.
//
// When the queue is full Commit waits for room (back-pressure). If ctx ends
// before the ops are committed Commit returns ctx's error and leaves the
// caller's structs alone; ops already queued may still be committed after
// that (the writer only drops them if it notices before writing them), so
// a caller that retries must expect to find its row already there. While
// the database is unreachable the writer retries with backoff and loses
// nothing. After Close has begun, Commit returns ErrClosed.
func (s *Store) Commit(ctx context.Context, ops ...Op) error {
	if len(ops) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	r := &request{done: make(chan error, 1), n: len(ops)}
	if ops[0].Insert != nil { // sized for the usual call: all inserts, or all updates
		r.ins = make([]MessageLog, 0, len(ops))
		r.dst = make([]*MessageLog, 0, len(ops))
		r.parent = make([]int, 0, len(ops))
	}
	now := stamp(time.Now())
	for i, op := range ops {
		switch {
		case op.Insert != nil && op.Update == nil:
			m := op.Insert
			m.fillDefaults(now)
			if err := m.validate(); err != nil {
				return fmt.Errorf("store: commit: op %d: %w", i, err)
			}
			parent := -1
			if op.Parent != nil {
				parent = slices.Index(r.dst, op.Parent)
				if parent < 0 || r.parent[parent] >= 0 || op.Parent.TenantID != m.TenantID {
					return fmt.Errorf("store: commit: op %d: %w: parent must be an earlier insert of the same call and tenant, without a parent", i, ErrInvalid)
				}
				r.deps = true
			}
			r.ins = append(r.ins, *m)
			r.dst = append(r.dst, m)
			r.parent = append(r.parent, parent)
		case op.Update != nil && op.Insert == nil && op.Parent == nil:
			u := op.Update
			if u.TenantID == "" || u.ID <= 0 || u.Status == "" {
				return fmt.Errorf("store: commit: op %d: %w: update needs tenant, id and status", i, ErrInvalid)
			}
			if err := checkTexts("tenant id", u.TenantID, "status", u.Status, "error", u.Error); err != nil {
				return fmt.Errorf("store: commit: op %d: %w", i, err)
			}
			r.upd = append(r.upd, *u)
		default:
			return fmt.Errorf("store: commit: op %d: %w: set exactly one of Insert and Update (Parent only with Insert)", i, ErrInvalid)
		}
	}
	r.ids = make([]int64, len(r.ins))
	r.updAt = now
	if err := s.w.enqueue(ctx, r); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return r.wait(ctx)
}

// WriterStats describes the log writer, for metrics.
type WriterStats struct {
	Batches   int64 // transactions committed
	Pipelined int64 // of them, written in one round trip (PostgreSQL: pgpipe.go)
	Retries   int64 // failed attempts that were retried
	QueuedOps int   // ops waiting for a writer right now
}

// WriterStats returns the log writer's counters.
func (s *Store) WriterStats() WriterStats {
	s.w.mu.Lock()
	queued := s.w.queued
	s.w.mu.Unlock()
	return WriterStats{Batches: s.w.batches.Load(), Pipelined: s.w.pipelined.Load(), Retries: s.w.retries.Load(), QueuedOps: queued}
}

func (m *MessageLog) fillDefaults(now time.Time) {
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now
	} else {
		m.CreatedAt = stamp(m.CreatedAt)
	}
	if m.UpdatedAt.IsZero() {
		m.UpdatedAt = now
	} else {
		m.UpdatedAt = stamp(m.UpdatedAt)
	}
	switch m.Direction {
	case DirIn:
		if m.Status == "" {
			m.Status = StatusReceived
		}
		if m.Source == "" {
			m.Source = SourceCustomer
		}
	case DirOut:
		if m.Status == "" {
			m.Status = StatusPending
		}
	}
}

func (m *MessageLog) validate() error {
	if m.TenantID == "" {
		return fmt.Errorf("%w: log row without tenant", ErrInvalid)
	}
	if m.Direction != DirIn && m.Direction != DirOut {
		return fmt.Errorf("%w: direction %q", ErrInvalid, m.Direction)
	}
	// The duplicate key is indexed; PostgreSQL refuses index entries over
	// about 2.7 kB, and no real tenant id, chat or message id comes close.
	if len(m.TenantID) > MaxKeyLen || len(m.Chat) > MaxKeyLen || len(m.WAMessageID) > MaxKeyLen {
		return fmt.Errorf("%w: tenant id, chat or wa message id longer than %d bytes", ErrInvalid, MaxKeyLen)
	}
	return checkTexts("tenant id", m.TenantID, "chat", m.Chat, "from", m.FromNumber, "to", m.ToNumber,
		"text", m.MessageText, "wa message id", m.WAMessageID, "intent", m.Intent, "status", m.Status,
		"source", m.Source, "error", m.Error)
}

// MaxKeyLen bounds each part of a log row's duplicate key (tenant id,
// chat, WhatsApp message id), in bytes.
const MaxKeyLen = 512

// stamp is how the store keeps times: UTC, microseconds (PostgreSQL's
// precision, so both dialects read back what was written).
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// Request states. The caller and the writer race to move a request out of
// reqWaiting; the winner decides whether the caller sees the result.
const (
	reqWaiting int32 = iota
	reqAbandoned
	reqDelivered
)

// request is one Commit call in the writer's queue.
type request struct {
	n      int            // ops, for queue accounting
	ins    []MessageLog   // copies of the rows, the writer's to read
	dst    []*MessageLog  // the caller's rows, written only on delivery
	parent []int          // per insert: the index of its parent insert, or -1
	deps   bool           // some insert has a parent
	upd    []StatusUpdate // copies
	updAt  time.Time
	ids    []int64 // per insert: the committed id, 0 for a duplicate

	state atomic.Int32
	done  chan error // buffered; receives exactly one result
}

// wait blocks until the writer reports the result or ctx ends.
func (r *request) wait(ctx context.Context) error {
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		if r.state.CompareAndSwap(reqWaiting, reqAbandoned) {
			return fmt.Errorf("store: commit: %w", ctx.Err())
		}
		// The writer is delivering right now: take its result.
		return <-r.done
	}
}

// finish reports the outcome. On success the assigned ids are copied to
// the caller's rows, unless the caller has already given up.
func (r *request) finish(err error) {
	if err == nil && r.state.CompareAndSwap(reqWaiting, reqDelivered) {
		for i, m := range r.dst {
			m.ID = r.ids[i]
			if p := r.parent[i]; p >= 0 && m.ID != 0 {
				id := r.ids[p]
				m.ReplyTo = &id
			}
		}
	}
	r.done <- err
}

func (r *request) abandoned() bool { return r.state.Load() == reqAbandoned }

// tenant names the tenant of the request's first op, for log lines.
func (r *request) tenant() string {
	if len(r.ins) > 0 {
		return r.ins[0].TenantID
	}
	if len(r.upd) > 0 {
		return r.upd[0].TenantID
	}
	return ""
}

// writer is the group-commit log writer: goroutines that drain the queue
// into batches and commit each batch in one transaction. SQLite has one
// (it allows one writer anyway); PostgreSQL has Config.Writers (default
// 2): the first takes every batch, the others only once work piles up
// (helperMinOps), so that under heavy load one batch's statements run
// while another's COMMIT waits for its WAL flush, and the server's inserts
// use more than one core.
// Ids are assigned in batch order, so with several writers a batch with
// higher ids may become visible a moment before one with lower ids.
type writer struct {
	s            *Store
	log          *slog.Logger
	maxBatch     int
	observe      func(BatchInfo)
	queueSize    int
	flushTimeout time.Duration

	mu       sync.Mutex
	queue    []*request
	queued   int           // ops in queue
	space    chan struct{} // closed (and replaced) when ops leave the queue
	closed   bool
	deadline time.Time // set by close: give up retrying after it

	wake    chan struct{} // buffered 1: work arrived (for the first writer)
	help    chan struct{} // buffered 1: work piled up (for the others)
	closing chan struct{} // closed by close
	stopped sync.WaitGroup

	idMu sync.Mutex
	ids  idGen                                    // guarded by idMu
	hook atomic.Pointer[func(stage string) error] // tests: see runHook

	// statistics, for tests and metrics
	batches   atomic.Int64
	pipelined atomic.Int64
	retries   atomic.Int64
}

func newWriter(s *Store, cfg Config, maxID int64) *writer {
	w := &writer{
		s:            s,
		log:          cfg.Logger,
		maxBatch:     cfg.MaxBatch,
		observe:      cfg.ObserveBatch,
		queueSize:    cfg.QueueSize,
		flushTimeout: cfg.FlushTimeout,
		space:        make(chan struct{}),
		wake:         make(chan struct{}, 1),
		help:         make(chan struct{}, 1),
		closing:      make(chan struct{}),
	}
	w.ids.observe(maxID)
	for i := range cfg.Writers {
		w.stopped.Go(func() { w.run(i > 0) })
	}
	return w
}

// enqueue adds r to the queue, waiting while the queue is full. A request
// larger than the whole queue is admitted once the queue is empty.
func (w *writer) enqueue(ctx context.Context, r *request) error {
	for {
		w.mu.Lock()
		if w.closed {
			w.mu.Unlock()
			return ErrClosed
		}
		if w.queued > 0 && w.queued+r.n > w.queueSize {
			w.pruneLocked()
		}
		if w.queued == 0 || w.queued+r.n <= w.queueSize {
			w.queue = append(w.queue, r)
			w.queued += r.n
			piled := w.queued >= helperMinOps
			w.mu.Unlock()
			signal(w.wake)
			if piled {
				signal(w.help)
			}
			return nil
		}
		space := w.space
		w.mu.Unlock()
		select {
		case <-space:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// pruneLocked drops queued requests whose callers have given up, which
// during a database outage is most of them: their callers (and those
// callers' retries) would otherwise wait for room behind requests nobody
// wants any more. w.mu must be held.
func (w *writer) pruneLocked() {
	n := len(w.queue)
	w.queue = slices.DeleteFunc(w.queue, func(r *request) bool {
		if r.abandoned() {
			w.queued -= r.n
			return true
		}
		return false
	})
	if len(w.queue) < n {
		close(w.space)
		w.space = make(chan struct{})
	}
}

// helperMinOps is the queue depth at which writers other than the first
// take work. Every transaction has a fixed cost on both sides (a round
// trip, a WAL flush, starting the statements) that a bigger batch shares
// among more messages. If every writer took whatever was queued the moment
// it was free, a moderate load would be cut into many small transactions:
// at 4,000 msg/s, two eager writers made 40,000 transactions for 80,000
// messages (one writer alone, 24,000) and cost 30% more CPU per message
// than one writer with a helper that waits for this depth (and the p99
// was higher, not lower). Under heavy load the queue passes it, the
// helpers join in, and the database's share of the work runs on more than
// one core.
const helperMinOps = 24

// signal wakes the writer listening on ch, if none is awake already.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// take removes the next batch from the queue: whole requests, in order,
// up to maxBatch ops (at least one request). It blocks while the queue is
// empty, or for a helper (any writer but the first) while it is shorter
// than helperMinOps and the writer is open, and returns nil once the
// writer is closed and drained.
func (w *writer) take(helper bool) []*request {
	wake := w.wake
	if helper {
		wake = w.help
	}
	for {
		w.mu.Lock()
		if len(w.queue) > 0 && (!helper || w.closed || w.queued >= helperMinOps) {
			n, ops := 0, 0
			for n < len(w.queue) && (n == 0 || ops+w.queue[n].n <= w.maxBatch) {
				ops += w.queue[n].n
				n++
			}
			batch := slices.Clone(w.queue[:n])
			clear(w.queue[:n])
			w.queue = w.queue[n:]
			if len(w.queue) == 0 {
				w.queue = nil
			}
			w.queued -= ops
			close(w.space)
			w.space = make(chan struct{})
			more, piled := len(w.queue) > 0, w.queued >= helperMinOps || w.closed
			w.mu.Unlock()
			if more {
				// Let an idle writer take the rest.
				signal(w.wake)
				if piled {
					signal(w.help)
				}
			}
			return batch
		}
		closed := w.closed
		w.mu.Unlock()
		if closed {
			return nil
		}
		select {
		case <-wake:
		case <-w.closing:
		}
	}
}

func (w *writer) run(helper bool) {
	var p *pipe // PostgreSQL: this goroutine's own connection (pgpipe.go)
	if w.s.dialect == DialectPostgres {
		var err error
		if p, err = newPipe(w.s.url); err != nil {
			w.log.Error("store: log writer without its pipelined connection", "err", err)
		}
		defer p.close()
		p.warm()
	}
	for {
		batch := w.take(helper)
		if batch == nil {
			return
		}
		w.commit(batch, p)
	}
}

// close stops new requests, lets the writer drain the queue and waits for
// it to exit. Retries stop at the flush deadline.
func (w *writer) close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		w.deadline = time.Now().Add(w.flushTimeout)
		close(w.closing)
		close(w.space) // wake blocked enqueuers: they will see closed
		w.space = make(chan struct{})
	}
	w.mu.Unlock()
	w.stopped.Wait()
}

// flushDeadline returns the close deadline, zero while open.
func (w *writer) flushDeadline() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.deadline
}

// Retry pacing for failed batches.
const (
	retryFirst   = 50 * time.Millisecond
	retryMax     = 2 * time.Second
	attemptLimit = 30 * time.Second // one attempt's statements and commit
)

// commit writes one batch, retrying until it succeeds, every caller has
// given up, or the flush deadline passes after Close. A permanent error
// (bad data) is pinned on the request that causes it by committing the
// requests one by one.
//
// Row ids stay the same across attempts. When a COMMIT fails the writer
// cannot know whether it took effect (the connection may have died after
// the server committed), so before trying again it looks the batch's ids
// up: if they are there, the batch is done.
func (w *writer) commit(reqs []*request, p *pipe) {
	delay := retryFirst
	began := time.Now()
	var (
		b         *batch
		ambiguous bool // the last attempt failed at COMMIT
		reassign  bool // ids may collide with rows written elsewhere
	)
	for attempt := 1; ; attempt++ {
		// Requests whose callers gave up before this attempt are dropped.
		if b == nil || reassign || slices.ContainsFunc(reqs, (*request).abandoned) {
			reqs = slices.DeleteFunc(reqs, (*request).abandoned)
			if len(reqs) == 0 {
				return
			}
			b = w.prepare(reqs, reassign)
			reassign = false
		}
		var err error
		done := false
		if ambiguous {
			done, err = w.alreadyCommitted(b)
		}
		if err == nil && !done {
			ambiguous, err = w.attempt(b, p)
		}
		if err == nil {
			w.batches.Add(1)
			if w.observe != nil {
				ops := 0
				for _, r := range reqs {
					ops += r.n
				}
				w.observe(BatchInfo{Ops: ops, Took: time.Since(began)})
			}
			for _, r := range reqs {
				r.finish(nil)
			}
			return
		}
		if isPermanent(err) && !ambiguous {
			if len(reqs) == 1 {
				w.log.Error("store: log write rejected", "tenant_id", reqs[0].tenant(), "ops", reqs[0].n, "err", err)
				reqs[0].finish(fmt.Errorf("store: commit: %w", err))
				return
			}
			w.log.Warn("store: log batch rejected; committing its requests one by one", "requests", len(reqs), "err", err)
			for _, r := range reqs {
				w.commit([]*request{r}, p)
			}
			return
		}
		w.retries.Add(1)
		if isUniqueViolation(err) {
			// Someone else wrote ids we were about to use: skip past them.
			w.reseed()
			reassign = true
		}
		wait := delay
		if dl := w.flushDeadline(); !dl.IsZero() {
			left := time.Until(dl)
			if left <= 0 {
				w.log.Error("store: giving up on log batch at close", "requests", len(reqs), "attempts", attempt, "err", err)
				for _, r := range reqs {
					r.finish(fmt.Errorf("store: commit: %w: database unavailable while flushing: %v", ErrClosed, err))
				}
				return
			}
			wait = min(wait, left)
		}
		w.log.Warn("store: log batch failed; retrying", "requests", len(reqs), "attempt", attempt, "retry_in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-w.closing:
			// Close began: retry now, then on the normal schedule until the deadline.
			t.Stop()
		}
		delay = min(delay*2, retryMax)
	}
}

func (w *writer) reseed() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if id, err := w.s.maxLogID(ctx); err == nil {
		w.idMu.Lock()
		w.ids.observe(id)
		w.idMu.Unlock()
	}
}

// batch is the writer's view of the requests it is committing together.
type batch struct {
	rows  []*MessageLog // rows to insert (duplicates within the batch left out)
	slots []*int64      // for each row, where its request keeps the id
	// parent, when any row has one: for each row, its parent's index in
	// rows, or -1. Such rows are inserted after the others, and only if
	// their parent was.
	parent []int
	ups    []StatusUpdate
	upAt   []time.Time
}

// dupKey identifies a row for duplicate detection inside a batch.
type dupKey struct{ tenant, dir, chat, wa string }

// prepare collects the rows and updates of reqs. The later of two rows
// with the same key is the duplicate (id 0). Rows keep the ids of earlier
// attempts unless reassign is set.
func (w *writer) prepare(reqs []*request, reassign bool) *batch {
	b := &batch{}
	var seen map[dupKey]struct{}
	now := time.Now()
	w.idMu.Lock()
	defer w.idMu.Unlock()
	for _, r := range reqs {
		var at []int // r.ins index → b.rows index, or -1: only for requests with parents
		if r.deps {
			at = make([]int, len(r.ins))
			if b.parent == nil {
				b.parent = make([]int, len(b.rows), len(b.rows)+len(r.ins))
				for i := range b.parent {
					b.parent[i] = -1
				}
			}
		}
		for i := range r.ins {
			m := &r.ins[i]
			p := -1
			if at != nil {
				at[i] = -1
				if r.parent[i] >= 0 {
					p = at[r.parent[i]]
					if p < 0 {
						// The parent is a duplicate within the batch.
						m.ID, r.ids[i] = 0, 0
						continue
					}
					id := b.rows[p].ID
					m.ReplyTo = &id
				}
			}
			if m.WAMessageID != "" {
				k := dupKey{m.TenantID, m.Direction, m.Chat, m.WAMessageID}
				if seen == nil {
					seen = make(map[dupKey]struct{})
				}
				if _, dup := seen[k]; dup {
					m.ID, r.ids[i] = 0, 0
					continue
				}
				seen[k] = struct{}{}
			}
			if m.ID == 0 || reassign {
				m.ID = w.ids.next(now)
			}
			r.ids[i] = m.ID
			if at != nil {
				at[i] = len(b.rows)
			}
			b.rows = append(b.rows, m)
			b.slots = append(b.slots, &r.ids[i])
			if b.parent != nil {
				b.parent = append(b.parent, p)
			}
		}
		for _, u := range r.upd {
			b.ups = append(b.ups, u)
			b.upAt = append(b.upAt, r.updAt)
		}
	}
	b.ups, b.upAt = lastUpdatePerRow(b.ups, b.upAt)
	return b
}

// attemptContext bounds one attempt, and at close the flush deadline.
func (w *writer) attemptContext() (context.Context, context.CancelFunc) {
	timeout := attemptLimit
	if dl := w.flushDeadline(); !dl.IsZero() {
		timeout = max(min(timeout, time.Until(dl)), time.Second)
	}
	return context.WithTimeout(context.Background(), timeout)
}

// Hook stages (tests).
const (
	hookBegin  = "begin"  // before an attempt touches the database
	hookCommit = "commit" // after COMMIT succeeded: an error here acts as a lost acknowledgement
)

func (w *writer) runHook(stage string) error {
	if h := w.hook.Load(); h != nil {
		return (*h)(stage)
	}
	return nil
}

// attempt writes the batch in one transaction. ambiguous reports a failure
// of COMMIT itself, after which the batch may or may not be committed.
func (w *writer) attempt(b *batch, p *pipe) (ambiguous bool, err error) {
	if err := w.runHook(hookBegin); err != nil {
		return false, err
	}
	ctx, cancel := w.attemptContext()
	defer cancel()
	if p != nil {
		ok, err := w.s.pipeTakes(ctx, b)
		if err != nil {
			return false, err
		}
		if ok {
			return w.attemptPipe(ctx, b, p)
		}
	}

	unlock, err := w.s.lockWrite(ctx)
	if err != nil {
		return false, err
	}
	defer unlock()
	tx, err := w.s.sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()

	var inserted map[int64]struct{}
	if len(b.rows) > 0 {
		inserted, err = w.insertRows(ctx, tx, b)
		if err != nil {
			return false, err
		}
	}
	var matched int64
	if len(b.ups) > 0 {
		if w.s.dialect == DialectPostgres {
			matched, err = pgUpdateLogs(ctx, tx, b.ups, b.upAt)
		} else {
			matched, err = sqliteUpdateLogs(ctx, tx, b.ups, b.upAt)
		}
		if err != nil {
			return false, fmt.Errorf("update %d logs: %w", len(b.ups), err)
		}
	}
	rows := b.insertedRows(inserted)
	if w.s.dialect == DialectSQLite {
		if err := sqliteTrackPending(ctx, tx, rows, b.ups); err != nil {
			return false, err
		}
	}
	committed, err := w.s.afterLogWrite(ctx, tx, rows, b.ups)
	if err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return true, fmt.Errorf("commit: %w", err)
	}
	w.s.ckpt.nudge()
	if err := w.runHook(hookCommit); err != nil {
		return true, err
	}
	committed()
	w.settled(b, inserted, matched)
	return false, nil
}

// attemptPipe writes the batch through the writer's pipe (pgpipe.go).
func (w *writer) attemptPipe(ctx context.Context, b *batch, p *pipe) (ambiguous bool, err error) {
	res, ambiguous, err := p.attempt(ctx, w.s, b)
	if err != nil {
		return ambiguous, err
	}
	if err := w.runHook(hookCommit); err != nil {
		return true, err
	}
	w.s.chats.add(res.newChats)
	w.pipelined.Add(1)
	w.settled(b, res.inserted, res.matched)
	return false, nil
}

// settled finishes a committed batch: ids of rows not inserted are zeroed.
func (w *writer) settled(b *batch, inserted map[int64]struct{}, matched int64) {
	b.settle(inserted)
	if matched < int64(len(b.ups)) {
		w.log.Warn("store: status updates matched no row", "missing", int64(len(b.ups))-matched, "updates", len(b.ups))
	}
}

// insertRows inserts the batch's rows: first those without a parent, then
// those whose parent was inserted. It returns the ids inserted.
func (w *writer) insertRows(ctx context.Context, tx *sql.Tx, b *batch) (map[int64]struct{}, error) {
	insert := sqliteInsertLogs
	if w.s.dialect == DialectPostgres {
		insert = pgInsertLogs
	}
	if b.parent == nil {
		inserted, err := insert(ctx, tx, b.rows)
		if err != nil {
			return nil, fmt.Errorf("insert %d logs: %w", len(b.rows), err)
		}
		return inserted, nil
	}
	var first, second []*MessageLog
	for i, m := range b.rows {
		if b.parent[i] < 0 {
			first = append(first, m)
		}
	}
	inserted, err := insert(ctx, tx, first)
	if err != nil {
		return nil, fmt.Errorf("insert %d logs: %w", len(first), err)
	}
	for i, m := range b.rows {
		if p := b.parent[i]; p >= 0 {
			if _, ok := inserted[b.rows[p].ID]; ok {
				second = append(second, m)
			}
		}
	}
	if len(second) == 0 {
		return inserted, nil
	}
	more, err := insert(ctx, tx, second)
	if err != nil {
		return nil, fmt.Errorf("insert %d dependent logs: %w", len(second), err)
	}
	for id := range more {
		inserted[id] = struct{}{}
	}
	return inserted, nil
}

// insertedRows returns the batch's rows that the database took (not
// duplicates).
func (b *batch) insertedRows(inserted map[int64]struct{}) []*MessageLog {
	if len(inserted) == len(b.rows) {
		return b.rows
	}
	rows := make([]*MessageLog, 0, len(inserted))
	for _, m := range b.rows {
		if _, ok := inserted[m.ID]; ok {
			rows = append(rows, m)
		}
	}
	return rows
}

// settle zeroes the ids of rows that were not inserted (duplicates of rows
// already in the database).
func (b *batch) settle(inserted map[int64]struct{}) {
	if len(inserted) == len(b.rows) {
		return
	}
	for i, m := range b.rows {
		if _, ok := inserted[m.ID]; !ok {
			*b.slots[i] = 0
		}
	}
}

// alreadyCommitted finds out whether the attempt whose COMMIT failed took
// effect, by looking for the batch's ids. If it did, the rows found are
// the ones inserted and the batch is done. A batch with no rows to insert
// cannot tell; its updates are simply applied again (they are idempotent).
func (w *writer) alreadyCommitted(b *batch) (bool, error) {
	if len(b.rows) == 0 {
		return false, nil
	}
	ctx, cancel := w.attemptContext()
	defer cancel()
	found := make(map[int64]struct{}, len(b.rows))
	const chunk = 500
	for start := 0; start < len(b.rows); start += chunk {
		rows := b.rows[start:min(start+chunk, len(b.rows))]
		ids := make([]int64, len(rows))
		for i, m := range rows {
			ids[i] = m.ID
		}
		var (
			res *sql.Rows
			err error
		)
		if w.s.dialect == DialectPostgres {
			res, err = w.s.sqlDB.QueryContext(ctx, `SELECT id FROM message_logs WHERE id = ANY($1)`, ids)
		} else {
			args := make([]any, len(ids))
			for i, id := range ids {
				args[i] = id
			}
			res, err = w.s.sqlDB.QueryContext(ctx, `SELECT id FROM message_logs WHERE id IN (`+placeholders(len(ids))+`)`, args...)
		}
		if err != nil {
			return false, fmt.Errorf("check commit: %w", err)
		}
		if err := collectIDs(res, found); err != nil {
			return false, fmt.Errorf("check commit: %w", err)
		}
	}
	if len(found) == 0 {
		return false, nil
	}
	w.log.Warn("store: log batch committed despite a failed COMMIT", "rows", len(found))
	b.settle(found)
	return true, nil
}

// lastUpdatePerRow keeps only the last update of each row (updates are
// applied in queue order, so the last one wins) and sorts by id, so that
// concurrent transactions lock rows in the same order.
func lastUpdatePerRow(ups []StatusUpdate, at []time.Time) ([]StatusUpdate, []time.Time) {
	if len(ups) < 2 {
		return ups, at
	}
	type rowKey struct {
		tenant string
		id     int64
	}
	type item struct {
		u  StatusUpdate
		at time.Time
	}
	last := make(map[rowKey]int, len(ups))
	items := make([]item, 0, len(ups))
	for i, u := range ups {
		k := rowKey{u.TenantID, u.ID}
		if j, ok := last[k]; ok {
			items[j] = item{u, at[i]}
			continue
		}
		last[k] = len(items)
		items = append(items, item{u, at[i]})
	}
	slices.SortFunc(items, func(a, b item) int {
		if c := cmp.Compare(a.u.ID, b.u.ID); c != 0 {
			return c
		}
		return strings.Compare(a.u.TenantID, b.u.TenantID)
	})
	ups, at = ups[:0], at[:0]
	for _, it := range items {
		ups = append(ups, it.u)
		at = append(at, it.at)
	}
	return ups, at
}

// logColumns is the insert column list, in the order the insert helpers
// bind them.
const logColumns = `id, tenant_id, direction, chat, from_number, to_number, message_text, wa_message_id, intent, status, source, error, reply_to, created_at, updated_at`

// logConflict skips duplicates: its target is the partial unique index
// message_logs_chat_wa_key (a conflict target names columns, not their
// order).
const logConflict = ` ON CONFLICT (tenant_id, direction, chat, wa_message_id) WHERE wa_message_id <> '' DO NOTHING`

// pgInsertChunk caps the rows of one PostgreSQL insert. Rows travel as 15
// array parameters, so the 65535-parameter limit never applies; the cap
// only bounds one statement's size.
const pgInsertChunk = 5000

// pgInsertSQL inserts rows from arrays and, in the same statement, enters
// the pending replies among those actually inserted in pending_replies
// (see pendingRepliesMigration).
const pgInsertSQL = `WITH ins AS (
	INSERT INTO message_logs (` + logColumns + `)
	SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
		$8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bigint[], $14::timestamptz[], $15::timestamptz[])` +
	logConflict + ` RETURNING id, tenant_id, direction, status, created_at
), pend AS (
	INSERT INTO pending_replies (id, tenant_id, created_at)
	SELECT id, tenant_id, created_at FROM ins WHERE direction = 'OUT' AND status = 'pending'
)
SELECT id FROM ins`

// pgInsertLogs inserts rows with one statement per chunk and returns the
// ids that were inserted (duplicates are skipped).
//
// Rows go in key order: two writers inserting the same keys then take the
// unique index's locks in the same order and cannot deadlock.
func pgInsertLogs(ctx context.Context, tx *sql.Tx, rows []*MessageLog) (map[int64]struct{}, error) {
	rows = slices.Clone(rows)
	slices.SortFunc(rows, func(a, b *MessageLog) int {
		return cmp.Or(strings.Compare(a.TenantID, b.TenantID), strings.Compare(a.Direction, b.Direction),
			strings.Compare(a.Chat, b.Chat), strings.Compare(a.WAMessageID, b.WAMessageID))
	})
	inserted := make(map[int64]struct{}, len(rows))
	for start := 0; start < len(rows); start += pgInsertChunk {
		chunk := rows[start:min(start+pgInsertChunk, len(rows))]
		n := len(chunk)
		var (
			ids                                   = make([]int64, n)
			tenant, dir, chat, from, to, text, wa = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
			intent, status, source, errs          = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
			replyTo                               = make([]*int64, n)
			created, updated                      = make([]time.Time, n), make([]time.Time, n)
		)
		for i, m := range chunk {
			ids[i], tenant[i], dir[i], chat[i] = m.ID, m.TenantID, m.Direction, m.Chat
			from[i], to[i], text[i], wa[i] = m.FromNumber, m.ToNumber, m.MessageText, m.WAMessageID
			intent[i], status[i], source[i], errs[i] = m.Intent, m.Status, m.Source, m.Error
			replyTo[i], created[i], updated[i] = m.ReplyTo, m.CreatedAt, m.UpdatedAt
		}
		res, err := tx.QueryContext(ctx, pgInsertSQL, ids, tenant, dir, chat, from, to, text, wa,
			intent, status, source, errs, replyTo, created, updated)
		if err != nil {
			return nil, err
		}
		if err := collectIDs(res, inserted); err != nil {
			return nil, err
		}
	}
	return inserted, nil
}

// The SQLite driver prepares a statement anew on every execution and binds
// parameters in time quadratic in their number, so many small statements
// or one statement with thousands of parameters both spend most of their
// time outside SQLite proper. The writer therefore writes a chunk of rows
// as one INSERT whose values are SQL literals (integers, NULL and quoted
// strings; Commit has already refused NUL bytes and invalid UTF-8, and a
// quote is escaped by doubling it, SQLite's only escape).
//
// The literals and INSERT OR IGNORE (rather than ON CONFLICT DO NOTHING)
// also keep SQLite from writing a statement journal: for a multi-row
// statement that can fail halfway (a NOT NULL or primary key violation
// under the default ABORT), or that reads a table-valued function such as
// json_each, SQLite first copies every page it is about to change, which
// cost the writer about an eighth of its time. Ignoring every conflict
// means a row can be skipped for a reason other than a duplicate WhatsApp
// key; sqliteCheckSkipped tells them apart.

// sqliteInsertChunk bounds the rows of one insert statement.
const sqliteInsertChunk = 1000

// sqliteInsertLogs inserts rows and returns the ids that were inserted
// (duplicates are skipped).
func sqliteInsertLogs(ctx context.Context, tx *sql.Tx, rows []*MessageLog) (map[int64]struct{}, error) {
	inserted := make(map[int64]struct{}, len(rows))
	var q []byte
	for start := 0; start < len(rows); start += sqliteInsertChunk {
		chunk := rows[start:min(start+sqliteInsertChunk, len(rows))]
		q = append(q[:0], "INSERT OR IGNORE INTO message_logs ("+logColumns+") VALUES "...)
		for i, m := range chunk {
			if i > 0 {
				q = append(q, ',')
			}
			q = append(q, '(')
			q = strconv.AppendInt(q, m.ID, 10)
			for _, v := range [...]string{m.TenantID, m.Direction, m.Chat, m.FromNumber, m.ToNumber, m.MessageText,
				m.WAMessageID, m.Intent, m.Status, m.Source, m.Error} {
				q = append(q, ',')
				q = appendSQLiteString(q, v)
			}
			if m.ReplyTo != nil {
				q = append(q, ',')
				q = strconv.AppendInt(q, *m.ReplyTo, 10)
			} else {
				q = append(q, ",NULL"...)
			}
			q = append(q, ',', '\'')
			q = appendSQLiteTime(q, m.CreatedAt)
			q = append(q, '\'', ',', '\'')
			q = appendSQLiteTime(q, m.UpdatedAt)
			q = append(q, '\'', ')')
		}
		q = append(q, " RETURNING id"...)
		res, err := tx.QueryContext(ctx, string(q))
		if err != nil {
			return nil, err
		}
		if err := collectIDs(res, inserted); err != nil {
			return nil, err
		}
	}
	if len(inserted) < len(rows) {
		if err := sqliteCheckSkipped(ctx, tx, rows, inserted); err != nil {
			return nil, err
		}
	}
	return inserted, nil
}

// errIDTaken reports a row the insert skipped because its id belongs to a
// row written by someone else; the writer treats it like a primary key
// violation (it takes fresh ids and tries again).
var errIDTaken = errors.New("log id already taken")

// sqliteCheckSkipped makes sure every row INSERT OR IGNORE skipped was a
// duplicate WhatsApp message: a skipped row whose id exists in the table
// collided with someone else's id (errIDTaken), and a skipped row without
// a WhatsApp id cannot be a duplicate at all.
func sqliteCheckSkipped(ctx context.Context, tx *sql.Tx, rows []*MessageLog, inserted map[int64]struct{}) error {
	var skipped []int64
	for _, m := range rows {
		if _, ok := inserted[m.ID]; ok {
			continue
		}
		if m.WAMessageID == "" {
			return fmt.Errorf("%w: log row %d was refused by the database", ErrInvalid, m.ID)
		}
		skipped = append(skipped, m.ID)
	}
	q := appendIDList([]byte("SELECT id FROM message_logs WHERE id IN ("), skipped)
	q = append(q, ") LIMIT 1"...)
	var id int64
	switch err := tx.QueryRowContext(ctx, string(q)).Scan(&id); {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("check skipped rows: %w", err)
	}
	return fmt.Errorf("%w: %d", errIDTaken, id)
}

// appendIDList appends ids as a comma-separated list of integer literals.
func appendIDList(b []byte, ids []int64) []byte {
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return b
}

// appendSQLiteString appends s as an SQL string literal.
func appendSQLiteString(b []byte, s string) []byte {
	b = append(b, '\'')
	for {
		i := strings.IndexByte(s, '\'')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '\'')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '\'')
}

// sqliteTimeLayout is how the SQLite driver writes time.Time values; JSON
// rows use it too, so every timestamp in the file compares as text the
// same way (all are UTC).
const sqliteTimeLayout = "2006-01-02 15:04:05.999999999-07:00"

func appendSQLiteTime(b []byte, t time.Time) []byte {
	return t.UTC().AppendFormat(b, sqliteTimeLayout)
}

// appendJSONString appends s as a JSON string. s is valid UTF-8 (Commit
// checks), so only quotes, backslashes and control characters need
// escaping.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func collectIDs(rows *sql.Rows, into map[int64]struct{}) error {
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		into[id] = struct{}{}
	}
	return rows.Err()
}

// pgUpdateSQL applies status updates from arrays and drops the rows they
// move on from pending_replies; it returns the number of rows matched.
const pgUpdateSQL = `WITH u AS (
	UPDATE message_logs AS m
	SET status = v.status, error = v.error, updated_at = v.updated_at
	FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::timestamptz[]) AS v(tenant_id, id, status, error, updated_at)
	WHERE m.id = v.id AND m.tenant_id = v.tenant_id
	RETURNING m.id, m.status
), settled AS (
	DELETE FROM pending_replies AS p USING u WHERE p.id = u.id AND u.status <> 'pending'
)
SELECT count(*) FROM u`

// pgUpdateLogs applies all updates with one statement and returns how many
// rows matched.
func pgUpdateLogs(ctx context.Context, tx *sql.Tx, ups []StatusUpdate, at []time.Time) (int64, error) {
	// Planned afresh on every execution (an unnamed statement), never from
	// a cached generic plan: a generic plan made while the table was small
	// joins by scanning the whole table, and would keep doing so as it
	// grows until autovacuum happens to analyze it.
	var matched int64
	args := append([]any{pgx.QueryExecModeExec}, updateArgs(ups, at)...)
	err := tx.QueryRowContext(ctx, pgUpdateSQL, args...).Scan(&matched)
	return matched, err
}

// sqliteUpdateSQL applies a JSON array of [tenant, id, status, error,
// updated_at] arrays: json_each drives the loop, each row found by rowid.
const sqliteUpdateSQL = `UPDATE message_logs
SET status = v.value ->> 2, error = v.value ->> 3, updated_at = v.value ->> 4
FROM json_each(?) AS v
WHERE message_logs.id = v.value ->> 1 AND message_logs.tenant_id = v.value ->> 0`

// sqliteUpdateLogs applies all updates with one statement and returns how
// many rows matched.
func sqliteUpdateLogs(ctx context.Context, tx *sql.Tx, ups []StatusUpdate, at []time.Time) (int64, error) {
	doc := make([]byte, 0, 96*len(ups))
	doc = append(doc, '[')
	for i, u := range ups {
		if i > 0 {
			doc = append(doc, ',')
		}
		doc = append(doc, '[')
		doc = appendJSONString(doc, u.TenantID)
		doc = append(doc, ',')
		doc = strconv.AppendInt(doc, u.ID, 10)
		doc = append(doc, ',')
		doc = appendJSONString(doc, u.Status)
		doc = append(doc, ',')
		doc = appendJSONString(doc, u.Error)
		doc = append(doc, ',', '"')
		doc = appendSQLiteTime(doc, at[i])
		doc = append(doc, '"', ']')
	}
	doc = append(doc, ']')
	res, err := tx.ExecContext(ctx, sqliteUpdateSQL, string(doc))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// idGen hands out message log ids: Unix milliseconds << 20 | sequence,
// strictly increasing. 2^20 ids per millisecond is far above any real
// rate; when a millisecond runs out the sequence simply spills into the
// next one. The layout lasts until the 2240s.
type idGen struct{ last int64 }

func (g *idGen) next(now time.Time) int64 {
	id := max(g.last+1, now.UnixMilli()<<20)
	g.last = id
	return id
}

// observe makes sure later ids are above id.
func (g *idGen) observe(id int64) { g.last = max(g.last, id) }
