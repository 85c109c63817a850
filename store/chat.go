package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// chatsMigration is schema version 5: the chats table and the index that
// reads one chat's messages newest first.
//
// A chat row exists for every (tenant, chat) that has a message; the log
// writer adds it in the transaction of the chat's first message (INSERT
// ... ON CONFLICT DO NOTHING, which takes no lock on an existing row, so
// concurrent writers never wait for each other here). The newest message
// of a chat is found through message_logs_chat_idx rather than stored, so
// the hot path never updates a chat row.
func chatsMigration() migration {
	return migration{
		version: 5,
		name:    "chats",
		postgres: []string{
			`CREATE TABLE chats (
				tenant_id  TEXT NOT NULL,
				chat       TEXT NOT NULL,
				created_at TIMESTAMPTZ NOT NULL,
				paused     BOOLEAN NOT NULL DEFAULT FALSE,
				paused_at  TIMESTAMPTZ,
				PRIMARY KEY (tenant_id, chat)
			)`,
			`INSERT INTO chats (tenant_id, chat, created_at)
				SELECT tenant_id, chat, MIN(created_at) FROM message_logs WHERE chat <> '' GROUP BY tenant_id, chat`,
			`CREATE INDEX message_logs_chat_idx ON message_logs (tenant_id, chat, id)`,
		},
		sqlite: []string{
			`CREATE TABLE chats (
				tenant_id  TEXT NOT NULL,
				chat       TEXT NOT NULL,
				created_at DATETIME NOT NULL,
				paused     BOOLEAN NOT NULL DEFAULT FALSE,
				paused_at  DATETIME,
				PRIMARY KEY (tenant_id, chat)
			) WITHOUT ROWID`,
			`INSERT INTO chats (tenant_id, chat, created_at)
				SELECT tenant_id, chat, MIN(created_at) FROM message_logs WHERE chat <> '' GROUP BY tenant_id, chat`,
			`CREATE INDEX message_logs_chat_idx ON message_logs (tenant_id, chat, id)`,
		},
	}
}

// afterLogWrite runs inside every log writer transaction, after its
// inserts and updates: features that must change together with the
// message log (the chat list, the webhook outbox) hook in here. rows are
// the rows actually inserted; ups the status updates applied. An error
// fails the attempt, which the writer retries like any other; committed
// is called once the transaction has committed.
func (s *Store) afterLogWrite(ctx context.Context, tx *sql.Tx, rows []*MessageLog, ups []StatusUpdate) (committed func(), err error) {
	newChats, err := s.touchChats(ctx, tx, rows)
	if err != nil {
		return nil, fmt.Errorf("chats: %w", err)
	}
	if err := s.queueMessageEvents(ctx, tx, rows, ups); err != nil {
		return nil, fmt.Errorf("webhook outbox: %w", err)
	}
	return func() { s.chats.add(newChats) }, nil
}

// chatKey names one chat of one tenant.
type chatKey struct{ tenant, chat string }

// knownChats remembers chats whose row is known to exist, so that busy
// chats cost the log writer nothing. It forgets everything when it gets
// large; forgetting only costs one more ON CONFLICT DO NOTHING.
type knownChats struct {
	mu sync.Mutex
	m  map[chatKey]struct{}
}

const maxKnownChats = 100_000

func (k *knownChats) add(chats []newChat) {
	if len(chats) == 0 {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil || len(k.m)+len(chats) > maxKnownChats {
		k.m = make(map[chatKey]struct{}, len(chats))
	}
	for _, c := range chats {
		k.m[c.chatKey] = struct{}{}
	}
}

// forget drops a tenant's chats (their rows were deleted).
func (k *knownChats) forget(tenantID string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for c := range k.m {
		if c.tenant == tenantID {
			delete(k.m, c)
		}
	}
}

// newChat is a chat without its row yet, and the time of its first message.
type newChat struct {
	chatKey
	at time.Time
}

// newChats returns the chats of rows not known to have their row, in one
// order for every writer, so that concurrent inserts of the same new chats
// cannot deadlock.
func (s *Store) newChats(rows []*MessageLog) []newChat {
	var first map[chatKey]time.Time
	s.chats.mu.Lock()
	for _, m := range rows {
		k := chatKey{m.TenantID, m.Chat}
		if m.Chat == "" {
			continue
		}
		if _, known := s.chats.m[k]; known {
			continue
		}
		if first == nil {
			first = make(map[chatKey]time.Time)
		}
		if t, ok := first[k]; !ok || m.CreatedAt.Before(t) {
			first[k] = m.CreatedAt
		}
	}
	s.chats.mu.Unlock()
	if len(first) == 0 {
		return nil
	}
	chats := make([]newChat, 0, len(first))
	for k, at := range first {
		chats = append(chats, newChat{k, at})
	}
	slices.SortFunc(chats, func(a, b newChat) int {
		return cmp.Or(strings.Compare(a.tenant, b.tenant), strings.Compare(a.chat, b.chat))
	})
	return chats
}

// chatArgs binds chats for pgChatsSQL.
func chatArgs(chats []newChat) []any {
	tenants, names, at := make([]string, len(chats)), make([]string, len(chats)), make([]time.Time, len(chats))
	for i, c := range chats {
		tenants[i], names[i], at[i] = c.tenant, c.chat, c.at
	}
	return []any{tenants, names, at}
}

// touchChats makes sure every chat of rows has its chats row, and returns
// the chats it wrote, to remember once committed.
func (s *Store) touchChats(ctx context.Context, tx *sql.Tx, rows []*MessageLog) ([]newChat, error) {
	chats := s.newChats(rows)
	if len(chats) == 0 {
		return nil, nil
	}
	if s.dialect == DialectPostgres {
		_, err := tx.ExecContext(ctx, pgChatsSQL, chatArgs(chats)...)
		return chats, err
	}
	doc := []byte{'['}
	for i, c := range chats {
		if i > 0 {
			doc = append(doc, ',')
		}
		doc = append(doc, '[')
		doc = appendJSONString(doc, c.tenant)
		doc = append(doc, ',')
		doc = appendJSONString(doc, c.chat)
		doc = append(doc, ',', '"')
		doc = appendSQLiteTime(doc, c.at)
		doc = append(doc, '"', ']')
	}
	doc = append(doc, ']')
	_, err := tx.ExecContext(ctx, `INSERT INTO chats (tenant_id, chat, created_at)
		SELECT value->>0, value->>1, value->>2 FROM json_each(?) WHERE true
		ON CONFLICT (tenant_id, chat) DO NOTHING`, string(doc))
	return chats, err
}

// Chat is one conversation of a tenant: a customer's chat and its newest
// message.
type Chat struct {
	TenantID string     `json:"tenant_id"`
	Chat     string     `json:"chat"`
	Last     MessageLog `json:"last_message"` // the newest message, either direction
	LastInAt *time.Time `json:"last_in_at"`   // the customer's newest message, if any
	Paused   bool       `json:"paused"`       // the owner paused the bot here (manual handoff)
	PausedAt *time.Time `json:"paused_at"`
}

// ListChatsOptions filters and pages ListChats.
type ListChatsOptions struct {
	Query    string // case-insensitive substring of the chat (phone number)
	BeforeID int64  // keyset cursor: chats whose newest message id < BeforeID; 0 = newest
	Limit    int    // default 50, at most MaxChatPage
}

// Limits for ListChats pages.
const (
	DefaultChatPage = 50
	MaxChatPage     = 500
)

// chatHead is a chats row with the ids of its newest message and newest
// customer message.
type chatHead struct {
	Chat     string     `gorm:"column:chat"`
	Paused   bool       `gorm:"column:paused"`
	PausedAt *time.Time `gorm:"column:paused_at"`
	LastID   *int64     `gorm:"column:last_id"`
	LastInID *int64     `gorm:"column:last_in_id"`
}

// chatHeadSQL selects chats with their newest message ids. Each subquery
// is one short backward walk of message_logs_chat_idx.
const chatHeadSQL = `SELECT chat, paused, paused_at, last_id,
	(SELECT m.id FROM message_logs m WHERE m.tenant_id = h.tenant_id AND m.chat = h.chat AND m.direction = 'IN'
		ORDER BY m.id DESC LIMIT 1) AS last_in_id
	FROM (SELECT c.tenant_id, c.chat, c.paused, c.paused_at,
		(SELECT m.id FROM message_logs m WHERE m.tenant_id = c.tenant_id AND m.chat = c.chat
			ORDER BY m.id DESC LIMIT 1) AS last_id
		FROM chats c WHERE %s) h
	WHERE last_id IS NOT NULL %s
	ORDER BY last_id DESC LIMIT ?`

// ListChats returns one page of a tenant's chats, most recently active
// first. For the next page pass the last chat's Last.ID as BeforeID.
//
// Ordering needs every chat's newest message id, found through an index
// probe per chat of the tenant: a few milliseconds for thousands of chats.
func (s *Store) ListChats(ctx context.Context, tenantID string, opts ListChatsOptions) ([]Chat, error) {
	limit := opts.Limit
	if limit <= 0 {
		limit = DefaultChatPage
	}
	limit = min(limit, MaxChatPage)
	where, args := "c.tenant_id = ?", []any{tenantID}
	if opts.Query != "" {
		op := "LIKE"
		if s.dialect == DialectPostgres {
			op = "ILIKE"
		}
		where += " AND c.chat " + op + " ? ESCAPE '\\'"
		args = append(args, likePattern(opts.Query))
	}
	outer := ""
	if opts.BeforeID > 0 {
		outer = "AND last_id < ?"
		args = append(args, opts.BeforeID)
	}
	args = append(args, limit)
	var heads []chatHead
	if err := s.db.WithContext(ctx).Raw(fmt.Sprintf(chatHeadSQL, where, outer), args...).Scan(&heads).Error; err != nil {
		return nil, fmt.Errorf("store: list chats %s: %w", tenantID, err)
	}
	chats, err := s.chatsFromHeads(ctx, tenantID, heads)
	if err != nil {
		return nil, fmt.Errorf("store: list chats %s: %w", tenantID, err)
	}
	return chats, nil
}

// GetChat returns one chat of a tenant, or ErrNotFound.
func (s *Store) GetChat(ctx context.Context, tenantID, chat string) (Chat, error) {
	var heads []chatHead
	err := s.db.WithContext(ctx).Raw(fmt.Sprintf(chatHeadSQL, "c.tenant_id = ? AND c.chat = ?", ""), tenantID, chat, 1).Scan(&heads).Error
	if err != nil {
		return Chat{}, fmt.Errorf("store: get chat %s/%s: %w", tenantID, chat, err)
	}
	chats, err := s.chatsFromHeads(ctx, tenantID, heads)
	if err != nil {
		return Chat{}, fmt.Errorf("store: get chat %s/%s: %w", tenantID, chat, err)
	}
	if len(chats) == 0 {
		return Chat{}, fmt.Errorf("store: get chat %s/%s: %w", tenantID, chat, ErrNotFound)
	}
	return chats[0], nil
}

// chatsFromHeads loads the messages the heads point at.
func (s *Store) chatsFromHeads(ctx context.Context, tenantID string, heads []chatHead) ([]Chat, error) {
	if len(heads) == 0 {
		return nil, nil
	}
	ids := make([]int64, 0, 2*len(heads))
	for _, h := range heads {
		if h.LastID != nil {
			ids = append(ids, *h.LastID)
		}
		if h.LastInID != nil {
			ids = append(ids, *h.LastInID)
		}
	}
	var rows []MessageLog
	if err := s.db.WithContext(ctx).Where("tenant_id = ? AND id IN ?", tenantID, ids).Find(&rows).Error; err != nil {
		return nil, err
	}
	byID := make(map[int64]MessageLog, len(rows))
	for _, m := range rows {
		byID[m.ID] = m
	}
	out := make([]Chat, 0, len(heads))
	for _, h := range heads {
		c := Chat{TenantID: tenantID, Chat: h.Chat, Paused: h.Paused}
		if h.PausedAt != nil {
			t := h.PausedAt.UTC()
			c.PausedAt = &t
		}
		if h.LastID != nil {
			c.Last = byID[*h.LastID]
		}
		if h.LastInID != nil {
			if m, ok := byID[*h.LastInID]; ok {
				t := m.CreatedAt
				c.LastInAt = &t
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// SetChatPaused pauses (or resumes) the bot in one chat of a tenant: a
// manual handoff to the owner. Pausing a chat that has no message yet
// creates its row.
func (s *Store) SetChatPaused(ctx context.Context, tenantID, chat string, paused bool) error {
	if tenantID == "" || chat == "" || len(chat) > MaxKeyLen {
		return fmt.Errorf("store: pause chat: %w: tenant and chat (at most %d bytes) are required", ErrInvalid, MaxKeyLen)
	}
	if err := checkTexts("tenant id", tenantID, "chat", chat); err != nil {
		return fmt.Errorf("store: pause chat: %w", err)
	}
	now := stamp(time.Now())
	var at *time.Time
	if paused {
		at = &now
	}
	err := s.write(ctx, func(tx *gorm.DB) error {
		return tx.Exec(`INSERT INTO chats (tenant_id, chat, created_at, paused, paused_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id, chat) DO UPDATE SET paused = excluded.paused, paused_at = excluded.paused_at`,
			tenantID, chat, now, paused, at).Error
	})
	if err != nil {
		return fmt.Errorf("store: pause chat %s/%s: %w", tenantID, chat, err)
	}
	return nil
}

// PausedChats returns the chats of a tenant where the owner paused the bot.
func (s *Store) PausedChats(ctx context.Context, tenantID string) ([]string, error) {
	var chats []string
	err := s.db.WithContext(ctx).Raw(`SELECT chat FROM chats WHERE tenant_id = ? AND paused ORDER BY chat`, tenantID).Scan(&chats).Error
	if err != nil {
		return nil, fmt.Errorf("store: paused chats %s: %w", tenantID, err)
	}
	return chats, nil
}

// LastCustomerMessageAt returns when the customer last wrote in a chat of
// a tenant, or ErrNotFound if they never did.
func (s *Store) LastCustomerMessageAt(ctx context.Context, tenantID, chat string) (time.Time, error) {
	var m MessageLog
	err := s.db.WithContext(ctx).Where("tenant_id = ? AND chat = ? AND direction = ?", tenantID, chat, DirIn).
		Order("id DESC").Limit(1).Take(&m).Error
	if err != nil {
		return time.Time{}, fmt.Errorf("store: last customer message %s/%s: %w", tenantID, chat, notFound(err))
	}
	return m.CreatedAt, nil
}
