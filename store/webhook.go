package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
)

// webhookMigration is schema version 8: per-tenant webhooks, their event
// outbox and their delivery log.
//
// webhook_events is the outbox. Its rows are written in the same
// transaction as what they describe (a message log row, a status update, a
// session state), so a crash loses none. id is the delivery order within a
// webhook; event_id is the public id receivers deduplicate by, unique per
// webhook (the same change never queues twice). The partial index on
// pending rows is the dispatcher's queue. There is no foreign key to
// webhooks: the log writer must never fail because a webhook was deleted
// at the same moment; deleting a webhook deletes its events itself.
func webhookMigration() migration {
	return migration{
		version: 8,
		name:    "webhooks",
		postgres: []string{
			`CREATE TABLE webhooks (
				id         TEXT PRIMARY KEY,
				tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
				url        TEXT NOT NULL,
				secret     TEXT NOT NULL,
				events     TEXT NOT NULL,
				enabled    BOOLEAN NOT NULL DEFAULT TRUE,
				created_at TIMESTAMPTZ NOT NULL,
				updated_at TIMESTAMPTZ NOT NULL
			)`,
			`CREATE INDEX webhooks_tenant_id_idx ON webhooks (tenant_id, created_at)`,
			`CREATE TABLE webhook_events (
				id              BIGSERIAL PRIMARY KEY,
				event_id        TEXT NOT NULL,
				webhook_id      TEXT NOT NULL,
				tenant_id       TEXT NOT NULL,
				type            TEXT NOT NULL,
				payload         TEXT NOT NULL,
				status          TEXT NOT NULL DEFAULT 'pending',
				attempts        INTEGER NOT NULL DEFAULT 0,
				next_attempt_at TIMESTAMPTZ NOT NULL,
				first_try_at    TIMESTAMPTZ,
				last_error      TEXT NOT NULL DEFAULT '',
				delivered_at    TIMESTAMPTZ,
				created_at      TIMESTAMPTZ NOT NULL,
				updated_at      TIMESTAMPTZ NOT NULL
			)`,
			`CREATE UNIQUE INDEX webhook_events_event_key ON webhook_events (webhook_id, event_id)`,
			`CREATE INDEX webhook_events_pending_idx ON webhook_events (webhook_id, id) WHERE status = 'pending'`,
			`CREATE INDEX webhook_events_tenant_idx ON webhook_events (tenant_id, webhook_id, status, id)`,
			`CREATE INDEX webhook_events_delivered_idx ON webhook_events (delivered_at) WHERE status = 'delivered'`,
			`CREATE TABLE webhook_deliveries (
				id          BIGSERIAL PRIMARY KEY,
				webhook_id  TEXT NOT NULL,
				tenant_id   TEXT NOT NULL,
				event_id    TEXT NOT NULL,
				event_type  TEXT NOT NULL,
				attempt     INTEGER NOT NULL,
				at          TIMESTAMPTZ NOT NULL,
				status_code INTEGER NOT NULL DEFAULT 0,
				error       TEXT NOT NULL DEFAULT '',
				duration_ms INTEGER NOT NULL DEFAULT 0
			)`,
			`CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id)`,
		},
		sqlite: []string{
			`CREATE TABLE webhooks (
				id         TEXT PRIMARY KEY NOT NULL,
				tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
				url        TEXT NOT NULL,
				secret     TEXT NOT NULL,
				events     TEXT NOT NULL,
				enabled    BOOLEAN NOT NULL DEFAULT TRUE,
				created_at DATETIME NOT NULL,
				updated_at DATETIME NOT NULL
			)`,
			`CREATE INDEX webhooks_tenant_id_idx ON webhooks (tenant_id, created_at)`,
			`CREATE TABLE webhook_events (
				id              INTEGER PRIMARY KEY NOT NULL,
				event_id        TEXT NOT NULL,
				webhook_id      TEXT NOT NULL,
				tenant_id       TEXT NOT NULL,
				type            TEXT NOT NULL,
				payload         TEXT NOT NULL,
				status          TEXT NOT NULL DEFAULT 'pending',
				attempts        INTEGER NOT NULL DEFAULT 0,
				next_attempt_at DATETIME NOT NULL,
				first_try_at    DATETIME,
				last_error      TEXT NOT NULL DEFAULT '',
				delivered_at    DATETIME,
				created_at      DATETIME NOT NULL,
				updated_at      DATETIME NOT NULL
			)`,
			`CREATE UNIQUE INDEX webhook_events_event_key ON webhook_events (webhook_id, event_id)`,
			`CREATE INDEX webhook_events_pending_idx ON webhook_events (webhook_id, id) WHERE status = 'pending'`,
			`CREATE INDEX webhook_events_tenant_idx ON webhook_events (tenant_id, webhook_id, status, id)`,
			`CREATE INDEX webhook_events_delivered_idx ON webhook_events (delivered_at) WHERE status = 'delivered'`,
			`CREATE TABLE webhook_deliveries (
				id          INTEGER PRIMARY KEY AUTOINCREMENT,
				webhook_id  TEXT NOT NULL,
				tenant_id   TEXT NOT NULL,
				event_id    TEXT NOT NULL,
				event_type  TEXT NOT NULL,
				attempt     INTEGER NOT NULL,
				at          DATETIME NOT NULL,
				status_code INTEGER NOT NULL DEFAULT 0,
				error       TEXT NOT NULL DEFAULT '',
				duration_ms INTEGER NOT NULL DEFAULT 0
			)`,
			`CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id)`,
		},
	}
}

// Webhook event types.
const (
	EventMessageIn    = "message.in"    // a customer's message was stored (an IN row)
	EventMessageOut   = "message.out"   // an OUT row reached a final state: sent, failed or suppressed
	EventSessionState = "session.state" // the tenant's WhatsApp session changed state
)

// WebhookEventTypes lists every event type, in display order.
func WebhookEventTypes() []string {
	return []string{EventMessageIn, EventMessageOut, EventSessionState}
}

// eventMask is a set of event types as bits.
type eventMask uint8

const (
	maskIn eventMask = 1 << iota
	maskOut
	maskSession
)

func maskOf(types []string) eventMask {
	var m eventMask
	for _, t := range types {
		switch t {
		case EventMessageIn:
			m |= maskIn
		case EventMessageOut:
			m |= maskOut
		case EventSessionState:
			m |= maskSession
		}
	}
	return m
}

// Limits on webhooks.
const (
	MaxWebhooksPerTenant = 10
	MaxWebhookURL        = 2048
	MaxWebhookSecret     = 256
	minWebhookSecret     = 16
)

// Webhook is one receiver of a tenant's events.
type Webhook struct {
	ID        string    `gorm:"column:id;primaryKey" json:"id"`
	TenantID  string    `gorm:"column:tenant_id" json:"tenant_id"`
	URL       string    `gorm:"column:url" json:"url"`
	Secret    string    `gorm:"column:secret" json:"secret,omitempty"` // the HMAC key; callers blank it where it must not show
	EventList string    `gorm:"column:events" json:"-"`                // comma-separated event types
	Enabled   bool      `gorm:"column:enabled" json:"enabled"`
	CreatedAt time.Time `gorm:"column:created_at" json:"created_at"`
	UpdatedAt time.Time `gorm:"column:updated_at" json:"updated_at"`
}

// TableName is the webhooks table.
func (Webhook) TableName() string { return "webhooks" }

// Events returns the subscribed event types.
func (w Webhook) Events() []string {
	if w.EventList == "" {
		return nil
	}
	return strings.Split(w.EventList, ",")
}

// Subscribes reports whether the webhook receives events of type t.
func (w Webhook) Subscribes(t string) bool { return slices.Contains(w.Events(), t) }

// SetEvents stores types (deduplicated, in WebhookEventTypes order).
func (w *Webhook) SetEvents(types []string) {
	var out []string
	for _, t := range WebhookEventTypes() {
		if slices.Contains(types, t) {
			out = append(out, t)
		}
	}
	w.EventList = strings.Join(out, ",")
}

// ValidateWebhookURL checks a receiver URL: absolute http or https with a
// host, no fragment, at most MaxWebhookURL bytes.
func ValidateWebhookURL(raw string) error {
	if raw == "" {
		return fmt.Errorf("%w: the URL is required", ErrInvalid)
	}
	if len(raw) > MaxWebhookURL {
		return fmt.Errorf("%w: the URL is longer than %d characters", ErrInvalid, MaxWebhookURL)
	}
	if err := checkText("url", raw); err != nil {
		return err
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: the URL does not parse", ErrInvalid)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: the URL must start with http:// or https://", ErrInvalid)
	}
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("%w: the URL has no host", ErrInvalid)
	}
	if u.Fragment != "" || strings.ContainsAny(raw, " \t\r\n") {
		return fmt.Errorf("%w: the URL must not contain spaces or a #fragment", ErrInvalid)
	}
	return nil
}

func (w *Webhook) validate() error {
	if w.TenantID == "" {
		return fmt.Errorf("%w: a webhook needs a tenant", ErrInvalid)
	}
	if err := ValidateWebhookURL(w.URL); err != nil {
		return err
	}
	if len(w.Secret) < minWebhookSecret || len(w.Secret) > MaxWebhookSecret {
		return fmt.Errorf("%w: the secret must be %d to %d characters", ErrInvalid, minWebhookSecret, MaxWebhookSecret)
	}
	if strings.ContainsAny(w.Secret, " \t\r\n") {
		return fmt.Errorf("%w: the secret must not contain spaces", ErrInvalid)
	}
	if err := checkText("secret", w.Secret); err != nil {
		return err
	}
	types := w.Events()
	if len(types) == 0 {
		return fmt.Errorf("%w: choose at least one event", ErrInvalid)
	}
	for _, t := range types {
		if !slices.Contains(WebhookEventTypes(), t) {
			return fmt.Errorf("%w: unknown event %q", ErrInvalid, t)
		}
	}
	return nil
}

// NewWebhookSecret returns a fresh random signing secret.
func NewWebhookSecret() string { return "whsec_" + randomHex(24) }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// CreateWebhook inserts w. An empty ID gets a new one and an empty Secret
// a generated secret; ID, Secret and the times are written back.
// ErrInvalid for a bad URL, secret or event list or more than
// MaxWebhooksPerTenant webhooks; ErrNotFound if the tenant does not exist.
func (s *Store) CreateWebhook(ctx context.Context, w *Webhook) error {
	row := *w
	if row.ID == "" {
		row.ID = "wh_" + randomHex(10)
	}
	if row.Secret == "" {
		row.Secret = NewWebhookSecret()
	}
	if err := row.normalizeEvents(row.Events()); err != nil {
		return fmt.Errorf("store: create webhook: %w", err)
	}
	if err := row.validate(); err != nil {
		return fmt.Errorf("store: create webhook: %w", err)
	}
	now := stamp(time.Now())
	row.CreatedAt, row.UpdatedAt = now, now
	err := s.write(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Webhook{}).Where("tenant_id = ?", row.TenantID).Count(&n).Error; err != nil {
			return err
		}
		if n >= MaxWebhooksPerTenant {
			return fmt.Errorf("%w: a tenant has at most %d webhooks", ErrInvalid, MaxWebhooksPerTenant)
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		switch {
		case isUniqueViolation(err):
			err = ErrConflict
		case isForeignKeyViolation(err):
			err = ErrNotFound
		}
		return fmt.Errorf("store: create webhook: %w", err)
	}
	*w = row
	return s.refreshWebhookIndex(ctx, row.TenantID)
}

// GetWebhook returns one webhook of a tenant, or ErrNotFound.
func (s *Store) GetWebhook(ctx context.Context, tenantID, id string) (Webhook, error) {
	var w Webhook
	if err := s.db.WithContext(ctx).Where("tenant_id = ? AND id = ?", tenantID, id).Take(&w).Error; err != nil {
		return Webhook{}, fmt.Errorf("store: get webhook %s/%s: %w", tenantID, id, notFound(err))
	}
	return w, nil
}

// ListWebhooks returns a tenant's webhooks, oldest first.
func (s *Store) ListWebhooks(ctx context.Context, tenantID string) ([]Webhook, error) {
	var out []Webhook
	err := s.db.WithContext(ctx).Where("tenant_id = ?", tenantID).
		Order("created_at").Order("id").Limit(MaxWebhooksPerTenant * 2).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: list webhooks %s: %w", tenantID, err)
	}
	return out, nil
}

// WebhookUpdate changes a webhook; nil fields stay as they are.
type WebhookUpdate struct {
	URL     *string
	Secret  *string
	Events  []string // nil = unchanged
	Enabled *bool
}

// UpdateWebhook applies u to one webhook of a tenant and returns the
// result. ErrNotFound, ErrInvalid.
func (s *Store) UpdateWebhook(ctx context.Context, tenantID, id string, u WebhookUpdate) (Webhook, error) {
	var out Webhook
	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("tenant_id = ? AND id = ?", tenantID, id).Take(&out).Error; err != nil {
			return notFound(err)
		}
		if u.URL != nil {
			out.URL = *u.URL
		}
		if u.Secret != nil {
			out.Secret = *u.Secret
		}
		if u.Events != nil {
			if err := out.normalizeEvents(u.Events); err != nil {
				return err
			}
		}
		if u.Enabled != nil {
			out.Enabled = *u.Enabled
		}
		if err := out.validate(); err != nil {
			return err
		}
		out.UpdatedAt = stamp(time.Now())
		return tx.Model(&Webhook{}).Where("tenant_id = ? AND id = ?", tenantID, id).Updates(map[string]any{
			"url": out.URL, "secret": out.Secret, "events": out.EventList, "enabled": out.Enabled, "updated_at": out.UpdatedAt,
		}).Error
	})
	if err != nil {
		return Webhook{}, fmt.Errorf("store: update webhook %s/%s: %w", tenantID, id, err)
	}
	return out, s.refreshWebhookIndex(ctx, tenantID)
}

// normalizeEvents sets the event list from types, refusing unknown ones.
func (w *Webhook) normalizeEvents(types []string) error {
	for _, t := range types {
		if !slices.Contains(WebhookEventTypes(), t) {
			return fmt.Errorf("%w: unknown event %q (want %s)", ErrInvalid, t, strings.Join(WebhookEventTypes(), ", "))
		}
	}
	w.SetEvents(types)
	return nil
}

// DeleteWebhook removes one webhook of a tenant with its events and
// delivery log. ErrNotFound if there is none.
func (s *Store) DeleteWebhook(ctx context.Context, tenantID, id string) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		res := tx.Where("tenant_id = ? AND id = ?", tenantID, id).Delete(&Webhook{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if err := tx.Exec(`DELETE FROM webhook_events WHERE tenant_id = ? AND webhook_id = ?`, tenantID, id).Error; err != nil {
			return err
		}
		return tx.Exec(`DELETE FROM webhook_deliveries WHERE tenant_id = ? AND webhook_id = ?`, tenantID, id).Error
	})
	if err != nil {
		return fmt.Errorf("store: delete webhook %s/%s: %w", tenantID, id, err)
	}
	return s.refreshWebhookIndex(ctx, tenantID)
}

// webhookIndex is the in-memory map from tenant to its enabled webhooks,
// read by every log writer batch: a batch of tenants without webhooks
// costs one map lookup per row. It is loaded on first use and refreshed
// by the webhook CRUD methods after they commit. It is only a filter: a
// webhook created a moment ago may miss an event written at the same
// moment, and events queued for a webhook deleted at the same moment are
// never delivered (the dispatcher only reads events of existing, enabled
// webhooks).
type webhookIndex struct {
	mu    sync.Mutex // serializes loading and refreshing
	m     atomic.Pointer[map[string][]hookRef]
	seqMu sync.Mutex
	seq   idGen // session.state event ids; guarded by seqMu

	notifyOnce sync.Once
	notify     chan struct{} // buffered 1: events were queued or webhooks changed
	gen        atomic.Int64  // bumped when webhooks or their queues change outside the writer
}

// WebhookNotify returns a channel that receives (without blocking the
// sender, so several notifications may arrive as one) when events were
// queued or a webhook's settings or queue changed. Events are queued
// inside a transaction: a receiver may look a moment before they are
// committed, so it should also poll.
func (s *Store) WebhookNotify() <-chan struct{} {
	s.hooks.notifyOnce.Do(func() { s.hooks.notify = make(chan struct{}, 1) })
	return s.hooks.notify
}

// WebhookGeneration changes whenever a webhook is changed or deleted or
// events are replayed: the dispatcher then rereads queues it is waiting
// on.
func (s *Store) WebhookGeneration() int64 { return s.hooks.gen.Load() }

func (s *Store) notifyWebhooks(changed bool) {
	if changed {
		s.hooks.gen.Add(1)
	}
	s.hooks.notifyOnce.Do(func() { s.hooks.notify = make(chan struct{}, 1) })
	select {
	case s.hooks.notify <- struct{}{}:
	default:
	}
}

type hookRef struct {
	id   string
	mask eventMask
}

// querier is what the index needs to read: a *sql.DB, *sql.Tx or a gorm
// transaction's connection.
type querier interface {
	gorm.ConnPool
}

// hookMap returns the index, loading it through q on first use.
func (s *Store) hookMap(ctx context.Context, q querier) (map[string][]hookRef, error) {
	if m := s.hooks.m.Load(); m != nil {
		return *m, nil
	}
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	if m := s.hooks.m.Load(); m != nil {
		return *m, nil
	}
	m, err := s.loadHooks(ctx, q, "")
	if err != nil {
		return nil, fmt.Errorf("load webhooks: %w", err)
	}
	s.hooks.m.Store(&m)
	return m, nil
}

// loadHooks reads enabled webhooks, of one tenant or ("" ) of all.
func (s *Store) loadHooks(ctx context.Context, q querier, tenantID string) (map[string][]hookRef, error) {
	query := `SELECT id, tenant_id, events FROM webhooks WHERE enabled ORDER BY created_at, id`
	var args []any
	if tenantID != "" {
		query = s.rebind(`SELECT id, tenant_id, events FROM webhooks WHERE enabled AND tenant_id = ? ORDER BY created_at, id`)
		args = append(args, tenantID)
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := make(map[string][]hookRef)
	for rows.Next() {
		var id, tenant, events string
		if err := rows.Scan(&id, &tenant, &events); err != nil {
			return nil, err
		}
		if mask := maskOf(strings.Split(events, ",")); mask != 0 {
			m[tenant] = append(m[tenant], hookRef{id: id, mask: mask})
		}
	}
	return m, rows.Err()
}

// refreshWebhookIndex rereads one tenant's webhooks into the index.
func (s *Store) refreshWebhookIndex(ctx context.Context, tenantID string) error {
	if _, err := s.hookMap(ctx, s.sqlDB); err != nil {
		return fmt.Errorf("store: webhook index: %w", err)
	}
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	fresh, err := s.loadHooks(ctx, s.sqlDB, tenantID)
	if err != nil {
		return fmt.Errorf("store: webhook index %s: %w", tenantID, err)
	}
	old := *s.hooks.m.Load()
	m := make(map[string][]hookRef, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	if refs := fresh[tenantID]; len(refs) > 0 {
		m[tenantID] = refs
	} else {
		delete(m, tenantID)
	}
	s.hooks.m.Store(&m)
	s.notifyWebhooks(true)
	return nil
}
