package tenant_test

import (
	"context"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/tenant"
)

// Subscribers see a tenant's worker, session and message changes live, and
// only that tenant's when they asked for one.
func TestSubscribeSeesLiveChanges(t *testing.T) {
	st := storeForTest(t)
	h := newHarness(t, st, nil, nil)
	id := addTenant(t, st, "booking", true, nil)
	other := addTenant(t, st, "booking", true, nil)
	sub := h.sup.Subscribe(id, 256)
	defer sub.Close()
	// Restart rather than start: the booting supervisor may have started
	// them already, before the subscription.
	if err := h.sup.Restart(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	h.start(other)
	h.waitSession(id, store.SessionConnected)
	h.waitSession(other, store.SessionConnected)
	h.say(other, chatA, "hello")
	h.say(id, chatA, "hello")

	seen := map[string]bool{}
	deadline := time.After(10 * time.Second)
	for !(seen["worker RUNNING"] && seen["session CONNECTED"] && seen["message IN received"] && seen["message OUT sent"]) {
		select {
		case ch := <-sub.C:
			if ch.TenantID != id {
				t.Fatalf("change of another tenant: %+v", ch)
			}
			switch ch.Kind {
			case tenant.ChangeWorker:
				seen["worker "+ch.Worker.Status] = true
			case tenant.ChangeSession:
				seen["session "+ch.Session.State] = true
			case tenant.ChangeMessage:
				seen["message "+ch.Message.Direction+" "+ch.Message.Status] = true
			}
		case <-deadline:
			t.Fatalf("changes seen: %v", seen)
		}
	}
	if sub.Dropped() != 0 {
		t.Fatalf("dropped %d changes", sub.Dropped())
	}
}
