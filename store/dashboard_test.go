package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

func TestDashboardQueries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		var ids []string
		for i := range 6 {
			tn := newTenant(t, s, fmt.Sprintf("Shop %d", i), fmt.Sprintf("+2557000000%02d", i))
			ids = append(ids, tn.ID)
		}
		now := time.Now()
		longAgo := now.Add(-time.Hour)
		// 0: running and connected, seen just now.
		// 1: worker ERROR.  2: logged out.  3: banned.  4: running, not seen for an hour (stale).
		// 5: tenant PAUSED, worker stopped.
		states := []struct {
			worker, session, reason string
			started, seen           *time.Time
		}{
			{store.WorkerRunning, store.SessionConnected, "", &longAgo, &now},
			{store.WorkerError, store.SessionDisconnected, "", nil, nil},
			{store.WorkerRunning, store.SessionLoggedOut, "removed on phone", &longAgo, &now},
			{store.WorkerRunning, store.SessionConnected, "temporarily banned until later: sending paused", &longAgo, &now},
			{store.WorkerRunning, store.SessionConnected, "", &longAgo, &longAgo},
			{store.WorkerStopped, store.SessionDisconnected, "", nil, nil},
		}
		for i, st := range states {
			if err := s.SaveWorker(ctx, store.Worker{TenantID: ids[i], Status: st.worker, StartedAt: st.started, LastError: map[bool]string{true: "boom"}[i == 1]}); err != nil {
				t.Fatal(err)
			}
			if err := s.SaveSession(ctx, store.WhatsAppSession{TenantID: ids[i], State: st.session, Reason: st.reason, LastSeenAt: st.seen}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SetTenantStatus(ctx, ids[5], store.TenantPaused); err != nil {
			t.Fatal(err)
		}
		// Tenant 0: 3 in, 2 out (one suppressed); tenant 1: 1 in.
		var ops []store.Op
		for i := range 3 {
			ops = append(ops, store.Op{Insert: &store.MessageLog{TenantID: ids[0], Direction: store.DirIn, Chat: "c", MessageText: fmt.Sprint("hi ", i)}})
		}
		ops = append(ops,
			store.Op{Insert: &store.MessageLog{TenantID: ids[0], Direction: store.DirOut, Chat: "c", Status: store.StatusSent}},
			store.Op{Insert: &store.MessageLog{TenantID: ids[0], Direction: store.DirOut, Chat: "c", Status: store.StatusSuppressed}},
			store.Op{Insert: &store.MessageLog{TenantID: ids[1], Direction: store.DirIn, Chat: "c"}},
		)
		if err := s.Commit(ctx, ops...); err != nil {
			t.Fatal(err)
		}
		dayStart := now.Add(-time.Minute)
		staleBefore := now.Add(-5 * time.Minute)

		rows, total, err := s.ListTenantRows(ctx, store.TenantRowsOptions{Since: dayStart, StaleBefore: staleBefore})
		if err != nil || total != 6 || len(rows) != 6 {
			t.Fatalf("ListTenantRows = %d rows, total %d, %v", len(rows), total, err)
		}
		byID := map[string]store.TenantRow{}
		for _, r := range rows {
			byID[r.ID] = r
		}
		if r := byID[ids[0]]; r.InToday != 3 || r.OutToday != 2 || r.WorkerStatus != store.WorkerRunning || r.SessionState != store.SessionConnected || r.LastSeenAt == nil {
			t.Fatalf("row 0 = %+v", r)
		}
		if rows[0].ID != ids[5] {
			t.Fatalf("not newest first: %s", rows[0].Name)
		}
		wantAttention := []string{"", store.AttentionError, store.AttentionLoggedOut, store.AttentionBanned, store.AttentionStale, ""}
		for i, want := range wantAttention {
			if got := byID[ids[i]].Attention(staleBefore); got != want {
				t.Errorf("tenant %d attention %q, want %q", i, got, want)
			}
		}

		// Filters agree with Attention, and combine.
		att, total, err := s.ListTenantRows(ctx, store.TenantRowsOptions{Attention: true, StaleBefore: staleBefore})
		if err != nil || total != 4 || len(att) != 4 {
			t.Fatalf("attention filter: %d rows, total %d, %v", len(att), total, err)
		}
		for _, c := range []struct {
			opts store.TenantRowsOptions
			want int64
		}{
			{store.TenantRowsOptions{WorkerStatus: store.WorkerRunning}, 4},
			{store.TenantRowsOptions{SessionState: store.SessionConnected}, 3},
			{store.TenantRowsOptions{TenantStatus: store.TenantPaused}, 1},
			{store.TenantRowsOptions{Query: "shop 3"}, 1},
			{store.TenantRowsOptions{Query: "+25570000000"}, 6},
			{store.TenantRowsOptions{Query: "100%"}, 0},
			{store.TenantRowsOptions{Query: "shop", WorkerStatus: store.WorkerRunning, SessionState: store.SessionConnected}, 3},
		} {
			_, n, err := s.ListTenantRows(ctx, c.opts)
			if err != nil || n != c.want {
				t.Errorf("%+v: total %d, %v; want %d", c.opts, n, err, c.want)
			}
		}
		// Paging.
		p2, total, _ := s.ListTenantRows(ctx, store.TenantRowsOptions{Limit: 4, Offset: 4})
		if total != 6 || len(p2) != 2 || p2[1].ID != ids[0] {
			t.Fatalf("page 2: %d rows of %d", len(p2), total)
		}

		one, err := s.GetTenantRow(ctx, ids[0], dayStart)
		if err != nil || one.InToday != 3 {
			t.Fatalf("GetTenantRow = %+v, %v", one, err)
		}
		if _, err := s.GetTenantRow(ctx, "missing", dayStart); err == nil {
			t.Fatal("GetTenantRow(missing) succeeded")
		}
		// Counts since a moment after the messages are zero.
		later, _ := s.GetTenantRow(ctx, ids[0], time.Now().Add(time.Minute))
		if later.InToday != 0 || later.OutToday != 0 {
			t.Fatalf("counts after the messages: %+v", later)
		}

		sc, err := s.CountStates(ctx)
		if err != nil || sc.Total != 6 || sc.Tenants[store.TenantPending] != 5 || sc.Workers[store.WorkerRunning] != 4 || sc.Sessions[store.SessionLoggedOut] != 1 {
			t.Fatalf("CountStates = %+v, %v", sc, err)
		}
		mc, err := s.CountMessagesSince(ctx, "", dayStart)
		if err != nil || mc.Get(store.DirIn, "") != 4 || mc.Get(store.DirOut, "") != 2 || mc.Get(store.DirOut, store.StatusSuppressed) != 1 {
			t.Fatalf("CountMessagesSince = %+v, %v", mc, err)
		}
		mc0, _ := s.CountMessagesSince(ctx, ids[0], dayStart)
		if mc0.Get(store.DirIn, "") != 3 {
			t.Fatalf("tenant counts = %+v", mc0)
		}

		from := now.Truncate(time.Hour).Add(-23 * time.Hour)
		hours, err := s.MessagesPerHour(ctx, from, 24)
		if err != nil || len(hours) != 24 {
			t.Fatalf("MessagesPerHour = %d, %v", len(hours), err)
		}
		last := hours[23]
		if last.In != 4 || last.Out != 1 || last.Suppressed != 1 {
			t.Fatalf("current hour = %+v (all: %+v)", last, hours)
		}
		for _, h := range hours[:23] {
			if h.In+h.Out+h.Suppressed != 0 {
				t.Fatalf("traffic in an earlier hour: %+v", h)
			}
		}
	})
}

func TestCreateTenantsInBulk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		ts := make([]store.Tenant, 1200)
		for i := range ts {
			ts[i].Name = fmt.Sprintf("Bulk %d", i)
			ts[i].PhoneNumber = fmt.Sprintf("+25571%07d", i)
		}
		if err := s.CreateTenants(ctx, ts, store.TenantConfig{TemplateType: "support"}); err != nil {
			t.Fatal(err)
		}
		rows, total, err := s.ListTenantRows(ctx, store.TenantRowsOptions{Query: "bulk 1199"})
		if err != nil || total != 1 || rows[0].WorkerStatus != store.WorkerStopped || rows[0].SessionState != store.SessionDisconnected || rows[0].Status != store.TenantPending {
			t.Fatalf("bulk tenant: %+v %d %v", rows, total, err)
		}
		if cfg, err := s.GetTenantConfig(ctx, ts[7].ID); err != nil || cfg.TemplateType != "support" {
			t.Fatalf("config: %+v %v", cfg, err)
		}
		dup := []store.Tenant{{Name: "x", PhoneNumber: ts[0].PhoneNumber}}
		if err := s.CreateTenants(ctx, dup, store.TenantConfig{}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate phone: %v", err)
		}
	})
}

// Per-tenant counts stop at TodayCountCap+1; text search examines a
// bounded window and says where to continue.
func TestCappedCountsAndBoundedSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		busy := newTenant(t, s, "Busy", "")
		ops := make([]store.Op, 0, store.TodayCountCap+5)
		for i := range store.TodayCountCap + 5 {
			text := "hello"
			if i%10 == 0 {
				text = fmt.Sprintf("needle %d", i)
			}
			ops = append(ops, store.Op{Insert: &store.MessageLog{TenantID: busy.ID, Direction: store.DirIn, Chat: "c", MessageText: text}})
		}
		ops = append(ops, store.Op{Insert: &store.MessageLog{TenantID: busy.ID, Direction: store.DirOut, Chat: "c", MessageText: "reply"}})
		if err := s.Commit(ctx, ops...); err != nil {
			t.Fatal(err)
		}
		in, out, err := s.CountTenantMessagesSince(ctx, busy.ID, time.Now().Add(-time.Hour))
		if err != nil || in != store.TodayCountCap+1 || out != 1 {
			t.Fatalf("capped counts: %d in, %d out, %v", in, out, err)
		}
		row, _ := s.GetTenantRow(ctx, busy.ID, time.Now().Add(-time.Hour))
		if row.InToday != store.TodayCountCap+1 || row.OutToday != 1 {
			t.Fatalf("row counts: %+v", row)
		}

		// The newest 100 rows hold 10 needles (the reply is the newest row).
		rows, next, err := s.SearchLogs(ctx, busy.ID, store.ListLogsOptions{Query: "NEEDLE", Limit: 50}, 100)
		if err != nil || len(rows) != 10 || next == 0 {
			t.Fatalf("first window: %d rows, next %d, %v", len(rows), next, err)
		}
		more, next2, err := s.SearchLogs(ctx, busy.ID, store.ListLogsOptions{Query: "needle", Limit: 50, BeforeID: next}, 100)
		if err != nil || len(more) != 10 || more[0].ID >= rows[len(rows)-1].ID || next2 >= next {
			t.Fatalf("second window: %d rows, next %d, %v", len(more), next2, err)
		}
		all, last, err := s.SearchLogs(ctx, busy.ID, store.ListLogsOptions{Query: "needle 1", Limit: store.MaxLogPage}, 100000)
		if err != nil || len(all) != 112 || last != 0 { // needle 1, 10..19, 100..199, 1000..1999, 10000
			t.Fatalf("whole history: %d rows, next %d, %v", len(all), last, err)
		}
		if r, _, _ := s.SearchLogs(ctx, busy.ID, store.ListLogsOptions{Query: "needle", Direction: store.DirOut}, 100); len(r) != 0 {
			t.Fatal("direction filter")
		}
	})
}
