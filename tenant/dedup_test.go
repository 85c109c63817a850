package tenant

import (
	"fmt"
	"testing"
	"time"
)

func TestSeenSetForgetsOldestFirst(t *testing.T) {
	s := newSeenSet(3)
	for i := range 5 {
		s.add(fmt.Sprint(i))
		s.add(fmt.Sprint(i)) // adding twice changes nothing
	}
	for i, want := range []bool{false, false, true, true, true} {
		if got := s.has(fmt.Sprint(i)); got != want {
			t.Errorf("has(%d) = %v, want %v", i, got, want)
		}
	}
	if len(s.keys) != 3 {
		t.Fatalf("set holds %d keys, want 3", len(s.keys))
	}
}

func TestRateLimiterWindow(t *testing.T) {
	r := rateLimiter{limit: 2}
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	got := []decision{r.take(t0), r.take(t0.Add(time.Second)), r.take(t0.Add(2 * time.Second)), r.take(t0.Add(3 * time.Second))}
	want := []decision{allow, allow, warn, suppress}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("take %d = %v, want %v", i, got[i], want[i])
		}
	}
	if d := r.take(t0.Add(61 * time.Second)); d != allow {
		t.Fatalf("after the window resets: %v", d)
	}
	off := rateLimiter{}
	for range 100 {
		if off.take(t0) != allow {
			t.Fatal("a zero limit must not limit")
		}
	}
}

func TestBackoffGrowsWithJitterAndCap(t *testing.T) {
	o := Options{BackoffBase: time.Second, BackoffMax: 5 * time.Minute}
	for n, base := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 9: 256 * time.Second, 10: 5 * time.Minute, 30: 5 * time.Minute} {
		for range 50 {
			d := backoff(o, n)
			if d < base*8/10 || d > base*12/10 {
				t.Fatalf("backoff(%d) = %s, want %s ±20%%", n, d, base)
			}
		}
	}
}
