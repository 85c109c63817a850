package store

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ReplyOverrides replaces template replies: intent → language → text. It is
// stored as a JSON object in a text column.
type ReplyOverrides map[string]map[string]string

// Value encodes the overrides as JSON; nil is stored as {}.
func (r ReplyOverrides) Value() (driver.Value, error) {
	if r == nil {
		return "{}", nil
	}
	b, err := json.Marshal(map[string]map[string]string(r))
	if err != nil {
		return nil, fmt.Errorf("store: encode reply overrides: %w", err)
	}
	return string(b), nil
}

// Scan decodes the JSON written by Value. NULL and "" decode to an empty
// map.
func (r *ReplyOverrides) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("store: decode reply overrides: unexpected %T", src)
	}
	m := ReplyOverrides{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("store: decode reply overrides: %w", err)
		}
	}
	*r = m
	return nil
}

// Text returns the override for intent in lang, if there is one.
func (r ReplyOverrides) Text(intent, lang string) (string, bool) {
	t, ok := r[intent][lang]
	return t, ok
}

// TenantConfig is how a tenant's bot answers.
type TenantConfig struct {
	TenantID     string `gorm:"column:tenant_id;primaryKey" json:"tenant_id"`
	TemplateType string `gorm:"column:template_type" json:"template_type"`
	BusinessName string `gorm:"column:business_name" json:"business_name"`
	Language     string `gorm:"column:language" json:"language"`
	// RateLimitPerMinute caps replies per chat per minute: nil uses the
	// server default, 0 turns limiting off.
	RateLimitPerMinute *int           `gorm:"column:rate_limit_per_minute" json:"rate_limit_per_minute"`
	ReplyOverrides     ReplyOverrides `gorm:"column:reply_overrides" json:"reply_overrides"`
	UpdatedAt          time.Time      `gorm:"column:updated_at" json:"updated_at"`
}

// TableName is the tenant_configs table.
func (TenantConfig) TableName() string { return "tenant_configs" }

func (c *TenantConfig) validate() error {
	if c.RateLimitPerMinute != nil && *c.RateLimitPerMinute < 0 {
		return fmt.Errorf("%w: negative rate limit %d", ErrInvalid, *c.RateLimitPerMinute)
	}
	if err := checkTexts("template type", c.TemplateType, "business name", c.BusinessName, "language", c.Language); err != nil {
		return err
	}
	for intent, langs := range c.ReplyOverrides {
		for lang, text := range langs {
			if err := checkTexts("override intent", intent, "override language", lang, "override text", text); err != nil {
				return err
			}
		}
	}
	return nil
}

// GetTenantConfig returns a tenant's config, or ErrNotFound.
func (s *Store) GetTenantConfig(ctx context.Context, tenantID string) (TenantConfig, error) {
	var c TenantConfig
	if err := s.db.WithContext(ctx).Where("tenant_id = ?", tenantID).Take(&c).Error; err != nil {
		return TenantConfig{}, fmt.Errorf("store: get tenant config %s: %w", tenantID, notFound(err))
	}
	return c, nil
}

// SaveTenantConfig writes the whole config row (insert or replace).
// ErrNotFound if the tenant does not exist.
func (s *Store) SaveTenantConfig(ctx context.Context, cfg TenantConfig) error {
	if err := cfg.validate(); err != nil {
		return fmt.Errorf("store: save tenant config %s: %w", cfg.TenantID, err)
	}
	cfg.UpdatedAt = stamp(time.Now())
	if cfg.ReplyOverrides == nil {
		cfg.ReplyOverrides = ReplyOverrides{}
	}
	if err := s.upsert(ctx, "tenant_id", &cfg); err != nil {
		return fmt.Errorf("store: save tenant config %s: %w", cfg.TenantID, err)
	}
	return nil
}

// upsert inserts row or, when its primary key exists, overwrites every
// column. A missing parent tenant is ErrNotFound.
func (s *Store) upsert(ctx context.Context, pk string, row any) error {
	err := s.writeOne(ctx, func(db *gorm.DB) error {
		return db.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: pk}},
			UpdateAll: true,
		}).Create(row).Error
	})
	if err != nil && isForeignKeyViolation(err) {
		return ErrNotFound
	}
	return err
}
