package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// stateBatch is how many rows one statement of SaveWorkers/SaveSessions
// writes.
const stateBatch = 500

// sessionColumns are the session columns a batch save overwrites: all but
// last_seen_at, which only the heartbeat (TouchLastSeen) writes.
func sessionColumns() []string {
	return []string{"state", "reason", "last_qr", "qr_expires_at", "pair_code", "jid", "updated_at"}
}

// workerColumns are the worker columns a batch save overwrites: all of them.
func workerColumns() []string {
	return []string{"status", "last_error", "restarts", "started_at", "updated_at"}
}

// SaveWorkers writes many worker rows in one transaction (insert or
// replace). Rows of tenants that no longer exist are skipped.
func (s *Store) SaveWorkers(ctx context.Context, ws []Worker) error {
	if len(ws) == 0 {
		return nil
	}
	now := stamp(time.Now())
	for i := range ws {
		if !ValidWorkerStatus(ws[i].Status) {
			return fmt.Errorf("store: save workers %s: %w: status %q", ws[i].TenantID, ErrInvalid, ws[i].Status)
		}
		ws[i].StartedAt = utcPtr(ws[i].StartedAt)
		ws[i].UpdatedAt = now
	}
	err := s.saveBatch(ctx, ws, workerColumns())
	if err != nil && isForeignKeyViolation(err) {
		err = nil
		for _, w := range ws {
			if e := s.SaveWorker(ctx, w); e != nil && !errors.Is(e, ErrNotFound) {
				err = e
			}
		}
	}
	if err != nil {
		return fmt.Errorf("store: save workers: %w", err)
	}
	return nil
}

// SaveSessions writes many session rows in one transaction. Unlike
// SaveSession it keeps each existing row's last_seen_at, so a state change
// never rewinds the heartbeat. Rows of tenants that no longer exist are
// skipped.
func (s *Store) SaveSessions(ctx context.Context, ss []WhatsAppSession) error {
	if len(ss) == 0 {
		return nil
	}
	now := stamp(time.Now())
	for i := range ss {
		x := &ss[i]
		if !ValidSessionState(x.State) {
			return fmt.Errorf("store: save sessions %s: %w: state %q", x.TenantID, ErrInvalid, x.State)
		}
		if err := checkTexts("reason", x.Reason, "qr", x.LastQR, "pair code", x.PairCode, "jid", x.JID); err != nil {
			return fmt.Errorf("store: save sessions %s: %w", x.TenantID, err)
		}
		x.QRExpiresAt = utcPtr(x.QRExpiresAt)
		x.LastSeenAt = utcPtr(x.LastSeenAt)
		x.UpdatedAt = now
	}
	err := s.saveBatch(ctx, ss, sessionColumns())
	if err != nil && isForeignKeyViolation(err) {
		err = nil
		for _, x := range ss {
			if e := s.saveBatch(ctx, []WhatsAppSession{x}, sessionColumns()); e != nil && !isForeignKeyViolation(e) {
				err = e
			}
		}
	}
	if err != nil {
		return fmt.Errorf("store: save sessions: %w", err)
	}
	return nil
}

// saveBatchRows upserts rows by tenant_id, overwriting only columns.
func saveBatchRows[T any](tx *gorm.DB, rows []T, columns []string) error {
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "tenant_id"}},
		DoUpdates: clause.AssignmentColumns(columns),
	}).CreateInBatches(rows, stateBatch).Error
}

func (s *Store) saveBatch(ctx context.Context, rows any, columns []string) error {
	return s.write(ctx, func(tx *gorm.DB) error {
		switch r := rows.(type) {
		case []Worker:
			return saveBatchRows(tx, r, columns)
		case []WhatsAppSession:
			// With the session.state events of tenants with webhooks: webhook_outbox.go.
			return s.saveSessionsQueuingEvents(tx, r, columns)
		}
		return fmt.Errorf("%w: cannot batch-save %T", ErrInvalid, rows)
	})
}

// HasReply reports whether an OUT row of the tenant answers the IN row id.
func (s *Store) HasReply(ctx context.Context, tenantID string, inID int64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&MessageLog{}).
		Where("tenant_id = ? AND reply_to = ?", tenantID, inID).
		Limit(1).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("store: has reply %s/%d: %w", tenantID, inID, err)
	}
	return n > 0, nil
}
