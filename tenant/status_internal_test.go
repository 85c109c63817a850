package tenant

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// Status never returns a session state older than one already handed to
// the state writer when it was called, however the writer's flushes fall
// between its steps (a stale read here once showed a portal page that a
// phone was still linked after its logout had been reported).
func TestStatusNeverGoesBackWhileFlushing(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	sup, err := NewSupervisor(Options{Store: st, Links: func(context.Context, LinkParams) (Link, error) { return &fakeLink{}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer sup.Shutdown(ctx)
	tn := &store.Tenant{Name: "status", Status: store.TenantPending}
	if err := st.CreateTenant(ctx, tn, store.TenantConfig{TemplateType: "booking", Language: "auto"}); err != nil {
		t.Fatal(err)
	}
	var saved atomic.Int64 // the newest version handed to the writer
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { // the actor: a new state now and then
		for v := int64(1); ; v++ {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			sup.states.saveSession(store.WhatsAppSession{TenantID: tn.ID, State: store.SessionPairCodeReady, PairCode: strconv.FormatInt(v, 10)})
			saved.Store(v)
		}
	})
	wg.Go(func() { // the writer, flushing as often as it can
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := sup.states.flush(ctx); err != nil {
				t.Error(err)
				return
			}
		}
	})
	defer func() { close(stop); wg.Wait() }()
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); {
		before := saved.Load()
		s, err := sup.Status(ctx, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := strconv.ParseInt(s.Session.PairCode, 10, 64)
		if got < before {
			t.Fatalf("Status returned version %d after version %d was saved", got, before)
		}
	}
}
