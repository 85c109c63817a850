package app

import (
	"slices"

	"github.com/flowhq/flowhq/store"
)

// logTail gathers what a live view of log rows has to draw next: rows new
// to the page (id above the newest the page was rendered with, each added
// once) and rows already on it whose status changed. The admin log tail
// and the portal's chat view share it.
type logTail struct {
	after int64                       // the newest id the page was rendered with
	match func(store.MessageLog) bool // rows the view shows
	shown map[int64]bool              // rows this stream added to the page
	added []store.MessageLog
	moved []store.MessageLog // changed rows, drawn in place
}

func newLogTail(after int64, match func(store.MessageLog) bool) *logTail {
	return &logTail{after: after, match: match, shown: map[int64]bool{}}
}

// queue takes one new or changed row.
func (t *logTail) queue(m store.MessageLog) {
	if !t.match(m) {
		return
	}
	if i := slices.IndexFunc(t.added, func(x store.MessageLog) bool { return x.ID == m.ID }); i >= 0 {
		t.added[i] = m
		return
	}
	if m.ID > t.after && !t.shown[m.ID] {
		t.shown[m.ID] = true
		t.added = append(t.added, m)
		return
	}
	if i := slices.IndexFunc(t.moved, func(x store.MessageLog) bool { return x.ID == m.ID }); i >= 0 {
		t.moved[i] = m
		return
	}
	t.moved = append(t.moved, m)
}

// catchUp queues the rows (newest first, as ListLogs returns them) that
// the page has not got yet: after a stream lost changes, or at its start.
func (t *logTail) catchUp(rows []store.MessageLog) {
	for i := len(rows) - 1; i >= 0; i-- {
		if rows[i].ID > t.after && !t.shown[rows[i].ID] {
			t.queue(rows[i])
		}
	}
}

func (t *logTail) empty() bool { return len(t.added) == 0 && len(t.moved) == 0 }

// reset forgets what was drawn; the slices may be reused.
func (t *logTail) reset() { t.added, t.moved = t.added[:0], t.moved[:0] }
