package store_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// A reply committed with its customer message as Parent is written only
// when the message is, and points at it.
func TestCommitWithParent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := newTenant(t, s, "A", "")
		const chat = "255700000001"
		m := in(a.ID, chat, "w1", "hello")
		r := out(a.ID, chat, "r1", "hi there", nil)
		commit(t, s, store.Op{Insert: m}, store.Op{Insert: r, Parent: m})
		if m.ID == 0 || r.ID == 0 || r.ReplyTo == nil || *r.ReplyTo != m.ID {
			t.Fatalf("message %d, reply %d → %v", m.ID, r.ID, r.ReplyTo)
		}
		got, err := s.GetLog(ctx, a.ID, r.ID)
		if err != nil || got.ReplyTo == nil || *got.ReplyTo != m.ID {
			t.Fatalf("stored reply %+v %v", got, err)
		}

		// The same message again (a redelivery): neither row is written.
		m2 := in(a.ID, chat, "w1", "hello")
		r2 := out(a.ID, chat, "r2", "hi again", nil)
		commit(t, s, store.Op{Insert: m2}, store.Op{Insert: r2, Parent: m2})
		if m2.ID != 0 || r2.ID != 0 || r2.ReplyTo != nil {
			t.Fatalf("duplicate: message %d, reply %d", m2.ID, r2.ID)
		}
		if _, err := s.GetLogByKey(ctx, a.ID, store.DirOut, chat, "r2"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("orphan reply written: %v", err)
		}

		// Many callers at once, each message twice in flight: every
		// message is stored once with exactly one reply.
		const n = 200
		var wg sync.WaitGroup
		for i := range 2 * n {
			wg.Go(func() {
				wa := "c" + string(rune('A'+i%n/26)) + string(rune('a'+i%n%26))
				mm := in(a.ID, chat, wa, "x")
				rr := out(a.ID, chat, "reply-"+wa+"-"+string(rune('0'+i/n)), "y", nil)
				if err := s.Commit(ctx, store.Op{Insert: mm}, store.Op{Insert: rr, Parent: mm}); err != nil {
					t.Error(err)
				}
				if (mm.ID == 0) != (rr.ID == 0) {
					t.Errorf("message %d but reply %d", mm.ID, rr.ID)
				}
			})
		}
		wg.Wait()
		logs, err := s.ListLogs(ctx, a.ID, store.ListLogsOptions{Limit: store.MaxLogPage})
		if err != nil {
			t.Fatal(err)
		}
		ins, outs := map[int64]bool{}, map[int64]int{}
		for _, l := range logs {
			if l.Direction == store.DirIn {
				ins[l.ID] = true
			} else if l.ReplyTo != nil {
				outs[*l.ReplyTo]++
			}
		}
		if len(ins) != n+1 {
			t.Fatalf("%d messages stored, want %d", len(ins), n+1)
		}
		for id := range ins {
			if outs[id] != 1 {
				t.Fatalf("message %d has %d replies", id, outs[id])
			}
		}
	})
}

func TestCommitParentMustBeEarlierInsert(t *testing.T) {
	s := storetest.SQLite(t)
	a := newTenant(t, s, "A", "")
	b := newTenant(t, s, "B", "")
	m := in(a.ID, "c", "w1", "x")
	other := in(b.ID, "c", "w2", "x")
	for name, ops := range map[string][]store.Op{
		"not in the call":  {{Insert: out(a.ID, "c", "r", "y", nil), Parent: m}},
		"later":            {{Insert: out(a.ID, "c", "r", "y", nil), Parent: m}, {Insert: m}},
		"other tenant":     {{Insert: other}, {Insert: out(a.ID, "c", "r", "y", nil), Parent: other}},
		"with an update":   {{Insert: m}, {Update: &store.StatusUpdate{TenantID: a.ID, ID: 1, Status: "sent"}, Parent: m}},
		"grandchild chain": chain(a.ID),
	} {
		if err := s.Commit(ctxT(t), ops...); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func chain(tenant string) []store.Op {
	m := in(tenant, "c", "w9", "x")
	r := out(tenant, "c", "r9", "y", nil)
	return []store.Op{{Insert: m}, {Insert: r, Parent: m}, {Insert: out(tenant, "c", "r10", "z", nil), Parent: r}}
}
