package store

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// SQLite in WAL mode appends every committed page to the -wal file and
// later copies the newest version of each page back into the database
// file (a checkpoint). Left to itself SQLite checkpoints inside whichever
// COMMIT pushes the WAL past wal_autocheckpoint pages, so on a busy log
// the single writer spent about an eighth of its time copying pages and
// syncing the file while every caller waited.
//
// The checkpointer moves that work to its own connection and goroutine:
// after each log write the writer nudges it, and it runs a PASSIVE
// checkpoint, which copies what it can without ever blocking the writer
// or readers. SQLite's own automatic checkpoint stays on, at a higher
// threshold (sqliteAutoCheckpoint), as the bound on the WAL's size if the
// checkpointer falls behind. Whichever checkpoint copied the last frame,
// the next write starts the WAL file over from its beginning.

// sqliteAutoCheckpoint is the WAL size, in pages, at which a committing
// connection checkpoints by itself. That checkpoint is also what lets the
// WAL start over from its beginning: under a steady load the background
// checkpointer copies frames as they come but never finds the log with
// nothing left to copy between two commits, so the WAL grows until this
// threshold, and the writer's COMMIT that crosses it pauses for the final
// copy and the syncs. The threshold sets how long and how often that pause
// comes, and short pauses often are what traffic needs: customers keep
// writing while the writer waits, so everything that arrives during a
// pause queues behind it. Measured with simulate (SQLite, 1,000 × 10,
// 200,000 messages), paced at 5,000 msg/s: p99 37–58 ms at 2,000 pages,
// 38–47 at 4,000, 57–61 at 8,000 and 173–209 at 100,000 (p95 97–131:
// long pauses). With at most 50 messages awaiting their reply (a closed loop
// hides pauses) 100,000 pages looked better: p99 19 against 35 ms.
const sqliteAutoCheckpoint = 4000

// sqliteWALLimit is the size in bytes the WAL file is truncated to after
// it starts over (journal_size_limit).
const sqliteWALLimit = 64 << 20

// checkpointEvery is the least time between two background checkpoints;
// pages rewritten within it are copied once.
const checkpointEvery = 25 * time.Millisecond

type checkpointer struct {
	conn *sql.Conn
	log  *slog.Logger
	kick chan struct{} // buffered 1: there are new frames
	stop chan struct{}
	done sync.WaitGroup

	// The last checkpoint's result, for tests: frames in the WAL and
	// frames copied to the database (equal when it caught up).
	runs, frames, copied atomic.Int64
}

func startCheckpointer(ctx context.Context, db *sql.DB, log *slog.Logger) (*checkpointer, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	c := &checkpointer{conn: conn, log: log, kick: make(chan struct{}, 1), stop: make(chan struct{})}
	c.done.Go(c.run)
	return c, nil
}

// nudge tells the checkpointer that a transaction committed. It never
// blocks. A nil checkpointer (PostgreSQL) ignores it.
func (c *checkpointer) nudge() {
	if c == nil {
		return
	}
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run() {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		c.checkpoint()
		t.Reset(checkpointEvery)
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
	}
}

// checkpoint runs one PASSIVE checkpoint. Failures are only logged: the
// next nudge tries again, and SQLite's automatic checkpoint still bounds
// the WAL.
func (c *checkpointer) checkpoint() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var busy, frames, copied int
	if err := c.conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied); err != nil {
		c.log.Warn("store: background checkpoint failed", "err", err)
		return
	}
	c.frames.Store(int64(frames))
	c.copied.Store(int64(copied))
	c.runs.Add(1)
}

// close stops the goroutine and returns its connection to the pool.
func (c *checkpointer) close() {
	if c == nil {
		return
	}
	close(c.stop)
	c.done.Wait()
	_ = c.conn.Close()
}
