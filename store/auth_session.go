package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// AuthSession is one signed-in browser. The cookie carries a random secret;
// the store keeps only its hash (IDHash), so a leaked database cannot be
// replayed as cookies.
type AuthSession struct {
	IDHash     string    `gorm:"column:id_hash;primaryKey" json:"-"`
	UserID     string    `gorm:"column:user_id" json:"user_id"`
	CreatedAt  time.Time `gorm:"column:created_at" json:"created_at"`
	LastSeenAt time.Time `gorm:"column:last_seen_at" json:"last_seen_at"` // idle expiry counts from here
	ExpiresAt  time.Time `gorm:"column:expires_at" json:"expires_at"`     // absolute expiry
	IP         string    `gorm:"column:ip" json:"ip"`
	UserAgent  string    `gorm:"column:user_agent" json:"user_agent"`
}

// TableName is the auth_sessions table.
func (AuthSession) TableName() string { return "auth_sessions" }

// Limits on what a session row records about its browser.
const (
	maxSessionIP        = 64
	maxSessionUserAgent = 512
)

// CreateAuthSession inserts a session. CreatedAt and LastSeenAt default to
// now. ErrNotFound if the user does not exist; ErrConflict if the hash is
// taken.
func (s *Store) CreateAuthSession(ctx context.Context, as AuthSession) error {
	if as.IDHash == "" || as.UserID == "" || as.ExpiresAt.IsZero() {
		return fmt.Errorf("store: create auth session: %w: needs a hash, a user and an expiry", ErrInvalid)
	}
	as.IP = truncateUTF8(as.IP, maxSessionIP)
	as.UserAgent = truncateUTF8(as.UserAgent, maxSessionUserAgent)
	if err := checkTexts("ip", as.IP, "user agent", as.UserAgent, "hash", as.IDHash); err != nil {
		return fmt.Errorf("store: create auth session: %w", err)
	}
	now := stamp(time.Now())
	if as.CreatedAt.IsZero() {
		as.CreatedAt = now
	}
	if as.LastSeenAt.IsZero() {
		as.LastSeenAt = now
	}
	as.CreatedAt, as.LastSeenAt, as.ExpiresAt = stamp(as.CreatedAt), stamp(as.LastSeenAt), stamp(as.ExpiresAt)
	err := s.writeOne(ctx, func(db *gorm.DB) error { return db.Create(&as).Error })
	if err != nil {
		switch {
		case isUniqueViolation(err):
			err = ErrConflict
		case isForeignKeyViolation(err):
			err = ErrNotFound
		}
		return fmt.Errorf("store: create auth session: %w", err)
	}
	return nil
}

// SessionUser is a session together with its account.
type SessionUser struct {
	Session AuthSession
	User    User
}

// GetAuthSession returns the session with this hash and its user, or
// ErrNotFound. Expiry is the caller's decision.
func (s *Store) GetAuthSession(ctx context.Context, idHash string) (SessionUser, error) {
	var as AuthSession
	if err := s.db.WithContext(ctx).Where("id_hash = ?", idHash).Take(&as).Error; err != nil {
		return SessionUser{}, fmt.Errorf("store: get auth session: %w", notFound(err))
	}
	var u User
	if err := s.db.WithContext(ctx).Where("id = ?", as.UserID).Take(&u).Error; err != nil {
		return SessionUser{}, fmt.Errorf("store: get auth session user: %w", notFound(err))
	}
	return SessionUser{Session: as, User: u}, nil
}

// TouchAuthSession moves a session's last_seen_at forward (idle expiry).
func (s *Store) TouchAuthSession(ctx context.Context, idHash string, at time.Time) error {
	err := s.writeOne(ctx, func(db *gorm.DB) error {
		return db.Model(&AuthSession{}).Where("id_hash = ?", idHash).Update("last_seen_at", stamp(at)).Error
	})
	if err != nil {
		return fmt.Errorf("store: touch auth session: %w", err)
	}
	return nil
}

// DeleteAuthSession removes one session (sign-out). A missing session is
// not an error.
func (s *Store) DeleteAuthSession(ctx context.Context, idHash string) error {
	err := s.writeOne(ctx, func(db *gorm.DB) error {
		return db.Where("id_hash = ?", idHash).Delete(&AuthSession{}).Error
	})
	if err != nil {
		return fmt.Errorf("store: delete auth session: %w", err)
	}
	return nil
}

// DeleteUserAuthSessions signs an account out everywhere.
func (s *Store) DeleteUserAuthSessions(ctx context.Context, userID string) error {
	err := s.writeOne(ctx, func(db *gorm.DB) error {
		return db.Where("user_id = ?", userID).Delete(&AuthSession{}).Error
	})
	if err != nil {
		return fmt.Errorf("store: delete auth sessions of %s: %w", userID, err)
	}
	return nil
}

// DeleteExpiredAuthSessions removes sessions past their absolute expiry
// (expires_at before now) or idle since before idleBefore, and returns how
// many went.
func (s *Store) DeleteExpiredAuthSessions(ctx context.Context, now, idleBefore time.Time) (int64, error) {
	var n int64
	err := s.writeOne(ctx, func(db *gorm.DB) error {
		res := db.Where("expires_at < ? OR last_seen_at < ?", stamp(now), stamp(idleBefore)).Delete(&AuthSession{})
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, fmt.Errorf("store: delete expired auth sessions: %w", err)
	}
	return n, nil
}

// truncateUTF8 cuts s to at most n bytes without splitting a character and
// drops invalid bytes, for informational columns filled from requests.
func truncateUTF8(s string, n int) string {
	out := make([]rune, 0, min(len(s), n))
	size := 0
	for _, r := range s {
		if r == 0 || r == '\uFFFD' {
			continue
		}
		l := len(string(r))
		if size+l > n {
			break
		}
		out = append(out, r)
		size += l
	}
	return string(out)
}
