package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// open opens a store on cfg with the writer tuned by tune.
func open(t *testing.T, cfg store.Config, tune func(*store.Config)) *store.Store {
	t.Helper()
	if tune != nil {
		tune(&cfg)
	}
	return storetest.Open(t, cfg)
}

// checkLogs verifies the table holds exactly want rows, each id once, and
// no two rows share a WhatsApp key.
func checkLogs(t *testing.T, s *store.Store, want int) {
	t.Helper()
	ids := map[int64]bool{}
	keys := map[string]bool{}
	err := s.ScanLogs(ctxT(t), "", func(m store.MessageLog) error {
		if ids[m.ID] {
			return fmt.Errorf("id %d twice", m.ID)
		}
		ids[m.ID] = true
		if m.WAMessageID != "" {
			k := m.TenantID + "|" + m.Direction + "|" + m.Chat + "|" + m.WAMessageID
			if keys[k] {
				return fmt.Errorf("key %s twice", k)
			}
			keys[k] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != want {
		t.Fatalf("%d log rows, want %d", len(ids), want)
	}
}

// messagePath runs the three commits of one answered message.
func messagePath(ctx context.Context, s *store.Store, tenant string, n int) (in, out *store.MessageLog, err error) {
	chat := fmt.Sprintf("2557%08d@s.whatsapp.net", n%97)
	in = &store.MessageLog{TenantID: tenant, Direction: store.DirIn, Chat: chat, MessageText: "hi", WAMessageID: fmt.Sprintf("IN%d", n)}
	if err := s.Commit(ctx, store.Op{Insert: in}); err != nil {
		return nil, nil, err
	}
	out = &store.MessageLog{TenantID: tenant, Direction: store.DirOut, Chat: chat, MessageText: "hello",
		WAMessageID: fmt.Sprintf("OUT%d", n), Source: store.SourceBot, ReplyTo: &in.ID}
	if err := s.Commit(ctx, store.Op{Insert: out}); err != nil {
		return nil, nil, err
	}
	err = s.Commit(ctx, store.Op{Update: &store.StatusUpdate{TenantID: tenant, ID: out.ID, Status: store.StatusSent}})
	return in, out, err
}

func TestCommitConcurrentCallers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		tenants := []string{newTenant(t, s, "A", "").ID, newTenant(t, s, "B", "").ID, newTenant(t, s, "C", "").ID}
		const callers, each = 100, 10
		var wg sync.WaitGroup
		var mu sync.Mutex
		ids := map[int64]bool{}
		for c := range callers {
			wg.Go(func() {
				for i := range each {
					n := c*each + i
					in, out, err := messagePath(ctx, s, tenants[n%len(tenants)], n)
					if err != nil {
						t.Error(err)
						return
					}
					if in.ID == 0 || out.ID <= in.ID {
						t.Errorf("ids in=%d out=%d", in.ID, out.ID)
					}
					mu.Lock()
					ids[in.ID], ids[out.ID] = true, true
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(ids) != 2*callers*each {
			t.Fatalf("%d distinct ids, want %d", len(ids), 2*callers*each)
		}
		checkLogs(t, s, 2*callers*each)
		for _, tn := range tenants {
			if p, _ := s.PendingReplies(ctx, tn); len(p) != 0 {
				t.Fatalf("%d replies still pending", len(p))
			}
			if u, _ := s.UnansweredInbound(ctx, tn, time.Now().Add(-time.Hour)); len(u) != 0 {
				t.Fatalf("%d inbound unanswered", len(u))
			}
		}
		batches, _ := store.WriterCounts(s)
		t.Logf("%d commits in %d batches", 3*callers*each, batches)
	})
}

// All ops of one call share a transaction: a call is never split across
// batches, and a bad op takes the call's other ops down with it but not
// other callers' ops.
func TestCommitAtomic(t *testing.T) {
	storetest.EachConfig(t, func(t *testing.T, cfg store.Config) {
		ctx := ctxT(t)
		s := open(t, cfg, func(c *store.Config) { c.MaxBatch = 2 })
		a := newTenant(t, s, "A", "")

		before, _ := store.WriterCounts(s)
		ops := make([]store.Op, 10)
		for i := range ops {
			ops[i] = store.Op{Insert: in(a.ID, "c", fmt.Sprint("big-", i), "x")}
		}
		commit(t, s, ops...)
		if after, _ := store.WriterCounts(s); after-before != 1 {
			t.Fatalf("10 ops over MaxBatch 2 took %d batches, want 1", after-before)
		}

		// A trigger rejects one poisoned row, as a database constraint would.
		poison := []string{
			`CREATE TRIGGER poison BEFORE INSERT ON message_logs WHEN NEW.message_text = 'poison'
				BEGIN SELECT RAISE(ABORT, 'poisoned row'); END`,
		}
		if s.Dialect() == store.DialectPostgres {
			poison = []string{
				`CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					IF NEW.message_text = 'poison' THEN
						RAISE EXCEPTION 'poisoned row' USING ERRCODE = 'check_violation';
					END IF;
					RETURN NEW;
				END $$`,
				`CREATE TRIGGER poison BEFORE INSERT ON message_logs FOR EACH ROW EXECUTE FUNCTION poison()`,
			}
		}
		for _, q := range poison {
			if _, err := s.SQLDB().ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
		s = open(t, cfg, func(c *store.Config) { c.MaxBatch, c.Writers = 1000, 1 })

		// Hold the writer so that everything below lands in one batch.
		release, held := holdWriter(t, s)
		first := in(a.ID, "c", "first", "x")
		firstDone := make(chan error, 1)
		go func() { firstDone <- s.Commit(ctx, store.Op{Insert: first}) }()
		waitFor(t, held)

		var wg sync.WaitGroup
		good := make([]*store.MessageLog, 20)
		for i := range good {
			good[i] = in(a.ID, "c", fmt.Sprint("good-", i), "fine")
			wg.Go(func() {
				if err := s.Commit(ctx, store.Op{Insert: good[i]}); err != nil {
					t.Error(err)
				}
			})
		}
		victim := in(a.ID, "c", "victim", "fine")
		badErr := make(chan error, 1)
		wg.Go(func() {
			badErr <- s.Commit(ctx, store.Op{Insert: victim}, store.Op{Insert: in(a.ID, "c", "bad", "poison")},
				store.Op{Update: &store.StatusUpdate{TenantID: a.ID, ID: first.ID + 1, Status: store.StatusSkipped}})
		})
		time.Sleep(200 * time.Millisecond) // let them queue behind the held batch
		release()
		wg.Wait()
		if err := <-firstDone; err != nil {
			t.Fatal(err)
		}
		if err := <-badErr; err == nil {
			t.Fatal("a call with a rejected op succeeded")
		} else {
			t.Logf("rejected call: %v", err)
		}
		if victim.ID != 0 {
			t.Fatalf("victim row got id %d", victim.ID)
		}
		if _, err := s.GetLogByKey(ctx, a.ID, store.DirIn, "c", "victim"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the rejected call's good row was written: %v", err)
		}
		for _, g := range good {
			if g.ID == 0 {
				t.Fatal("another caller's row was lost with the poisoned call")
			}
		}
		checkLogs(t, s, 10+1+len(good))
	})
}

func TestCommitDuplicates(t *testing.T) {
	storetest.EachConfig(t, func(t *testing.T, cfg store.Config) {
		ctx := ctxT(t)
		s := open(t, cfg, nil)
		a := newTenant(t, s, "A", "")
		b := newTenant(t, s, "B", "")

		// Across batches.
		m1 := in(a.ID, "c", "W1", "first")
		commit(t, s, store.Op{Insert: m1})
		m1again := in(a.ID, "c", "W1", "redelivered")
		commit(t, s, store.Op{Insert: m1again})
		if m1.ID == 0 || m1again.ID != 0 {
			t.Fatalf("ids %d, %d: want the second to be a duplicate", m1.ID, m1again.ID)
		}
		if g, _ := s.GetLogByKey(ctx, a.ID, store.DirIn, "c", "W1"); g.MessageText != "first" {
			t.Fatalf("duplicate overwrote the row: %+v", g)
		}
		// Same wa id in another tenant, chat or direction is not a duplicate;
		// an empty wa id never is.
		others := []*store.MessageLog{in(b.ID, "c", "W1", ""), in(a.ID, "d", "W1", ""), out(a.ID, "c", "W1", "", nil),
			in(a.ID, "c", "", ""), in(a.ID, "c", "", "")}
		for _, o := range others {
			commit(t, s, store.Op{Insert: o})
			if o.ID == 0 {
				t.Fatalf("%+v taken for a duplicate", o)
			}
		}

		// Within one call, and with a duplicate of an existing row.
		x, y, z := in(a.ID, "c", "W2", "x"), in(a.ID, "c", "W2", "y"), in(a.ID, "c", "W1", "z")
		commit(t, s, store.Op{Insert: x}, store.Op{Insert: y}, store.Op{Insert: z})
		if x.ID == 0 || y.ID != 0 || z.ID != 0 {
			t.Fatalf("ids %d %d %d, want x kept and y, z duplicates", x.ID, y.ID, z.ID)
		}

		// Within one batch, from concurrent callers: exactly one wins.
		var wg sync.WaitGroup
		var winners atomic.Int32
		for range 50 {
			wg.Go(func() {
				m := in(a.ID, "race", "W3", "")
				if err := s.Commit(ctx, store.Op{Insert: m}); err != nil {
					t.Error(err)
				}
				if m.ID != 0 {
					winners.Add(1)
				}
			})
		}
		wg.Wait()
		if winners.Load() != 1 {
			t.Fatalf("%d callers inserted the same key", winners.Load())
		}
		checkLogs(t, s, 1+len(others)+1+1)
		maxBefore := x.ID

		// Across a restart.
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s = open(t, cfg, nil)
		again := in(a.ID, "c", "W2", "after restart")
		fresh := in(a.ID, "c", "W4", "new")
		commit(t, s, store.Op{Insert: again}, store.Op{Insert: fresh})
		if again.ID != 0 {
			t.Fatalf("duplicate after restart got id %d", again.ID)
		}
		if fresh.ID <= maxBefore {
			t.Fatalf("id went backwards across restart: %d <= %d", fresh.ID, maxBefore)
		}
	})
}

// A full queue blocks Commit until there is room or ctx ends.
func TestCommitBackPressure(t *testing.T) {
	storetest.EachConfig(t, func(t *testing.T, cfg store.Config) {
		ctx := ctxT(t)
		s := open(t, cfg, func(c *store.Config) { c.QueueSize, c.MaxBatch, c.Writers = 2, 1, 1 })
		a := newTenant(t, s, "A", "")

		release, held := holdWriter(t, s)
		results := make(chan error, 3)
		rows := []*store.MessageLog{in(a.ID, "c", "1", ""), in(a.ID, "c", "2", ""), in(a.ID, "c", "3", "")}
		go func() { results <- s.Commit(ctx, store.Op{Insert: rows[0]}) }()
		waitFor(t, held) // the writer holds row 1
		go func() { results <- s.Commit(ctx, store.Op{Insert: rows[1]}) }()
		go func() { results <- s.Commit(ctx, store.Op{Insert: rows[2]}) }()
		time.Sleep(100 * time.Millisecond) // rows 2 and 3 fill the queue

		// The queue is full: this call waits, then gives up with its ctx.
		short, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
		defer cancel()
		start := time.Now()
		blocked := in(a.ID, "c", "blocked", "")
		err := s.Commit(short, store.Op{Insert: blocked})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Commit on a full queue: %v, want deadline exceeded", err)
		}
		if d := time.Since(start); d < 100*time.Millisecond {
			t.Fatalf("Commit on a full queue returned after %v without waiting", d)
		}

		// A queued call whose ctx ends is dropped if the writer has not
		// reached it yet.
		gaveUp := in(a.ID, "c", "gave-up", "")
		waiting, cancelWaiting := context.WithCancel(ctx)
		gaveUpErr := make(chan error, 1)
		release()
		for range 3 {
			if err := <-results; err != nil {
				t.Fatal(err)
			}
		}
		// Now hold the writer again and queue a call, then cancel it.
		release2, held2 := holdWriter(t, s)
		holder := in(a.ID, "c", "holder", "")
		holderErr := make(chan error, 1)
		go func() { holderErr <- s.Commit(ctx, store.Op{Insert: holder}) }()
		waitFor(t, held2)
		go func() { gaveUpErr <- s.Commit(waiting, store.Op{Insert: gaveUp}) }()
		time.Sleep(50 * time.Millisecond)
		cancelWaiting()
		if err := <-gaveUpErr; !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled Commit: %v", err)
		}
		release2()
		if err := <-holderErr; err != nil {
			t.Fatal(err)
		}
		commit(t, s, store.Op{Insert: in(a.ID, "c", "after", "")}) // the writer has moved past gave-up
		if gaveUp.ID != 0 {
			t.Fatal("an abandoned call's row got its id set")
		}
		for _, key := range []string{"blocked", "gave-up"} {
			if _, err := s.GetLogByKey(ctx, a.ID, store.DirIn, "c", key); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("%s was written: %v", key, err)
			}
		}
		checkLogs(t, s, 5)

		// One call larger than the whole queue still goes through.
		big := make([]store.Op, 5)
		for i := range big {
			big[i] = store.Op{Insert: in(a.ID, "big", fmt.Sprint(i), "")}
		}
		commit(t, s, big...)
		checkLogs(t, s, 10)
	})
}

// Calls whose callers gave up do not hold on to queue space: during an
// outage their retries must be able to get in.
func TestCommitQueueDropsAbandoned(t *testing.T) {
	storetest.EachConfig(t, func(t *testing.T, cfg store.Config) {
		ctx := ctxT(t)
		s := open(t, cfg, func(c *store.Config) { c.QueueSize, c.MaxBatch, c.Writers = 2, 1, 1 })
		a := newTenant(t, s, "A", "")
		release, held := holdWriter(t, s)
		holderErr := make(chan error, 1)
		go func() { holderErr <- s.Commit(ctx, store.Op{Insert: in(a.ID, "c", "holder", "")}) }()
		waitFor(t, held)

		// Two callers fill the queue and give up.
		short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Go(func() {
				if err := s.Commit(short, store.Op{Insert: in(a.ID, "c", fmt.Sprint("gave-up-", i), "")}); !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("held-up Commit: %v", err)
				}
			})
		}
		wg.Wait()
		// Their retry gets in at once although the writer is still stuck.
		retryErr := make(chan error, 1)
		retry := in(a.ID, "c", "gave-up-0", "")
		go func() { retryErr <- s.Commit(ctx, store.Op{Insert: retry}) }()
		waitFor(t, func() bool { return s.WriterStats().QueuedOps == 1 })
		release()
		if err := <-holderErr; err != nil {
			t.Fatal(err)
		}
		if err := <-retryErr; err != nil {
			t.Fatal(err)
		}
		if retry.ID == 0 {
			t.Fatal("the retry was taken for a duplicate of an abandoned call")
		}
		checkLogs(t, s, 2)
	})
}

// The database failing for a while loses nothing and duplicates nothing.
func TestCommitRetriesTransientFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := newTenant(t, s, "A", "")
		var failures atomic.Int32
		failures.Store(4) // 50+100+200+400 ms of outage
		store.SetCommitHook(s, func(stage string) error {
			if stage == store.HookBegin && failures.Add(-1) >= 0 {
				return errors.New("connection refused (injected)")
			}
			return nil
		})
		const callers = 100
		var wg sync.WaitGroup
		for c := range callers {
			wg.Go(func() {
				for i := range 5 {
					if _, _, err := messagePath(ctx, s, a.ID, c*5+i); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if _, retries := store.WriterCounts(s); retries < 4 {
			t.Fatalf("%d retries, want at least 4", retries)
		}
		checkLogs(t, s, 2*callers*5)
		if p, _ := s.PendingReplies(ctx, a.ID); len(p) != 0 {
			t.Fatalf("%d updates lost", len(p))
		}
	})
}

// A COMMIT that succeeds but whose acknowledgement is lost must not be
// written twice, and callers still get their ids.
func TestCommitLostAcknowledgement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := newTenant(t, s, "A", "")
		existing := in(a.ID, "c", "dup", "")
		commit(t, s, store.Op{Insert: existing})

		var lost atomic.Int32
		lost.Store(1)
		store.SetCommitHook(s, func(stage string) error {
			if stage == store.HookCommit && lost.Add(-1) >= 0 {
				return errors.New("connection reset by peer (injected)")
			}
			return nil
		})
		// Rows without a wa id would be inserted twice by a blind retry.
		rows := []*store.MessageLog{in(a.ID, "c", "", "no key 1"), in(a.ID, "c", "", "no key 2"),
			in(a.ID, "c", "k1", ""), in(a.ID, "c", "dup", "")}
		ops := make([]store.Op, len(rows))
		for i, r := range rows {
			ops[i] = store.Op{Insert: r}
		}
		commit(t, s, ops...)
		if rows[0].ID == 0 || rows[1].ID == 0 || rows[2].ID == 0 || rows[3].ID != 0 {
			t.Fatalf("ids %d %d %d %d", rows[0].ID, rows[1].ID, rows[2].ID, rows[3].ID)
		}
		if _, retries := store.WriterCounts(s); retries != 1 {
			t.Fatalf("%d retries, want 1", retries)
		}
		checkLogs(t, s, 4)
		for _, r := range rows[:3] {
			if _, err := s.GetLog(ctx, a.ID, r.ID); err != nil {
				t.Fatalf("row %d: %v", r.ID, err)
			}
		}
	})
}

// PostgreSQL: kill every connection of the store several times under load.
func TestCommitSurvivesTerminatedConnections(t *testing.T) {
	s := storetest.Postgres(t)
	ctx := ctxT(t)
	a := newTenant(t, s, "A", "")
	var dbName string
	if err := s.SQLDB().QueryRowContext(ctx, `SELECT current_database()`).Scan(&dbName); err != nil {
		t.Fatal(err)
	}
	admin := storetest.Open(t, store.Config{DatabaseURL: storetest.PostgresURL(t)})

	stop := make(chan struct{})
	var kills atomic.Int32
	var killer sync.WaitGroup
	killer.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(150 * time.Millisecond):
			}
			var n int
			err := admin.SQLDB().QueryRowContext(ctx,
				`SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
				dbName).Scan(&n)
			if err != nil {
				t.Error(err)
				return
			}
			if n > 0 {
				kills.Add(1)
			}
		}
	})
	const callers = 200
	deadline := time.Now().Add(1500 * time.Millisecond)
	var done atomic.Int64
	var wg sync.WaitGroup
	for c := range callers {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				if _, _, err := messagePath(ctx, s, a.ID, c*100000+i); err != nil {
					t.Error(err)
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	close(stop)
	killer.Wait()
	_, retries := store.WriterCounts(s)
	t.Logf("%d messages, %d kill rounds, %d writer retries", done.Load(), kills.Load(), retries)
	if kills.Load() == 0 || retries == 0 {
		t.Fatalf("the test killed nothing (kills %d, retries %d)", kills.Load(), retries)
	}
	// The last kill round may have left dead idle connections in the pool;
	// drop them so the checks below read through fresh ones.
	s.SQLDB().SetMaxIdleConns(0)
	s.SQLDB().SetMaxIdleConns(10)
	checkLogs(t, s, int(2*done.Load()))
	if p, err := s.PendingReplies(ctx, a.ID); err != nil || len(p) != 0 {
		t.Fatalf("%d replies left pending (%v)", len(p), err)
	}
}

// Close flushes what is queued; with the database gone it gives up after
// FlushTimeout instead of hanging.
func TestCloseFlushes(t *testing.T) {
	storetest.EachConfig(t, func(t *testing.T, cfg store.Config) {
		ctx := ctxT(t)
		s := open(t, cfg, func(c *store.Config) { c.Writers = 1 })
		a := newTenant(t, s, "A", "")
		release, held := holdWriter(t, s)
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				if err := s.Commit(ctx, store.Op{Insert: in(a.ID, "c", fmt.Sprint(i), "")}); err != nil {
					t.Error(err)
				}
			})
		}
		waitFor(t, held)
		time.Sleep(100 * time.Millisecond) // let the rest queue
		closed := make(chan error, 1)
		go func() { closed <- s.Close() }()
		time.Sleep(50 * time.Millisecond)
		if err := s.Commit(ctx, store.Op{Insert: in(a.ID, "c", "late", "")}); !errors.Is(err, store.ErrClosed) {
			t.Fatalf("Commit during Close: %v", err)
		}
		release()
		if err := <-closed; err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		s = open(t, cfg, nil)
		checkLogs(t, s, 20)

		// Database down for good: Close gives up after FlushTimeout.
		s.Close()
		s = open(t, cfg, func(c *store.Config) { c.FlushTimeout = 300 * time.Millisecond })
		store.SetCommitHook(s, func(string) error { return errors.New("database down (injected)") })
		errs := make(chan error, 1)
		go func() { errs <- s.Commit(ctx, store.Op{Insert: in(a.ID, "c", "doomed", "")}) }()
		time.Sleep(100 * time.Millisecond)
		start := time.Now()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("Close took %v", d)
		}
		if err := <-errs; !errors.Is(err, store.ErrClosed) {
			t.Fatalf("queued Commit after a failed flush: %v", err)
		}
	})
}

// IDs grow in commit order.
func TestLogIDsIncrease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a := newTenant(t, s, "A", "")
		var last int64
		for i := range 50 {
			m := in(a.ID, "c", fmt.Sprint(i), "")
			commit(t, s, store.Op{Insert: m})
			if m.ID <= last {
				t.Fatalf("id %d after %d", m.ID, last)
			}
			last = m.ID
		}
		if ms := last >> 20; time.Since(time.UnixMilli(ms)) > time.Minute {
			t.Fatalf("id %d does not carry the commit time", last)
		}
	})
}

// holdWriter makes the next writer attempt wait until release is called
// (at the latest at cleanup, so a failing test cannot hang in Close). It
// held reports whether that attempt has started.
func holdWriter(t *testing.T, s *store.Store) (release func(), held func() bool) {
	t.Helper()
	ch := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(ch) }) }
	t.Cleanup(release)
	var h atomic.Bool
	store.SetCommitHook(s, func(stage string) error {
		if stage == store.HookBegin && h.CompareAndSwap(false, true) {
			<-ch
		}
		return nil
	})
	return release, h.Load
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Every text survives the trip through the writer unchanged, whatever
// quotes, backslashes, SQL or script it holds.
func TestCommitTextRoundTrip(t *testing.T) {
	texts := []string{"", "plain", "O'Brien's ''doubled'' '", `"double" \back\slash\`, "'); DROP TABLE message_logs; --",
		"line\nbreak\r\ttab \x01\x1f", "ü 🙂 \u2028\u2029 مرحبا", "</script><img src=x onerror=alert(1)>", strings.Repeat("x'", 5000)}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a := newTenant(t, s, "A", "")
		var ops []store.Op
		var rows []*store.MessageLog
		cut := func(s string, n int) string { r := []rune(s); return string(r[:min(len(r), n)]) }
		for i, text := range texts {
			m := &store.MessageLog{TenantID: a.ID, Direction: store.DirIn, Chat: "c'" + cut(text, 20),
				FromNumber: cut(text, 30), MessageText: text, WAMessageID: fmt.Sprintf("w'%d", i), Intent: cut(text, 10),
				Error: text}
			rows = append(rows, m)
			ops = append(ops, store.Op{Insert: m})
		}
		commit(t, s, ops...)
		for i, m := range rows {
			got, err := s.GetLogByKey(ctxT(t), a.ID, store.DirIn, m.Chat, m.WAMessageID)
			if err != nil {
				t.Fatalf("text %d: %v", i, err)
			}
			if got.ID != m.ID || got.MessageText != m.MessageText || got.Chat != m.Chat || got.FromNumber != m.FromNumber ||
				got.Intent != m.Intent || got.Error != m.Error || !got.CreatedAt.Equal(m.CreatedAt) {
				t.Fatalf("text %d came back as %+v, wrote %+v", i, got, *m)
			}
		}
		checkLogs(t, s, len(texts))
	})
}

// Ids another process wrote (or a clock that went back) are skipped, not
// mistaken for duplicates: the writer takes fresh ids and the row lands.
func TestCommitSkipsTakenIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a := newTenant(t, s, "A", "")
		// Take the first id of every millisecond of the next few seconds.
		now := time.Now().UnixMilli()
		q := `INSERT INTO message_logs (id, tenant_id, direction, chat, wa_message_id, status, created_at, updated_at) VALUES `
		var args []any
		p := 0
		for k := range 400 {
			if k > 0 {
				q += ","
			}
			ph := func() string {
				p++
				if s.Dialect() == store.DialectPostgres {
					return fmt.Sprintf("$%d", p)
				}
				return "?"
			}
			q += "(" + ph() + "," + ph() + ",'IN','other'," + ph() + ",'received'," + ph() + "," + ph() + ")"
			at := time.Now().UTC()
			args = append(args, (now-100+int64(k)*10)<<20, a.ID, fmt.Sprintf("other-%d", k), at, at)
		}
		if _, err := s.SQLDB().ExecContext(ctxT(t), q, args...); err != nil {
			t.Fatal(err)
		}
		for i := range 20 {
			m := in(a.ID, "c", fmt.Sprintf("mine-%d", i), "")
			commit(t, s, store.Op{Insert: m})
			if m.ID == 0 {
				t.Fatalf("message %d was taken for a duplicate", i)
			}
			dup := in(a.ID, "c", fmt.Sprintf("mine-%d", i), "")
			commit(t, s, store.Op{Insert: dup})
			if dup.ID != 0 {
				t.Fatalf("duplicate of message %d was written as %d", i, dup.ID)
			}
			time.Sleep(20 * time.Millisecond)
		}
		checkLogs(t, s, 420)
	})
}

// On PostgreSQL a batch is written in one round trip unless a tenant in it
// has webhooks: those batches take a transaction, whose outbox entries
// depend on the rows inserted. Both kinds leave the same log behind.
func TestPostgresPipelinesBatches(t *testing.T) {
	s := storetest.Postgres(t)
	ctx := ctxT(t)
	plain := newTenant(t, s, "Plain", "")
	hooked := newTenant(t, s, "Hooked", "")

	const n = 40
	run := func(tenant string) {
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				m := in(tenant, fmt.Sprintf("2557%08d", i%5), fmt.Sprintf("P%d", i), "hello")
				r := out(tenant, m.Chat, fmt.Sprintf("R%d", i), "hi", nil)
				if err := s.Commit(ctx, store.Op{Insert: m}, store.Op{Insert: r, Parent: m}); err != nil {
					t.Error(err)
					return
				}
				dup := in(tenant, m.Chat, m.WAMessageID, "hello")
				orphan := out(tenant, m.Chat, fmt.Sprintf("R%d-again", i), "hi", nil)
				if err := s.Commit(ctx, store.Op{Insert: dup}, store.Op{Insert: orphan, Parent: dup}); err != nil || dup.ID != 0 || orphan.ID != 0 {
					t.Errorf("redelivery: message %d, reply %d, %v", dup.ID, orphan.ID, err)
				}
				if err := s.Commit(ctx, store.Op{Update: &store.StatusUpdate{TenantID: tenant, ID: r.ID, Status: store.StatusSent}}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}

	run(plain.ID)
	st := s.WriterStats()
	if st.Pipelined == 0 || st.Pipelined != st.Batches {
		t.Fatalf("without webhooks %d of %d batches were pipelined, want all", st.Pipelined, st.Batches)
	}
	newWebhook(t, s, hooked.ID, store.EventMessageIn, store.EventMessageOut)
	run(hooked.ID)
	after := s.WriterStats()
	if after.Pipelined != st.Pipelined || after.Batches == st.Batches {
		t.Fatalf("a tenant with webhooks had %d of %d batches pipelined, want none", after.Pipelined-st.Pipelined, after.Batches-st.Batches)
	}
	if got := len(allEvents(t, s, hooked.ID)); got != 2*n {
		t.Fatalf("%d webhook events, want %d (each message and its sent reply)", got, 2*n)
	}

	for _, tenant := range []string{plain.ID, hooked.ID} {
		logs, err := s.ListLogs(ctx, tenant, store.ListLogsOptions{Limit: store.MaxLogPage})
		if err != nil {
			t.Fatal(err)
		}
		ins, sent := 0, 0
		for _, l := range logs {
			switch {
			case l.Direction == store.DirIn:
				ins++
			case l.Status == store.StatusSent && l.ReplyTo != nil:
				sent++
			}
		}
		if ins != n || sent != n || len(logs) != 2*n {
			t.Fatalf("tenant %s: %d rows, %d messages, %d sent replies; want %d, %d, %d", tenant, len(logs), ins, sent, 2*n, n, n)
		}
		if p, err := s.PendingReplies(ctx, tenant); err != nil || len(p) != 0 {
			t.Fatalf("%d replies left pending (%v)", len(p), err)
		}
		chats, err := s.ListChats(ctx, tenant, store.ListChatsOptions{})
		if err != nil || len(chats) != 5 {
			t.Fatalf("%d chats (%v), want 5", len(chats), err)
		}
	}
}
