package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// The background checkpointer copies what the log writer commits into the
// database file on its own, without waiting for SQLite's automatic
// checkpoint (which is far above what this test writes).
func TestCheckpointerCatchesUp(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.ckpt == nil {
		t.Fatal("no checkpointer on SQLite")
	}
	for i := range 50 {
		ops := make([]Op, 20)
		for j := range ops {
			ops[j] = Op{Insert: &MessageLog{TenantID: "t1", Direction: DirIn, Chat: fmt.Sprint(j), WAMessageID: fmt.Sprint(i, "-", j)}}
		}
		if err := s.Commit(ctx, ops...); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		frames, copied := s.ckpt.frames.Load(), s.ckpt.copied.Load()
		if frames > 0 && copied == frames {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("checkpointer did not catch up: %d runs, %d of %d frames copied", s.ckpt.runs.Load(), copied, frames)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if frames := s.ckpt.frames.Load(); frames >= sqliteAutoCheckpoint {
		t.Fatalf("WAL reached %d frames: SQLite's own checkpoint, not the checkpointer, did the work", frames)
	}
}

// PostgreSQL has no checkpointer, and nudging a nil one is harmless.
func TestCheckpointerNil(t *testing.T) {
	var c *checkpointer
	c.nudge()
	c.close()
}

// Every SQLite connection gets the automatic checkpoint threshold and the
// WAL size limit (see sqliteAutoCheckpoint).
func TestSQLiteWALSettings(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var pages, limit int
	if err := s.sqlDB.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if err := s.sqlDB.QueryRowContext(ctx, `PRAGMA journal_size_limit`).Scan(&limit); err != nil {
		t.Fatal(err)
	}
	if pages != sqliteAutoCheckpoint || limit != sqliteWALLimit {
		t.Fatalf("wal_autocheckpoint %d, journal_size_limit %d; want %d and %d", pages, limit, sqliteAutoCheckpoint, sqliteWALLimit)
	}
}
