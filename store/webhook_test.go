package store_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

func newWebhook(t *testing.T, s *store.Store, tenantID string, events ...string) store.Webhook {
	t.Helper()
	w := store.Webhook{TenantID: tenantID, URL: "https://example.com/hook", Enabled: true}
	w.SetEvents(events)
	if err := s.CreateWebhook(ctxT(t), &w); err != nil {
		t.Fatalf("create webhook: %v", err)
	}
	return w
}

// allEvents returns every outbox event of a tenant, oldest first.
func allEvents(t *testing.T, s *store.Store, tenantID string) []store.WebhookEvent {
	t.Helper()
	var out []store.WebhookEvent
	var before int64
	for {
		page, err := s.ListWebhookEvents(ctxT(t), tenantID, store.ListWebhookEventsOptions{BeforeSeq: before, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if len(page) < 200 {
			break
		}
		before = page[len(page)-1].Seq
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func TestWebhookCRUD(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := newTenant(t, s, "A", "+255700000001")
		b := newTenant(t, s, "B", "+255700000002")

		w := store.Webhook{TenantID: a.ID, URL: "https://example.com/in", Enabled: true}
		w.SetEvents([]string{store.EventMessageIn, store.EventSessionState})
		if err := s.CreateWebhook(ctx, &w); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(w.Secret, "whsec_") || w.ID == "" {
			t.Fatalf("generated id/secret: %+v", w)
		}
		got, err := s.GetWebhook(ctx, a.ID, w.ID)
		if err != nil || got.URL != w.URL || !got.Enabled || got.EventList != "message.in,session.state" {
			t.Fatalf("get: %+v %v", got, err)
		}
		if _, err := s.GetWebhook(ctx, b.ID, w.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other tenant's webhook: %v", err)
		}
		for name, bad := range map[string]store.Webhook{
			"ftp url":      {TenantID: a.ID, URL: "ftp://example.com", EventList: "message.in"},
			"relative url": {TenantID: a.ID, URL: "/hook", EventList: "message.in"},
			"no events":    {TenantID: a.ID, URL: "https://example.com"},
			"bad event":    {TenantID: a.ID, URL: "https://example.com", EventList: "message.deleted"},
			"short secret": {TenantID: a.ID, URL: "https://example.com", EventList: "message.in", Secret: "short"},
			"fragment":     {TenantID: a.ID, URL: "https://example.com/#x", EventList: "message.in"},
		} {
			if err := s.CreateWebhook(ctx, &bad); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%s: %v, want ErrInvalid", name, err)
			}
		}
		missing := store.Webhook{TenantID: "nope", URL: "https://example.com", EventList: "message.in"}
		if err := s.CreateWebhook(ctx, &missing); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing tenant: %v", err)
		}

		url, off := "http://10.0.0.1:9000/x", false
		up, err := s.UpdateWebhook(ctx, a.ID, w.ID, store.WebhookUpdate{URL: &url, Enabled: &off, Events: []string{store.EventMessageOut}})
		if err != nil || up.URL != url || up.Enabled || up.EventList != "message.out" || up.Secret != w.Secret {
			t.Fatalf("update: %+v %v", up, err)
		}
		if _, err := s.UpdateWebhook(ctx, b.ID, w.ID, store.WebhookUpdate{URL: &url}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("update other tenant's: %v", err)
		}
		if _, err := s.UpdateWebhook(ctx, a.ID, w.ID, store.WebhookUpdate{Events: []string{"x"}}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("update bad events: %v", err)
		}
		list, err := s.ListWebhooks(ctx, a.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("list: %v %v", list, err)
		}
		if err := s.DeleteWebhook(ctx, b.ID, w.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("delete other tenant's: %v", err)
		}
		if err := s.DeleteWebhook(ctx, a.ID, w.ID); err != nil {
			t.Fatal(err)
		}
		if list, _ := s.ListWebhooks(ctx, a.ID); len(list) != 0 {
			t.Fatalf("after delete: %v", list)
		}
		for range store.MaxWebhooksPerTenant {
			newWebhook(t, s, b.ID, store.EventMessageIn)
		}
		extra := store.Webhook{TenantID: b.ID, URL: "https://example.com", EventList: "message.in"}
		if err := s.CreateWebhook(ctx, &extra); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("over the limit: %v", err)
		}
	})
}

// Events are written in the log writer's transactions: an IN row has its
// message.in event iff the row exists, duplicates of rows add nothing, an
// OUT row gets message.out when it reaches a final state (inserted final,
// or updated from pending), and tenants without webhooks get nothing. The
// writer's failures (attempts failing before the database, and COMMITs
// whose acknowledgement is lost) neither lose nor double events.
func TestWebhookOutboxAtomicWithLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := newTenant(t, s, "A", "+255700000001")
		b := newTenant(t, s, "B", "+255700000002")
		c := newTenant(t, s, "C", "+255700000003")
		h1 := newWebhook(t, s, a.ID, store.EventMessageIn, store.EventMessageOut)
		h2 := newWebhook(t, s, a.ID, store.EventMessageOut)
		newWebhook(t, s, c.ID, store.EventSessionState) // C: no message events

		var fails atomic.Int64
		rng := rand.New(rand.NewPCG(1, 2))
		var mu sync.Mutex
		store.SetCommitHook(s, func(stage string) error {
			mu.Lock()
			defer mu.Unlock()
			if rng.IntN(10) == 0 {
				fails.Add(1)
				return fmt.Errorf("injected %s failure", stage)
			}
			return nil
		})
		const n = 60
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				for _, tn := range []string{a.ID, b.ID, c.ID} {
					chat := fmt.Sprintf("2557%08d", i%7)
					in := &store.MessageLog{TenantID: tn, Direction: store.DirIn, Chat: chat, MessageText: "hi", WAMessageID: fmt.Sprintf("W%d", i)}
					if err := s.Commit(ctx, store.Op{Insert: in}); err != nil {
						t.Error(err)
						return
					}
					dup := &store.MessageLog{TenantID: tn, Direction: store.DirIn, Chat: chat, MessageText: "hi", WAMessageID: fmt.Sprintf("W%d", i)}
					if err := s.Commit(ctx, store.Op{Insert: dup}); err != nil || dup.ID != 0 {
						t.Errorf("duplicate: id %d err %v", dup.ID, err)
						return
					}
					out := &store.MessageLog{TenantID: tn, Direction: store.DirOut, Chat: chat, MessageText: "hello", ReplyTo: &in.ID, Source: store.SourceBot}
					if err := s.Commit(ctx, store.Op{Insert: out}); err != nil {
						t.Error(err)
						return
					}
					st := store.StatusSent
					if i%5 == 0 {
						st = store.StatusFailed
					}
					if err := s.Commit(ctx, store.Op{Update: &store.StatusUpdate{TenantID: tn, ID: out.ID, Status: st}}); err != nil {
						t.Error(err)
					}
					// An update applied twice (a retry) adds no second event.
					if err := s.Commit(ctx, store.Op{Update: &store.StatusUpdate{TenantID: tn, ID: out.ID, Status: st}}); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		// Rows written final at once: a suppressed reply and the owner's own message.
		sup := &store.MessageLog{TenantID: a.ID, Direction: store.DirOut, Chat: "x", MessageText: "limit", Status: store.StatusSuppressed}
		own := &store.MessageLog{TenantID: a.ID, Direction: store.DirOut, Chat: "x", MessageText: "from phone", Status: store.StatusSent, Source: store.SourceHuman, WAMessageID: "OWN1"}
		pend := &store.MessageLog{TenantID: a.ID, Direction: store.DirOut, Chat: "x", MessageText: "pending"}
		if err := s.Commit(ctx, store.Op{Insert: sup}, store.Op{Insert: own}, store.Op{Insert: pend}); err != nil {
			t.Fatal(err)
		}
		store.SetCommitHook(s, nil)
		if t.Failed() {
			return
		}

		// The log is the truth: derive the events it must have produced.
		want := map[string]string{} // webhook|event id → type
		err := s.ScanLogs(ctx, a.ID, func(m store.MessageLog) error {
			switch {
			case m.Direction == store.DirIn:
				want[h1.ID+"|"+fmt.Sprintf("evt_%016xi", m.ID)] = store.EventMessageIn
			case m.Status == store.StatusSent || m.Status == store.StatusFailed || m.Status == store.StatusSuppressed:
				for _, h := range []string{h1.ID, h2.ID} {
					want[h+"|"+fmt.Sprintf("evt_%016xo", m.ID)] = store.EventMessageOut
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(want) != n+2*(n+2) {
			t.Fatalf("log implies %d events, want %d", len(want), n+2*(n+2))
		}
		got := allEvents(t, s, a.ID)
		seen := map[string]bool{}
		for _, e := range got {
			k := e.WebhookID + "|" + e.EventID
			if seen[k] {
				t.Errorf("event %s twice", k)
			}
			seen[k] = true
			if want[k] != e.Type {
				t.Errorf("event %s (%s) has no matching log row", k, e.Type)
			}
			if e.Status != store.WebhookPending || e.TenantID != a.ID {
				t.Errorf("event %+v", e)
			}
			var d store.MessageEventData
			if err := json.Unmarshal([]byte(e.Payload), &d); err != nil || d.MessageID == 0 {
				t.Errorf("payload %q: %v", e.Payload, err)
			}
			if e.Type == store.EventMessageOut && d.Status == store.StatusPending {
				t.Errorf("message.out for a pending row: %s", e.Payload)
			}
		}
		for k := range want {
			if !seen[k] {
				t.Errorf("missing event %s", k)
			}
		}
		if ev := allEvents(t, s, b.ID); len(ev) != 0 {
			t.Errorf("tenant without webhooks has %d events", len(ev))
		}
		if ev := allEvents(t, s, c.ID); len(ev) != 0 {
			t.Errorf("tenant with only session.state has %d message events", len(ev))
		}
		backlog, err := s.WebhookBacklog(ctx)
		if err != nil || backlog != int64(len(want)) {
			t.Errorf("backlog %d %v, want %d", backlog, err, len(want))
		}
		t.Logf("%d events, %d injected writer failures", len(got), fails.Load())

		// A disabled webhook gets no new events; re-enabled it does again.
		off := false
		if _, err := s.UpdateWebhook(ctx, a.ID, h2.ID, store.WebhookUpdate{Enabled: &off}); err != nil {
			t.Fatal(err)
		}
		m := &store.MessageLog{TenantID: a.ID, Direction: store.DirOut, Chat: "y", Status: store.StatusSent}
		if err := s.Commit(ctx, store.Op{Insert: m}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetWebhookEvent(ctx, a.ID, h2.ID, fmt.Sprintf("evt_%016xo", m.ID)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("disabled webhook got an event: %v", err)
		}
		if _, err := s.GetWebhookEvent(ctx, a.ID, h1.ID, fmt.Sprintf("evt_%016xo", m.ID)); err != nil {
			t.Errorf("enabled webhook: %v", err)
		}
	})
}

func TestWebhookSessionStateEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := newTenant(t, s, "A", "+255700000001")
		b := newTenant(t, s, "B", "+255700000002")
		h := newWebhook(t, s, a.ID, store.EventSessionState)
		newWebhook(t, s, b.ID, store.EventMessageIn)
		save := func(state, jid string) {
			t.Helper()
			err := s.SaveSessions(ctx, []store.WhatsAppSession{
				{TenantID: a.ID, State: state, JID: jid},
				{TenantID: b.ID, State: state, JID: jid},
				{TenantID: "deleted-tenant", State: state},
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		save(store.SessionQRReady, "")
		save(store.SessionQRReady, "") // no change: no event
		save(store.SessionConnected, "255712345678:7@s.whatsapp.net")
		save(store.SessionDisconnected, "255712345678:7@s.whatsapp.net")
		evs := allEvents(t, s, a.ID)
		var states []string
		ids := map[string]bool{}
		for _, e := range evs {
			if e.Type != store.EventSessionState || e.WebhookID != h.ID || ids[e.EventID] {
				t.Fatalf("event %+v", e)
			}
			ids[e.EventID] = true
			var d store.SessionEventData
			if err := json.Unmarshal([]byte(e.Payload), &d); err != nil {
				t.Fatal(err)
			}
			if d.TenantID != a.ID {
				t.Fatalf("data %+v", d)
			}
			if d.State == store.SessionConnected && (d.Number != "255712345678" || d.Previous != store.SessionQRReady) {
				t.Fatalf("connected data %+v", d)
			}
			states = append(states, d.State)
		}
		if got := strings.Join(states, ","); got != "QR_READY,CONNECTED,DISCONNECTED" {
			t.Fatalf("states %s", got)
		}
		if len(allEvents(t, s, b.ID)) != 0 {
			t.Fatal("tenant without session.state webhooks got events")
		}
	})
}

func TestWebhookDeadLettersAndReplay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := newTenant(t, s, "A", "+255700000001")
		b := newTenant(t, s, "B", "+255700000002")
		h := newWebhook(t, s, a.ID, store.EventMessageIn)
		for i := range 3 {
			m := &store.MessageLog{TenantID: a.ID, Direction: store.DirIn, Chat: "c", WAMessageID: fmt.Sprint(i)}
			if err := s.Commit(ctx, store.Op{Insert: m}); err != nil {
				t.Fatal(err)
			}
		}
		refs, err := s.PendingWebhooks(ctx)
		if err != nil || len(refs) != 1 || refs[0] != (store.WebhookRef{TenantID: a.ID, WebhookID: h.ID}) {
			t.Fatalf("pending webhooks %v %v", refs, err)
		}
		evs, err := s.NextWebhookEvents(ctx, a.ID, h.ID, 10)
		if err != nil || len(evs) != 3 || evs[0].Seq > evs[1].Seq {
			t.Fatalf("next %v %v", evs, err)
		}
		now := time.Now()
		err = s.RecordWebhookAttempts(ctx, a.ID, h.ID, []store.WebhookAttempt{
			{Seq: evs[0].Seq, EventID: evs[0].EventID, Type: evs[0].Type, Attempt: 1, At: now, StatusCode: 200, Outcome: store.WebhookDelivered},
			{Seq: evs[1].Seq, EventID: evs[1].EventID, Type: evs[1].Type, Attempt: 1, At: now, StatusCode: 500, Error: "HTTP 500", Outcome: store.WebhookPending, NextAttemptAt: now.Add(time.Minute)},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RecordWebhookAttempts(ctx, a.ID, h.ID, []store.WebhookAttempt{
			{Seq: evs[1].Seq, EventID: evs[1].EventID, Type: evs[1].Type, Attempt: 2, At: now, Error: "timeout", Outcome: store.WebhookDead},
		}); err != nil {
			t.Fatal(err)
		}
		dead, err := s.ListWebhookEvents(ctx, a.ID, store.ListWebhookEventsOptions{Status: store.WebhookDead})
		if err != nil || len(dead) != 1 || dead[0].EventID != evs[1].EventID || dead[0].Attempts != 2 || dead[0].LastError != "timeout" || dead[0].FirstTryAt == nil {
			t.Fatalf("dead letters %+v %v", dead, err)
		}
		if n, _ := s.WebhookBacklog(ctx); n != 1 {
			t.Fatalf("backlog %d, want 1", n)
		}
		counts, err := s.CountWebhookEvents(ctx, a.ID, h.ID)
		if err != nil || counts != (store.WebhookCounts{Pending: 1, Delivered: 1, Dead: 1}) {
			t.Fatalf("counts %+v %v", counts, err)
		}
		if _, err := s.ReplayWebhookEvent(ctx, b.ID, h.ID, evs[1].EventID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("replay as another tenant: %v", err)
		}
		if _, err := s.ReplayWebhookEvent(ctx, a.ID, h.ID, evs[0].EventID); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("replay a delivered event: %v", err)
		}
		re, err := s.ReplayWebhookEvent(ctx, a.ID, h.ID, evs[1].EventID)
		if err != nil || re.Status != store.WebhookPending || re.Attempts != 0 {
			t.Fatalf("replay %+v %v", re, err)
		}
		next, _ := s.NextWebhookEvents(ctx, a.ID, h.ID, 10)
		if len(next) != 2 || next[0].EventID != evs[1].EventID || next[0].FirstTryAt != nil {
			t.Fatalf("after replay the replayed event is the head again: %+v", next)
		}
		// Kill both, replay all.
		for _, e := range next {
			if err := s.RecordWebhookAttempts(ctx, a.ID, h.ID, []store.WebhookAttempt{{Seq: e.Seq, EventID: e.EventID, Type: e.Type, Attempt: 1, At: now, Outcome: store.WebhookDead}}); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := s.ReplayDeadWebhookEvents(ctx, a.ID, h.ID); err != nil || n != 2 {
			t.Fatalf("replay all: %d %v", n, err)
		}

		// The delivery log keeps the newest DeliveryLogSize attempts.
		e := next[0]
		for i := range store.DeliveryLogSize + 20 {
			if err := s.RecordWebhookAttempts(ctx, a.ID, h.ID, []store.WebhookAttempt{{Seq: e.Seq, EventID: e.EventID, Type: e.Type, Attempt: i + 1, At: now, StatusCode: 503, Outcome: store.WebhookPending, NextAttemptAt: now}}); err != nil {
				t.Fatal(err)
			}
		}
		logs, err := s.ListWebhookDeliveries(ctx, a.ID, h.ID, 0)
		if err != nil || len(logs) != store.DeliveryLogSize || logs[0].Attempt != store.DeliveryLogSize+20 {
			t.Fatalf("delivery log: %d rows (newest attempt %d), %v", len(logs), logs[0].Attempt, err)
		}
		if other, _ := s.ListWebhookDeliveries(ctx, b.ID, h.ID, 0); len(other) != 0 {
			t.Fatal("another tenant reads the delivery log")
		}
		// Pruning removes old delivered events only.
		if n, err := s.PruneWebhookEvents(ctx, time.Now().Add(time.Hour)); err != nil || n != 1 {
			t.Fatalf("prune: %d %v", n, err)
		}
		// Deleting the webhook deletes its events and log.
		if err := s.DeleteWebhook(ctx, a.ID, h.ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.WebhookBacklog(ctx); n != 0 {
			t.Fatalf("backlog after delete %d", n)
		}
	})
}

// A page holds one more event than the API's largest page, so the API can
// tell that another page follows.
func TestWebhookEventPageHoldsAPIPlusOne(t *testing.T) {
	s := storetest.SQLite(t)
	a := newTenant(t, s, "A", "")
	h := newWebhook(t, s, a.ID, "message.in")
	ops := make([]store.Op, 0, 201)
	for i := range 201 {
		ops = append(ops, store.Op{Insert: in(a.ID, "c", fmt.Sprintf("w%d", i), "hi")})
	}
	commit(t, s, ops...)
	evs, err := s.ListWebhookEvents(ctxT(t), a.ID, store.ListWebhookEventsOptions{WebhookID: h.ID, Limit: 201})
	if err != nil || len(evs) != 201 {
		t.Fatalf("%d events, %v; want 201", len(evs), err)
	}
}
