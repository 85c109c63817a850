package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// AuditEntry records one action taken by a person (or the command line):
// who, what, on which tenant, when. Entries are never changed; they
// outlive the accounts and tenants they name, which is why the actor's
// email and the tenant's name are copied in.
type AuditEntry struct {
	ID         int64     `gorm:"column:id;primaryKey;autoIncrement" json:"id"`
	At         time.Time `gorm:"column:at" json:"at"`
	ActorID    string    `gorm:"column:actor_id" json:"actor_id"`       // user id; "" for the system or the CLI
	ActorEmail string    `gorm:"column:actor_email" json:"actor_email"` // as it was at the time
	Action     string    `gorm:"column:action" json:"action"`           // e.g. "tenant.create", "worker.force_restart"
	TenantID   string    `gorm:"column:tenant_id" json:"tenant_id"`     // "" when no tenant is involved
	TenantName string    `gorm:"column:tenant_name" json:"tenant_name"`
	Detail     string    `gorm:"column:detail" json:"detail"`
	IP         string    `gorm:"column:ip" json:"ip"`
}

// TableName is the audit_log table.
func (AuditEntry) TableName() string { return "audit_log" }

// Size limits on audit columns; longer values are cut, not refused, so an
// action is never left unrecorded.
const (
	maxAuditField  = 256
	maxAuditDetail = 2000
)

// AddAudit appends an entry; At defaults to now. The id is written back.
func (s *Store) AddAudit(ctx context.Context, e *AuditEntry) error {
	if e.Action == "" {
		return fmt.Errorf("store: add audit: %w: empty action", ErrInvalid)
	}
	row := *e
	row.ID = 0
	if row.At.IsZero() {
		row.At = time.Now()
	}
	row.At = stamp(row.At)
	row.ActorID = truncateUTF8(row.ActorID, maxAuditField)
	row.ActorEmail = truncateUTF8(row.ActorEmail, maxAuditField)
	row.Action = truncateUTF8(row.Action, maxAuditField)
	row.TenantID = truncateUTF8(row.TenantID, maxAuditField)
	row.TenantName = truncateUTF8(row.TenantName, maxAuditField)
	row.Detail = truncateUTF8(row.Detail, maxAuditDetail)
	row.IP = truncateUTF8(row.IP, maxSessionIP)
	if err := s.writeOne(ctx, func(db *gorm.DB) error { return db.Create(&row).Error }); err != nil {
		return fmt.Errorf("store: add audit %s: %w", e.Action, err)
	}
	*e = row
	return nil
}

// ListAuditOptions filters and pages ListAudit.
type ListAuditOptions struct {
	TenantID string // exact tenant; "" = all
	ActorID  string // exact actor; "" = all
	Action   string // exact action, or a prefix ending in "." such as "worker."; "" = all
	BeforeID int64  // keyset cursor: entries with id < BeforeID; 0 = newest
	Limit    int    // default 50, at most 500
}

// ListAudit returns entries newest first. For the next page pass the last
// entry's ID as BeforeID.
func (s *Store) ListAudit(ctx context.Context, opts ListAuditOptions) ([]AuditEntry, error) {
	limit := opts.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	q := s.db.WithContext(ctx).Model(&AuditEntry{})
	if opts.TenantID != "" {
		q = q.Where("tenant_id = ?", opts.TenantID)
	}
	if opts.ActorID != "" {
		q = q.Where("actor_id = ?", opts.ActorID)
	}
	if a := opts.Action; a != "" {
		if a[len(a)-1] == '.' {
			q = q.Where("action LIKE ? ESCAPE '\\'", likePrefix(a))
		} else {
			q = q.Where("action = ?", a)
		}
	}
	if opts.BeforeID > 0 {
		q = q.Where("id < ?", opts.BeforeID)
	}
	var out []AuditEntry
	if err := q.Order("id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: list audit: %w", err)
	}
	return out, nil
}

// likePrefix escapes LIKE wildcards in p and appends %.
func likePrefix(p string) string {
	return likePattern(p)[1:]
}
