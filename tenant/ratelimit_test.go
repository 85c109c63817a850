package tenant

import (
	"testing"
	"time"
)

func TestRateLimiterGiveBack(t *testing.T) {
	now := time.Now()
	r := rateLimiter{limit: 1}
	if d := r.take(now); d != allow {
		t.Fatalf("first: %v", d)
	}
	r.giveBack(allow) // the message was a duplicate after all
	if d := r.take(now); d != allow {
		t.Fatalf("after giving back: %v", d)
	}
	if d := r.take(now); d != warn {
		t.Fatalf("over the limit: %v", d)
	}
	r.giveBack(warn) // the notice was never stored
	if d := r.take(now); d != warn {
		t.Fatalf("the notice must be offered again: %v", d)
	}
	if d := r.take(now); d != suppress {
		t.Fatalf("after the notice: %v", d)
	}
	if r.tryTake(now) {
		t.Fatal("tryTake over the limit")
	}
	if !r.tryTake(now.Add(time.Minute)) {
		t.Fatal("tryTake in a new window")
	}
}

func TestLaneClaim(t *testing.T) {
	l := &lane{}
	if !l.claim(7) || l.claim(7) {
		t.Fatal("a reply is claimed once")
	}
	for id := int64(100); id < 100+int64(len(l.recent)); id++ {
		l.claim(id)
	}
	if !l.claim(7) {
		t.Fatal("old claims are forgotten")
	}
}
