package tenant

import "time"

// decision is what the rate limiter says about one reply.
type decision int

const (
	allow    decision = iota // send the reply
	warn                     // the first reply over the limit: send a polite notice instead
	suppress                 // over the limit: log the reply, do not send it
)

// rateLimiter allows at most limit replies per fixed one-minute window for a
// tenant, like the earlier design. The first reply over the limit in a window
// becomes a notice; the rest are suppressed until the window resets. A limit
// of zero or less turns it off. Owned by the actor's loop.
type rateLimiter struct {
	limit  int
	start  time.Time
	count  int
	warned bool
}

func (r *rateLimiter) take(now time.Time) decision {
	if r.tryTake(now) {
		return allow
	}
	if !r.warned {
		r.warned = true
		return warn
	}
	return suppress
}

// tryTake takes one reply from the window if one is left, without the
// notice logic: for messages sent on request (the API), which are refused
// rather than suppressed when the limit is reached.
func (r *rateLimiter) tryTake(now time.Time) bool {
	if r.limit <= 0 {
		return true
	}
	if now.Sub(r.start) >= time.Minute {
		r.start, r.count, r.warned = now, 0, false
	}
	if r.count < r.limit {
		r.count++
		return true
	}
	return false
}

// giveBack undoes a take that turned out not to be needed: an allowed
// reply frees its place, a notice lets the next excess message warn.
func (r *rateLimiter) giveBack(d decision) {
	switch {
	case d == allow && r.count > 0:
		r.count--
	case d == warn:
		r.warned = false
	}
}
