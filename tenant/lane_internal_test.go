package tenant

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/store/storetest"
)

// fakeLink connects at once and records what it sends.
type fakeLink struct {
	h    Handler
	mu   sync.Mutex
	sent []string
	seq  int
}

func (l *fakeLink) Connect(context.Context) error {
	go l.h.Event(Event{Kind: EventConnected, JID: "255700000000:1@s.whatsapp.net"})
	return nil
}
func (l *fakeLink) PairPhone(context.Context, string) (string, error) { return "", nil }
func (l *fakeLink) Send(_ context.Context, _, id, _ string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent = append(l.sent, id)
	return nil
}
func (l *fakeLink) NewMessageID() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	return fmt.Sprintf("FAKE%d", l.seq)
}
func (l *fakeLink) Logout(context.Context) error { return nil }
func (l *fakeLink) Close() error                 { return nil }

func (l *fakeLink) sentIDs() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.sent...)
}

// A job that lands in a lane's queue just as its idle timer fires (the
// push's wake-up lost the race to the timer) is run, not dropped with the
// lane.
func TestLaneIdleTimerRunsQueuedJob(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	link := &fakeLink{}
	sup, err := NewSupervisor(Options{
		Store:    st,
		Links:    func(_ context.Context, p LinkParams) (Link, error) { link.h = p.Handler; return link, nil },
		LaneIdle: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go sup.Run(runCtx)
	defer sup.Shutdown(ctx)
	tn := &store.Tenant{Name: "lane", Status: store.TenantPending}
	if err := st.CreateTenant(ctx, tn, store.TenantConfig{TemplateType: "booking", Language: "auto"}); err != nil {
		t.Fatal(err)
	}
	if err := sup.Start(ctx, tn.ID); err != nil {
		t.Fatal(err)
	}
	var a *actor
	for deadline := time.Now().Add(10 * time.Second); a == nil; {
		if a = sup.entryFor(tn.ID).current(); a == nil {
			if time.Now().After(deadline) {
				t.Fatal("no actor")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	const chat = "254700000009@s.whatsapp.net"
	out := &store.MessageLog{TenantID: tn.ID, Direction: store.DirOut, Chat: chat, WAMessageID: "OUT-RACE",
		MessageText: "hello", Status: store.StatusPending, Source: store.SourceBot}
	if err := st.Commit(ctx, store.Op{Insert: out}); err != nil {
		t.Fatal(err)
	}
	// A lane with nothing to do parks on its idle timer...
	var l *lane
	if err := a.call(ctx, func() {
		l = newLane(a, chat)
		a.lanes[chat] = l
		a.lanesWG.Add(1)
		go l.run()
	}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	// ...and a job arrives without waking it, as when the timer and the
	// wake-up are ready together and the timer wins.
	l.mu.Lock()
	l.queue = append(l.queue, job{out: out})
	l.mu.Unlock()
	sup.queued.Add(1)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if ids := link.sentIDs(); len(ids) == 1 && ids[0] == "OUT-RACE" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the queued reply was dropped with the idle lane: sent %v", link.sentIDs())
		}
	}
	if q := sup.queued.Load(); q != 0 {
		t.Fatalf("%d jobs still counted as queued", q)
	}
	// Idle again, the lane exits within two LaneIdle periods (plus slack).
	for deadline := time.Now().Add(2 * time.Second); !l.isClosed(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the lane never exited after its work")
		}
	}
}
