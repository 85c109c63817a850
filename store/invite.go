package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Invite is a one-time link that lets a tenant user choose a password.
// The link carries a random token; the store keeps only its hash
// (TokenHash), so the database cannot be turned back into links.
type Invite struct {
	TokenHash string     `gorm:"column:token_hash;primaryKey" json:"-"`
	UserID    string     `gorm:"column:user_id" json:"user_id"`
	TenantID  string     `gorm:"column:tenant_id" json:"tenant_id"`
	CreatedBy string     `gorm:"column:created_by" json:"created_by"` // the admin's email
	CreatedAt time.Time  `gorm:"column:created_at" json:"created_at"`
	ExpiresAt time.Time  `gorm:"column:expires_at" json:"expires_at"`
	UsedAt    *time.Time `gorm:"column:used_at" json:"used_at"`
}

// TableName is the invites table.
func (Invite) TableName() string { return "invites" }

// Invite errors, both also ErrConflict: the link can no longer be used.
var (
	ErrInviteUsed    = fmt.Errorf("%w: invite already used", ErrConflict)
	ErrInviteExpired = fmt.Errorf("%w: invite expired", ErrConflict)
)

// prepare checks an invite and stamps its times.
func (inv *Invite) prepare() error {
	if inv.TokenHash == "" || inv.UserID == "" || inv.TenantID == "" || inv.ExpiresAt.IsZero() {
		return fmt.Errorf("%w: an invite needs a hash, a user, a tenant and an expiry", ErrInvalid)
	}
	if err := checkTexts("hash", inv.TokenHash, "created by", inv.CreatedBy); err != nil {
		return err
	}
	if inv.CreatedAt.IsZero() {
		inv.CreatedAt = time.Now()
	}
	inv.CreatedAt, inv.ExpiresAt, inv.UsedAt = stamp(inv.CreatedAt), stamp(inv.ExpiresAt), nil
	return nil
}

// CreateInvite issues a new invite for a tenant user (inv.TenantID must
// be the user's tenant) and withdraws the user's unused earlier invites,
// so only the newest link works. ErrNotFound if the user is not a user of
// that tenant.
func (s *Store) CreateInvite(ctx context.Context, inv Invite) error {
	if err := inv.prepare(); err != nil {
		return fmt.Errorf("store: create invite: %w", err)
	}
	err := s.write(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&User{}).Where("id = ? AND tenant_id = ?", inv.UserID, inv.TenantID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		if err := tx.Where("user_id = ? AND used_at IS NULL", inv.UserID).Delete(&Invite{}).Error; err != nil {
			return err
		}
		return tx.Create(&inv).Error
	})
	if err != nil {
		if isUniqueViolation(err) {
			err = ErrConflict
		}
		return fmt.Errorf("store: create invite: %w", err)
	}
	return nil
}

// GetInvite returns the invite with this token hash, or ErrNotFound.
func (s *Store) GetInvite(ctx context.Context, tokenHash string) (Invite, error) {
	var inv Invite
	if err := s.db.WithContext(ctx).Where("token_hash = ?", tokenHash).Take(&inv).Error; err != nil {
		return Invite{}, fmt.Errorf("store: get invite: %w", notFound(err))
	}
	return inv, nil
}

// LatestInvite returns a user's newest invite, or ErrNotFound.
func (s *Store) LatestInvite(ctx context.Context, userID string) (Invite, error) {
	var inv Invite
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("created_at DESC").Take(&inv).Error; err != nil {
		return Invite{}, fmt.Errorf("store: latest invite of %s: %w", userID, notFound(err))
	}
	return inv, nil
}

// UseInvite redeems an invite: in one transaction it marks the invite
// used and sets its user's password hash, and returns the user. An
// unknown token is ErrNotFound; a used one ErrInviteUsed, an expired one
// (expires_at at or before now) ErrInviteExpired. Two concurrent uses
// succeed at most once.
func (s *Store) UseInvite(ctx context.Context, tokenHash string, now time.Time, passwordHash string) (User, error) {
	if passwordHash == "" {
		return User{}, fmt.Errorf("store: use invite: %w: empty password hash", ErrInvalid)
	}
	now = stamp(now)
	var u User
	err := s.write(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&Invite{}).Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", tokenHash, now).Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			var inv Invite
			if err := tx.Where("token_hash = ?", tokenHash).Take(&inv).Error; err != nil {
				return notFound(err)
			}
			if inv.UsedAt != nil {
				return ErrInviteUsed
			}
			return ErrInviteExpired
		}
		var inv Invite
		if err := tx.Where("token_hash = ?", tokenHash).Take(&inv).Error; err != nil {
			return err
		}
		res = tx.Model(&User{}).Where("id = ?", inv.UserID).Updates(map[string]any{"password_hash": passwordHash, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound
		}
		return tx.Where("id = ?", inv.UserID).Take(&u).Error
	})
	if err != nil {
		return User{}, fmt.Errorf("store: use invite: %w", err)
	}
	return u, nil
}

// IsInviteGone reports an invite that can no longer be used.
func IsInviteGone(err error) bool {
	return errors.Is(err, ErrInviteUsed) || errors.Is(err, ErrInviteExpired)
}
