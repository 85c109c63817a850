package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestMigrations(t *testing.T) {
	storetest.EachConfig(t, func(t *testing.T, cfg store.Config) {
		ctx := ctxT(t)
		s := storetest.Open(t, cfg)
		applied, err := s.AppliedMigrations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != store.SchemaVersion() {
			t.Fatalf("applied %d migrations, want %d", len(applied), store.SchemaVersion())
		}
		for i, m := range applied {
			if m.Version != i+1 || m.Name == "" || m.AppliedAt.IsZero() {
				t.Errorf("migration row %d = %+v", i, m)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}

		// Re-opening applies nothing and keeps the rows.
		s2 := storetest.Open(t, cfg)
		again, err := s2.AppliedMigrations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(again) != len(applied) {
			t.Fatalf("after reopen: %d migrations, want %d", len(again), len(applied))
		}
		for i := range again {
			if !again[i].AppliedAt.Equal(applied[i].AppliedAt) {
				t.Errorf("migration %d re-applied: %v then %v", again[i].Version, applied[i].AppliedAt, again[i].AppliedAt)
			}
		}
		if err := s2.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// Two processes starting at once must not both apply a migration.
func TestMigrationsConcurrentOpen(t *testing.T) {
	storetest.EachConfig(t, func(t *testing.T, cfg store.Config) {
		ctx := ctxT(t)
		var wg sync.WaitGroup
		stores := make([]*store.Store, 4)
		errs := make([]error, len(stores))
		for i := range stores {
			wg.Go(func() { stores[i], errs[i] = store.Open(ctx, cfg) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("open %d: %v", i, err)
			}
			defer stores[i].Close()
		}
		applied, err := stores[0].AppliedMigrations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != store.SchemaVersion() {
			t.Fatalf("applied %d migrations, want %d", len(applied), store.SchemaVersion())
		}
	})
}

func TestMigrationsRefuseNewerSchema(t *testing.T) {
	storetest.EachConfig(t, func(t *testing.T, cfg store.Config) {
		ctx := ctxT(t)
		s := storetest.Open(t, cfg)
		q := `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from the future', ?)`
		if s.Dialect() == store.DialectPostgres {
			q = `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'from the future', $2)`
		}
		if _, err := s.SQLDB().ExecContext(ctx, q, store.SchemaVersion()+1, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if s2, err := store.Open(ctx, cfg); err == nil {
			s2.Close()
			t.Fatal("Open accepted a schema newer than the binary")
		}
	})
}

func TestOpenDefaults(t *testing.T) {
	ctx := ctxT(t)
	dir := filepath.Join(t.TempDir(), "nested", "data")
	s := storetest.Open(t, store.Config{DataDir: dir})
	if s.Dialect() != store.DialectSQLite {
		t.Fatalf("dialect %q", s.Dialect())
	}
	if _, err := os.Stat(filepath.Join(dir, "flowhq.db")); err != nil {
		t.Fatalf("database file: %v", err)
	}
	var fk, busy int
	var mode string
	db := s.SQLDB()
	if err := db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil {
		t.Fatal(err)
	}
	if fk != 1 || mode != "wal" || busy != 10000 {
		t.Fatalf("foreign_keys=%d journal_mode=%s busy_timeout=%d", fk, mode, busy)
	}
	if store.IsPostgresURL("") || store.IsPostgresURL("sqlite://x") || !store.IsPostgresURL("postgresql://h/db") {
		t.Fatal("IsPostgresURL")
	}
}

func TestDialect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		want := store.DialectSQLite
		if filepath.Base(t.Name()) == "postgres" {
			want = store.DialectPostgres
		}
		if s.Dialect() != want {
			t.Fatalf("Dialect() = %q, want %q", s.Dialect(), want)
		}
		if err := s.SQLDB().PingContext(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestClosedStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		err := s.Commit(ctxT(t), store.Op{Insert: &store.MessageLog{TenantID: "t", Direction: store.DirIn}})
		if !errors.Is(err, store.ErrClosed) {
			t.Fatalf("Commit after Close = %v, want ErrClosed", err)
		}
	})
}
