package sim

import (
	"fmt"
	"hash/maphash"
	"testing"
	"time"
)

func TestSentLog(t *testing.T) {
	var s sentLog
	at := time.Unix(1700000000, 123456789)
	for i := range 1000 {
		s.add(Message{Chat: fmt.Sprintf("c%d", i%7), ID: fmt.Sprintf("ID%d", i), Text: fmt.Sprintf("text %d é", i), At: at.Add(time.Duration(i))})
	}
	s.add(Message{Chat: "c0", ID: "ID5", Text: "resent", At: at}) // a retry of ID5
	if got := s.count("ID5"); got != 2 {
		t.Fatalf("ID5 sent %d times, want 2", got)
	}
	if got := s.count("ID6"); got != 1 {
		t.Fatalf("ID6 sent %d times, want 1", got)
	}
	if got := s.count("nope"); got != 0 {
		t.Fatalf("unknown id sent %d times", got)
	}
	all := s.all()
	if len(all) != 1000 {
		t.Fatalf("%d distinct messages, want 1000", len(all))
	}
	for i, m := range all {
		want := Message{Chat: fmt.Sprintf("c%d", i%7), ID: fmt.Sprintf("ID%d", i), Text: fmt.Sprintf("text %d é", i), At: at.Add(time.Duration(i))}
		if m.Chat != want.Chat || m.ID != want.ID || m.Text != want.Text || !m.At.Equal(want.At) {
			t.Fatalf("message %d = %+v, want %+v", i, m, want)
		}
	}
}

// Two ids with the same hash are both found (forced here: 64-bit
// collisions do not happen by chance in a test).
func TestSentLogHashCollision(t *testing.T) {
	var s sentLog
	s.add(Message{ID: "first", Text: "1"})
	// Make "second" collide with "first".
	s.index[maphash.String(sentSeed, "second")] = s.index[maphash.String(sentSeed, "first")]
	s.add(Message{ID: "second", Text: "2"})
	s.add(Message{ID: "second", Text: "2"})
	if s.count("first") != 1 || s.count("second") != 2 {
		t.Fatalf("counts first %d second %d, want 1 and 2", s.count("first"), s.count("second"))
	}
	if all := s.all(); len(all) != 2 || all[1].Text != "2" {
		t.Fatalf("messages %+v", all)
	}
}
