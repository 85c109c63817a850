package tenant

import (
	"sync"

	"github.com/flowhq/flowhq/store"
)

// ChangeKind names what a Change is about.
type ChangeKind string

// Change kinds.
const (
	ChangeWorker  ChangeKind = "worker"  // Worker holds the new state
	ChangeSession ChangeKind = "session" // Session holds the new state
	ChangeMessage ChangeKind = "message" // Message holds a logged row (new, or its new status)
)

// Change is a live update about one tenant, for dashboards (SSE) and hooks.
type Change struct {
	TenantID string
	Kind     ChangeKind
	Worker   store.Worker
	Session  store.WhatsAppSession
	Message  store.MessageLog
}

// Subscription receives changes until Close. A subscriber that falls
// behind loses changes rather than slowing tenants down: Dropped counts them.
type Subscription struct {
	C      <-chan Change
	c      chan Change
	tenant string // "" = every tenant
	b      *broker

	mu      sync.Mutex
	dropped int
}

// Dropped reports how many changes were lost because C was full.
func (s *Subscription) Dropped() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// Close ends the subscription.
func (s *Subscription) Close() { s.b.unsubscribe(s) }

// broker fans changes out to subscribers without ever blocking a publisher.
type broker struct {
	mu   sync.RWMutex
	subs map[*Subscription]struct{}
}

func newBroker() *broker { return &broker{subs: make(map[*Subscription]struct{})} }

func (b *broker) subscribe(tenantID string, buffer int) *Subscription {
	if buffer <= 0 {
		buffer = 64
	}
	c := make(chan Change, buffer)
	s := &Subscription{C: c, c: c, tenant: tenantID, b: b}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

func (b *broker) unsubscribe(s *Subscription) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[s]; ok {
		delete(b.subs, s)
		close(s.c)
	}
}

func (b *broker) publish(ch Change) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for s := range b.subs {
		if s.tenant != "" && s.tenant != ch.TenantID {
			continue
		}
		select {
		case s.c <- ch:
		default:
			s.mu.Lock()
			s.dropped++
			s.mu.Unlock()
		}
	}
}

// Subscribe returns live changes of one tenant, or of all tenants when
// tenantID is empty. buffer bounds how far the subscriber may fall behind.
func (s *Supervisor) Subscribe(tenantID string, buffer int) *Subscription {
	return s.broker.subscribe(tenantID, buffer)
}
