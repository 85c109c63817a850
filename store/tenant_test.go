package store_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

func newTenant(t *testing.T, s *store.Store, name, phone string) store.Tenant {
	t.Helper()
	tn := store.Tenant{Name: name, PhoneNumber: phone}
	if err := s.CreateTenant(ctxT(t), &tn, store.TenantConfig{TemplateType: "booking", Language: "en"}); err != nil {
		t.Fatalf("create tenant %s: %v", name, err)
	}
	return tn
}

func TestTenantCRUD(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		limit := 5
		tn := store.Tenant{Name: "Salon Zuri", PhoneNumber: "+255712345678"}
		cfg := store.TenantConfig{
			TemplateType:       "booking",
			BusinessName:       "Salon Zuri",
			Language:           "sw",
			RateLimitPerMinute: &limit,
			ReplyOverrides:     store.ReplyOverrides{"greeting": {"sw": "Karibu!", "en": "Welcome!"}},
		}
		if err := s.CreateTenant(ctx, &tn, cfg); err != nil {
			t.Fatal(err)
		}
		if tn.ID == "" || tn.Status != store.TenantPending || tn.CreatedAt.IsZero() || tn.UpdatedAt.IsZero() {
			t.Fatalf("created tenant %+v", tn)
		}

		got, err := s.GetTenant(ctx, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != tn.ID || got.Name != tn.Name || got.PhoneNumber != tn.PhoneNumber || got.Status != tn.Status ||
			!got.CreatedAt.Equal(tn.CreatedAt) || !got.UpdatedAt.Equal(tn.UpdatedAt) {
			t.Fatalf("GetTenant = %+v, want %+v", got, tn)
		}

		gotCfg, err := s.GetTenantConfig(ctx, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		if gotCfg.TenantID != tn.ID || gotCfg.TemplateType != "booking" || gotCfg.BusinessName != "Salon Zuri" ||
			gotCfg.Language != "sw" || gotCfg.RateLimitPerMinute == nil || *gotCfg.RateLimitPerMinute != 5 ||
			!reflect.DeepEqual(gotCfg.ReplyOverrides, cfg.ReplyOverrides) {
			t.Fatalf("GetTenantConfig = %+v", gotCfg)
		}
		if text, ok := gotCfg.ReplyOverrides.Text("greeting", "sw"); !ok || text != "Karibu!" {
			t.Fatalf("override = %q, %v", text, ok)
		}

		sess, err := s.GetSession(ctx, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		if sess.State != store.SessionDisconnected || sess.LastSeenAt != nil || sess.QRExpiresAt != nil {
			t.Fatalf("initial session %+v", sess)
		}
		wk, err := s.GetWorker(ctx, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		if wk.Status != store.WorkerStopped || wk.Restarts != 0 || wk.StartedAt != nil {
			t.Fatalf("initial worker %+v", wk)
		}

		// Update.
		tn.Name, tn.PhoneNumber, tn.Status = "Salon Zuri Ltd", "+255712000000", store.TenantActive
		if err := s.UpdateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetTenant(ctx, tn.ID)
		if got.Name != "Salon Zuri Ltd" || got.PhoneNumber != "+255712000000" || got.Status != store.TenantActive {
			t.Fatalf("after update %+v", got)
		}
		if err := s.SetTenantStatus(ctx, tn.ID, store.TenantPaused); err != nil {
			t.Fatal(err)
		}
		if got, _ = s.GetTenant(ctx, tn.ID); got.Status != store.TenantPaused {
			t.Fatalf("status %q", got.Status)
		}

		// Config: nil rate limit (server default), 0 (off), overrides cleared.
		gotCfg.RateLimitPerMinute = nil
		gotCfg.ReplyOverrides = nil
		gotCfg.Language = "en"
		if err := s.SaveTenantConfig(ctx, gotCfg); err != nil {
			t.Fatal(err)
		}
		c2, _ := s.GetTenantConfig(ctx, tn.ID)
		if c2.RateLimitPerMinute != nil || len(c2.ReplyOverrides) != 0 || c2.ReplyOverrides == nil || c2.Language != "en" {
			t.Fatalf("after save %+v", c2)
		}
		zero := 0
		c2.RateLimitPerMinute = &zero
		if err := s.SaveTenantConfig(ctx, c2); err != nil {
			t.Fatal(err)
		}
		if c3, _ := s.GetTenantConfig(ctx, tn.ID); c3.RateLimitPerMinute == nil || *c3.RateLimitPerMinute != 0 {
			t.Fatalf("rate limit 0 not kept: %+v", c3)
		}

		// Session: full-row upsert.
		exp := time.Now().Add(20 * time.Second).Truncate(time.Microsecond)
		sess.State, sess.LastQR, sess.QRExpiresAt = store.SessionQRReady, "data:image/png;base64,AAAA", &exp
		if err := s.SaveSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		sess2, _ := s.GetSession(ctx, tn.ID)
		if sess2.State != store.SessionQRReady || sess2.LastQR != sess.LastQR || sess2.QRExpiresAt == nil || !sess2.QRExpiresAt.Equal(exp) {
			t.Fatalf("after save session %+v", sess2)
		}
		sess2.State, sess2.LastQR, sess2.QRExpiresAt, sess2.JID = store.SessionConnected, "", nil, "255712345678.0:1@s.whatsapp.net"
		if err := s.SaveSession(ctx, sess2); err != nil {
			t.Fatal(err)
		}
		if sess3, _ := s.GetSession(ctx, tn.ID); sess3.State != store.SessionConnected || sess3.QRExpiresAt != nil || sess3.JID != sess2.JID {
			t.Fatalf("after second save %+v", sess3)
		}

		// Worker: full-row upsert.
		started := time.Now().Truncate(time.Microsecond)
		wk.Status, wk.Restarts, wk.StartedAt, wk.LastError = store.WorkerRunning, 3, &started, "boom"
		if err := s.SaveWorker(ctx, wk); err != nil {
			t.Fatal(err)
		}
		wk2, _ := s.GetWorker(ctx, tn.ID)
		if wk2.Status != store.WorkerRunning || wk2.Restarts != 3 || wk2.StartedAt == nil || !wk2.StartedAt.Equal(started) || wk2.LastError != "boom" {
			t.Fatalf("after save worker %+v", wk2)
		}
	})
}

func TestTenantErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := newTenant(t, s, "A", "+255700000001")
		missing := "00000000-0000-0000-0000-000000000000"

		// Duplicate id and duplicate phone number.
		dup := store.Tenant{ID: a.ID, Name: "again"}
		if err := s.CreateTenant(ctx, &dup, store.TenantConfig{}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate id: %v", err)
		}
		dupPhone := store.Tenant{Name: "B", PhoneNumber: a.PhoneNumber}
		if err := s.CreateTenant(ctx, &dupPhone, store.TenantConfig{}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate phone: %v", err)
		}
		// A failed create leaves nothing behind.
		if _, total, _ := s.ListTenants(ctx, store.ListTenantsOptions{}); total != 1 {
			t.Fatalf("%d tenants after failed creates", total)
		}
		// Empty phone numbers never conflict.
		newTenant(t, s, "C", "")
		newTenant(t, s, "D", "")
		b := newTenant(t, s, "B", "+255700000002")
		b.PhoneNumber = a.PhoneNumber
		if err := s.UpdateTenant(ctx, b); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("update to taken phone: %v", err)
		}

		// Invalid values.
		bad := store.Tenant{Name: "X", PhoneNumber: "0712345678"}
		if err := s.CreateTenant(ctx, &bad, store.TenantConfig{}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("non-E.164 phone: %v", err)
		}
		bad = store.Tenant{Name: "X", Status: "SLEEPING"}
		if err := s.CreateTenant(ctx, &bad, store.TenantConfig{}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("bad status: %v", err)
		}
		if err := s.SetTenantStatus(ctx, a.ID, "nope"); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("bad status: %v", err)
		}
		neg := -1
		if err := s.SaveTenantConfig(ctx, store.TenantConfig{TenantID: a.ID, RateLimitPerMinute: &neg}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("negative rate limit: %v", err)
		}
		if err := s.SaveSession(ctx, store.WhatsAppSession{TenantID: a.ID, State: "LINKED"}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("bad session state: %v", err)
		}
		if err := s.SaveWorker(ctx, store.Worker{TenantID: a.ID, Status: "ZOMBIE"}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("bad worker status: %v", err)
		}

		// Not found, for every entity.
		checks := map[string]error{}
		_, checks["GetTenant"] = s.GetTenant(ctx, missing)
		_, checks["GetTenantConfig"] = s.GetTenantConfig(ctx, missing)
		_, checks["GetSession"] = s.GetSession(ctx, missing)
		_, checks["GetWorker"] = s.GetWorker(ctx, missing)
		checks["UpdateTenant"] = s.UpdateTenant(ctx, store.Tenant{ID: missing, Status: store.TenantActive})
		checks["SetTenantStatus"] = s.SetTenantStatus(ctx, missing, store.TenantActive)
		checks["DeleteTenant"] = s.DeleteTenant(ctx, missing, false)
		checks["SaveTenantConfig"] = s.SaveTenantConfig(ctx, store.TenantConfig{TenantID: missing})
		checks["SaveSession"] = s.SaveSession(ctx, store.WhatsAppSession{TenantID: missing, State: store.SessionConnected})
		checks["SaveWorker"] = s.SaveWorker(ctx, store.Worker{TenantID: missing, Status: store.WorkerRunning})
		_, checks["GetLogByKey"] = s.GetLogByKey(ctx, a.ID, store.DirIn, "chat", "nope")
		_, checks["GetLog"] = s.GetLog(ctx, a.ID, 12345)
		for name, err := range checks {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: %v, want ErrNotFound", name, err)
			}
		}
		// The error names the operation and the tenant.
		if _, err := s.GetTenant(ctx, missing); err == nil || err.Error() != fmt.Sprintf("store: get tenant %s: not found", missing) {
			t.Errorf("error text %q", err)
		}
	})
}

func TestListTenants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		var active []string
		for i := range 12 {
			tn := store.Tenant{Name: fmt.Sprintf("Shop %02d", i)}
			if i%3 == 0 {
				tn.Status = store.TenantActive
				tn.PhoneNumber = fmt.Sprintf("+25571000%04d", i)
			}
			if i == 7 {
				tn.Name = "Kinyozi 100% Fresh_Cuts"
			}
			if err := s.CreateTenant(ctx, &tn, store.TenantConfig{}); err != nil {
				t.Fatal(err)
			}
			if tn.Status == store.TenantActive {
				active = append(active, tn.ID)
			}
		}
		all, total, err := s.ListTenants(ctx, store.ListTenantsOptions{})
		if err != nil || total != 12 || len(all) != 12 {
			t.Fatalf("all: %d rows, total %d, %v", len(all), total, err)
		}
		for i := 1; i < len(all); i++ {
			if all[i].CreatedAt.After(all[i-1].CreatedAt) {
				t.Fatalf("not newest first at %d", i)
			}
		}
		page, total, err := s.ListTenants(ctx, store.ListTenantsOptions{Limit: 5, Offset: 10})
		if err != nil || total != 12 || len(page) != 2 || page[0].ID != all[10].ID {
			t.Fatalf("page: %d rows, total %d, %v", len(page), total, err)
		}
		act, total, err := s.ListTenants(ctx, store.ListTenantsOptions{Status: store.TenantActive, Limit: 2})
		if err != nil || total != 4 || len(act) != 2 {
			t.Fatalf("active: %d rows, total %d, %v", len(act), total, err)
		}
		for name, want := range map[string]int64{"shop": 11, "SHOP 1": 2, "100%": 1, "fresh_c": 1, "_": 1, "%": 1, "+2557100000": 4, "zzz": 0} {
			_, total, err := s.ListTenants(ctx, store.ListTenantsOptions{Query: name})
			if err != nil || total != want {
				t.Errorf("query %q: total %d, want %d (%v)", name, total, want, err)
			}
		}
		if _, total, _ := s.ListTenants(ctx, store.ListTenantsOptions{Query: all[0].ID[:8]}); total < 1 {
			t.Errorf("query by id prefix found nothing")
		}

		ids, err := s.ListTenantIDsByStatus(ctx, store.TenantActive)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != len(active) {
			t.Fatalf("active ids %v, want %v", ids, active)
		}
		for i := 1; i < len(ids); i++ {
			if ids[i] < ids[i-1] {
				t.Fatal("ids not sorted")
			}
		}
		if ids, err := s.ListTenantIDsByStatus(ctx, store.TenantError); err != nil || len(ids) != 0 {
			t.Fatalf("error ids %v %v", ids, err)
		}
	})
}

func TestDeleteTenantCascade(t *testing.T) {
	for _, keep := range []bool{true, false} {
		t.Run(fmt.Sprintf("keepLogs=%v", keep), func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				ctx := ctxT(t)
				a := newTenant(t, s, "A", "")
				b := newTenant(t, s, "B", "")
				for _, id := range []string{a.ID, b.ID} {
					for i := range 3 {
						m := &store.MessageLog{TenantID: id, Direction: store.DirIn, Chat: "c", WAMessageID: fmt.Sprint(i)}
						if err := s.Commit(ctx, store.Op{Insert: m}); err != nil {
							t.Fatal(err)
						}
					}
				}
				if err := s.DeleteTenant(ctx, a.ID, keep); err != nil {
					t.Fatal(err)
				}
				if _, err := s.GetTenant(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("tenant still there: %v", err)
				}
				for name, q := range map[string]string{
					"tenant_configs":    "SELECT COUNT(*) FROM tenant_configs WHERE tenant_id = ",
					"whatsapp_sessions": "SELECT COUNT(*) FROM whatsapp_sessions WHERE tenant_id = ",
					"workers":           "SELECT COUNT(*) FROM workers WHERE tenant_id = ",
				} {
					var n int
					if err := s.SQLDB().QueryRowContext(ctx, q+"'"+a.ID+"'").Scan(&n); err != nil || n != 0 {
						t.Errorf("%s: %d rows left (%v)", name, n, err)
					}
				}
				n, err := s.CountLogs(ctx, a.ID)
				if err != nil {
					t.Fatal(err)
				}
				if want := map[bool]int64{true: 3, false: 0}[keep]; n != want {
					t.Fatalf("%d logs left for the deleted tenant, want %d", n, want)
				}
				// The other tenant is untouched.
				if n, _ := s.CountLogs(ctx, b.ID); n != 3 {
					t.Fatalf("other tenant has %d logs", n)
				}
				for _, get := range []func() error{
					func() error { _, err := s.GetTenant(ctx, b.ID); return err },
					func() error { _, err := s.GetTenantConfig(ctx, b.ID); return err },
					func() error { _, err := s.GetSession(ctx, b.ID); return err },
					func() error { _, err := s.GetWorker(ctx, b.ID); return err },
				} {
					if err := get(); err != nil {
						t.Fatal(err)
					}
				}
				// The id can be used again.
				again := store.Tenant{ID: a.ID, Name: "A again"}
				if err := s.CreateTenant(ctx, &again, store.TenantConfig{}); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

func TestTouchLastSeen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := newTenant(t, s, "A", "")
		b := newTenant(t, s, "B", "")
		c := newTenant(t, s, "C", "")
		// 12,000 ids: more than one chunk, and far past what one SQLite
		// statement could take if the ids were not chunked. Most do not
		// exist, which is fine.
		ids := make([]string, 0, 12000)
		ids = append(ids, a.ID)
		for i := range 11998 {
			ids = append(ids, fmt.Sprintf("ghost-%05d", i))
		}
		ids = append(ids, b.ID)
		at := time.Now().Add(-time.Minute).Truncate(time.Microsecond)
		if err := s.TouchLastSeen(ctx, ids, at); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{a.ID, b.ID} {
			sess, err := s.GetSession(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if sess.LastSeenAt == nil || !sess.LastSeenAt.Equal(at) {
				t.Fatalf("%s last seen %v, want %v", id, sess.LastSeenAt, at)
			}
		}
		if sess, _ := s.GetSession(ctx, c.ID); sess.LastSeenAt != nil {
			t.Fatalf("untouched tenant got last seen %v", sess.LastSeenAt)
		}
		if err := s.TouchLastSeen(ctx, nil, at); err != nil {
			t.Fatal(err)
		}
	})
}

// Real tenants at scale: 10,001 sessions touched in one call.
func TestTouchLastSeenManyTenants(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		const n = 10001
		// Insert the tenants and sessions directly, 500 a statement:
		// CreateTenant one by one would dominate the test's time.
		db := s.SQLDB()
		now := time.Now().UTC()
		ids := make([]string, n)
		for i := range ids {
			ids[i] = fmt.Sprintf("tenant-%05d", i)
		}
		mark := func(i int) string {
			if s.Dialect() == store.DialectPostgres {
				return fmt.Sprintf("$%d", i)
			}
			return "?"
		}
		for start := 0; start < n; start += 500 {
			chunk := ids[start:min(start+500, n)]
			var q1, q2 strings.Builder
			var a1, a2 []any
			q1.WriteString("INSERT INTO tenants (id, name, phone_number, status, created_at, updated_at) VALUES ")
			q2.WriteString("INSERT INTO whatsapp_sessions (tenant_id, state, updated_at) VALUES ")
			for i, id := range chunk {
				if i > 0 {
					q1.WriteString(", ")
					q2.WriteString(", ")
				}
				fmt.Fprintf(&q1, "(%s, '', '', 'ACTIVE', %s, %s)", mark(3*i+1), mark(3*i+2), mark(3*i+3))
				fmt.Fprintf(&q2, "(%s, 'CONNECTED', %s)", mark(2*i+1), mark(2*i+2))
				a1 = append(a1, id, now, now)
				a2 = append(a2, id, now)
			}
			if _, err := db.ExecContext(ctx, q1.String(), a1...); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, q2.String(), a2...); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.ListTenantIDsByStatus(ctx, store.TenantActive)
		if err != nil || len(got) != n {
			t.Fatalf("ListTenantIDsByStatus: %d ids, %v", len(got), err)
		}
		at := time.Now().Truncate(time.Microsecond)
		if err := s.TouchLastSeen(ctx, ids, at); err != nil {
			t.Fatal(err)
		}
		var touched int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM whatsapp_sessions WHERE last_seen_at IS NOT NULL`).Scan(&touched); err != nil {
			t.Fatal(err)
		}
		if touched != n {
			t.Fatalf("%d sessions touched, want %d", touched, n)
		}
	})
}
