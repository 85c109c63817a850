package store

import (
	"context"
	"fmt"
	"time"
)

// Message directions.
const (
	DirIn  = "IN"
	DirOut = "OUT"
)

// Message log statuses. OUT rows go pending → sent | failed, or are
// written suppressed (rate limited). IN rows are received, or skipped when
// the bot deliberately does not answer (human handoff).
const (
	StatusPending    = "pending"
	StatusSent       = "sent"
	StatusFailed     = "failed"
	StatusSuppressed = "suppressed"
	StatusReceived   = "received"
	StatusSkipped    = "skipped"
)

// Who wrote a message.
const (
	SourceCustomer = "customer" // IN rows
	SourceBot      = "bot"
	SourceHuman    = "human"
	SourceSystem   = "system"
	SourceAPI      = "api" // OUT rows sent through the JSON API
)

// MessageLog is one message in either direction. Rows are written through
// Commit (the group-commit writer), which assigns ID.
//
// IDs are time-ordered: the writer builds them from the commit time in
// Unix milliseconds shifted left 20 bits plus a sequence, never going
// backwards (also across restarts: it starts above the table's MAX(id)).
// Ordering by ID is therefore commit order, which is what ListLogs and
// ScanLogs use; CreatedAt is whatever the caller set (default: the time
// of the Commit call).
type MessageLog struct {
	ID          int64     `gorm:"column:id;primaryKey;autoIncrement:false" json:"id"`
	TenantID    string    `gorm:"column:tenant_id" json:"tenant_id"`
	Direction   string    `gorm:"column:direction" json:"direction"`
	Chat        string    `gorm:"column:chat" json:"chat"`
	FromNumber  string    `gorm:"column:from_number" json:"from_number"`
	ToNumber    string    `gorm:"column:to_number" json:"to_number"`
	MessageText string    `gorm:"column:message_text" json:"message_text"`
	WAMessageID string    `gorm:"column:wa_message_id" json:"wa_message_id"`
	Intent      string    `gorm:"column:intent" json:"intent"`
	Status      string    `gorm:"column:status" json:"status"`
	Source      string    `gorm:"column:source" json:"source"`
	Error       string    `gorm:"column:error" json:"error"`
	ReplyTo     *int64    `gorm:"column:reply_to" json:"reply_to"` // the IN row an OUT reply answers
	CreatedAt   time.Time `gorm:"column:created_at" json:"created_at"`
	UpdatedAt   time.Time `gorm:"column:updated_at" json:"updated_at"`
}

// TableName is the message_logs table.
func (MessageLog) TableName() string { return "message_logs" }

// GetLogByKey finds a row by its WhatsApp identity: tenant, direction,
// chat and WhatsApp message id (the unique key behind duplicate
// detection). ErrNotFound if there is none.
func (s *Store) GetLogByKey(ctx context.Context, tenantID, direction, chat, waMessageID string) (MessageLog, error) {
	var m MessageLog
	err := s.db.WithContext(ctx).
		Where("tenant_id = ? AND direction = ? AND chat = ? AND wa_message_id = ? AND wa_message_id <> ''",
			tenantID, direction, chat, waMessageID).
		Take(&m).Error
	if err != nil {
		return MessageLog{}, fmt.Errorf("store: get log %s/%s/%s/%s: %w", tenantID, direction, chat, waMessageID, notFound(err))
	}
	return m, nil
}

// GetLog returns one row by id, within tenantID. ErrNotFound if there is
// none.
func (s *Store) GetLog(ctx context.Context, tenantID string, id int64) (MessageLog, error) {
	var m MessageLog
	if err := s.db.WithContext(ctx).Where("tenant_id = ? AND id = ?", tenantID, id).Take(&m).Error; err != nil {
		return MessageLog{}, fmt.Errorf("store: get log %s/%d: %w", tenantID, id, notFound(err))
	}
	return m, nil
}

// ListLogsOptions filters and pages ListLogs.
type ListLogsOptions struct {
	Direction string // DirIn or DirOut; "" = both
	Chat      string // exact chat; "" = all chats
	Query     string // case-insensitive substring of the message text
	BeforeID  int64  // keyset cursor: only rows with id < BeforeID; 0 = from the newest
	Limit     int    // default 50, at most 1000
	// Since and Until bound created_at (Since <= created_at < Until); zero
	// = unbounded. Only ListLogs reads them.
	Since, Until time.Time
}

// Limits for ListLogs pages.
const (
	DefaultLogPage = 50
	MaxLogPage     = 1000
)

// ListLogs returns one page of a tenant's logs, newest first. For the next
// page pass the last row's ID as BeforeID.
func (s *Store) ListLogs(ctx context.Context, tenantID string, opts ListLogsOptions) ([]MessageLog, error) {
	limit := opts.Limit
	if limit <= 0 {
		limit = DefaultLogPage
	}
	limit = min(limit, MaxLogPage)
	q := s.db.WithContext(ctx).Where("tenant_id = ?", tenantID)
	if opts.Direction != "" {
		q = q.Where("direction = ?", opts.Direction)
	}
	if opts.Chat != "" {
		q = q.Where("chat = ?", opts.Chat)
	}
	if opts.Query != "" {
		op := "LIKE" // case-insensitive for ASCII in SQLite
		if s.dialect == DialectPostgres {
			op = "ILIKE"
		}
		q = q.Where("message_text "+op+" ? ESCAPE '\\'", likePattern(opts.Query))
	}
	if opts.BeforeID > 0 {
		q = q.Where("id < ?", opts.BeforeID)
	}
	if !opts.Since.IsZero() {
		// A row created at or after Since was committed after it too, so
		// the id floor (see logIDFloor) narrows the index range.
		q = q.Where("id >= ? AND created_at >= ?", logIDFloor(opts.Since), stamp(opts.Since))
	}
	if !opts.Until.IsZero() {
		q = q.Where("created_at < ?", stamp(opts.Until))
	}
	var out []MessageLog
	if err := q.Order("id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: list logs %s: %w", tenantID, err)
	}
	return out, nil
}

// UnansweredInbound returns a tenant's IN rows with status received,
// created at or after since, that no OUT row answers (reply_to), oldest
// first: messages a crash left between logging and replying.
func (s *Store) UnansweredInbound(ctx context.Context, tenantID string, since time.Time) ([]MessageLog, error) {
	var out []MessageLog
	// Ids are Unix milliseconds << 20 (see idGen), so the id bound lets
	// (tenant_id, id, direction) narrow the scan to the window.
	err := s.db.WithContext(ctx).
		Where("tenant_id = ? AND direction = ? AND id >= ? AND status = ? AND created_at >= ?",
			tenantID, DirIn, since.UnixMilli()<<20, StatusReceived, since.UTC()).
		Where("NOT EXISTS (SELECT 1 FROM message_logs r WHERE r.reply_to = message_logs.id AND r.tenant_id = message_logs.tenant_id)").
		Order("created_at").Order("id").
		Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: unanswered inbound %s: %w", tenantID, err)
	}
	return out, nil
}

// scanChunk is how many rows ScanLogs reads per query.
const scanChunk = 1000

// ScanLogs calls fn for every log row of tenantID ("" = every tenant,
// including deleted ones whose logs were kept), in id order, reading in
// chunks so memory stays flat. Rows committed during the scan with higher
// ids are included. An error from fn stops the scan and is returned as is.
func (s *Store) ScanLogs(ctx context.Context, tenantID string, fn func(MessageLog) error) error {
	var after int64
	for {
		q := s.db.WithContext(ctx).Where("id > ?", after)
		if tenantID != "" {
			q = q.Where("tenant_id = ?", tenantID)
		}
		var rows []MessageLog
		if err := q.Order("id").Limit(scanChunk).Find(&rows).Error; err != nil {
			return fmt.Errorf("store: scan logs %q: %w", tenantID, err)
		}
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(rows) < scanChunk {
			return nil
		}
		after = rows[len(rows)-1].ID
	}
}

// CountLogs returns how many log rows tenantID has ("" = all tenants).
func (s *Store) CountLogs(ctx context.Context, tenantID string) (int64, error) {
	q := s.db.WithContext(ctx).Model(&MessageLog{})
	if tenantID != "" {
		q = q.Where("tenant_id = ?", tenantID)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return 0, fmt.Errorf("store: count logs %q: %w", tenantID, err)
	}
	return n, nil
}

// maxLogID returns the highest message log id, 0 for an empty table.
func (s *Store) maxLogID(ctx context.Context) (int64, error) {
	var id int64
	if err := s.sqlDB.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM message_logs`).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: read max log id: %w", err)
	}
	return id, nil
}

// ReplyOf returns the reply to a tenant's IN row (the OUT row whose
// reply_to is inID), or ErrNotFound when it has none.
func (s *Store) ReplyOf(ctx context.Context, tenantID string, inID int64) (MessageLog, error) {
	var m MessageLog
	err := s.db.WithContext(ctx).Where("tenant_id = ? AND reply_to = ?", tenantID, inID).Order("id").Limit(1).Take(&m).Error
	if err != nil {
		return MessageLog{}, fmt.Errorf("store: reply of %s/%d: %w", tenantID, inID, notFound(err))
	}
	return m, nil
}

// leanLogIndexesMigration is schema version 9: fewer, better placed
// message_logs indexes, since each index a row goes into is a random page
// the writer dirties (on SQLite a whole page written to the WAL per commit).
//
//   - (tenant_id, id, direction) replaces both (tenant_id, id) and
//     (tenant_id, direction, id): newest-first pages still walk it in
//     order, and a direction filter or a per-direction count reads the
//     direction from the index entry without touching the table.
//   - The duplicate key keeps its columns but leads with (tenant_id, chat),
//     so a message and its reply, committed together, land on the same
//     index page instead of two pages far apart.
//
// Counting the index pages a message and its reply land on at scattered
// places, that is three instead of six (SQLite closed loop, 100,000
// messages: 4,114 to 4,879 msg/s).
func leanLogIndexesMigration() migration {
	stmts := []string{
		`CREATE INDEX message_logs_tenant_idx ON message_logs (tenant_id, id, direction)`,
		`DROP INDEX message_logs_tenant_id_idx`,
		`DROP INDEX message_logs_tenant_direction_idx`,
		`CREATE UNIQUE INDEX message_logs_chat_wa_key ON message_logs (tenant_id, chat, direction, wa_message_id) WHERE wa_message_id <> ''`,
		`DROP INDEX message_logs_wa_key`,
	}
	return migration{version: 9, name: "lean_log_indexes", postgres: stmts, sqlite: stmts}
}

// byteOrderKeysMigration is schema version 12: on PostgreSQL the text
// columns in message_logs' and pending_replies' indexes compare bytes
// (COLLATE "C"). They hold identifiers (tenant ids, WhatsApp chat and
// message ids, IN/OUT), never sorted for people, and each message puts
// about a dozen index entries in, every one a descent of a B-tree that
// compared them with the database's locale (strcoll) before. Measured with
// simulate (1,000 × 10, 200,000 messages, a C.UTF-8 database, whose
// strcoll is among the cheapest): PostgreSQL CPU per message 80–82 →
// 75–77 µs; with a language locale such as en_US.UTF-8 it saves more.
// Equality is unchanged (both collations are deterministic), and a
// comparison with a column of the default collation takes "C", so joins
// keep using these indexes. PostgreSQL rebuilds the indexes on these
// columns (the table is not rewritten), blocking log writes meanwhile:
// about 2 s per 400,000 rows on a 2-vCPU machine (see the README). SQLite
// compares bytes already.
func byteOrderKeysMigration() migration {
	return migration{
		version: 12,
		name:    "byte_order_log_keys",
		postgres: []string{
			`ALTER TABLE message_logs
				ALTER COLUMN tenant_id TYPE TEXT COLLATE "C",
				ALTER COLUMN chat TYPE TEXT COLLATE "C",
				ALTER COLUMN direction TYPE TEXT COLLATE "C",
				ALTER COLUMN wa_message_id TYPE TEXT COLLATE "C"`,
			`ALTER TABLE pending_replies ALTER COLUMN tenant_id TYPE TEXT COLLATE "C"`,
		},
	}
}
