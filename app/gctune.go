package app

import (
	"log/slog"
	goruntime "runtime"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"sync"
)

// The garbage collector's pacing.
//
// Go starts a collection when the heap has grown by GOGC percent (100) of
// what the last one found live (heap, goroutine stacks and globals). Flow
// HQ under load keeps little alive, about 50 MB, while it allocates tens of
// megabytes a second, so at the default it collects about twice a second.
// On a small machine each collection takes one of the two cores for its
// mark phase (20–50 ms) and charges allocating goroutines, the log writer
// among them, with assist work: replies sent in that window wait longer.
// At 10,000 msg/s a GOGC of 400 cut the p99 by about a third.
//
// A fixed higher GOGC would also multiply the memory of a server whose
// live heap is big for good reason (10,000 idle tenants keep about 145 MB
// alive). The tuner below instead gives the heap a fixed amount of room to
// grow, headroom, as long as that is more than GOGC=100 would give and at
// most GOGC=400: a small live heap gets a higher percentage, a large one
// keeps Go's default. It re-reads the live heap after every collection.

const (
	gcMinPercent = 100
	gcMaxPercent = 400
)

// gcPercent is the GOGC that lets a heap whose collector found live bytes
// grow by headroom bytes, within [gcMinPercent, gcMaxPercent]. While the
// live heap is still growing fast (by more than a quarter since the
// previous collection found prev bytes), as when thousands of tenants
// start, it stays at gcMinPercent: a high GOGC then lets the heap run far
// past what is live, and the process keeps that memory long after.
func gcPercent(prev, live, headroom uint64) int {
	if live > prev+prev/4 {
		return gcMinPercent
	}
	if live == 0 {
		return gcMaxPercent
	}
	p := headroom * 100 / live
	p = max(min(p, gcMaxPercent), gcMinPercent)
	return int(p / 25 * 25) // steps of 25: no resetting after every collection

}

// gcTuner sets GOGC from the live heap after every collection.
type gcTuner struct {
	headroom uint64
	log      *slog.Logger

	// mu orders tuning after a collection against stop, so that a late
	// collection cannot set GOGC again after stop restored it.
	mu      sync.Mutex
	stopped bool
	live    uint64 // what the previous collection found
	percent int    // the GOGC set last
	samples []rtmetrics.Sample
}

// gcSentinel is garbage by construction: its cleanup runs once per
// collection and arms the next one. (It holds a pointer and is larger than
// the tiny allocator's blocks, so it is collected on its own.)
type gcSentinel struct {
	_ [32]byte
	_ *int
}

// startGCTuner starts tuning with headroom bytes of room; it returns a
// function that stops it and restores the GOGC found at start. With
// headroom 0, or GOGC set in the environment, it leaves the collector alone.
func startGCTuner(headroom uint64, gogcEnv string, log *slog.Logger) (stop func()) {
	if headroom == 0 || gogcEnv != "" {
		return func() {}
	}
	t := &gcTuner{
		headroom: headroom,
		log:      log,
		samples: []rtmetrics.Sample{
			{Name: "/gc/heap/live:bytes"},
			{Name: "/gc/scan/stack:bytes"},
			{Name: "/gc/scan/globals:bytes"},
		},
	}
	before := debug.SetGCPercent(gcMinPercent)
	t.percent = gcMinPercent
	t.tune()
	t.arm()
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.stopped = true
		debug.SetGCPercent(before)
	}
}

func (t *gcTuner) arm() {
	s := &gcSentinel{}
	goruntime.AddCleanup(s, func(t *gcTuner) {
		if t.tune() {
			t.arm()
		}
	}, t)
}

// tune sets GOGC for the heap the last collection found. It reports
// false once the tuner is stopped.
func (t *gcTuner) tune() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return false
	}
	rtmetrics.Read(t.samples)
	var live uint64
	for _, s := range t.samples {
		if s.Value.Kind() == rtmetrics.KindUint64 {
			live += s.Value.Uint64()
		}
	}
	p := gcPercent(t.live, live, t.headroom)
	t.live = live
	if p != t.percent {
		t.percent = p
		debug.SetGCPercent(p)
		t.log.Debug("garbage collector paced", "gogc", p, "live_mb", live>>20)
	}
	return true
}
