package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// apiTokenMigration is schema version 7: the JSON API's bearer tokens.
// Only a SHA-256 of each token is stored (token_hash, unique); prefix
// keeps its first characters so people can tell tokens apart. A tenant
// token dies with its tenant.
func apiTokenMigration() migration {
	return migration{
		version: 7,
		name:    "api_tokens",
		postgres: []string{
			`CREATE TABLE api_tokens (
				id           TEXT PRIMARY KEY,
				name         TEXT NOT NULL DEFAULT '',
				prefix       TEXT NOT NULL DEFAULT '',
				token_hash   TEXT NOT NULL,
				scope        TEXT NOT NULL,
				tenant_id    TEXT REFERENCES tenants (id) ON DELETE CASCADE,
				created_by   TEXT NOT NULL DEFAULT '',
				created_at   TIMESTAMPTZ NOT NULL,
				last_used_at TIMESTAMPTZ,
				revoked_at   TIMESTAMPTZ,
				CHECK ((scope = 'admin' AND tenant_id IS NULL) OR (scope = 'tenant' AND tenant_id IS NOT NULL))
			)`,
			`CREATE UNIQUE INDEX api_tokens_token_hash_key ON api_tokens (token_hash)`,
			`CREATE INDEX api_tokens_tenant_id_idx ON api_tokens (tenant_id, created_at) WHERE tenant_id IS NOT NULL`,
			`CREATE INDEX api_tokens_created_at_idx ON api_tokens (created_at, id)`,
		},
		sqlite: []string{
			`CREATE TABLE api_tokens (
				id           TEXT PRIMARY KEY NOT NULL,
				name         TEXT NOT NULL DEFAULT '',
				prefix       TEXT NOT NULL DEFAULT '',
				token_hash   TEXT NOT NULL,
				scope        TEXT NOT NULL,
				tenant_id    TEXT REFERENCES tenants (id) ON DELETE CASCADE,
				created_by   TEXT NOT NULL DEFAULT '',
				created_at   DATETIME NOT NULL,
				last_used_at DATETIME,
				revoked_at   DATETIME,
				CHECK ((scope = 'admin' AND tenant_id IS NULL) OR (scope = 'tenant' AND tenant_id IS NOT NULL))
			)`,
			`CREATE UNIQUE INDEX api_tokens_token_hash_key ON api_tokens (token_hash)`,
			`CREATE INDEX api_tokens_tenant_id_idx ON api_tokens (tenant_id, created_at) WHERE tenant_id IS NOT NULL`,
			`CREATE INDEX api_tokens_created_at_idx ON api_tokens (created_at, id)`,
		},
	}
}

// API token scopes.
const (
	TokenScopeAdmin  = "admin"  // every tenant and the admin-only endpoints
	TokenScopeTenant = "tenant" // one tenant
)

// Limits on what a token row holds.
const (
	MaxTokenName      = 100
	maxTokenPrefix    = 32
	maxTokenCreatedBy = 256
)

// APIToken is a bearer token of the JSON API. The secret itself is never
// stored: TokenHash is its SHA-256 (hex), computed by the caller.
type APIToken struct {
	ID         string     `gorm:"column:id;primaryKey" json:"id"`
	Name       string     `gorm:"column:name" json:"name"`
	Prefix     string     `gorm:"column:prefix" json:"prefix"` // the token's first characters, for recognising it
	TokenHash  string     `gorm:"column:token_hash" json:"-"`
	Scope      string     `gorm:"column:scope" json:"scope"`
	TenantID   *string    `gorm:"column:tenant_id" json:"tenant_id"` // set exactly when Scope is tenant
	CreatedBy  string     `gorm:"column:created_by" json:"created_by"`
	CreatedAt  time.Time  `gorm:"column:created_at" json:"created_at"`
	LastUsedAt *time.Time `gorm:"column:last_used_at" json:"last_used_at"`
	RevokedAt  *time.Time `gorm:"column:revoked_at" json:"revoked_at"`
}

// TableName is the api_tokens table.
func (APIToken) TableName() string { return "api_tokens" }

// Revoked reports whether the token was revoked.
func (t APIToken) Revoked() bool { return t.RevokedAt != nil }

// Tenant returns the tenant of a tenant token, "" for an admin token.
func (t APIToken) Tenant() string {
	if t.TenantID == nil {
		return ""
	}
	return *t.TenantID
}

func (t *APIToken) validate() error {
	switch t.Scope {
	case TokenScopeAdmin:
		if t.TenantID != nil {
			return fmt.Errorf("%w: an admin token belongs to no tenant", ErrInvalid)
		}
	case TokenScopeTenant:
		if t.TenantID == nil || *t.TenantID == "" {
			return fmt.Errorf("%w: a tenant token needs a tenant", ErrInvalid)
		}
	default:
		return fmt.Errorf("%w: token scope %q", ErrInvalid, t.Scope)
	}
	if t.TokenHash == "" {
		return fmt.Errorf("%w: empty token hash", ErrInvalid)
	}
	if len(t.Name) > MaxTokenName || len(t.Prefix) > maxTokenPrefix || len(t.CreatedBy) > maxTokenCreatedBy {
		return fmt.Errorf("%w: token name, prefix or creator too long", ErrInvalid)
	}
	return checkTexts("id", t.ID, "name", t.Name, "prefix", t.Prefix, "hash", t.TokenHash, "created by", t.CreatedBy)
}

// CreateAPIToken inserts t. An empty ID gets a new UUID; ID and CreatedAt
// are written back. ErrNotFound if a tenant token's tenant does not exist;
// ErrConflict if the hash is taken.
func (s *Store) CreateAPIToken(ctx context.Context, t *APIToken) error {
	row := *t
	if row.ID == "" {
		row.ID = uuid.NewString()
	}
	row.CreatedAt = stamp(time.Now())
	row.LastUsedAt, row.RevokedAt = utcPtr(row.LastUsedAt), utcPtr(row.RevokedAt)
	if err := row.validate(); err != nil {
		return fmt.Errorf("store: create api token: %w", err)
	}
	err := s.writeOne(ctx, func(db *gorm.DB) error { return db.Create(&row).Error })
	if err != nil {
		switch {
		case isUniqueViolation(err):
			err = ErrConflict
		case isForeignKeyViolation(err):
			err = ErrNotFound
		}
		return fmt.Errorf("store: create api token: %w", err)
	}
	*t = row
	return nil
}

// GetAPITokenByHash returns the token with this hash (revoked or not), or
// ErrNotFound.
func (s *Store) GetAPITokenByHash(ctx context.Context, hash string) (APIToken, error) {
	var t APIToken
	if err := s.db.WithContext(ctx).Where("token_hash = ?", hash).Take(&t).Error; err != nil {
		return APIToken{}, fmt.Errorf("store: get api token by hash: %w", notFound(err))
	}
	return t, nil
}

// AnyTenant, as the tenant of a token lookup, means every tenant's and
// the admin tokens: the admin view. An empty tenant id is refused rather
// than read as "all", so a handler that lost its tenant fails closed.
const AnyTenant = "*"

// tokenScope narrows q to tenantID's tokens (AnyTenant: all).
func tokenScope(q *gorm.DB, tenantID string) (*gorm.DB, error) {
	switch tenantID {
	case "":
		return nil, fmt.Errorf("%w: a tenant id or AnyTenant is required", ErrInvalid)
	case AnyTenant:
		return q, nil
	}
	return q.Where("tenant_id = ?", tenantID), nil
}

// GetAPIToken returns one token by id within tenantID (AnyTenant = any
// token, for admins), or ErrNotFound.
func (s *Store) GetAPIToken(ctx context.Context, tenantID, id string) (APIToken, error) {
	q, err := tokenScope(s.db.WithContext(ctx).Where("id = ?", id), tenantID)
	if err != nil {
		return APIToken{}, fmt.Errorf("store: get api token %s: %w", id, err)
	}
	var t APIToken
	if err := q.Take(&t).Error; err != nil {
		return APIToken{}, fmt.Errorf("store: get api token %s: %w", id, notFound(err))
	}
	return t, nil
}

// ListAPITokensOptions filters ListAPITokens.
type ListAPITokensOptions struct {
	TenantID       string // only this tenant's tokens; AnyTenant = every token (admin view); required
	IncludeRevoked bool
	Limit          int // default 200, at most 1000
}

// ListAPITokens returns tokens, newest first.
func (s *Store) ListAPITokens(ctx context.Context, opts ListAPITokensOptions) ([]APIToken, error) {
	limit := opts.Limit
	if limit <= 0 {
		limit = 200
	}
	limit = min(limit, 1000)
	q, err := tokenScope(s.db.WithContext(ctx).Model(&APIToken{}), opts.TenantID)
	if err != nil {
		return nil, fmt.Errorf("store: list api tokens: %w", err)
	}
	if !opts.IncludeRevoked {
		q = q.Where("revoked_at IS NULL")
	}
	var out []APIToken
	if err := q.Order("created_at DESC").Order("id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: list api tokens: %w", err)
	}
	return out, nil
}

// RevokeAPIToken revokes a token within tenantID (AnyTenant = any token,
// for admins) and returns it. Revoking a revoked token changes nothing.
// ErrNotFound if there is no such token in that scope.
func (s *Store) RevokeAPIToken(ctx context.Context, tenantID, id string, at time.Time) (APIToken, error) {
	var out APIToken
	err := s.write(ctx, func(tx *gorm.DB) error {
		q, err := tokenScope(tx.Where("id = ?", id), tenantID)
		if err != nil {
			return err
		}
		if err := q.Take(&out).Error; err != nil {
			return notFound(err)
		}
		if out.RevokedAt != nil {
			return nil
		}
		when := stamp(at)
		if err := tx.Model(&APIToken{}).Where("id = ?", id).Update("revoked_at", when).Error; err != nil {
			return err
		}
		out.RevokedAt = &when
		return nil
	})
	if err != nil {
		return APIToken{}, fmt.Errorf("store: revoke api token %s: %w", id, err)
	}
	return out, nil
}

// TouchAPIToken records that a token was used at at.
func (s *Store) TouchAPIToken(ctx context.Context, id string, at time.Time) error {
	err := s.writeOne(ctx, func(db *gorm.DB) error {
		return db.Model(&APIToken{}).Where("id = ?", id).Update("last_used_at", stamp(at)).Error
	})
	if err != nil {
		return fmt.Errorf("store: touch api token %s: %w", id, err)
	}
	return nil
}
