// Package store is Flow HQ's persistence layer: the gorm models, their
// tenant-scoped queries, versioned migrations and the group-commit writer
// that carries every message log row to the database.
//
// One Store serves the whole process. It talks to PostgreSQL when
// Config.DatabaseURL is a postgres:// URL and to an embedded SQLite file
// otherwise. Every method that touches a tenant's data takes the tenant id
// and scopes its query by it, so one tenant's id never reaches another
// tenant's rows.
//
// Errors are wrapped with a "store: ..." prefix; test them with errors.Is
// against ErrNotFound, ErrConflict, ErrInvalid and ErrClosed.
//
// # Schema
//
// Migrations are hand-written SQL per dialect (migrate.go), applied in
// version order, each in its own transaction with its schema_migrations
// row; PostgreSQL holds an advisory lock while migrating so that two
// processes can start together. A database newer than the binary is
// refused.
//
// message_logs has no foreign key to tenants (history may outlive a
// tenant) and these indexes, one per real query:
//   - (tenant_id, id, direction): listing newest first, keyset paging,
//     direction filters and per-direction counts read from the index
//     alone. Ids are time-ordered (see MessageLog), so no created_at
//     index is needed.
//   - UNIQUE (tenant_id, chat, direction, wa_message_id) for rows with a
//     WhatsApp message id: duplicate detection that survives restarts.
//   - (tenant_id, chat, id): one chat's messages, newest first.
//   - (reply_to) WHERE reply_to IS NOT NULL: "has this message been
//     answered".
//
// Every index costs each insert a page write, so the list stays short
// (schema version 9 merged two and reordered one; see
// leanLogIndexesMigration). Replies not sent yet are listed in
// pending_replies (pending.go) rather than in an index on status, so that
// marking a reply sent changes no indexed column.
//
// # Writing message logs
//
// Commit hands ops to the group-commit writer (writer.go): a bounded queue
// drained into batches of up to Config.MaxBatch ops, each batch one
// transaction with one multi-row INSERT ... RETURNING id for its rows
// (duplicates skipped) and one UPDATE for its status changes, keeping
// pending_replies in step. PostgreSQL
// receives the rows as arrays through unnest; SQLite as SQL literals,
// because its driver re-parses every statement and binds parameters in
// quadratic time, and a background checkpointer (checkpoint.go) keeps WAL
// checkpoints off the writer. Failed batches are retried with backoff; a
// failed COMMIT is checked for having taken effect before it is retried,
// so nothing is written twice.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Sentinel errors. Methods wrap them, so compare with errors.Is.
var (
	// ErrNotFound means the row (or the tenant it belongs to) does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a unique key (tenant id, phone number) is taken.
	ErrConflict = errors.New("conflict")
	// ErrInvalid means the caller passed a value the store refuses to write.
	ErrInvalid = errors.New("invalid")
	// ErrClosed is returned by Commit once Close has begun.
	ErrClosed = errors.New("store closed")
)

// Dialect names, as whatsmeow's sqlstore spells them.
const (
	DialectPostgres = "postgres"
	DialectSQLite   = "sqlite"
)

// Defaults for Config's zero values.
const (
	DefaultDataDir      = "./data"
	DefaultMaxBatch     = 1000
	DefaultQueueSize    = 10000
	DefaultFlushTimeout = 30 * time.Second
)

// Config says where the database is and how the log writer behaves.
type Config struct {
	// DatabaseURL selects PostgreSQL when it starts with "postgres://" or
	// "postgresql://". Anything else, including "", selects SQLite.
	DatabaseURL string
	// DataDir holds the SQLite file flowhq.db. Default "./data"; created
	// when missing. Unused with PostgreSQL.
	DataDir string
	// Logger receives the store's own log lines. Default: discard.
	Logger *slog.Logger
	// MaxBatch is the number of ops the writer puts in one transaction
	// (one Commit call's ops are never split, so a batch can exceed it when
	// a single call is larger). Default 1000.
	MaxBatch int
	// QueueSize bounds the ops waiting for the writer. When it is full,
	// Commit blocks until there is room or its context ends. Default 10000.
	QueueSize int
	// FlushTimeout bounds how long Close keeps retrying queued ops while
	// the database is unreachable; after it, their callers get an error.
	// Default 30s.
	FlushTimeout time.Duration
	// Writers is the number of log writer goroutines, each committing its
	// own batches; all but the first wait until work piles up. Default 2 on
	// PostgreSQL; always 1 on SQLite.
	Writers int
	// MaxOpenConns caps the connection pool. Default 10 on PostgreSQL and
	// 8 on SQLite (where all writes serialize anyway and WAL readers run in
	// parallel).
	MaxOpenConns int
	// ObserveBatch, when set, is called after each committed log batch
	// (for metrics). It must be quick and must not call the Store.
	ObserveBatch func(BatchInfo)
}

// BatchInfo describes one committed log writer batch.
type BatchInfo struct {
	Ops  int           // inserts and updates in the transaction
	Took time.Duration // from the first attempt's start to COMMIT
}

// Store is the database handle shared by the whole process. It is safe for
// concurrent use.
type Store struct {
	db      *gorm.DB
	sqlDB   *sql.DB
	dialect string
	url     string // PostgreSQL: the database URL, for the writers' own connections
	log     *slog.Logger

	// wlock serializes this process's write transactions on SQLite, which
	// allows one writer at a time anyway: waiting here is fair and cheap,
	// where waiting in SQLite's busy handler is neither. nil on PostgreSQL.
	wlock chan struct{}

	w    *writer
	ckpt *checkpointer // SQLite: background WAL checkpoints (checkpoint.go); nil on PostgreSQL

	hooks webhookIndex // tenants with webhooks, for the outbox: webhook.go
	chats knownChats   // chats known to have their row: chat.go

	closeOnce sync.Once
	closeErr  error
}

// IsPostgresURL reports whether url selects PostgreSQL.
func IsPostgresURL(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// Open connects to the database, applies pending migrations and starts the
// log writer. Close releases all of it.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	cfg = cfg.withDefaults()
	s := &Store{log: cfg.Logger}

	gcfg := &gorm.Config{
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return stamp(time.Now()) },
		SkipDefaultTransaction: true,
	}
	var (
		db  *gorm.DB
		err error
	)
	if IsPostgresURL(cfg.DatabaseURL) {
		s.dialect, s.url = DialectPostgres, cfg.DatabaseURL
		db, err = gorm.Open(postgres.New(postgres.Config{DSN: cfg.DatabaseURL}), gcfg)
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
	} else {
		s.dialect = DialectSQLite
		s.wlock = make(chan struct{}, 1)
		if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("store: create data dir: %w", err)
		}
		db, err = openSQLite(ctx, filepath.Join(cfg.DataDir, "flowhq.db"), gcfg)
		if err != nil {
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
	}
	s.db = db
	s.sqlDB, err = db.DB()
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	s.sqlDB.SetMaxOpenConns(cfg.MaxOpenConns)
	s.sqlDB.SetMaxIdleConns(cfg.MaxOpenConns)
	if s.dialect == DialectPostgres {
		s.sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}

	if err := s.Ping(ctx); err != nil {
		_ = s.sqlDB.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		_ = s.sqlDB.Close()
		return nil, err
	}
	maxID, err := s.maxLogID(ctx)
	if err != nil {
		_ = s.sqlDB.Close()
		return nil, err
	}
	if s.dialect == DialectSQLite {
		if s.ckpt, err = startCheckpointer(ctx, s.sqlDB, s.log); err != nil {
			_ = s.sqlDB.Close()
			return nil, fmt.Errorf("store: open: checkpointer: %w", err)
		}
	}
	s.w = newWriter(s, cfg, maxID)
	s.log.Info("store opened", "dialect", s.dialect)
	return s, nil
}

// openSQLite opens the SQLite file and checks that a connection works. Two
// processes creating the same file at once can see SQLITE_BUSY from the
// switch to WAL mode, which SQLite reports without waiting on the busy
// timeout; that is retried for a while.
func openSQLite(ctx context.Context, path string, gcfg *gorm.Config) (*gorm.DB, error) {
	deadline := time.Now().Add(10 * time.Second)
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		attempt := *gcfg // gorm.Open fills in the config it is given: each attempt gets its own
		db, err := gorm.Open(sqlite.Open(SQLiteDSN(path)), &attempt)
		if err == nil {
			var sqlDB *sql.DB
			if sqlDB, err = db.DB(); err == nil {
				if err = sqlDB.PingContext(ctx); err == nil {
					return db, nil
				}
				_ = sqlDB.Close()
			}
		}
		if !isSQLiteBusy(err) || time.Now().After(deadline) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait):
		}
	}
}

// SQLiteDSN is the data source name Open uses for the SQLite file at path:
// foreign keys on (whatsmeow's sqlstore relies on them), WAL so readers
// never wait for the writer, a 32 MiB page cache per connection (filled
// only as the database grows; it keeps index pages of a busy log table out
// of the read path), temporary tables and statement journals in memory,
// automatic checkpoints only as a backstop (see checkpoint.go) and
// immediate transactions so two writers queue on the busy timeout instead
// of failing with SQLITE_BUSY.
func SQLiteDSN(path string) string {
	return "file:" + path +
		"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=synchronous(NORMAL)&_pragma=cache_size(-32768)&_pragma=temp_store(MEMORY)" +
		"&_pragma=wal_autocheckpoint(" + strconv.Itoa(sqliteAutoCheckpoint) + ")" +
		"&_pragma=journal_size_limit(" + strconv.Itoa(sqliteWALLimit) + ")&_txlock=immediate"
}

func (c Config) withDefaults() Config {
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = DefaultMaxBatch
	}
	if c.QueueSize <= 0 {
		c.QueueSize = DefaultQueueSize
	}
	if c.FlushTimeout <= 0 {
		c.FlushTimeout = DefaultFlushTimeout
	}
	if c.Writers <= 0 || !IsPostgresURL(c.DatabaseURL) {
		c.Writers = 1
		if IsPostgresURL(c.DatabaseURL) {
			c.Writers = 2
		}
	}
	if c.MaxOpenConns <= 0 {
		if IsPostgresURL(c.DatabaseURL) {
			c.MaxOpenConns = 10
		} else {
			// One more for the checkpointer, which keeps its own.
			c.MaxOpenConns = max(4, runtime.GOMAXPROCS(0)*2) + 1
		}
	}
	return c
}

// Close stops accepting ops, flushes the ones already queued (retrying for
// at most Config.FlushTimeout if the database is down) and closes the
// database. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.w.close()
		s.ckpt.close()
		if err := s.sqlDB.Close(); err != nil {
			s.closeErr = fmt.Errorf("store: close: %w", err)
		}
		s.log.Info("store closed", "dialect", s.dialect)
	})
	return s.closeErr
}

// Dialect returns "postgres" or "sqlite".
func (s *Store) Dialect() string { return s.dialect }

// SQLDB returns the underlying pool, for whatsmeow's sqlstore to keep its
// device keys in the same database. Do not close it; Close does.
func (s *Store) SQLDB() *sql.DB { return s.sqlDB }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping %s: %w", s.dialect, err)
	}
	return nil
}

// lockWrite takes the SQLite write lock (a no-op on PostgreSQL). The
// returned func releases it.
func (s *Store) lockWrite(ctx context.Context) (func(), error) {
	if s.wlock == nil {
		return func() {}, nil
	}
	select {
	case s.wlock <- struct{}{}:
		return func() { <-s.wlock }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// write runs fn in one transaction, holding the SQLite write lock.
func (s *Store) write(ctx context.Context, fn func(tx *gorm.DB) error) error {
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	return s.db.WithContext(ctx).Transaction(fn)
}

// writeOne runs fn outside an explicit transaction (one statement),
// holding the SQLite write lock.
func (s *Store) writeOne(ctx context.Context, fn func(db *gorm.DB) error) error {
	unlock, err := s.lockWrite(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	return fn(s.db.WithContext(ctx))
}
