package store

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Tenant statuses.
const (
	TenantPending = "PENDING"
	TenantActive  = "ACTIVE"
	TenantPaused  = "PAUSED"
	TenantError   = "ERROR"
)

// Tenant is one business whose WhatsApp number Flow HQ answers.
type Tenant struct {
	ID          string    `gorm:"column:id;primaryKey" json:"id"`
	Name        string    `gorm:"column:name" json:"name"`
	PhoneNumber string    `gorm:"column:phone_number" json:"phone_number"` // E.164 ("+255712345678") or empty
	Status      string    `gorm:"column:status" json:"status"`
	CreatedAt   time.Time `gorm:"column:created_at" json:"created_at"`
	UpdatedAt   time.Time `gorm:"column:updated_at" json:"updated_at"`
}

// TableName is the tenants table.
func (Tenant) TableName() string { return "tenants" }

// ValidTenantStatus reports whether s is one of the Tenant* statuses.
func ValidTenantStatus(s string) bool {
	switch s {
	case TenantPending, TenantActive, TenantPaused, TenantError:
		return true
	}
	return false
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// ValidPhoneNumber reports whether p is an E.164 number ("+" and 7 to 15
// digits, no leading zero).
func ValidPhoneNumber(p string) bool { return e164.MatchString(p) }

func (t *Tenant) validate() error {
	if !ValidTenantStatus(t.Status) {
		return fmt.Errorf("%w: tenant status %q", ErrInvalid, t.Status)
	}
	if t.PhoneNumber != "" && !ValidPhoneNumber(t.PhoneNumber) {
		return fmt.Errorf("%w: phone number %q is not E.164", ErrInvalid, t.PhoneNumber)
	}
	return checkTexts("id", t.ID, "name", t.Name)
}

// CreateTenant inserts t with its config, a DISCONNECTED session and a
// STOPPED worker, all in one transaction. An empty t.ID gets a new UUID and
// an empty t.Status becomes PENDING; both are written back to t, as are the
// timestamps. A taken id or non-empty phone number gives ErrConflict.
func (s *Store) CreateTenant(ctx context.Context, t *Tenant, cfg TenantConfig) error {
	if t.ID == "" {
		t.ID = uuid.NewString()
	}
	if t.Status == "" {
		t.Status = TenantPending
	}
	if err := t.validate(); err != nil {
		return fmt.Errorf("store: create tenant %s: %w", t.ID, err)
	}
	if err := cfg.validate(); err != nil {
		return fmt.Errorf("store: create tenant %s: %w", t.ID, err)
	}
	now := stamp(time.Now())
	row := *t
	row.CreatedAt, row.UpdatedAt = now, now
	cfg.TenantID, cfg.UpdatedAt = row.ID, now
	if cfg.ReplyOverrides == nil {
		cfg.ReplyOverrides = ReplyOverrides{}
	}
	sess := WhatsAppSession{TenantID: row.ID, State: SessionDisconnected, UpdatedAt: now}
	wk := Worker{TenantID: row.ID, Status: WorkerStopped, UpdatedAt: now}

	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := tx.Create(&cfg).Error; err != nil {
			return err
		}
		if err := tx.Create(&sess).Error; err != nil {
			return err
		}
		return tx.Create(&wk).Error
	})
	if err != nil {
		if isUniqueViolation(err) {
			err = ErrConflict
		}
		return fmt.Errorf("store: create tenant %s: %w", t.ID, err)
	}
	*t = row
	return nil
}

// GetTenant returns one tenant, or ErrNotFound.
func (s *Store) GetTenant(ctx context.Context, id string) (Tenant, error) {
	var t Tenant
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&t).Error; err != nil {
		return Tenant{}, fmt.Errorf("store: get tenant %s: %w", id, notFound(err))
	}
	return t, nil
}

// ListTenantsOptions filters and pages ListTenants.
type ListTenantsOptions struct {
	Status string // exact status; "" = any
	Query  string // case-insensitive substring of name, phone number or id; "" = any
	Limit  int    // <= 0: no limit
	Offset int
}

// ListTenants returns one page of tenants, newest first, and the number of
// tenants matching the filters across all pages.
func (s *Store) ListTenants(ctx context.Context, opts ListTenantsOptions) ([]Tenant, int64, error) {
	q := s.db.WithContext(ctx).Model(&Tenant{})
	if opts.Status != "" {
		q = q.Where("status = ?", opts.Status)
	}
	if opts.Query != "" {
		pat := likePattern(opts.Query)
		q = q.Where("(LOWER(name) LIKE ? ESCAPE '\\' OR phone_number LIKE ? ESCAPE '\\' OR LOWER(id) LIKE ? ESCAPE '\\')",
			strings.ToLower(pat), pat, strings.ToLower(pat))
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("store: list tenants: %w", err)
	}
	q = q.Order("created_at DESC").Order("id DESC")
	if opts.Limit > 0 {
		q = q.Limit(opts.Limit)
	}
	if opts.Offset > 0 {
		q = q.Offset(opts.Offset)
	}
	var out []Tenant
	if err := q.Find(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("store: list tenants: %w", err)
	}
	return out, total, nil
}

// ListTenantIDsByStatus returns the ids of all tenants in status, ordered
// by id. The supervisor uses it at boot to start every ACTIVE tenant.
func (s *Store) ListTenantIDsByStatus(ctx context.Context, status string) ([]string, error) {
	var ids []string
	err := s.db.WithContext(ctx).Model(&Tenant{}).Where("status = ?", status).Order("id").Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("store: list tenant ids (%s): %w", status, err)
	}
	return ids, nil
}

// UpdateTenant writes t's name, phone number and status. ErrNotFound if
// the tenant does not exist, ErrConflict if the phone number is taken.
func (s *Store) UpdateTenant(ctx context.Context, t Tenant) error {
	if err := t.validate(); err != nil {
		return fmt.Errorf("store: update tenant %s: %w", t.ID, err)
	}
	var n int64
	err := s.writeOne(ctx, func(db *gorm.DB) error {
		res := db.Model(&Tenant{}).Where("id = ?", t.ID).Updates(map[string]any{
			"name":         t.Name,
			"phone_number": t.PhoneNumber,
			"status":       t.Status,
			"updated_at":   stamp(time.Now()),
		})
		n = res.RowsAffected
		return res.Error
	})
	switch {
	case err != nil && isUniqueViolation(err):
		err = ErrConflict
	case err == nil && n == 0:
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: update tenant %s: %w", t.ID, err)
	}
	return nil
}

// SetTenantStatus changes one tenant's status.
func (s *Store) SetTenantStatus(ctx context.Context, id, status string) error {
	if !ValidTenantStatus(status) {
		return fmt.Errorf("store: set tenant %s status: %w: status %q", id, ErrInvalid, status)
	}
	var n int64
	err := s.writeOne(ctx, func(db *gorm.DB) error {
		res := db.Model(&Tenant{}).Where("id = ?", id).Updates(map[string]any{
			"status":     status,
			"updated_at": stamp(time.Now()),
		})
		n = res.RowsAffected
		return res.Error
	})
	if err == nil && n == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: set tenant %s status: %w", id, err)
	}
	return nil
}

// DeleteTenant removes a tenant; its config, session and worker rows go
// with it (ON DELETE CASCADE). With keepLogs its message logs stay (as
// history of a tenant that no longer exists); without, they are deleted
// in the same transaction.
func (s *Store) DeleteTenant(ctx context.Context, id string, keepLogs bool) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		res := tx.Where("id = ?", id).Delete(&Tenant{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		// Nobody will send a removed tenant's pending replies: with its
		// logs kept they stay pending rows of history.
		if err := tx.Exec(`DELETE FROM pending_replies WHERE tenant_id = ?`, id).Error; err != nil {
			return err
		}
		if !keepLogs {
			if err := tx.Exec(`DELETE FROM chats WHERE tenant_id = ?`, id).Error; err != nil {
				return err
			}
			return tx.Where("tenant_id = ?", id).Delete(&MessageLog{}).Error
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: delete tenant %s: %w", id, err)
	}
	if !keepLogs {
		s.chats.forget(id)
	}
	return nil
}

// likePattern escapes LIKE wildcards in q and wraps it in %...%.
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}
