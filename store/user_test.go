package store_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

func TestUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		if ok, err := s.HasAdmin(ctx); err != nil || ok {
			t.Fatalf("HasAdmin on empty store = %v, %v", ok, err)
		}
		admin := store.User{Email: "  Ops@Example.COM ", PasswordHash: "h1", Role: store.RoleAdmin}
		if err := s.CreateUser(ctx, &admin); err != nil {
			t.Fatal(err)
		}
		if admin.ID == "" || admin.Email != "ops@example.com" || admin.CreatedAt.IsZero() {
			t.Fatalf("created %+v", admin)
		}
		if ok, _ := s.HasAdmin(ctx); !ok {
			t.Fatal("HasAdmin after create = false")
		}
		got, err := s.GetUserByEmail(ctx, "OPS@example.com")
		if err != nil || got.ID != admin.ID || got.PasswordHash != "h1" || got.Role != store.RoleAdmin || got.TenantID != nil {
			t.Fatalf("GetUserByEmail = %+v, %v", got, err)
		}
		dup := store.User{Email: "ops@EXAMPLE.com", PasswordHash: "h", Role: store.RoleAdmin}
		if err := s.CreateUser(ctx, &dup); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate email: %v", err)
		}

		tn := newTenant(t, s, "Salon", "")
		tid := tn.ID
		tu := store.User{Email: "owner@salon.example", PasswordHash: "h2", Role: store.RoleTenant, TenantID: &tid}
		if err := s.CreateUser(ctx, &tu); err != nil {
			t.Fatal(err)
		}
		missing := "no-such-tenant"
		orphan := store.User{Email: "x@y.example", PasswordHash: "h", Role: store.RoleTenant, TenantID: &missing}
		if err := s.CreateUser(ctx, &orphan); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("tenant user of a missing tenant: %v", err)
		}
		for name, u := range map[string]store.User{
			"bad email":       {Email: "not-an-email", PasswordHash: "h", Role: store.RoleAdmin},
			"display name":    {Email: "Bob <bob@example.com>", PasswordHash: "h", Role: store.RoleAdmin},
			"no hash":         {Email: "a@b.example", Role: store.RoleAdmin},
			"bad role":        {Email: "a@b.example", PasswordHash: "h", Role: "root"},
			"admin w/ tenant": {Email: "a@b.example", PasswordHash: "h", Role: store.RoleAdmin, TenantID: &tid},
			"tenant w/o":      {Email: "a@b.example", PasswordHash: "h", Role: store.RoleTenant},
		} {
			if err := s.CreateUser(ctx, &u); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%s: %v", name, err)
			}
		}

		if list, err := s.ListUsers(ctx, store.RoleTenant, tid); err != nil || len(list) != 1 || list[0].ID != tu.ID {
			t.Fatalf("ListUsers(tenant) = %+v, %v", list, err)
		}
		if list, _ := s.ListUsers(ctx, "", ""); len(list) != 2 {
			t.Fatalf("ListUsers() = %d users", len(list))
		}
		if err := s.SetUserPassword(ctx, admin.ID, "h3"); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordLogin(ctx, admin.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetUser(ctx, admin.ID)
		if got.PasswordHash != "h3" || got.LastLoginAt == nil {
			t.Fatalf("after password and login: %+v", got)
		}
		if err := s.SetUserPassword(ctx, "missing", "h"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("password of missing user: %v", err)
		}

		// Deleting the tenant removes its users.
		if err := s.DeleteTenant(ctx, tid, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetUser(ctx, tu.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("tenant user after tenant delete: %v", err)
		}
		if err := s.DeleteUser(ctx, admin.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteUser(ctx, admin.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
	})
}

// Racing set-ups create exactly one first admin.
func TestCreateFirstAdminOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Go(func() {
				u := store.User{Email: "admin" + string(rune('a'+i)) + "@example.com", PasswordHash: "h"}
				errs[i] = s.CreateFirstAdmin(ctx, &u)
			})
		}
		wg.Wait()
		created := 0
		for _, err := range errs {
			switch {
			case err == nil:
				created++
			case !errors.Is(err, store.ErrConflict):
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if created != 1 {
			t.Fatalf("%d first admins created, want 1", created)
		}
		if admins, _ := s.ListUsers(ctx, store.RoleAdmin, ""); len(admins) != 1 {
			t.Fatalf("%d admins", len(admins))
		}
	})
}

func TestAuthSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		u := store.User{Email: "ops@example.com", PasswordHash: "h", Role: store.RoleAdmin}
		if err := s.CreateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		a := store.AuthSession{IDHash: "hash-a", UserID: u.ID, ExpiresAt: now.Add(time.Hour), IP: "10.0.0.1", UserAgent: "test\x00agent"}
		if err := s.CreateAuthSession(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateAuthSession(ctx, a); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate hash: %v", err)
		}
		if err := s.CreateAuthSession(ctx, store.AuthSession{IDHash: "x", UserID: "missing", ExpiresAt: now.Add(time.Hour)}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("session of a missing user: %v", err)
		}
		su, err := s.GetAuthSession(ctx, "hash-a")
		if err != nil || su.User.ID != u.ID || su.Session.UserAgent != "testagent" || su.Session.LastSeenAt.IsZero() {
			t.Fatalf("GetAuthSession = %+v, %v", su, err)
		}
		later := now.Add(10 * time.Minute)
		if err := s.TouchAuthSession(ctx, "hash-a", later); err != nil {
			t.Fatal(err)
		}
		if su, _ = s.GetAuthSession(ctx, "hash-a"); !su.Session.LastSeenAt.Equal(later.UTC().Truncate(time.Microsecond)) {
			t.Fatalf("last seen %v, want %v", su.Session.LastSeenAt, later)
		}

		// Expiry sweep: absolute and idle.
		old := store.AuthSession{IDHash: "hash-old", UserID: u.ID, ExpiresAt: now.Add(-time.Minute)}
		idle := store.AuthSession{IDHash: "hash-idle", UserID: u.ID, ExpiresAt: now.Add(time.Hour), LastSeenAt: now.Add(-3 * time.Hour)}
		for _, x := range []store.AuthSession{old, idle} {
			if err := s.CreateAuthSession(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		n, err := s.DeleteExpiredAuthSessions(ctx, now, now.Add(-2*time.Hour))
		if err != nil || n != 2 {
			t.Fatalf("DeleteExpiredAuthSessions = %d, %v", n, err)
		}
		if _, err := s.GetAuthSession(ctx, "hash-a"); err != nil {
			t.Fatalf("live session swept: %v", err)
		}
		if err := s.DeleteAuthSession(ctx, "hash-a"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetAuthSession(ctx, "hash-a"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
		for _, h := range []string{"b1", "b2"} {
			if err := s.CreateAuthSession(ctx, store.AuthSession{IDHash: h, UserID: u.ID, ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.DeleteUserAuthSessions(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetAuthSession(ctx, "b2"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after sign-out everywhere: %v", err)
		}
	})
}

func TestAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		for i, a := range []string{"login", "tenant.create", "worker.start", "worker.stop", "worker.force_restart"} {
			tid := ""
			if i > 0 {
				tid = "t1"
			}
			e := store.AuditEntry{ActorID: "u1", ActorEmail: "ops@example.com", Action: a, TenantID: tid, Detail: "<b>x</b>"}
			if err := s.AddAudit(ctx, &e); err != nil {
				t.Fatal(err)
			}
			if e.ID == 0 || e.At.IsZero() {
				t.Fatalf("added %+v", e)
			}
		}
		if err := s.AddAudit(ctx, &store.AuditEntry{}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("empty action: %v", err)
		}
		long := store.AuditEntry{Action: "x", Detail: string(make([]byte, 10000))}
		if err := s.AddAudit(ctx, &long); err != nil {
			t.Fatalf("long detail: %v", err)
		}
		all, err := s.ListAudit(ctx, store.ListAuditOptions{})
		if err != nil || len(all) != 6 || all[0].Action != "x" || all[5].Action != "login" {
			t.Fatalf("ListAudit = %d entries, %v", len(all), err)
		}
		workers, _ := s.ListAudit(ctx, store.ListAuditOptions{Action: "worker."})
		if len(workers) != 3 {
			t.Fatalf("worker.* = %d entries", len(workers))
		}
		page1, _ := s.ListAudit(ctx, store.ListAuditOptions{TenantID: "t1", Limit: 2})
		page2, _ := s.ListAudit(ctx, store.ListAuditOptions{TenantID: "t1", Limit: 2, BeforeID: page1[1].ID})
		if len(page1) != 2 || len(page2) != 2 || page2[0].ID >= page1[1].ID || page2[1].Action != "tenant.create" {
			t.Fatalf("pages %+v / %+v", page1, page2)
		}
		if e, _ := s.ListAudit(ctx, store.ListAuditOptions{Action: "worker.start"}); len(e) != 1 || e[0].Detail != "<b>x</b>" {
			t.Fatalf("exact action: %+v", e)
		}
	})
}
