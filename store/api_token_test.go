package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

func TestAPITokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := newTenant(t, s, "A", "")
		b := newTenant(t, s, "B", "")

		admin := store.APIToken{Name: "ci", Prefix: "fhq_abcd", TokenHash: "h-admin", Scope: store.TokenScopeAdmin, CreatedBy: "ops@example.com"}
		if err := s.CreateAPIToken(ctx, &admin); err != nil {
			t.Fatal(err)
		}
		if admin.ID == "" || admin.CreatedAt.IsZero() || admin.Revoked() || admin.Tenant() != "" {
			t.Fatalf("created %+v", admin)
		}
		aID, bID := a.ID, b.ID
		ta := store.APIToken{Name: "shop", TokenHash: "h-a", Scope: store.TokenScopeTenant, TenantID: &aID}
		tb := store.APIToken{Name: "other", TokenHash: "h-b", Scope: store.TokenScopeTenant, TenantID: &bID}
		for _, tk := range []*store.APIToken{&ta, &tb} {
			if err := s.CreateAPIToken(ctx, tk); err != nil {
				t.Fatal(err)
			}
		}

		// Bad rows.
		missing := "no-such-tenant"
		for name, tk := range map[string]store.APIToken{
			"no hash":         {Scope: store.TokenScopeAdmin},
			"bad scope":       {TokenHash: "x1", Scope: "root"},
			"admin w/ tenant": {TokenHash: "x2", Scope: store.TokenScopeAdmin, TenantID: &aID},
			"tenant w/o":      {TokenHash: "x3", Scope: store.TokenScopeTenant},
			"long name":       {TokenHash: "x4", Scope: store.TokenScopeAdmin, Name: strings.Repeat("n", store.MaxTokenName+1)},
			"NUL":             {TokenHash: "x5", Scope: store.TokenScopeAdmin, Name: "a\x00b"},
		} {
			if err := s.CreateAPIToken(ctx, &tk); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%s: %v", name, err)
			}
		}
		orphan := store.APIToken{TokenHash: "x6", Scope: store.TokenScopeTenant, TenantID: &missing}
		if err := s.CreateAPIToken(ctx, &orphan); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("token of a missing tenant: %v", err)
		}
		dup := store.APIToken{TokenHash: "h-a", Scope: store.TokenScopeAdmin}
		if err := s.CreateAPIToken(ctx, &dup); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate hash: %v", err)
		}

		// Look-ups.
		got, err := s.GetAPITokenByHash(ctx, "h-a")
		if err != nil || got.ID != ta.ID || got.Tenant() != a.ID || got.Scope != store.TokenScopeTenant || got.Name != "shop" {
			t.Fatalf("by hash = %+v, %v", got, err)
		}
		if _, err := s.GetAPITokenByHash(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown hash: %v", err)
		}
		if _, err := s.GetAPIToken(ctx, b.ID, ta.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another tenant's token: %v", err)
		}
		if got, err := s.GetAPIToken(ctx, store.AnyTenant, ta.ID); err != nil || got.ID != ta.ID {
			t.Fatalf("admin get = %+v, %v", got, err)
		}

		// Listing: everything for admins, one tenant's for a tenant.
		all, err := s.ListAPITokens(ctx, store.ListAPITokensOptions{TenantID: store.AnyTenant})
		if err != nil || len(all) != 3 {
			t.Fatalf("list all = %d, %v", len(all), err)
		}
		onlyA, err := s.ListAPITokens(ctx, store.ListAPITokensOptions{TenantID: a.ID})
		if err != nil || len(onlyA) != 1 || onlyA[0].ID != ta.ID {
			t.Fatalf("list A = %+v, %v", onlyA, err)
		}

		// Last use.
		used := time.Now().Add(-time.Minute)
		if err := s.TouchAPIToken(ctx, ta.ID, used); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetAPITokenByHash(ctx, "h-a")
		if got.LastUsedAt == nil || got.LastUsedAt.Sub(used).Abs() > time.Millisecond {
			t.Fatalf("last used = %v, want %v", got.LastUsedAt, used)
		}

		// Revoking: scoped, idempotent, kept in the list only on request.
		if _, err := s.RevokeAPIToken(ctx, b.ID, ta.ID, time.Now()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("revoke from another tenant: %v", err)
		}
		r1, err := s.RevokeAPIToken(ctx, a.ID, ta.ID, time.Now())
		if err != nil || !r1.Revoked() {
			t.Fatalf("revoke = %+v, %v", r1, err)
		}
		r2, err := s.RevokeAPIToken(ctx, store.AnyTenant, ta.ID, time.Now().Add(time.Hour))
		if err != nil || !r2.RevokedAt.Equal(*r1.RevokedAt) {
			t.Fatalf("revoke again = %+v, %v (first %v)", r2.RevokedAt, err, r1.RevokedAt)
		}
		if got, _ := s.GetAPITokenByHash(ctx, "h-a"); !got.Revoked() {
			t.Fatal("revoked token reads as active")
		}
		if l, _ := s.ListAPITokens(ctx, store.ListAPITokensOptions{TenantID: store.AnyTenant}); len(l) != 2 {
			t.Fatalf("active tokens = %d, want 2", len(l))
		}
		if l, _ := s.ListAPITokens(ctx, store.ListAPITokensOptions{TenantID: store.AnyTenant, IncludeRevoked: true}); len(l) != 3 {
			t.Fatalf("all tokens = %d, want 3", len(l))
		}

		// A tenant's tokens go with it.
		if err := s.DeleteTenant(ctx, b.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetAPITokenByHash(ctx, "h-b"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("token of a deleted tenant: %v", err)
		}
	})
}

func TestListTenantsPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		want := map[string]bool{}
		for i := range 7 {
			tn := newTenant(t, s, "T", "")
			want[tn.ID] = true
			if i%2 == 0 {
				if err := s.SetTenantStatus(ctx, tn.ID, store.TenantActive); err != nil {
					t.Fatal(err)
				}
			}
		}
		var seen []store.Tenant
		var after *store.TenantKey
		for range 10 {
			page, err := s.ListTenantsPage(ctx, store.TenantPageOptions{After: after, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			seen = append(seen, page...)
			if len(page) < 3 {
				break
			}
			last := page[len(page)-1]
			after = &store.TenantKey{CreatedAt: last.CreatedAt, ID: last.ID}
		}
		if len(seen) != 7 {
			t.Fatalf("paged through %d tenants, want 7", len(seen))
		}
		for i, tn := range seen {
			if !want[tn.ID] {
				t.Fatalf("tenant %s twice or unknown", tn.ID)
			}
			delete(want, tn.ID)
			if i > 0 {
				p := seen[i-1]
				if tn.CreatedAt.After(p.CreatedAt) || (tn.CreatedAt.Equal(p.CreatedAt) && tn.ID > p.ID) {
					t.Fatalf("out of order at %d", i)
				}
			}
		}
		active, err := s.ListTenantsPage(ctx, store.TenantPageOptions{Status: store.TenantActive})
		if err != nil || len(active) != 4 {
			t.Fatalf("active = %d, %v", len(active), err)
		}
	})
}

func TestListLogsSinceUntil(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := newTenant(t, s, "A", "")
		base := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
		var rows []*store.MessageLog
		for i := range 5 {
			m := in(a.ID, "c1", "w"+string(rune('a'+i)), "m")
			m.CreatedAt = base.Add(time.Duration(i) * time.Minute)
			rows = append(rows, m)
			commit(t, s, store.Op{Insert: m})
		}
		got, err := s.ListLogs(ctx, a.ID, store.ListLogsOptions{Since: base.Add(time.Minute), Until: base.Add(3 * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != rows[2].ID || got[1].ID != rows[1].ID {
			t.Fatalf("since/until = %v, want ids of rows 2,1", logIDs(got))
		}
		if got, _ := s.ListLogs(ctx, a.ID, store.ListLogsOptions{Since: base.Add(4 * time.Minute)}); len(got) != 1 {
			t.Fatalf("since only = %d rows", len(got))
		}
		if got, _ := s.ListLogs(ctx, a.ID, store.ListLogsOptions{Until: base.Add(time.Second)}); len(got) != 1 {
			t.Fatalf("until only = %d rows", len(got))
		}
	})
}

// A lookup without a tenant fails closed instead of reaching every
// tenant's tokens.
func TestAPITokenScopeRequired(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := ctxT(t)
	if _, err := s.GetAPIToken(ctx, "", "x"); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("get: %v", err)
	}
	if _, err := s.ListAPITokens(ctx, store.ListAPITokensOptions{}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("list: %v", err)
	}
	if _, err := s.RevokeAPIToken(ctx, "", "x", time.Now()); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("revoke: %v", err)
	}
}
