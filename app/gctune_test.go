package app

import (
	"log/slog"
	goruntime "runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestGCPercent(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		prev, live, headroom uint64
		want                 int
	}{
		{50 * mb, 50 * mb, 160 * mb, 300},   // a small live heap gets the room: 320% in steps of 25
		{45 * mb, 40 * mb, 160 * mb, 400},   // ... at most 400%
		{1 * mb, 1 * mb, 160 * mb, 400},     // a tiny one too, not 16,000%
		{140 * mb, 145 * mb, 160 * mb, 100}, // 10,000 idle tenants: Go's default
		{500 * mb, 500 * mb, 160 * mb, 100}, // never below the default
		{0, 0, 160 * mb, 400},
		{20 * mb, 40 * mb, 160 * mb, 100}, // still growing fast (tenants starting): the default
		{0, 10 * mb, 160 * mb, 100},       // the first collection: growing from nothing
		{40 * mb, 50 * mb, 160 * mb, 300}, // growing by a quarter is steady enough
	} {
		if got := gcPercent(c.prev, c.live, c.headroom); got != c.want {
			t.Errorf("gcPercent(%d MB → %d MB, %d MB) = %d, want %d", c.prev/mb, c.live/mb, c.headroom/mb, got, c.want)
		}
	}
}

// currentGOGC reads GOGC without changing it.
func currentGOGC() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestGCTunerFollowsTheLiveHeap(t *testing.T) {
	// GOGC in the environment, or no headroom: hands off.
	before := currentGOGC()
	startGCTuner(160<<20, "200", slog.New(slog.DiscardHandler))()
	startGCTuner(0, "", slog.New(slog.DiscardHandler))()
	if got := currentGOGC(); got != before {
		t.Fatalf("GOGC %d after a tuner that should not run, want %d", got, before)
	}

	// A big live heap brings GOGC down to the default after a collection;
	// once it is gone, the next collections raise it again.
	stop := startGCTuner(64<<20, "", slog.New(slog.DiscardHandler))
	defer func() {
		stop()
		if got := currentGOGC(); got != before {
			t.Errorf("GOGC %d after stop, want %d restored", got, before)
		}
	}()
	waitGOGC := func(want func(int) bool, what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !want(currentGOGC()) {
			if time.Now().After(deadline) {
				t.Fatalf("GOGC stayed %d, want %s", currentGOGC(), what)
			}
			goruntime.GC()
			time.Sleep(10 * time.Millisecond)
		}
	}
	ballast := make([]*[1 << 20]byte, 128) // 128 MB live, pointers and all
	for i := range ballast {
		ballast[i] = new([1 << 20]byte)
	}
	waitGOGC(func(p int) bool { return p == gcMinPercent }, "100 with 128 MB live")
	goruntime.KeepAlive(ballast)
	ballast = nil
	waitGOGC(func(p int) bool { return p > gcMinPercent }, "above 100 with the heap freed")
}
