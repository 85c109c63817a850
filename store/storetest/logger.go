package storetest

import (
	"strings"
	"sync/atomic"
	"testing"
)

// tbWriter forwards log lines to a test's log until the test is over
// (logging to a finished test panics).
type tbWriter struct {
	t    testing.TB
	done atomic.Bool
}

func (w *tbWriter) Write(p []byte) (int, error) {
	if !w.done.Load() {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}
