package store_test

import (
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
