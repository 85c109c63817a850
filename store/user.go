package store

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// User roles.
const (
	RoleAdmin  = "admin"  // operators: the whole dashboard, every tenant
	RoleTenant = "tenant" // a business owner: one tenant's portal
)

// MaxEmailLen bounds an account's email address (RFC 5321's path limit).
const MaxEmailLen = 254

// User is an account that signs in to the dashboard or the tenant portal.
// The store keeps only a password hash; hashing and checking belong to the
// caller.
type User struct {
	ID           string     `gorm:"column:id;primaryKey" json:"id"`
	Email        string     `gorm:"column:email" json:"email"` // stored lower-case
	PasswordHash string     `gorm:"column:password_hash" json:"-"`
	Role         string     `gorm:"column:role" json:"role"`
	TenantID     *string    `gorm:"column:tenant_id" json:"tenant_id"` // set for RoleTenant only
	CreatedAt    time.Time  `gorm:"column:created_at" json:"created_at"`
	UpdatedAt    time.Time  `gorm:"column:updated_at" json:"updated_at"`
	LastLoginAt  *time.Time `gorm:"column:last_login_at" json:"last_login_at"`
}

// TableName is the users table.
func (User) TableName() string { return "users" }

// NormalizeEmail trims and lower-cases an address, the form the store
// keeps and looks up.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// ValidEmail reports whether email is a plain address such as
// "ops@example.com" (no display name), at most MaxEmailLen bytes.
func ValidEmail(email string) bool {
	if email == "" || len(email) > MaxEmailLen || strings.ContainsAny(email, " <>\t\r\n") {
		return false
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(email, '@')
	return at > 0 && strings.Contains(email[at+1:], ".")
}

func (u *User) validate() error {
	if !ValidEmail(u.Email) {
		return fmt.Errorf("%w: email %q", ErrInvalid, u.Email)
	}
	if u.PasswordHash == "" {
		return fmt.Errorf("%w: empty password hash", ErrInvalid)
	}
	switch u.Role {
	case RoleAdmin:
		if u.TenantID != nil {
			return fmt.Errorf("%w: an admin belongs to no tenant", ErrInvalid)
		}
	case RoleTenant:
		if u.TenantID == nil || *u.TenantID == "" {
			return fmt.Errorf("%w: a tenant user needs a tenant", ErrInvalid)
		}
	default:
		return fmt.Errorf("%w: role %q", ErrInvalid, u.Role)
	}
	return checkTexts("id", u.ID, "password hash", u.PasswordHash)
}

// prepare fills an id, normalizes the email and stamps the times.
func (u *User) prepare() {
	if u.ID == "" {
		u.ID = uuid.NewString()
	}
	u.Email = NormalizeEmail(u.Email)
	now := stamp(time.Now())
	u.CreatedAt, u.UpdatedAt = now, now
	u.LastLoginAt = utcPtr(u.LastLoginAt)
}

// CreateUser inserts u (an empty ID gets a new UUID; the email is stored
// lower-case; both are written back, as are the timestamps). A taken email
// is ErrConflict; a tenant user whose tenant does not exist is ErrNotFound.
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	row := *u
	row.prepare()
	if err := row.validate(); err != nil {
		return fmt.Errorf("store: create user %s: %w", row.Email, err)
	}
	err := s.writeOne(ctx, func(db *gorm.DB) error { return db.Create(&row).Error })
	if err != nil {
		switch {
		case isUniqueViolation(err):
			err = ErrConflict
		case isForeignKeyViolation(err):
			err = ErrNotFound
		}
		return fmt.Errorf("store: create user %s: %w", row.Email, err)
	}
	*u = row
	return nil
}

// pgFirstAdminLock serializes CreateFirstAdmin across processes on
// PostgreSQL (SQLite serializes writers anyway).
const pgFirstAdminLock = 0x666c6f7768710002

// CreateFirstAdmin inserts u as an admin only if no admin exists yet, in
// one transaction, so two racing set-ups create exactly one. It returns
// ErrConflict when an admin already exists or the email is taken.
func (s *Store) CreateFirstAdmin(ctx context.Context, u *User) error {
	row := *u
	row.Role, row.TenantID = RoleAdmin, nil
	row.prepare()
	if err := row.validate(); err != nil {
		return fmt.Errorf("store: create first admin %s: %w", row.Email, err)
	}
	err := s.write(ctx, func(tx *gorm.DB) error {
		if s.dialect == DialectPostgres {
			if err := tx.Exec(`SELECT pg_advisory_xact_lock(?)`, int64(pgFirstAdminLock)).Error; err != nil {
				return err
			}
		}
		var n int64
		if err := tx.Model(&User{}).Where("role = ?", RoleAdmin).Limit(1).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return ErrConflict
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		if isUniqueViolation(err) {
			err = ErrConflict
		}
		return fmt.Errorf("store: create first admin %s: %w", row.Email, err)
	}
	*u = row
	return nil
}

// GetUser returns one account by id, or ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id string) (User, error) {
	var u User
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&u).Error; err != nil {
		return User{}, fmt.Errorf("store: get user %s: %w", id, notFound(err))
	}
	return u, nil
}

// GetUserByEmail returns the account with this email (compared
// case-insensitively), or ErrNotFound.
func (s *Store) GetUserByEmail(ctx context.Context, email string) (User, error) {
	var u User
	if err := s.db.WithContext(ctx).Where("email = ?", NormalizeEmail(email)).Take(&u).Error; err != nil {
		return User{}, fmt.Errorf("store: get user by email: %w", notFound(err))
	}
	return u, nil
}

// HasAdmin reports whether at least one admin account exists.
func (s *Store) HasAdmin(ctx context.Context) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&User{}).Where("role = ?", RoleAdmin).Limit(1).Count(&n).Error; err != nil {
		return false, fmt.Errorf("store: has admin: %w", err)
	}
	return n > 0, nil
}

// ListUsers returns the accounts with role ("" = all), oldest first;
// tenantID ("" = any) narrows them to one tenant's users.
func (s *Store) ListUsers(ctx context.Context, role, tenantID string) ([]User, error) {
	q := s.db.WithContext(ctx).Model(&User{})
	if role != "" {
		q = q.Where("role = ?", role)
	}
	if tenantID != "" {
		q = q.Where("tenant_id = ?", tenantID)
	}
	var out []User
	if err := q.Order("created_at").Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return out, nil
}

// SetUserPassword replaces an account's password hash. ErrNotFound if the
// account does not exist.
func (s *Store) SetUserPassword(ctx context.Context, id, hash string) error {
	if hash == "" {
		return fmt.Errorf("store: set password %s: %w: empty hash", id, ErrInvalid)
	}
	return s.updateUser(ctx, "set password", id, map[string]any{"password_hash": hash, "updated_at": stamp(time.Now())})
}

// RecordLogin sets an account's last_login_at.
func (s *Store) RecordLogin(ctx context.Context, id string, at time.Time) error {
	return s.updateUser(ctx, "record login", id, map[string]any{"last_login_at": stamp(at)})
}

func (s *Store) updateUser(ctx context.Context, what, id string, cols map[string]any) error {
	var n int64
	err := s.writeOne(ctx, func(db *gorm.DB) error {
		res := db.Model(&User{}).Where("id = ?", id).Updates(cols)
		n = res.RowsAffected
		return res.Error
	})
	if err == nil && n == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: %s %s: %w", what, id, err)
	}
	return nil
}

// DeleteUser removes an account and its sign-in sessions.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("user_id = ?", id).Delete(&AuthSession{}).Error; err != nil {
			return err
		}
		res := tx.Where("id = ?", id).Delete(&User{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: delete user %s: %w", id, err)
	}
	return nil
}
