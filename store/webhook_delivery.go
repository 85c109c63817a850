package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// Webhook event statuses.
const (
	WebhookPending   = "pending"   // waiting for (another) delivery attempt
	WebhookDelivered = "delivered" // the receiver answered 2xx
	WebhookDead      = "dead"      // retries ran out: a dead letter, until replayed
)

// WebhookEvent is one row of the outbox: one event for one webhook.
type WebhookEvent struct {
	Seq           int64      `gorm:"column:id;primaryKey" json:"-"` // delivery order within the webhook
	EventID       string     `gorm:"column:event_id" json:"id"`     // what receivers deduplicate by
	WebhookID     string     `gorm:"column:webhook_id" json:"webhook_id"`
	TenantID      string     `gorm:"column:tenant_id" json:"tenant_id"`
	Type          string     `gorm:"column:type" json:"type"`
	Payload       string     `gorm:"column:payload" json:"-"` // the data object, JSON
	Status        string     `gorm:"column:status" json:"status"`
	Attempts      int        `gorm:"column:attempts" json:"attempts"`
	NextAttemptAt time.Time  `gorm:"column:next_attempt_at" json:"next_attempt_at"`
	FirstTryAt    *time.Time `gorm:"column:first_try_at" json:"first_try_at"`
	LastError     string     `gorm:"column:last_error" json:"last_error"`
	DeliveredAt   *time.Time `gorm:"column:delivered_at" json:"delivered_at"`
	CreatedAt     time.Time  `gorm:"column:created_at" json:"created_at"`
	UpdatedAt     time.Time  `gorm:"column:updated_at" json:"updated_at"`
}

// TableName is the webhook_events table.
func (WebhookEvent) TableName() string { return "webhook_events" }

// Data returns the event's data object.
func (e WebhookEvent) Data() json.RawMessage { return json.RawMessage(e.Payload) }

// WebhookDelivery is one delivery attempt in a webhook's log.
type WebhookDelivery struct {
	ID         int64     `gorm:"column:id;primaryKey" json:"id"`
	WebhookID  string    `gorm:"column:webhook_id" json:"webhook_id"`
	TenantID   string    `gorm:"column:tenant_id" json:"tenant_id"`
	EventID    string    `gorm:"column:event_id" json:"event_id"`
	EventType  string    `gorm:"column:event_type" json:"event_type"`
	Attempt    int       `gorm:"column:attempt" json:"attempt"`
	At         time.Time `gorm:"column:at" json:"at"`
	StatusCode int       `gorm:"column:status_code" json:"status_code"` // 0 when no response came
	Error      string    `gorm:"column:error" json:"error"`
	DurationMS int64     `gorm:"column:duration_ms" json:"duration_ms"`
}

// TableName is the webhook_deliveries table.
func (WebhookDelivery) TableName() string { return "webhook_deliveries" }

// DeliveryLogSize is how many attempts a webhook's delivery log keeps.
const DeliveryLogSize = 100

// WebhookRef names a webhook with its tenant.
type WebhookRef struct {
	TenantID  string
	WebhookID string
}

// PendingWebhooks lists the enabled webhooks that have pending events:
// the dispatcher's work list.
func (s *Store) PendingWebhooks(ctx context.Context) ([]WebhookRef, error) {
	rows, err := s.sqlDB.QueryContext(ctx, `SELECT w.tenant_id, w.id FROM webhooks w
		WHERE w.enabled AND EXISTS (SELECT 1 FROM webhook_events e WHERE e.webhook_id = w.id AND e.status = 'pending')`)
	if err != nil {
		return nil, fmt.Errorf("store: pending webhooks: %w", err)
	}
	defer rows.Close()
	var out []WebhookRef
	for rows.Next() {
		var r WebhookRef
		if err := rows.Scan(&r.TenantID, &r.WebhookID); err != nil {
			return nil, fmt.Errorf("store: pending webhooks: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: pending webhooks: %w", err)
	}
	return out, nil
}

// NextWebhookEvents returns up to limit pending events of one webhook, in
// delivery order (the head first).
func (s *Store) NextWebhookEvents(ctx context.Context, tenantID, webhookID string, limit int) ([]WebhookEvent, error) {
	limit = max(1, min(limit, 1000))
	var out []WebhookEvent
	err := s.db.WithContext(ctx).
		Where("webhook_id = ? AND status = 'pending' AND tenant_id = ?", webhookID, tenantID).
		Order("id").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: next webhook events %s/%s: %w", tenantID, webhookID, err)
	}
	return out, nil
}

// WebhookAttempt is the outcome of one delivery attempt of one event.
type WebhookAttempt struct {
	Seq           int64 // WebhookEvent.Seq
	EventID       string
	Type          string
	Attempt       int // 1 for the first attempt
	At            time.Time
	StatusCode    int
	Error         string
	Duration      time.Duration
	Outcome       string    // WebhookDelivered, WebhookPending (retry at NextAttemptAt) or WebhookDead
	NextAttemptAt time.Time // for WebhookPending
}

// RecordWebhookAttempts stores the outcomes of attempts on one webhook's
// events and appends them to its delivery log (trimmed to the newest
// DeliveryLogSize), in one transaction. Events no longer pending (deleted,
// already recorded) are left alone.
func (s *Store) RecordWebhookAttempts(ctx context.Context, tenantID, webhookID string, atts []WebhookAttempt) error {
	if len(atts) == 0 {
		return nil
	}
	now := stamp(time.Now())
	err := s.write(ctx, func(tx *gorm.DB) error {
		var delivered []int64
		logs := make([]WebhookDelivery, 0, len(atts))
		for _, a := range atts {
			at := stamp(a.At)
			logs = append(logs, WebhookDelivery{
				WebhookID: webhookID, TenantID: tenantID, EventID: a.EventID, EventType: a.Type, Attempt: a.Attempt,
				At: at, StatusCode: a.StatusCode, Error: truncate(a.Error, 1000), DurationMS: a.Duration.Milliseconds(),
			})
			switch a.Outcome {
			case WebhookDelivered:
				delivered = append(delivered, a.Seq)
			case WebhookPending, WebhookDead:
				err := tx.Exec(`UPDATE webhook_events SET status = ?, attempts = attempts + 1, next_attempt_at = ?,
					last_error = ?, first_try_at = COALESCE(first_try_at, ?), updated_at = ?
					WHERE id = ? AND tenant_id = ? AND webhook_id = ? AND status = 'pending'`,
					a.Outcome, stamp(a.NextAttemptAt), truncate(a.Error, 1000), at, now, a.Seq, tenantID, webhookID).Error
				if err != nil {
					return err
				}
			default:
				return fmt.Errorf("%w: attempt outcome %q", ErrInvalid, a.Outcome)
			}
		}
		if len(delivered) > 0 {
			// The ids as one JSON array: one parameter, whatever the count.
			ids := make([]byte, 0, 20*len(delivered))
			ids = append(ids, '[')
			for i, id := range delivered {
				if i > 0 {
					ids = append(ids, ',')
				}
				ids = strconv.AppendInt(ids, id, 10)
			}
			ids = append(ids, ']')
			in := `id IN (SELECT value FROM json_each(?))`
			if s.dialect == DialectPostgres {
				in = `id IN (SELECT json_array_elements_text(?::json)::bigint)`
			}
			err := tx.Exec(`UPDATE webhook_events SET status = 'delivered', attempts = attempts + 1, delivered_at = ?,
				first_try_at = COALESCE(first_try_at, ?), updated_at = ?
				WHERE tenant_id = ? AND webhook_id = ? AND status = 'pending' AND `+in,
				now, now, now, tenantID, webhookID, string(ids)).Error
			if err != nil {
				return err
			}
		}
		if err := s.insertDeliveries(tx, logs); err != nil {
			return err
		}
		return tx.Exec(`DELETE FROM webhook_deliveries WHERE webhook_id = ? AND id <=
			(SELECT id FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
			webhookID, webhookID, DeliveryLogSize).Error
	})
	if err != nil {
		return fmt.Errorf("store: record webhook attempts %s/%s: %w", tenantID, webhookID, err)
	}
	return nil
}

// insertDeliveries appends attempts to the delivery log with one
// statement, the rows in one JSON document (see the log writer for why).
func (s *Store) insertDeliveries(tx *gorm.DB, logs []WebhookDelivery) error {
	doc := make([]byte, 0, 160*len(logs))
	doc = append(doc, '[')
	for i, d := range logs {
		if i > 0 {
			doc = append(doc, ',')
		}
		doc = append(doc, '[')
		for _, v := range [...]string{d.WebhookID, d.TenantID, d.EventID, d.EventType} {
			doc = appendJSONString(doc, v)
			doc = append(doc, ',')
		}
		doc = strconv.AppendInt(doc, int64(d.Attempt), 10)
		doc = append(doc, ',', '"')
		doc = s.appendTime(doc, d.At)
		doc = append(doc, '"', ',')
		doc = strconv.AppendInt(doc, int64(d.StatusCode), 10)
		doc = append(doc, ',')
		doc = appendJSONString(doc, d.Error)
		doc = append(doc, ',')
		doc = strconv.AppendInt(doc, d.DurationMS, 10)
		doc = append(doc, ']')
	}
	doc = append(doc, ']')
	q := sqliteInsertDeliveriesSQL
	if s.dialect == DialectPostgres {
		q = pgInsertDeliveriesSQL
	}
	return tx.Exec(q, string(doc)).Error
}

const deliveryColumns = `webhook_id, tenant_id, event_id, event_type, attempt, at, status_code, error, duration_ms`

const sqliteInsertDeliveriesSQL = `INSERT INTO webhook_deliveries (` + deliveryColumns + `)
SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7, value ->> 8
FROM json_each(?) ORDER BY key`

const pgInsertDeliveriesSQL = `INSERT INTO webhook_deliveries (` + deliveryColumns + `)
SELECT v ->> 0, v ->> 1, v ->> 2, v ->> 3, (v ->> 4)::integer, (v ->> 5)::timestamptz, (v ->> 6)::integer, v ->> 7, (v ->> 8)::integer
FROM json_array_elements(?::json) WITH ORDINALITY AS t(v, n) ORDER BY n`

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 { // keep UTF-8 whole
		n--
	}
	return s[:n]
}

// ListWebhookDeliveries returns a webhook's delivery log, newest first.
func (s *Store) ListWebhookDeliveries(ctx context.Context, tenantID, webhookID string, limit int) ([]WebhookDelivery, error) {
	if limit <= 0 || limit > DeliveryLogSize {
		limit = DeliveryLogSize
	}
	var out []WebhookDelivery
	err := s.db.WithContext(ctx).Where("webhook_id = ? AND tenant_id = ?", webhookID, tenantID).
		Order("id DESC").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: list webhook deliveries %s/%s: %w", tenantID, webhookID, err)
	}
	return out, nil
}

// ListWebhookEventsOptions filters and pages ListWebhookEvents.
type ListWebhookEventsOptions struct {
	WebhookID string // "" = every webhook of the tenant
	Status    string // WebhookPending, WebhookDelivered, WebhookDead; "" = all
	BeforeSeq int64  // keyset cursor: events with Seq < BeforeSeq; 0 = newest
	Limit     int    // default 50, at most MaxWebhookEventPage
}

// MaxWebhookEventPage bounds a ListWebhookEvents page.
const MaxWebhookEventPage = 500

// ListWebhookEvents returns a tenant's outbox events, newest first. For
// the next page pass the last event's Seq as BeforeSeq.
func (s *Store) ListWebhookEvents(ctx context.Context, tenantID string, opts ListWebhookEventsOptions) ([]WebhookEvent, error) {
	limit := opts.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, MaxWebhookEventPage)
	q := s.db.WithContext(ctx).Where("tenant_id = ?", tenantID)
	if opts.WebhookID != "" {
		q = q.Where("webhook_id = ?", opts.WebhookID)
	}
	if opts.Status != "" {
		q = q.Where("status = ?", opts.Status)
	}
	if opts.BeforeSeq > 0 {
		q = q.Where("id < ?", opts.BeforeSeq)
	}
	var out []WebhookEvent
	if err := q.Order("id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: list webhook events %s: %w", tenantID, err)
	}
	return out, nil
}

// GetWebhookEvent returns one event of a tenant's webhook by its public
// id, or ErrNotFound.
func (s *Store) GetWebhookEvent(ctx context.Context, tenantID, webhookID, eventID string) (WebhookEvent, error) {
	var e WebhookEvent
	err := s.db.WithContext(ctx).Where("tenant_id = ? AND webhook_id = ? AND event_id = ?", tenantID, webhookID, eventID).Take(&e).Error
	if err != nil {
		return WebhookEvent{}, fmt.Errorf("store: get webhook event %s/%s/%s: %w", tenantID, webhookID, eventID, notFound(err))
	}
	return e, nil
}

// ReplayWebhookEvent puts a dead letter back in its webhook's queue for a
// fresh round of attempts (with the same event id) and returns it.
// ErrNotFound; ErrConflict if the event is not dead.
func (s *Store) ReplayWebhookEvent(ctx context.Context, tenantID, webhookID, eventID string) (WebhookEvent, error) {
	var e WebhookEvent
	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("tenant_id = ? AND webhook_id = ? AND event_id = ?", tenantID, webhookID, eventID).Take(&e).Error; err != nil {
			return notFound(err)
		}
		if e.Status != WebhookDead {
			return fmt.Errorf("%w: event %s is %s, only dead events can be replayed", ErrConflict, eventID, e.Status)
		}
		now := stamp(time.Now())
		e.Status, e.Attempts, e.NextAttemptAt, e.FirstTryAt, e.UpdatedAt = WebhookPending, 0, now, nil, now
		return tx.Exec(`UPDATE webhook_events SET status = 'pending', attempts = 0, next_attempt_at = ?, first_try_at = NULL,
			updated_at = ? WHERE id = ? AND tenant_id = ?`, now, now, e.Seq, tenantID).Error
	})
	if err != nil {
		return WebhookEvent{}, fmt.Errorf("store: replay webhook event %s/%s/%s: %w", tenantID, webhookID, eventID, err)
	}
	s.notifyWebhooks(true)
	return e, nil
}

// ReplayDeadWebhookEvents replays every dead letter of one webhook and
// returns how many.
func (s *Store) ReplayDeadWebhookEvents(ctx context.Context, tenantID, webhookID string) (int64, error) {
	var n int64
	err := s.writeOne(ctx, func(db *gorm.DB) error {
		now := stamp(time.Now())
		res := db.Exec(`UPDATE webhook_events SET status = 'pending', attempts = 0, next_attempt_at = ?, first_try_at = NULL,
			updated_at = ? WHERE tenant_id = ? AND webhook_id = ? AND status = 'dead'`, now, now, tenantID, webhookID)
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, fmt.Errorf("store: replay dead webhook events %s/%s: %w", tenantID, webhookID, err)
	}
	s.notifyWebhooks(true)
	return n, nil
}

// RetryWebhookNow makes a webhook's pending events due now (after its
// receiver was fixed, say) and returns how many.
func (s *Store) RetryWebhookNow(ctx context.Context, tenantID, webhookID string) (int64, error) {
	var n int64
	err := s.writeOne(ctx, func(db *gorm.DB) error {
		now := stamp(time.Now())
		res := db.Exec(`UPDATE webhook_events SET next_attempt_at = ?, updated_at = ?
			WHERE tenant_id = ? AND webhook_id = ? AND status = 'pending' AND next_attempt_at > ?`, now, now, tenantID, webhookID, now)
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, fmt.Errorf("store: retry webhook now %s/%s: %w", tenantID, webhookID, err)
	}
	s.notifyWebhooks(true)
	return n, nil
}

// WebhookCounts is how many events of a webhook are in each status.
type WebhookCounts struct {
	Pending   int64 `json:"pending"`
	Delivered int64 `json:"delivered"`
	Dead      int64 `json:"dead"`
}

// CountWebhookEvents counts one webhook's events by status.
func (s *Store) CountWebhookEvents(ctx context.Context, tenantID, webhookID string) (WebhookCounts, error) {
	rows, err := s.sqlDB.QueryContext(ctx, s.rebind(`SELECT status, COUNT(*) FROM webhook_events
		WHERE tenant_id = ? AND webhook_id = ? GROUP BY status`), tenantID, webhookID)
	if err != nil {
		return WebhookCounts{}, fmt.Errorf("store: count webhook events %s/%s: %w", tenantID, webhookID, err)
	}
	defer rows.Close()
	var c WebhookCounts
	for rows.Next() {
		var st string
		var n int64
		if err := rows.Scan(&st, &n); err != nil {
			return WebhookCounts{}, fmt.Errorf("store: count webhook events: %w", err)
		}
		switch st {
		case WebhookPending:
			c.Pending = n
		case WebhookDelivered:
			c.Delivered = n
		case WebhookDead:
			c.Dead = n
		}
	}
	if err := rows.Err(); err != nil {
		return WebhookCounts{}, fmt.Errorf("store: count webhook events: %w", err)
	}
	return c, nil
}

// WebhookBacklog returns the number of pending webhook events, across all
// tenants (for metrics).
func (s *Store) WebhookBacklog(ctx context.Context) (int64, error) {
	var n int64
	if err := s.sqlDB.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_events WHERE status = 'pending'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: webhook backlog: %w", err)
	}
	return n, nil
}

// PruneWebhookEvents deletes delivered events delivered before before and
// returns how many. Dead letters stay until replayed or their webhook is
// deleted.
func (s *Store) PruneWebhookEvents(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.writeOne(ctx, func(db *gorm.DB) error {
		res := db.Exec(`DELETE FROM webhook_events WHERE status = 'delivered' AND delivered_at < ?`, stamp(before))
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, fmt.Errorf("store: prune webhook events: %w", err)
	}
	return n, nil
}
