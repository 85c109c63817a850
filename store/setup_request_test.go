package store_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

func setupReq(phone, ip string) store.SetupRequest {
	return store.SetupRequest{BusinessName: "Salon Zuri", ContactName: "Amina", Phone: phone, Email: "Amina@Example.com",
		Template: "booking", Language: "auto", Note: "Hello", IP: ip}
}

func TestSetupRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		r := setupReq("+255712345678", "10.0.0.1")
		if err := s.CreateSetupRequest(ctx, &r, 0, 0); err != nil {
			t.Fatal(err)
		}
		if r.ID == "" || r.Status != store.SetupPending || r.Email != "amina@example.com" || r.CreatedAt.IsZero() {
			t.Fatalf("created %+v", r)
		}
		got, err := s.GetSetupRequest(ctx, r.ID)
		if err != nil || got.Phone != r.Phone || got.Note != "Hello" || got.IP != "10.0.0.1" || got.TenantID != nil {
			t.Fatalf("get = %+v, %v", got, err)
		}
		if _, err := s.GetSetupRequest(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
		// A second pending request for the phone is a conflict.
		dup := setupReq("+255712345678", "10.0.0.2")
		if err := s.CreateSetupRequest(ctx, &dup, 0, 0); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate pending: %v", err)
		}
		for name, bad := range map[string]store.SetupRequest{
			"phone":    setupReq("0712345678", ""),
			"email":    func() store.SetupRequest { x := setupReq("+255700000009", ""); x.Email = "nope"; return x }(),
			"business": func() store.SetupRequest { x := setupReq("+255700000009", ""); x.BusinessName = ""; return x }(),
			"nul":      func() store.SetupRequest { x := setupReq("+255700000009", ""); x.Note = "a\x00b"; return x }(),
		} {
			if err := s.CreateSetupRequest(ctx, &bad, 0, 0); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%s: %v", name, err)
			}
		}

		// Rejecting frees the phone for a new request.
		rej, err := s.RejectSetupRequest(ctx, r.ID, "Not a business", "ops@example.com")
		if err != nil || rej.Status != store.SetupRejected || rej.Reason != "Not a business" || rej.DecidedAt == nil || rej.DecidedBy != "ops@example.com" {
			t.Fatalf("reject = %+v, %v", rej, err)
		}
		if _, err := s.RejectSetupRequest(ctx, r.ID, "again", "x"); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("reject twice: %v", err)
		}
		if _, err := s.RejectSetupRequest(ctx, "nope", "x", "x"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("reject missing: %v", err)
		}
		if err := s.CreateSetupRequest(ctx, &dup, 0, 0); err != nil {
			t.Fatalf("after reject: %v", err)
		}

		// Approval: request, user and invite in one go.
		tn := newTenant(t, s, "Salon Zuri", "+255712345678")
		u := store.User{Email: "Amina@Example.com", PasswordHash: "!unusable"}
		inv := store.Invite{TokenHash: "hash-1", CreatedBy: "ops@example.com", ExpiresAt: time.Now().Add(time.Hour)}
		appr, err := s.ApproveSetupRequest(ctx, dup.ID, tn.ID, &u, inv, "ops@example.com")
		if err != nil || appr.Status != store.SetupApproved || appr.TenantID == nil || *appr.TenantID != tn.ID {
			t.Fatalf("approve = %+v, %v", appr, err)
		}
		if u.ID == "" || u.Role != store.RoleTenant || *u.TenantID != tn.ID || u.Email != "amina@example.com" {
			t.Fatalf("user %+v", u)
		}
		if _, err := s.ApproveSetupRequest(ctx, dup.ID, tn.ID, &store.User{Email: "b@example.com", PasswordHash: "x"},
			store.Invite{TokenHash: "hash-2", ExpiresAt: time.Now().Add(time.Hour)}, "x"); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("approve twice: %v", err)
		}
		if of, err := s.SetupRequestOfTenant(ctx, tn.ID); err != nil || of.ID != dup.ID {
			t.Fatalf("request of tenant = %+v, %v", of, err)
		}
		// An email that has an account already: nothing changes.
		r3 := setupReq("+255700000003", "")
		if err := s.CreateSetupRequest(ctx, &r3, 0, 0); err != nil {
			t.Fatal(err)
		}
		tn3 := newTenant(t, s, "Other", "")
		if _, err := s.ApproveSetupRequest(ctx, r3.ID, tn3.ID, &store.User{Email: "amina@example.com", PasswordHash: "x"},
			store.Invite{TokenHash: "hash-3", ExpiresAt: time.Now().Add(time.Hour)}, "x"); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("taken email: %v", err)
		}
		if g, _ := s.GetSetupRequest(ctx, r3.ID); g.Status != store.SetupPending {
			t.Fatalf("failed approval changed the request: %+v", g)
		}
		if _, err := s.GetInvite(ctx, "hash-3"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("failed approval left an invite: %v", err)
		}

		// Listing: newest first, by status, paged by id.
		if n, err := s.CountSetupRequests(ctx, store.SetupPending); err != nil || n != 1 {
			t.Fatalf("count pending = %d, %v", n, err)
		}
		all, err := s.ListSetupRequests(ctx, "", 0, "")
		if err != nil || len(all) != 3 || all[0].ID != r3.ID || all[2].ID != r.ID {
			t.Fatalf("list all = %d, %v", len(all), err)
		}
		page, err := s.ListSetupRequests(ctx, "", 2, "")
		if err != nil || len(page) != 2 {
			t.Fatalf("page 1: %d, %v", len(page), err)
		}
		next, err := s.ListSetupRequests(ctx, "", 2, page[1].ID)
		if err != nil || len(next) != 1 || next[0].ID != r.ID {
			t.Fatalf("page 2: %+v, %v", next, err)
		}
		pend, err := s.ListSetupRequests(ctx, store.SetupPending, 10, "")
		if err != nil || len(pend) != 1 || pend[0].ID != r3.ID {
			t.Fatalf("pending: %+v, %v", pend, err)
		}
		// Deleting the tenant keeps the request.
		if err := s.DeleteTenant(ctx, tn.ID, false); err != nil {
			t.Fatal(err)
		}
		if g, err := s.GetSetupRequest(ctx, dup.ID); err != nil || g.TenantID != nil || g.Status != store.SetupApproved {
			t.Fatalf("after tenant delete: %+v, %v", g, err)
		}
	})
}

func TestSetupRequestIPLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		// Eight parallel requests from one address, limit 3: exactly 3 land.
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := setupReq("", "192.0.2.7")
				r.Phone = []string{"+255700000010", "+255700000011", "+255700000012", "+255700000013",
					"+255700000014", "+255700000015", "+255700000016", "+255700000017"}[i]
				errs <- s.CreateSetupRequest(ctx, &r, 3, time.Hour)
			}()
		}
		wg.Wait()
		close(errs)
		ok, limited := 0, 0
		for err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, store.ErrTooMany):
				limited++
			default:
				t.Fatal(err)
			}
		}
		if ok != 3 || limited != 5 {
			t.Fatalf("ok %d, limited %d", ok, limited)
		}
		// Another address is not affected; a zero window forgets.
		r := setupReq("+255700000020", "192.0.2.8")
		if err := s.CreateSetupRequest(ctx, &r, 3, time.Hour); err != nil {
			t.Fatal(err)
		}
		r = setupReq("+255700000021", "192.0.2.7")
		if err := s.CreateSetupRequest(ctx, &r, 3, time.Nanosecond); err != nil {
			t.Fatalf("outside the window: %v", err)
		}
	})
}

func TestInvites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		tn := newTenant(t, s, "Duka", "")
		tid := tn.ID
		u := store.User{Email: "owner@duka.example", PasswordHash: "!unusable", Role: store.RoleTenant, TenantID: &tid}
		if err := s.CreateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		if err := s.CreateInvite(ctx, store.Invite{TokenHash: "old", UserID: u.ID, TenantID: tid, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		// A new invite withdraws the unused old one.
		if err := s.CreateInvite(ctx, store.Invite{TokenHash: "new", UserID: u.ID, TenantID: tid, CreatedBy: "ops", ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetInvite(ctx, "old"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("old invite: %v", err)
		}
		if l, err := s.LatestInvite(ctx, u.ID); err != nil || l.TokenHash != "new" || l.CreatedBy != "ops" {
			t.Fatalf("latest = %+v, %v", l, err)
		}
		other := newTenant(t, s, "Other", "")
		if err := s.CreateInvite(ctx, store.Invite{TokenHash: "x", UserID: u.ID, TenantID: other.ID, ExpiresAt: now.Add(time.Hour)}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("invite for another tenant's user: %v", err)
		}
		if err := s.CreateInvite(ctx, store.Invite{TokenHash: "y", UserID: u.ID, TenantID: tid}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("no expiry: %v", err)
		}

		if _, err := s.UseInvite(ctx, "missing", now, "h"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown: %v", err)
		}
		// Two at once: one wins.
		var wg sync.WaitGroup
		res := make(chan error, 2)
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.UseInvite(ctx, "new", now, "bcrypt-hash")
				res <- err
			}()
		}
		wg.Wait()
		close(res)
		wins := 0
		for err := range res {
			if err == nil {
				wins++
			} else if !errors.Is(err, store.ErrInviteUsed) || !store.IsInviteGone(err) || !errors.Is(err, store.ErrConflict) {
				t.Fatalf("second use: %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d uses succeeded", wins)
		}
		if got, _ := s.GetUser(ctx, u.ID); got.PasswordHash != "bcrypt-hash" {
			t.Fatalf("password not set: %q", got.PasswordHash)
		}
		if inv, _ := s.GetInvite(ctx, "new"); inv.UsedAt == nil {
			t.Fatal("used_at not set")
		}

		if err := s.CreateInvite(ctx, store.Invite{TokenHash: "late", UserID: u.ID, TenantID: tid, ExpiresAt: now.Add(-time.Second)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UseInvite(ctx, "late", now, "h2"); !errors.Is(err, store.ErrInviteExpired) {
			t.Fatalf("expired: %v", err)
		}
		if got, _ := s.GetUser(ctx, u.ID); got.PasswordHash != "bcrypt-hash" {
			t.Fatal("expired invite changed the password")
		}
		// Invites go with their tenant.
		if err := s.DeleteTenant(ctx, tid, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetInvite(ctx, "late"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after tenant delete: %v", err)
		}
	})
}
