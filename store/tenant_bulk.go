package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// bulkBatch is the number of rows per INSERT of CreateTenants.
const bulkBatch = 500

// CreateTenants inserts many tenants in one transaction, with multi-row
// INSERTs: each gets a copy of cfg, a DISCONNECTED session and a STOPPED
// worker, as CreateTenant would give it. Empty ids and statuses are filled
// in and written back. For imports and for seeding benchmarks; any
// conflict fails the whole call with ErrConflict.
func (s *Store) CreateTenants(ctx context.Context, ts []Tenant, cfg TenantConfig) error {
	if len(ts) == 0 {
		return nil
	}
	if err := cfg.validate(); err != nil {
		return fmt.Errorf("store: create tenants: %w", err)
	}
	if cfg.ReplyOverrides == nil {
		cfg.ReplyOverrides = ReplyOverrides{}
	}
	now := stamp(time.Now())
	cfgs := make([]TenantConfig, len(ts))
	sessions := make([]WhatsAppSession, len(ts))
	workers := make([]Worker, len(ts))
	for i := range ts {
		t := &ts[i]
		if t.ID == "" {
			t.ID = uuid.NewString()
		}
		if t.Status == "" {
			t.Status = TenantPending
		}
		if err := t.validate(); err != nil {
			return fmt.Errorf("store: create tenants: %s: %w", t.ID, err)
		}
		if t.CreatedAt.IsZero() {
			t.CreatedAt = now
		}
		t.CreatedAt, t.UpdatedAt = stamp(t.CreatedAt), now
		c := cfg
		c.TenantID, c.UpdatedAt = t.ID, now
		cfgs[i] = c
		sessions[i] = WhatsAppSession{TenantID: t.ID, State: SessionDisconnected, UpdatedAt: now}
		workers[i] = Worker{TenantID: t.ID, Status: WorkerStopped, UpdatedAt: now}
	}
	err := s.write(ctx, func(tx *gorm.DB) error {
		for _, rows := range []any{ts, cfgs, sessions, workers} {
			if err := tx.CreateInBatches(rows, bulkBatch).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if isUniqueViolation(err) {
			err = ErrConflict
		}
		return fmt.Errorf("store: create tenants: %w", err)
	}
	return nil
}
