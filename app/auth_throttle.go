package app

import (
	"sync"
	"time"
)

// loginThrottle limits failed sign-ins per account and per client address
// within a sliding window. Failures for accounts that do not exist count
// the same, so the throttle says nothing about which emails are real. It
// lives in memory: a restart forgets it, which only ever helps a locked-out
// operator.
type loginThrottle struct {
	perAccount, perIP int
	window            time.Duration
	now               func() time.Time

	mu    sync.Mutex
	fails map[string][]time.Time // "a:" + email or "i:" + address → failure times, oldest first
	sweep time.Time              // next time to drop stale keys
}

// maxThrottleKeys bounds memory under a flood of distinct emails or
// addresses; past it, the oldest half of the keys is forgotten at the
// next sweep.
const maxThrottleKeys = 100000

func newLoginThrottle(perAccount, perIP int, window time.Duration) *loginThrottle {
	return &loginThrottle{
		perAccount: perAccount, perIP: perIP, window: window,
		now: time.Now, fails: make(map[string][]time.Time),
	}
}

// wait returns how long the account or the address must wait before it may
// try again; 0 means go ahead.
func (t *loginThrottle) wait(email, ip string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	w := t.waitLocked("a:"+email, t.perAccount, now)
	return max(w, t.waitLocked("i:"+ip, t.perIP, now))
}

func (t *loginThrottle) waitLocked(key string, limit int, now time.Time) time.Duration {
	f := t.recentLocked(key, now)
	if len(f) < limit {
		return 0
	}
	// Locked until the failure that reached the limit leaves the window.
	return f[len(f)-limit].Add(t.window).Sub(now)
}

// recentLocked drops failures older than the window and returns the rest.
func (t *loginThrottle) recentLocked(key string, now time.Time) []time.Time {
	f := t.fails[key]
	cut := now.Add(-t.window)
	i := 0
	for i < len(f) && !f[i].After(cut) {
		i++
	}
	if i > 0 {
		f = f[i:]
		if len(f) == 0 {
			delete(t.fails, key)
		} else {
			t.fails[key] = f
		}
	}
	return f
}

// fail records a failed attempt.
func (t *loginThrottle) fail(email, ip string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.sweepLocked(now)
	for key, limit := range map[string]int{"a:" + email: t.perAccount, "i:" + ip: t.perIP} {
		f := append(t.recentLocked(key, now), now)
		if len(f) > limit {
			f = f[len(f)-limit:] // only the last limit failures matter
		}
		t.fails[key] = f
	}
}

// succeed forgets the account's failures (not the address's: one good
// password must not reset a spray over many accounts).
func (t *loginThrottle) succeed(email string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, "a:"+email)
}

// sweepLocked drops keys with no recent failures, at most once a window,
// and sheds keys when there are far too many.
func (t *loginThrottle) sweepLocked(now time.Time) {
	if now.Before(t.sweep) && len(t.fails) < maxThrottleKeys {
		return
	}
	t.sweep = now.Add(t.window)
	for key := range t.fails {
		t.recentLocked(key, now)
	}
	if len(t.fails) >= maxThrottleKeys {
		n := 0
		for key := range t.fails {
			delete(t.fails, key)
			if n++; n >= maxThrottleKeys/2 {
				break
			}
		}
	}
}
