package store

import (
	"context"
	"fmt"
	"time"
)

// TenantKey is a position in the tenant list's order (newest first:
// created_at, then id, both descending), for keyset pagination.
type TenantKey struct {
	CreatedAt time.Time
	ID        string
}

// TenantPageOptions filters and pages ListTenantsPage.
type TenantPageOptions struct {
	Status string     // exact tenant status; "" = any
	After  *TenantKey // only tenants after this position; nil = from the newest
	Limit  int        // default 50, at most 500
}

// ListTenantsPage returns one page of tenants, newest first, by keyset:
// for the next page pass the last tenant's (CreatedAt, ID) as After.
// Unlike ListTenants it never counts or skips rows, so deep pages cost
// what the first does and concurrent inserts never shift a page.
func (s *Store) ListTenantsPage(ctx context.Context, opts TenantPageOptions) ([]Tenant, error) {
	limit := opts.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	q := s.db.WithContext(ctx).Model(&Tenant{})
	if opts.Status != "" {
		q = q.Where("status = ?", opts.Status)
	}
	if opts.After != nil {
		at := stamp(opts.After.CreatedAt)
		q = q.Where("(created_at < ? OR (created_at = ? AND id < ?))", at, at, opts.After.ID)
	}
	var out []Tenant
	if err := q.Order("created_at DESC").Order("id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: list tenants page: %w", err)
	}
	for i := range out {
		out[i].CreatedAt, out[i].UpdatedAt = out[i].CreatedAt.UTC(), out[i].UpdatedAt.UTC()
	}
	return out, nil
}
