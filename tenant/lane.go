package tenant

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/flowhq/flowhq/store"
	"github.com/flowhq/flowhq/templates"
)

// job is one unit of work on a chat lane.
type job struct {
	in       store.MessageLog  // the customer message to answer
	out      *store.MessageLog // or: a pending reply to send again (crash recovery)
	skip     bool              // the bot stays silent (human handoff)
	check    bool              // recovered message: make sure it has no reply yet
	decision decision
	reply    templates.Config
}

// lane runs one chat's jobs in order on its own goroutine, so a slow chat
// never holds up another. It exits after LaneIdle (to twice that) without
// work; the actor then starts a new one for the next message.
type lane struct {
	a    *actor
	chat string
	wake chan struct{}

	mu     sync.Mutex
	queue  []job
	closed bool

	// recent holds the ids of the replies this lane sent last (the lane's
	// goroutine only). Two deliveries of one customer message racing each
	// other can both queue its stored reply; the second one finds it here.
	recent   [16]int64
	recentAt int
}

// claim reports whether the reply id has not been sent by this lane
// lately, and remembers it.
func (l *lane) claim(id int64) bool {
	for _, r := range l.recent {
		if r == id {
			return false
		}
	}
	l.recent[l.recentAt] = id
	l.recentAt = (l.recentAt + 1) % len(l.recent)
	return true
}

func newLane(a *actor, chat string) *lane {
	return &lane{a: a, chat: chat, wake: make(chan struct{}, 1)}
}

// push queues a job; false means the lane has exited and a new one is needed.
func (l *lane) push(j job) bool {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return false
	}
	l.queue = append(l.queue, j)
	l.mu.Unlock()
	l.a.sup.queued.Add(1)
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return true
}

func (l *lane) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// next pops the next job, or closes the lane when it is empty and exit is set.
func (l *lane) next(exit bool) (job, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.queue) == 0 {
		if exit {
			l.closed = true
		}
		return job{}, false
	}
	j := l.queue[0]
	l.queue[0] = job{}
	l.queue = l.queue[1:]
	return j, true
}

func (l *lane) run() {
	defer l.a.lanesWG.Done()
	// The idle timer is not re-armed after every job, which for a chat
	// that gets a message now and then is a timer stop and reset per
	// message: it runs on, and when it fires after a period with work it
	// just starts another. A lane therefore exits after one to two
	// LaneIdle periods without work.
	idle := time.NewTimer(l.a.sup.opts.LaneIdle)
	defer idle.Stop()
	stopping, worked := false, false
	for {
		if j, ok := l.next(stopping); ok {
			l.a.sup.queued.Add(-1)
			l.a.process(l, j)
			worked = true
			continue
		}
		if stopping {
			return // drained while the actor stops
		}
		select {
		case <-l.wake:
		case <-l.a.done:
			stopping = true
		case <-idle.C:
			if worked {
				worked = false
				idle.Reset(l.a.sup.opts.LaneIdle)
				continue
			}
			// Close only if still empty; a job pushed meanwhile is run,
			// not dropped.
			j, ok := l.next(true)
			if !ok {
				return
			}
			l.a.sup.queued.Add(-1)
			l.a.process(l, j)
			worked = true
			idle.Reset(l.a.sup.opts.LaneIdle)
		}
	}
}

// process runs one job; a panic is logged and costs only this job.
func (a *actor) process(l *lane, j job) {
	defer func() {
		if r := recover(); r != nil {
			a.log.Error("lane panic", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	ctx := a.laneCtx
	st := a.sup.opts.Store
	switch {
	case j.out != nil:
		if l.claim(j.out.ID) {
			a.deliver(ctx, j.out)
		}
		return
	case j.skip:
		err := st.Commit(ctx, store.Op{Update: &store.StatusUpdate{TenantID: a.id, ID: j.in.ID, Status: store.StatusSkipped}})
		if err != nil {
			a.log.Warn("mark message skipped", "err", err)
			return
		}
		in := j.in
		in.Status = store.StatusSkipped
		a.publishMessage(in)
		return
	}
	if j.check {
		prev, err := st.ReplyOf(ctx, a.id, j.in.ID)
		switch {
		case err == nil && prev.Status == store.StatusPending:
			// Stored with the message by a delivery whose handler gave up
			// waiting for the commit: nobody is sending it, so send it now.
			// Jobs of one chat run in order, and claim keeps a send of the
			// same row queued behind this one from repeating it.
			if l.claim(prev.ID) {
				a.deliver(ctx, &prev)
			}
			return
		case err == nil:
			return // answered already
		case !errors.Is(err, store.ErrNotFound):
			a.log.Warn("check earlier reply", "err", err)
			return
		}
	}
	out := a.replyTo(&j.in, j.decision, j.reply)
	out.ReplyTo = &j.in.ID
	if err := st.Commit(ctx, store.Op{Insert: out}); err != nil {
		a.log.Warn("store reply; it will be answered after restart", "err", err, "chat", j.in.Chat)
		return
	}
	if out.ID == 0 {
		return
	}
	a.publishMessage(*out)
	if out.Status == store.StatusSuppressed {
		a.e.count(cSuppressed)
		return
	}
	a.deliver(ctx, out)
}

// deliver sends a stored pending reply and records the outcome. While the
// link is down it waits up to SendWait for it to come back. When the actor
// stops first, the row stays pending and the next run sends it under the
// same message id.
func (a *actor) deliver(ctx context.Context, out *store.MessageLog) {
	err := a.sendWhenConnected(ctx, out)
	if err != nil && ctx.Err() != nil {
		return
	}
	upd := &store.StatusUpdate{TenantID: a.id, ID: out.ID, Status: store.StatusSent}
	if err != nil {
		upd.Status, upd.Error = store.StatusFailed, err.Error()
		a.e.count(cFailed)
		a.log.Warn("reply failed", "err", err, "chat", out.Chat, "wa_message_id", out.WAMessageID)
	} else {
		a.e.count(cSent)
	}
	if cerr := a.sup.opts.Store.Commit(ctx, store.Op{Update: upd}); cerr != nil {
		a.log.Warn("record reply outcome", "err", cerr, "wa_message_id", out.WAMessageID)
		return
	}
	done := *out
	done.Status, done.Error = upd.Status, upd.Error
	a.publishMessage(done)
}

func (a *actor) sendWhenConnected(ctx context.Context, out *store.MessageLog) error {
	notConnected := func() error {
		return fmt.Errorf("not connected to WhatsApp for %s: %w", a.sup.opts.SendWait, ErrNotConnected)
	}
	// Connected (the usual case): send without arming the timer.
	select {
	case <-a.gate.wait():
		if err := a.link.Send(ctx, out.Chat, out.WAMessageID, out.MessageText); !errors.Is(err, ErrNotConnected) {
			return err
		}
	default:
	}
	deadline := time.NewTimer(a.sup.opts.SendWait)
	defer deadline.Stop()
	for {
		select {
		case <-a.gate.wait():
		case <-deadline.C:
			return notConnected()
		case <-ctx.Done():
			return ctx.Err()
		}
		err := a.link.Send(ctx, out.Chat, out.WAMessageID, out.MessageText)
		if !errors.Is(err, ErrNotConnected) {
			return err
		}
		// The link dropped under us; the gate closes once the actor hears
		// of it. Try again shortly.
		retry := time.NewTimer(100 * time.Millisecond)
		select {
		case <-retry.C:
		case <-deadline.C:
			retry.Stop()
			return notConnected()
		case <-ctx.Done():
			retry.Stop()
			return ctx.Err()
		}
	}
}
