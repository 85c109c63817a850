package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// A migration is one versioned schema change, written by hand for each
// dialect. Versions are applied in ascending order, each in its own
// transaction together with its schema_migrations row, so a crash leaves
// the schema at a well-defined version. Released migrations are never
// edited: a change is a new migration appended to the list.
type migration struct {
	version  int
	name     string
	postgres []string
	sqlite   []string
}

// migrations returns the schema history, oldest first.
func migrations() []migration {
	return []migration{
		{
			version: 1,
			name:    "tenants",
			postgres: []string{
				`CREATE TABLE tenants (
					id           TEXT PRIMARY KEY,
					name         TEXT NOT NULL DEFAULT '',
					phone_number TEXT NOT NULL DEFAULT '',
					status       TEXT NOT NULL DEFAULT 'PENDING',
					created_at   TIMESTAMPTZ NOT NULL,
					updated_at   TIMESTAMPTZ NOT NULL
				)`,
				`CREATE UNIQUE INDEX tenants_phone_number_key ON tenants (phone_number) WHERE phone_number <> ''`,
				`CREATE INDEX tenants_status_idx ON tenants (status, id)`,
				`CREATE INDEX tenants_created_at_idx ON tenants (created_at, id)`,
				`CREATE TABLE tenant_configs (
					tenant_id             TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
					template_type         TEXT NOT NULL DEFAULT '',
					business_name         TEXT NOT NULL DEFAULT '',
					language              TEXT NOT NULL DEFAULT '',
					rate_limit_per_minute INTEGER,
					reply_overrides       TEXT NOT NULL DEFAULT '{}',
					updated_at            TIMESTAMPTZ NOT NULL
				)`,
				`CREATE TABLE whatsapp_sessions (
					tenant_id     TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
					state         TEXT NOT NULL DEFAULT 'DISCONNECTED',
					reason        TEXT NOT NULL DEFAULT '',
					last_qr       TEXT NOT NULL DEFAULT '',
					qr_expires_at TIMESTAMPTZ,
					pair_code     TEXT NOT NULL DEFAULT '',
					jid           TEXT NOT NULL DEFAULT '',
					last_seen_at  TIMESTAMPTZ,
					updated_at    TIMESTAMPTZ NOT NULL
				)`,
				`CREATE TABLE workers (
					tenant_id  TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
					status     TEXT NOT NULL DEFAULT 'STOPPED',
					last_error TEXT NOT NULL DEFAULT '',
					restarts   INTEGER NOT NULL DEFAULT 0,
					started_at TIMESTAMPTZ,
					updated_at TIMESTAMPTZ NOT NULL
				)`,
			},
			sqlite: []string{
				`CREATE TABLE tenants (
					id           TEXT PRIMARY KEY NOT NULL,
					name         TEXT NOT NULL DEFAULT '',
					phone_number TEXT NOT NULL DEFAULT '',
					status       TEXT NOT NULL DEFAULT 'PENDING',
					created_at   DATETIME NOT NULL,
					updated_at   DATETIME NOT NULL
				)`,
				`CREATE UNIQUE INDEX tenants_phone_number_key ON tenants (phone_number) WHERE phone_number <> ''`,
				`CREATE INDEX tenants_status_idx ON tenants (status, id)`,
				`CREATE INDEX tenants_created_at_idx ON tenants (created_at, id)`,
				`CREATE TABLE tenant_configs (
					tenant_id             TEXT PRIMARY KEY NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
					template_type         TEXT NOT NULL DEFAULT '',
					business_name         TEXT NOT NULL DEFAULT '',
					language              TEXT NOT NULL DEFAULT '',
					rate_limit_per_minute INTEGER,
					reply_overrides       TEXT NOT NULL DEFAULT '{}',
					updated_at            DATETIME NOT NULL
				)`,
				`CREATE TABLE whatsapp_sessions (
					tenant_id     TEXT PRIMARY KEY NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
					state         TEXT NOT NULL DEFAULT 'DISCONNECTED',
					reason        TEXT NOT NULL DEFAULT '',
					last_qr       TEXT NOT NULL DEFAULT '',
					qr_expires_at DATETIME,
					pair_code     TEXT NOT NULL DEFAULT '',
					jid           TEXT NOT NULL DEFAULT '',
					last_seen_at  DATETIME,
					updated_at    DATETIME NOT NULL
				)`,
				`CREATE TABLE workers (
					tenant_id  TEXT PRIMARY KEY NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
					status     TEXT NOT NULL DEFAULT 'STOPPED',
					last_error TEXT NOT NULL DEFAULT '',
					restarts   INTEGER NOT NULL DEFAULT 0,
					started_at DATETIME,
					updated_at DATETIME NOT NULL
				)`,
			},
		},
		{
			// Message logs have no foreign key to tenants: DeleteTenant may
			// keep a removed tenant's history. IDs are assigned by the
			// writer and time-ordered (see idGen), so (tenant_id, id)
			// serves "newest first" listing and keyset pagination without a
			// separate created_at index.
			version: 2,
			name:    "message_logs",
			postgres: []string{
				`CREATE TABLE message_logs (
					id            BIGINT PRIMARY KEY,
					tenant_id     TEXT NOT NULL,
					direction     TEXT NOT NULL,
					chat          TEXT NOT NULL DEFAULT '',
					from_number   TEXT NOT NULL DEFAULT '',
					to_number     TEXT NOT NULL DEFAULT '',
					message_text  TEXT NOT NULL DEFAULT '',
					wa_message_id TEXT NOT NULL DEFAULT '',
					intent        TEXT NOT NULL DEFAULT '',
					status        TEXT NOT NULL DEFAULT '',
					source        TEXT NOT NULL DEFAULT '',
					error         TEXT NOT NULL DEFAULT '',
					reply_to      BIGINT,
					created_at    TIMESTAMPTZ NOT NULL,
					updated_at    TIMESTAMPTZ NOT NULL
				)`,
				`CREATE INDEX message_logs_tenant_id_idx ON message_logs (tenant_id, id)`,
				`CREATE UNIQUE INDEX message_logs_wa_key ON message_logs (tenant_id, direction, chat, wa_message_id) WHERE wa_message_id <> ''`,
				`CREATE INDEX message_logs_reply_to_idx ON message_logs (reply_to) WHERE reply_to IS NOT NULL`,
				`CREATE INDEX message_logs_open_idx ON message_logs (tenant_id, status, created_at) WHERE status IN ('pending', 'received')`,
			},
			sqlite: []string{
				`CREATE TABLE message_logs (
					id            INTEGER PRIMARY KEY NOT NULL,
					tenant_id     TEXT NOT NULL,
					direction     TEXT NOT NULL,
					chat          TEXT NOT NULL DEFAULT '',
					from_number   TEXT NOT NULL DEFAULT '',
					to_number     TEXT NOT NULL DEFAULT '',
					message_text  TEXT NOT NULL DEFAULT '',
					wa_message_id TEXT NOT NULL DEFAULT '',
					intent        TEXT NOT NULL DEFAULT '',
					status        TEXT NOT NULL DEFAULT '',
					source        TEXT NOT NULL DEFAULT '',
					error         TEXT NOT NULL DEFAULT '',
					reply_to      INTEGER,
					created_at    DATETIME NOT NULL,
					updated_at    DATETIME NOT NULL
				)`,
				`CREATE INDEX message_logs_tenant_id_idx ON message_logs (tenant_id, id)`,
				`CREATE UNIQUE INDEX message_logs_wa_key ON message_logs (tenant_id, direction, chat, wa_message_id) WHERE wa_message_id <> ''`,
				`CREATE INDEX message_logs_reply_to_idx ON message_logs (reply_to) WHERE reply_to IS NOT NULL`,
				`CREATE INDEX message_logs_open_idx ON message_logs (tenant_id, status, created_at) WHERE status IN ('pending', 'received')`,
			},
		},
		{
			// Dashboard accounts, their sign-in sessions (only a hash of
			// each cookie secret is stored) and the audit log; plus the
			// indexes the dashboard's tenant list and message counts use:
			// worker/session state filters, and (tenant_id, direction, id)
			// for per-tenant counts by direction over an id (time) range
			// and for the log page's direction filter.
			version: 3,
			name:    "users_sessions_audit",
			postgres: []string{
				`CREATE TABLE users (
					id            TEXT PRIMARY KEY,
					email         TEXT NOT NULL,
					password_hash TEXT NOT NULL,
					role          TEXT NOT NULL,
					tenant_id     TEXT REFERENCES tenants (id) ON DELETE CASCADE,
					created_at    TIMESTAMPTZ NOT NULL,
					updated_at    TIMESTAMPTZ NOT NULL,
					last_login_at TIMESTAMPTZ
				)`,
				`CREATE UNIQUE INDEX users_email_key ON users (email)`,
				`CREATE INDEX users_role_idx ON users (role)`,
				`CREATE INDEX users_tenant_id_idx ON users (tenant_id) WHERE tenant_id IS NOT NULL`,
				`CREATE TABLE auth_sessions (
					id_hash      TEXT PRIMARY KEY,
					user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
					created_at   TIMESTAMPTZ NOT NULL,
					last_seen_at TIMESTAMPTZ NOT NULL,
					expires_at   TIMESTAMPTZ NOT NULL,
					ip           TEXT NOT NULL DEFAULT '',
					user_agent   TEXT NOT NULL DEFAULT ''
				)`,
				`CREATE INDEX auth_sessions_user_id_idx ON auth_sessions (user_id)`,
				`CREATE INDEX auth_sessions_expires_at_idx ON auth_sessions (expires_at)`,
				`CREATE TABLE audit_log (
					id          BIGSERIAL PRIMARY KEY,
					at          TIMESTAMPTZ NOT NULL,
					actor_id    TEXT NOT NULL DEFAULT '',
					actor_email TEXT NOT NULL DEFAULT '',
					action      TEXT NOT NULL,
					tenant_id   TEXT NOT NULL DEFAULT '',
					tenant_name TEXT NOT NULL DEFAULT '',
					detail      TEXT NOT NULL DEFAULT '',
					ip          TEXT NOT NULL DEFAULT ''
				)`,
				`CREATE INDEX audit_log_tenant_id_idx ON audit_log (tenant_id, id)`,
				`CREATE INDEX audit_log_actor_id_idx ON audit_log (actor_id, id)`,
				`CREATE INDEX workers_status_idx ON workers (status)`,
				`CREATE INDEX whatsapp_sessions_state_idx ON whatsapp_sessions (state)`,
				`CREATE INDEX message_logs_tenant_direction_idx ON message_logs (tenant_id, direction, id)`,
			},
			sqlite: []string{
				`CREATE TABLE users (
					id            TEXT PRIMARY KEY NOT NULL,
					email         TEXT NOT NULL,
					password_hash TEXT NOT NULL,
					role          TEXT NOT NULL,
					tenant_id     TEXT REFERENCES tenants (id) ON DELETE CASCADE,
					created_at    DATETIME NOT NULL,
					updated_at    DATETIME NOT NULL,
					last_login_at DATETIME
				)`,
				`CREATE UNIQUE INDEX users_email_key ON users (email)`,
				`CREATE INDEX users_role_idx ON users (role)`,
				`CREATE INDEX users_tenant_id_idx ON users (tenant_id) WHERE tenant_id IS NOT NULL`,
				`CREATE TABLE auth_sessions (
					id_hash      TEXT PRIMARY KEY NOT NULL,
					user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
					created_at   DATETIME NOT NULL,
					last_seen_at DATETIME NOT NULL,
					expires_at   DATETIME NOT NULL,
					ip           TEXT NOT NULL DEFAULT '',
					user_agent   TEXT NOT NULL DEFAULT ''
				)`,
				`CREATE INDEX auth_sessions_user_id_idx ON auth_sessions (user_id)`,
				`CREATE INDEX auth_sessions_expires_at_idx ON auth_sessions (expires_at)`,
				`CREATE TABLE audit_log (
					id          INTEGER PRIMARY KEY AUTOINCREMENT,
					at          DATETIME NOT NULL,
					actor_id    TEXT NOT NULL DEFAULT '',
					actor_email TEXT NOT NULL DEFAULT '',
					action      TEXT NOT NULL,
					tenant_id   TEXT NOT NULL DEFAULT '',
					tenant_name TEXT NOT NULL DEFAULT '',
					detail      TEXT NOT NULL DEFAULT '',
					ip          TEXT NOT NULL DEFAULT ''
				)`,
				`CREATE INDEX audit_log_tenant_id_idx ON audit_log (tenant_id, id)`,
				`CREATE INDEX audit_log_actor_id_idx ON audit_log (actor_id, id)`,
				`CREATE INDEX workers_status_idx ON workers (status)`,
				`CREATE INDEX whatsapp_sessions_state_idx ON whatsapp_sessions (state)`,
				`CREATE INDEX message_logs_tenant_direction_idx ON message_logs (tenant_id, direction, id)`,
			},
		},
		{
			// The crash-recovery index held every IN row (they keep status
			// received), costing each insert. Pending replies get a small
			// index of their own; unanswered IN rows are found through
			// (tenant_id, direction, id), since ids follow commit time.
			version: 4,
			name:    "smaller_recovery_index",
			postgres: []string{
				`DROP INDEX IF EXISTS message_logs_open_idx`,
				`CREATE INDEX message_logs_pending_idx ON message_logs (tenant_id, created_at, id) WHERE status = 'pending'`,
			},
			sqlite: []string{
				`DROP INDEX IF EXISTS message_logs_open_idx`,
				`CREATE INDEX message_logs_pending_idx ON message_logs (tenant_id, created_at, id) WHERE status = 'pending'`,
			},
		},
		// Later features keep their schema beside their code.
		chatsMigration(),          // 5: chat.go
		portalMigration(),         // 6: setup_request.go, invite.go
		apiTokenMigration(),       // 7: api_token.go
		webhookMigration(),        // 8: webhook.go
		leanLogIndexesMigration(), // 9: message_log.go
		pendingRepliesMigration(), // 10: pending.go
		hotUpdatesMigration(),     // 11: pending.go
		byteOrderKeysMigration(),  // 12: message_log.go
	}
}

// pgMigrationLock is the advisory lock key held while migrating, so two
// processes starting at once apply each migration exactly once.
const pgMigrationLock = 0x666c6f7768710001

// AppliedMigration is one row of schema_migrations.
type AppliedMigration struct {
	Version   int
	Name      string
	AppliedAt time.Time
}

// SchemaVersion returns the highest migration this binary knows.
func SchemaVersion() int {
	m := migrations()
	return m[len(m)-1].version
}

// AppliedMigrations lists schema_migrations, oldest first.
func (s *Store) AppliedMigrations(ctx context.Context) ([]AppliedMigration, error) {
	rows, err := s.sqlDB.QueryContext(ctx, `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("store: list migrations: %w", err)
	}
	defer rows.Close()
	var out []AppliedMigration
	for rows.Next() {
		var m AppliedMigration
		if err := rows.Scan(&m.Version, &m.Name, &m.AppliedAt); err != nil {
			return nil, fmt.Errorf("store: list migrations: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list migrations: %w", err)
	}
	return out, nil
}

// migrate brings the schema up to date. It runs on one connection; on
// PostgreSQL that connection holds an advisory lock for the duration.
func (s *Store) migrate(ctx context.Context) (err error) {
	conn, err := s.sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Close()

	if s.dialect == DialectPostgres {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(pgMigrationLock)); err != nil {
			return fmt.Errorf("store: migrate: lock: %w", err)
		}
		defer func() {
			// A fresh context: the unlock must run even if ctx ended.
			uctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, uerr := conn.ExecContext(uctx, `SELECT pg_advisory_unlock($1)`, int64(pgMigrationLock)); uerr != nil && err == nil {
				err = fmt.Errorf("store: migrate: unlock: %w", uerr)
			}
		}()
	}

	create := `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TIMESTAMPTZ NOT NULL
	)`
	if s.dialect == DialectSQLite {
		create = `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY NOT NULL,
			name       TEXT NOT NULL,
			applied_at DATETIME NOT NULL
		)`
	}
	if _, err := conn.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("store: migrate: create schema_migrations: %w", err)
	}

	var current int
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("store: migrate: read version: %w", err)
	}
	if latest := SchemaVersion(); current > latest {
		return fmt.Errorf("store: migrate: database schema is at version %d, newer than this binary's %d", current, latest)
	}
	for _, m := range migrations() {
		if m.version <= current {
			continue
		}
		if err := s.apply(ctx, conn, m); err != nil {
			return err
		}
	}
	return nil
}

// apply runs one migration and records it, in one transaction. It checks
// the version again inside the transaction, which on SQLite (immediate
// transactions) is what keeps two processes from both applying it.
func (s *Store) apply(ctx context.Context, conn *sql.Conn, m migration) error {
	stmts := m.postgres
	if s.dialect == DialectSQLite {
		stmts = m.sqlite
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: migrate %d %s: begin: %w", m.version, m.name, err)
	}
	defer func() { _ = tx.Rollback() }()

	var one int
	err = tx.QueryRowContext(ctx, s.rebind(`SELECT 1 FROM schema_migrations WHERE version = ?`), m.version).Scan(&one)
	switch {
	case err == nil:
		return nil // another process got there first
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("store: migrate %d %s: %w", m.version, m.name, err)
	}
	for i, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store: migrate %d %s: statement %d: %w", m.version, m.name, i+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx,
		s.rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
		m.version, m.name, stamp(time.Now())); err != nil {
		return fmt.Errorf("store: migrate %d %s: record: %w", m.version, m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: migrate %d %s: commit: %w", m.version, m.name, err)
	}
	s.log.Info("store: migration applied", "version", m.version, "name", m.name, "dialect", s.dialect)
	return nil
}

// rebind turns ? placeholders into PostgreSQL's $n. The store's raw SQL
// never has ? inside string literals, so a plain scan is enough.
func (s *Store) rebind(q string) string {
	if s.dialect != DialectPostgres {
		return q
	}
	out := make([]byte, 0, len(q)+16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			out = append(out, '$')
			out = fmt.Appendf(out, "%d", n)
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}
