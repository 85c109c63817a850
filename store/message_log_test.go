package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

func commit(t *testing.T, s *store.Store, ops ...store.Op) {
	t.Helper()
	if err := s.Commit(ctxT(t), ops...); err != nil {
		t.Fatalf("commit: %v", err)
	}
}

func in(tenant, chat, wa, text string) *store.MessageLog {
	return &store.MessageLog{TenantID: tenant, Direction: store.DirIn, Chat: chat, FromNumber: chat, WAMessageID: wa, MessageText: text}
}

func out(tenant, chat, wa, text string, replyTo *int64) *store.MessageLog {
	return &store.MessageLog{TenantID: tenant, Direction: store.DirOut, Chat: chat, ToNumber: chat, WAMessageID: wa,
		MessageText: text, Source: store.SourceBot, ReplyTo: replyTo}
}

func TestLogRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := newTenant(t, s, "A", "")
		m := in(a.ID, "255700000001@s.whatsapp.net", "3EB0AAA", "Habari, nataka kuweka miadi 🙂")
		commit(t, s, store.Op{Insert: m})
		if m.ID == 0 || m.Status != store.StatusReceived || m.Source != store.SourceCustomer || m.CreatedAt.IsZero() {
			t.Fatalf("after commit %+v", m)
		}
		got, err := s.GetLogByKey(ctx, a.ID, store.DirIn, m.Chat, m.WAMessageID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != m.ID || got.MessageText != m.MessageText || got.FromNumber != m.FromNumber || got.ReplyTo != nil ||
			!got.CreatedAt.Equal(m.CreatedAt) || !got.UpdatedAt.Equal(m.UpdatedAt) || got.Status != store.StatusReceived {
			t.Fatalf("GetLogByKey = %+v, want %+v", got, *m)
		}
		r := out(a.ID, m.Chat, "3EB0BBB", "Karibu!", &m.ID)
		r.Intent = "greeting"
		commit(t, s, store.Op{Insert: r})
		if r.Status != store.StatusPending {
			t.Fatalf("OUT default status %q", r.Status)
		}
		commit(t, s, store.Op{Update: &store.StatusUpdate{TenantID: a.ID, ID: r.ID, Status: store.StatusFailed, Error: "timeout"}})
		gotR, err := s.GetLog(ctx, a.ID, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if gotR.Status != store.StatusFailed || gotR.Error != "timeout" || gotR.ReplyTo == nil || *gotR.ReplyTo != m.ID ||
			gotR.Intent != "greeting" || gotR.Source != store.SourceBot || !gotR.UpdatedAt.After(gotR.CreatedAt) && !gotR.UpdatedAt.Equal(gotR.CreatedAt) {
			t.Fatalf("after update %+v", gotR)
		}
		// A caller-provided CreatedAt is kept.
		old := time.Date(2024, 5, 1, 12, 0, 0, 123456000, time.FixedZone("EAT", 3*3600))
		m2 := in(a.ID, "c2", "3EB0CCC", "old")
		m2.CreatedAt = old
		commit(t, s, store.Op{Insert: m2})
		if g, _ := s.GetLog(ctx, a.ID, m2.ID); !g.CreatedAt.Equal(old) {
			t.Fatalf("created_at %v, want %v", g.CreatedAt, old)
		}
		// Text that needs escaping on its way through the writer.
		odd := in(a.ID, "c3", `3EB0"\\x`, "quote \" backslash \\ newline \n tab \t bell \x07 \u2028 ü 🙂 {\"json\": [1]}")
		commit(t, s, store.Op{Insert: odd})
		if g, err := s.GetLog(ctx, a.ID, odd.ID); err != nil || g.MessageText != odd.MessageText || g.WAMessageID != odd.WAMessageID {
			t.Fatalf("odd text came back as %q / %q (%v)", g.MessageText, g.WAMessageID, err)
		}
		upd := &store.StatusUpdate{TenantID: a.ID, ID: odd.ID, Status: store.StatusSkipped, Error: "handoff: \"agent\" \\ 🙂"}
		commit(t, s, store.Op{Update: upd})
		if g, _ := s.GetLog(ctx, a.ID, odd.ID); g.Error != upd.Error || g.Status != store.StatusSkipped {
			t.Fatalf("odd error came back as %q", g.Error)
		}
		long := in(a.ID, strings.Repeat("c", store.MaxKeyLen+1), "x", "")
		if err := s.Commit(ctx, store.Op{Insert: long}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("over-long chat: %v", err)
		}
		done, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.Commit(done, store.Op{Insert: in(a.ID, "c", "cancelled", "")}); !errors.Is(err, context.Canceled) {
			t.Fatalf("Commit with a cancelled context: %v", err)
		}
		if _, err := s.GetLogByKey(ctx, a.ID, store.DirIn, "c", "cancelled"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("cancelled Commit wrote its row: %v", err)
		}

		ok, err := s.HasReply(ctx, a.ID, m.ID)
		if err != nil || !ok {
			t.Fatalf("HasReply = %v, %v", ok, err)
		}
		if ok, _ := s.HasReply(ctx, a.ID, m2.ID); ok {
			t.Fatal("HasReply for an unanswered message")
		}
	})
}

func TestCommitRejectsBadOps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		bad := map[string]store.Op{
			"empty op":        {},
			"both set":        {Insert: in("t", "c", "w", ""), Update: &store.StatusUpdate{TenantID: "t", ID: 1, Status: "sent"}},
			"no tenant":       {Insert: &store.MessageLog{Direction: store.DirIn}},
			"bad direction":   {Insert: &store.MessageLog{TenantID: "t", Direction: "SIDEWAYS"}},
			"invalid utf-8":   {Insert: in("t", "c", "w", "\xff\xfe")},
			"nul byte":        {Insert: in("t", "c", "w", "a\x00b")},
			"update no id":    {Update: &store.StatusUpdate{TenantID: "t", Status: "sent"}},
			"update no state": {Update: &store.StatusUpdate{TenantID: "t", ID: 5}},
		}
		for name, op := range bad {
			good := in("t", "c", "ok-"+name, "fine")
			if err := s.Commit(ctx, store.Op{Insert: good}, op); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%s: %v, want ErrInvalid", name, err)
			}
		}
		// Nothing of a rejected call was written.
		if n, _ := s.CountLogs(ctx, ""); n != 0 {
			t.Fatalf("%d rows written by rejected calls", n)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatalf("empty Commit: %v", err)
		}
	})
}

func TestListLogs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := newTenant(t, s, "A", "")
		b := newTenant(t, s, "B", "")
		var all []*store.MessageLog // in commit order
		for i := range 30 {
			chat := fmt.Sprintf("chat-%d", i%3)
			m := in(a.ID, chat, fmt.Sprintf("in-%d", i), fmt.Sprintf("message %d about booking", i))
			if i%5 == 0 {
				m.MessageText = fmt.Sprintf("PRICE list %d 50%% off_now", i)
			}
			commit(t, s, store.Op{Insert: m})
			r := out(a.ID, chat, fmt.Sprintf("out-%d", i), "reply", &m.ID)
			commit(t, s, store.Op{Insert: r})
			all = append(all, m, r)
		}
		commit(t, s, store.Op{Insert: in(b.ID, "chat-0", "in-0", "other tenant's price")})

		// Newest first, keyset pages of 7, every row exactly once.
		var seen []int64
		before := int64(0)
		for {
			page, err := s.ListLogs(ctx, a.ID, store.ListLogsOptions{BeforeID: before, Limit: 7})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range page {
				if m.TenantID != a.ID {
					t.Fatalf("row of tenant %s listed", m.TenantID)
				}
				seen = append(seen, m.ID)
			}
			if len(page) < 7 {
				break
			}
			before = page[len(page)-1].ID
		}
		if len(seen) != len(all) {
			t.Fatalf("paged %d rows, want %d", len(seen), len(all))
		}
		for i, id := range seen {
			if want := all[len(all)-1-i].ID; id != want {
				t.Fatalf("row %d: id %d, want %d", i, id, want)
			}
		}

		count := func(opts store.ListLogsOptions) int {
			t.Helper()
			opts.Limit = store.MaxLogPage
			rows, err := s.ListLogs(ctx, a.ID, opts)
			if err != nil {
				t.Fatal(err)
			}
			return len(rows)
		}
		for name, c := range map[string]struct {
			opts store.ListLogsOptions
			want int
		}{
			"all":          {store.ListLogsOptions{}, 60},
			"in":           {store.ListLogsOptions{Direction: store.DirIn}, 30},
			"out":          {store.ListLogsOptions{Direction: store.DirOut}, 30},
			"chat":         {store.ListLogsOptions{Chat: "chat-1"}, 20},
			"chat in":      {store.ListLogsOptions{Chat: "chat-1", Direction: store.DirIn}, 10},
			"query":        {store.ListLogsOptions{Query: "price"}, 6},
			"query upper":  {store.ListLogsOptions{Query: "BOOKING"}, 24},
			"query %":      {store.ListLogsOptions{Query: "50%"}, 6},
			"query _":      {store.ListLogsOptions{Query: "f_n"}, 6},
			"query none":   {store.ListLogsOptions{Query: "zzz"}, 0},
			"query chat":   {store.ListLogsOptions{Query: "price", Chat: "chat-0"}, 2},
			"before first": {store.ListLogsOptions{BeforeID: all[0].ID}, 0},
		} {
			if got := count(c.opts); got != c.want {
				t.Errorf("%s: %d rows, want %d", name, got, c.want)
			}
		}
		if rows, _ := s.ListLogs(ctx, a.ID, store.ListLogsOptions{}); len(rows) != store.DefaultLogPage {
			t.Errorf("default page %d rows", len(rows))
		}
		// Tenant scoping: another tenant's id never returns a's rows.
		if rows, _ := s.ListLogs(ctx, "nobody", store.ListLogsOptions{}); len(rows) != 0 {
			t.Errorf("unknown tenant listed %d rows", len(rows))
		}
		if _, err := s.GetLog(ctx, b.ID, all[0].ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetLog across tenants: %v", err)
		}
		if _, err := s.GetLogByKey(ctx, b.ID, store.DirIn, "chat-1", "in-1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetLogByKey across tenants: %v", err)
		}
		if ok, _ := s.HasReply(ctx, b.ID, all[0].ID); ok {
			t.Error("HasReply across tenants")
		}
		// An update naming the wrong tenant changes nothing.
		commit(t, s, store.Op{Update: &store.StatusUpdate{TenantID: b.ID, ID: all[1].ID, Status: store.StatusSent}})
		if g, _ := s.GetLog(ctx, a.ID, all[1].ID); g.Status != store.StatusPending {
			t.Errorf("cross-tenant update applied: %q", g.Status)
		}
	})
}

func TestRecoveryQueries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := newTenant(t, s, "A", "")
		b := newTenant(t, s, "B", "")
		now := time.Now()

		// answered: IN + OUT sent.
		answered := in(a.ID, "c1", "i1", "hi")
		commit(t, s, store.Op{Insert: answered})
		r1 := out(a.ID, "c1", "o1", "hello", &answered.ID)
		commit(t, s, store.Op{Insert: r1})
		commit(t, s, store.Op{Update: &store.StatusUpdate{TenantID: a.ID, ID: r1.ID, Status: store.StatusSent}})
		// crashed mid-send: IN + OUT still pending.
		midSend := in(a.ID, "c2", "i2", "hi")
		commit(t, s, store.Op{Insert: midSend})
		p1 := out(a.ID, "c2", "o2", "hello", &midSend.ID)
		commit(t, s, store.Op{Insert: p1})
		// rate limited: OUT suppressed counts as an answer.
		limited := in(a.ID, "c3", "i3", "hi")
		commit(t, s, store.Op{Insert: limited})
		commit(t, s, store.Op{Insert: &store.MessageLog{TenantID: a.ID, Direction: store.DirOut, Chat: "c3",
			Status: store.StatusSuppressed, Source: store.SourceBot, ReplyTo: &limited.ID}})
		// crashed before replying: two IN rows with no OUT row, one older than the window.
		lost1 := in(a.ID, "c4", "i4", "hi")
		commit(t, s, store.Op{Insert: lost1})
		lost2 := in(a.ID, "c5", "i5", "hi")
		commit(t, s, store.Op{Insert: lost2})
		ancient := in(a.ID, "c6", "i6", "hi")
		ancient.CreatedAt = now.Add(-2 * time.Hour)
		commit(t, s, store.Op{Insert: ancient})
		// handed to a human: skipped.
		skipped := in(a.ID, "c7", "i7", "hi")
		commit(t, s, store.Op{Insert: skipped})
		commit(t, s, store.Op{Update: &store.StatusUpdate{TenantID: a.ID, ID: skipped.ID, Status: store.StatusSkipped}})
		// a second pending OUT, and another tenant's rows of both kinds.
		p2 := out(a.ID, "c8", "o8", "proactive", nil)
		commit(t, s, store.Op{Insert: p2})
		commit(t, s, store.Op{Insert: in(b.ID, "c1", "i1", "hi")}, store.Op{Insert: out(b.ID, "c9", "o9", "x", nil)})

		pending, err := s.PendingReplies(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ids := logIDs(pending); !equalIDs(ids, []int64{p1.ID, p2.ID}) {
			t.Fatalf("PendingReplies = %v, want %v", ids, []int64{p1.ID, p2.ID})
		}
		if pending[0].WAMessageID != "o2" {
			t.Fatalf("pending row lost its wa id: %+v", pending[0])
		}
		un, err := s.UnansweredInbound(ctx, a.ID, now.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if ids := logIDs(un); !equalIDs(ids, []int64{lost1.ID, lost2.ID}) {
			t.Fatalf("UnansweredInbound = %v, want %v", ids, []int64{lost1.ID, lost2.ID})
		}
		un, _ = s.UnansweredInbound(ctx, a.ID, now.Add(-3*time.Hour))
		if ids := logIDs(un); !equalIDs(ids, []int64{ancient.ID, lost1.ID, lost2.ID}) {
			t.Fatalf("UnansweredInbound (wide) = %v", ids)
		}
		if un, _ := s.UnansweredInbound(ctx, a.ID, time.Now().Add(time.Minute)); len(un) != 0 {
			t.Fatalf("UnansweredInbound from the future = %v", logIDs(un))
		}
		// Tenant b sees only its own.
		if pb, _ := s.PendingReplies(ctx, b.ID); len(pb) != 1 || pb[0].TenantID != b.ID {
			t.Fatalf("b pending %+v", pb)
		}
		if ub, _ := s.UnansweredInbound(ctx, b.ID, now.Add(-time.Hour)); len(ub) != 1 || ub[0].TenantID != b.ID {
			t.Fatalf("b unanswered %+v", ub)
		}
	})
}

func TestScanLogs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := newTenant(t, s, "A", "")
		b := newTenant(t, s, "B", "")
		// 2,500 rows: more than two scan chunks.
		const n = 2500
		ops := make([]store.Op, 0, n)
		for i := range n {
			tenant := a.ID
			if i%4 == 0 {
				tenant = b.ID
			}
			ops = append(ops, store.Op{Insert: in(tenant, "c", fmt.Sprint(i), "x")})
		}
		commit(t, s, ops...)
		for _, c := range []struct {
			tenant string
			want   int
		}{{"", n}, {a.ID, n * 3 / 4}, {b.ID, n / 4}, {"nobody", 0}} {
			var got int
			var last int64
			err := s.ScanLogs(ctx, c.tenant, func(m store.MessageLog) error {
				if m.ID <= last {
					return fmt.Errorf("id %d after %d", m.ID, last)
				}
				if c.tenant != "" && m.TenantID != c.tenant {
					return fmt.Errorf("row of %s in scan of %s", m.TenantID, c.tenant)
				}
				last = m.ID
				got++
				return nil
			})
			if err != nil || got != c.want {
				t.Errorf("scan %q: %d rows (%v), want %d", c.tenant, got, err, c.want)
			}
		}
		stop := errors.New("stop")
		calls := 0
		err := s.ScanLogs(ctx, "", func(store.MessageLog) error {
			calls++
			if calls == 10 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || calls != 10 {
			t.Fatalf("stopping scan: %v after %d calls", err, calls)
		}
	})
}

func TestSaveWorkersAndSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := newTenant(t, s, "A", "")
		b := newTenant(t, s, "B", "")
		seen := time.Now().Add(-time.Minute)
		if err := s.TouchLastSeen(ctx, []string{a.ID}, seen); err != nil {
			t.Fatal(err)
		}
		started := time.Now()
		ws := []store.Worker{
			{TenantID: a.ID, Status: store.WorkerRunning, StartedAt: &started},
			{TenantID: "gone", Status: store.WorkerRunning},
			{TenantID: b.ID, Status: store.WorkerBackoff, Restarts: 2, LastError: "link failed"},
		}
		if err := s.SaveWorkers(ctx, ws); err != nil {
			t.Fatal(err)
		}
		if w, _ := s.GetWorker(ctx, b.ID); w.Status != store.WorkerBackoff || w.Restarts != 2 || w.LastError != "link failed" {
			t.Fatalf("worker b %+v", w)
		}
		if w, _ := s.GetWorker(ctx, a.ID); w.Status != store.WorkerRunning || w.StartedAt == nil {
			t.Fatalf("worker a %+v", w)
		}
		ss := []store.WhatsAppSession{
			{TenantID: a.ID, State: store.SessionConnected, JID: "1@s.whatsapp.net"},
			{TenantID: "gone", State: store.SessionConnected},
			{TenantID: b.ID, State: store.SessionQRReady, LastQR: "data:image/png;base64,xx"},
		}
		if err := s.SaveSessions(ctx, ss); err != nil {
			t.Fatal(err)
		}
		sa, _ := s.GetSession(ctx, a.ID)
		if sa.State != store.SessionConnected || sa.JID != "1@s.whatsapp.net" || sa.LastSeenAt == nil {
			t.Fatalf("session a %+v (last seen must survive a batch save)", sa)
		}
		if sb, _ := s.GetSession(ctx, b.ID); sb.State != store.SessionQRReady || sb.LastQR == "" {
			t.Fatalf("session b %+v", sb)
		}
		if _, err := s.GetWorker(ctx, "gone"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("worker for a missing tenant: %v", err)
		}
	})
}

func logIDs(rows []store.MessageLog) []int64 {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
