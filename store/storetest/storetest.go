// Package storetest opens throwaway stores for tests: SQLite in a
// temporary directory, and PostgreSQL in a freshly created database when
// FLOWHQ_TEST_DATABASE_URL points at a server.
//
// FLOWHQ_TEST_DATABASE_URL names a database to connect to for creating and
// dropping test databases, e.g.
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable. Each test
// gets its own uniquely named database, so packages can run in parallel.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for creating databases

	"github.com/flowhq/flowhq/store"
)

// EnvDatabaseURL is the variable that enables the PostgreSQL tests.
const EnvDatabaseURL = "FLOWHQ_TEST_DATABASE_URL"

// Each runs fn as the subtest "sqlite" and, when FLOWHQ_TEST_DATABASE_URL
// is set, as the subtest "postgres", each with a fresh, migrated store
// that is closed (and for PostgreSQL dropped) when the subtest ends.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, SQLite(t))
	})
	if os.Getenv(EnvDatabaseURL) != "" {
		t.Run("postgres", func(t *testing.T) {
			fn(t, Postgres(t))
		})
	}
}

// EachConfig is like Each but hands fn a configuration instead of an open
// store, for tests that open, close and reopen the same database (restart
// tests). Open it with Open, which closes it at cleanup.
func EachConfig(t *testing.T, fn func(t *testing.T, cfg store.Config)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		cfg := Config(t)
		cfg.DataDir = t.TempDir()
		fn(t, cfg)
	})
	if os.Getenv(EnvDatabaseURL) != "" {
		t.Run("postgres", func(t *testing.T) {
			cfg := Config(t)
			cfg.DatabaseURL = PostgresURL(t)
			fn(t, cfg)
		})
	}
}

// Config returns the store configuration tests use: a logger that writes
// warnings and errors to the test log.
func Config(t testing.TB) store.Config {
	return store.Config{Logger: Logger(t)}
}

// SQLite opens a store on a new SQLite file in t.TempDir().
func SQLite(t testing.TB) *store.Store {
	t.Helper()
	cfg := Config(t)
	cfg.DataDir = t.TempDir()
	return Open(t, cfg)
}

// Postgres opens a store on a freshly created PostgreSQL database, dropped
// at cleanup. It skips the test when FLOWHQ_TEST_DATABASE_URL is unset.
func Postgres(t testing.TB) *store.Store {
	t.Helper()
	cfg := Config(t)
	cfg.DatabaseURL = PostgresURL(t)
	return Open(t, cfg)
}

// Open opens a store with cfg and closes it at cleanup.
func Open(t testing.TB, cfg store.Config) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("storetest: open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("storetest: close: %v", err)
		}
	})
	return s
}

// PostgresURL creates an empty database on the server named by
// FLOWHQ_TEST_DATABASE_URL and returns its URL; the database is dropped at
// cleanup, after anything registered later (such as closing a store on
// it). For tests that hand the URL to a child process. It skips the test
// when the variable is unset.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvDatabaseURL)
	if base == "" {
		t.Skipf("storetest: %s not set; skipping PostgreSQL", EnvDatabaseURL)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("storetest: parse %s: %v", EnvDatabaseURL, err)
	}
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		t.Fatalf("storetest: %v", err)
	}
	name := fmt.Sprintf("flowhq_test_%s", hex.EncodeToString(rnd[:]))

	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("storetest: connect: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		_ = admin.Close()
		t.Fatalf("storetest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("storetest: drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// Logger returns a logger that writes warnings and errors to t's log,
// and nothing once t has finished.
func Logger(t testing.TB) *slog.Logger {
	w := &tbWriter{t: t}
	t.Cleanup(func() { w.done.Store(true) })
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
