package tenant

// seenSet remembers the most recent message keys of one tenant so a message
// delivered twice is dropped before it costs a database round trip. It is
// bounded: the oldest key is forgotten first. The database's unique key is
// the durable guard; this is the fast one. Owned by the actor's loop.
type seenSet struct {
	keys map[string]struct{}
	ring []string // grows up to max, then wraps: idle tenants stay small
	max  int
	next int
}

func newSeenSet(capacity int) *seenSet {
	return &seenSet{keys: make(map[string]struct{}), max: capacity}
}

func (s *seenSet) has(k string) bool {
	_, ok := s.keys[k]
	return ok
}

func (s *seenSet) add(k string) {
	if s.has(k) || s.max <= 0 {
		return
	}
	if len(s.ring) < s.max {
		s.ring = append(s.ring, k)
		s.keys[k] = struct{}{}
		return
	}
	if old := s.ring[s.next]; old != "" {
		delete(s.keys, old)
	}
	s.ring[s.next] = k
	s.keys[k] = struct{}{}
	s.next = (s.next + 1) % len(s.ring)
}

// dedupKey identifies an inbound message: WhatsApp ids are made by the
// sender's device, so chat and sender belong in the key.
func dedupKey(chat, sender, id string) string {
	return chat + "\x00" + sender + "\x00" + id
}
