package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// portalMigration is schema version 6: setup requests (a business asks to
// be onboarded from the public page) and invites (the one-time links that
// let a new tenant user choose a password).
//
// At most one PENDING request per phone number: a partial unique index
// makes a second one ErrConflict, also when two arrive at once. Request ids
// are UUIDv7 (time-ordered), so "id < cursor" pages them newest first.
// An invite keeps only the SHA-256 of its token.
func portalMigration() migration {
	return migration{
		version: 6,
		name:    "portal",
		postgres: []string{
			`CREATE TABLE setup_requests (
				id            TEXT PRIMARY KEY,
				business_name TEXT NOT NULL,
				contact_name  TEXT NOT NULL,
				phone         TEXT NOT NULL,
				email         TEXT NOT NULL,
				template      TEXT NOT NULL,
				language      TEXT NOT NULL,
				note          TEXT NOT NULL DEFAULT '',
				status        TEXT NOT NULL DEFAULT 'PENDING',
				reason        TEXT NOT NULL DEFAULT '',
				ip            TEXT NOT NULL DEFAULT '',
				tenant_id     TEXT REFERENCES tenants (id) ON DELETE SET NULL,
				decided_by    TEXT NOT NULL DEFAULT '',
				decided_at    TIMESTAMPTZ,
				created_at    TIMESTAMPTZ NOT NULL,
				updated_at    TIMESTAMPTZ NOT NULL
			)`,
			`CREATE UNIQUE INDEX setup_requests_pending_phone_key ON setup_requests (phone) WHERE status = 'PENDING'`,
			`CREATE INDEX setup_requests_status_idx ON setup_requests (status, id)`,
			`CREATE INDEX setup_requests_ip_idx ON setup_requests (ip, created_at)`,
			`CREATE INDEX setup_requests_tenant_id_idx ON setup_requests (tenant_id) WHERE tenant_id IS NOT NULL`,
			`CREATE TABLE invites (
				token_hash TEXT PRIMARY KEY,
				user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
				tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
				created_by TEXT NOT NULL DEFAULT '',
				created_at TIMESTAMPTZ NOT NULL,
				expires_at TIMESTAMPTZ NOT NULL,
				used_at    TIMESTAMPTZ
			)`,
			`CREATE INDEX invites_user_id_idx ON invites (user_id)`,
			`CREATE INDEX invites_tenant_id_idx ON invites (tenant_id)`,
		},
		sqlite: []string{
			`CREATE TABLE setup_requests (
				id            TEXT PRIMARY KEY NOT NULL,
				business_name TEXT NOT NULL,
				contact_name  TEXT NOT NULL,
				phone         TEXT NOT NULL,
				email         TEXT NOT NULL,
				template      TEXT NOT NULL,
				language      TEXT NOT NULL,
				note          TEXT NOT NULL DEFAULT '',
				status        TEXT NOT NULL DEFAULT 'PENDING',
				reason        TEXT NOT NULL DEFAULT '',
				ip            TEXT NOT NULL DEFAULT '',
				tenant_id     TEXT REFERENCES tenants (id) ON DELETE SET NULL,
				decided_by    TEXT NOT NULL DEFAULT '',
				decided_at    DATETIME,
				created_at    DATETIME NOT NULL,
				updated_at    DATETIME NOT NULL
			)`,
			`CREATE UNIQUE INDEX setup_requests_pending_phone_key ON setup_requests (phone) WHERE status = 'PENDING'`,
			`CREATE INDEX setup_requests_status_idx ON setup_requests (status, id)`,
			`CREATE INDEX setup_requests_ip_idx ON setup_requests (ip, created_at)`,
			`CREATE INDEX setup_requests_tenant_id_idx ON setup_requests (tenant_id) WHERE tenant_id IS NOT NULL`,
			`CREATE TABLE invites (
				token_hash TEXT PRIMARY KEY NOT NULL,
				user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
				tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
				created_by TEXT NOT NULL DEFAULT '',
				created_at DATETIME NOT NULL,
				expires_at DATETIME NOT NULL,
				used_at    DATETIME
			)`,
			`CREATE INDEX invites_user_id_idx ON invites (user_id)`,
			`CREATE INDEX invites_tenant_id_idx ON invites (tenant_id)`,
		},
	}
}

// Setup request statuses.
const (
	SetupPending  = "PENDING"
	SetupApproved = "APPROVED"
	SetupRejected = "REJECTED"
)

// ErrDecided is the ErrConflict of a request that is no longer pending.
var ErrDecided = fmt.Errorf("%w: the setup request was already decided", ErrConflict)

// ErrTooMany is returned by CreateSetupRequest when the client address
// has already sent its allowance of requests in the window.
var ErrTooMany = errors.New("too many requests")

// Limits on a setup request's fields (bytes; the app checks characters
// and gives friendlier messages first).
const (
	MaxSetupNote   = 2000
	MaxSetupText   = 200
	MaxSetupReason = 1000
)

// SetupRequest is a business's request to be onboarded, sent from the
// public page and approved or rejected by an admin.
type SetupRequest struct {
	ID           string     `gorm:"column:id;primaryKey" json:"id"`
	BusinessName string     `gorm:"column:business_name" json:"business_name"`
	ContactName  string     `gorm:"column:contact_name" json:"contact_name"`
	Phone        string     `gorm:"column:phone" json:"phone"` // E.164
	Email        string     `gorm:"column:email" json:"email"` // lower-case
	Template     string     `gorm:"column:template" json:"template"`
	Language     string     `gorm:"column:language" json:"language"`
	Note         string     `gorm:"column:note" json:"note"`
	Status       string     `gorm:"column:status" json:"status"`
	Reason       string     `gorm:"column:reason" json:"reason"` // why it was rejected
	IP           string     `gorm:"column:ip" json:"-"`
	TenantID     *string    `gorm:"column:tenant_id" json:"tenant_id"` // the tenant approval created
	DecidedBy    string     `gorm:"column:decided_by" json:"decided_by"`
	DecidedAt    *time.Time `gorm:"column:decided_at" json:"decided_at"`
	CreatedAt    time.Time  `gorm:"column:created_at" json:"created_at"`
	UpdatedAt    time.Time  `gorm:"column:updated_at" json:"updated_at"`
}

// TableName is the setup_requests table.
func (SetupRequest) TableName() string { return "setup_requests" }

func (r *SetupRequest) validate() error {
	if r.BusinessName == "" || r.ContactName == "" || r.Template == "" || r.Language == "" {
		return fmt.Errorf("%w: business name, contact name, template and language are required", ErrInvalid)
	}
	if !ValidPhoneNumber(r.Phone) {
		return fmt.Errorf("%w: phone number %q is not E.164", ErrInvalid, r.Phone)
	}
	if !ValidEmail(r.Email) {
		return fmt.Errorf("%w: email %q", ErrInvalid, r.Email)
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"business name", r.BusinessName, MaxSetupText}, {"contact name", r.ContactName, MaxSetupText},
		{"template", r.Template, MaxSetupText}, {"language", r.Language, MaxSetupText}, {"note", r.Note, MaxSetupNote}} {
		if len(f.v) > f.max*4 {
			return fmt.Errorf("%w: %s is too long", ErrInvalid, f.name)
		}
		if err := checkText(f.name, f.v); err != nil {
			return err
		}
	}
	return nil
}

// pgSetupIPLock is the advisory-lock class that serializes the per-address
// count and insert of CreateSetupRequest on PostgreSQL.
const pgSetupIPLock = 0x666c6f77

// CreateSetupRequest stores a new PENDING request. When perIP > 0, an
// address (r.IP) that already sent perIP requests within window gets
// ErrTooMany; the count and the insert are one transaction, so parallel
// requests cannot overrun the limit. A PENDING request for the same phone
// is ErrConflict; bad fields are ErrInvalid. The id (UUIDv7), status,
// email (lower-cased) and times are written back to r.
func (s *Store) CreateSetupRequest(ctx context.Context, r *SetupRequest, perIP int, window time.Duration) error {
	row := *r
	id, err := uuid.NewV7()
	if err != nil {
		return fmt.Errorf("store: create setup request: %w", err)
	}
	row.ID, row.Status, row.Reason, row.TenantID, row.DecidedBy, row.DecidedAt = id.String(), SetupPending, "", nil, "", nil
	row.Email = NormalizeEmail(row.Email)
	row.IP = truncateUTF8(row.IP, maxSessionIP)
	now := stamp(time.Now())
	row.CreatedAt, row.UpdatedAt = now, now
	if err := row.validate(); err != nil {
		return fmt.Errorf("store: create setup request: %w", err)
	}
	err = s.write(ctx, func(tx *gorm.DB) error {
		if perIP > 0 {
			if s.dialect == DialectPostgres {
				h := fnv.New32a()
				h.Write([]byte(row.IP))
				if err := tx.Exec(`SELECT pg_advisory_xact_lock(?, ?)`, int32(pgSetupIPLock), int32(h.Sum32())).Error; err != nil {
					return err
				}
			}
			var n int64
			if err := tx.Model(&SetupRequest{}).Where("ip = ? AND created_at > ?", row.IP, now.Add(-window)).Count(&n).Error; err != nil {
				return err
			}
			if n >= int64(perIP) {
				return ErrTooMany
			}
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		if isUniqueViolation(err) {
			err = ErrConflict
		}
		return fmt.Errorf("store: create setup request: %w", err)
	}
	*r = row
	return nil
}

// GetSetupRequest returns one request, or ErrNotFound.
func (s *Store) GetSetupRequest(ctx context.Context, id string) (SetupRequest, error) {
	var r SetupRequest
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return SetupRequest{}, fmt.Errorf("store: get setup request %s: %w", id, notFound(err))
	}
	return r, nil
}

// Page sizes of ListSetupRequests.
const (
	DefaultSetupPage = 50
	MaxSetupPage     = 500
)

// ListSetupRequests returns requests with status ("" = any), newest
// first, at most limit (default 50, at most 500). The cursor is a request
// id: beforeID ("" = from the newest) returns the requests created before
// that one, so the next page is asked for with the last id of this one.
// Ids are UUIDv7 strings, whose order is their creation order.
func (s *Store) ListSetupRequests(ctx context.Context, status string, limit int, beforeID string) ([]SetupRequest, error) {
	if limit <= 0 {
		limit = DefaultSetupPage
	}
	limit = min(limit, MaxSetupPage)
	q := s.db.WithContext(ctx).Model(&SetupRequest{})
	if status != "" {
		q = q.Where("status = ?", status)
	}
	if beforeID != "" {
		q = q.Where("id < ?", beforeID)
	}
	var out []SetupRequest
	if err := q.Order("id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: list setup requests: %w", err)
	}
	return out, nil
}

// CountSetupRequests counts the requests with status ("" = all).
func (s *Store) CountSetupRequests(ctx context.Context, status string) (int64, error) {
	q := s.db.WithContext(ctx).Model(&SetupRequest{})
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return 0, fmt.Errorf("store: count setup requests: %w", err)
	}
	return n, nil
}

// decide moves a PENDING request to its decision inside tx. A request
// that is no longer pending is ErrConflict; a missing one ErrNotFound.
func decide(tx *gorm.DB, id string, cols map[string]any) error {
	res := tx.Model(&SetupRequest{}).Where("id = ? AND status = ?", id, SetupPending).Updates(cols)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 1 {
		return nil
	}
	var n int64
	if err := tx.Model(&SetupRequest{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return ErrDecided
}

// RejectSetupRequest marks a PENDING request REJECTED with a reason and
// who decided, and returns it. ErrDecided (an ErrConflict) if it was
// already decided.
func (s *Store) RejectSetupRequest(ctx context.Context, id, reason, by string) (SetupRequest, error) {
	if len(reason) > MaxSetupReason*4 {
		return SetupRequest{}, fmt.Errorf("store: reject setup request %s: %w: reason too long", id, ErrInvalid)
	}
	if err := checkTexts("reason", reason, "decided by", by); err != nil {
		return SetupRequest{}, fmt.Errorf("store: reject setup request %s: %w", id, err)
	}
	now := stamp(time.Now())
	err := s.write(ctx, func(tx *gorm.DB) error {
		return decide(tx, id, map[string]any{"status": SetupRejected, "reason": reason, "decided_by": by, "decided_at": now, "updated_at": now})
	})
	if err != nil {
		return SetupRequest{}, fmt.Errorf("store: reject setup request %s: %w", id, err)
	}
	return s.GetSetupRequest(ctx, id)
}

// ApproveSetupRequest finishes an approval in one transaction: the
// request (still PENDING, else ErrDecided) becomes APPROVED with the
// tenant the caller created for it, and the tenant user and their first
// invite are inserted. A taken email is ErrConflict. user and the returned
// request are written back.
func (s *Store) ApproveSetupRequest(ctx context.Context, id, tenantID string, user *User, inv Invite, by string) (SetupRequest, error) {
	u := *user
	u.Role, u.TenantID = RoleTenant, &tenantID
	u.prepare()
	if err := u.validate(); err != nil {
		return SetupRequest{}, fmt.Errorf("store: approve setup request %s: %w", id, err)
	}
	inv.UserID, inv.TenantID = u.ID, tenantID
	if err := inv.prepare(); err != nil {
		return SetupRequest{}, fmt.Errorf("store: approve setup request %s: %w", id, err)
	}
	if err := checkText("decided by", by); err != nil {
		return SetupRequest{}, fmt.Errorf("store: approve setup request %s: %w", id, err)
	}
	now := stamp(time.Now())
	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := decide(tx, id, map[string]any{"status": SetupApproved, "tenant_id": tenantID, "decided_by": by,
			"decided_at": now, "updated_at": now}); err != nil {
			return err
		}
		if err := tx.Create(&u).Error; err != nil {
			if isUniqueViolation(err) {
				return fmt.Errorf("%w: the email %s already has an account", ErrConflict, u.Email)
			}
			return err
		}
		return tx.Create(&inv).Error
	})
	if err != nil {
		if isForeignKeyViolation(err) {
			err = ErrNotFound
		}
		return SetupRequest{}, fmt.Errorf("store: approve setup request %s: %w", id, err)
	}
	*user = u
	return s.GetSetupRequest(ctx, id)
}

// SetupRequestOfTenant returns the approved request that created a
// tenant, or ErrNotFound.
func (s *Store) SetupRequestOfTenant(ctx context.Context, tenantID string) (SetupRequest, error) {
	var r SetupRequest
	if err := s.db.WithContext(ctx).Where("tenant_id = ?", tenantID).Order("id DESC").Take(&r).Error; err != nil {
		return SetupRequest{}, fmt.Errorf("store: setup request of tenant %s: %w", tenantID, notFound(err))
	}
	return r, nil
}
