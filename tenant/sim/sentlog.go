package sim

import (
	"hash/maphash"
	"time"
)

// sentLog is a phone's record of the replies it delivered: every distinct
// message once, in order, and how often each id was sent.
//
// It plays WhatsApp's side, so in a load test it holds every reply of the
// run, hundreds of thousands of them. Kept as Message values in maps, that
// was tens of megabytes of strings the garbage collector traced on every
// cycle, work a real server never does. Here the texts live in one byte
// arena and the index is keyed by a hash of the id, so the record holds no
// pointers for the collector to follow.
type sentLog struct {
	arena []byte
	msgs  []sentMsg
	index map[uint64]int32 // hash of the id → first message with that hash
	more  map[string]int32 // ids whose hash an earlier id already has (rare)
}

type sentMsg struct {
	chat, id, text span
	at             int64 // Unix nanoseconds
	count          int32 // sends of this id
}

type span struct{ off, n int32 }

var sentSeed = maphash.MakeSeed()

func (s *sentLog) str(sp span) string { return string(s.arena[sp.off : sp.off+sp.n]) }

func (s *sentLog) put(v string) span {
	sp := span{int32(len(s.arena)), int32(len(v))}
	s.arena = append(s.arena, v...)
	return sp
}

// find returns the index of id, or -1.
func (s *sentLog) find(id string) int32 {
	i, ok := s.index[maphash.String(sentSeed, id)]
	if !ok {
		return -1
	}
	if s.str(s.msgs[i].id) == id {
		return i
	}
	if j, ok := s.more[id]; ok {
		return j
	}
	return -1
}

// add records a send of m.
func (s *sentLog) add(m Message) {
	if i := s.find(m.ID); i >= 0 {
		s.msgs[i].count++
		return
	}
	i := int32(len(s.msgs))
	s.msgs = append(s.msgs, sentMsg{chat: s.put(m.Chat), id: s.put(m.ID), text: s.put(m.Text), at: m.At.UnixNano(), count: 1})
	h := maphash.String(sentSeed, m.ID)
	if s.index == nil {
		s.index = make(map[uint64]int32)
	}
	if _, taken := s.index[h]; !taken {
		s.index[h] = i
		return
	}
	if s.more == nil {
		s.more = make(map[string]int32)
	}
	s.more[m.ID] = i
}

// count reports how often id was sent.
func (s *sentLog) count(id string) int {
	if i := s.find(id); i >= 0 {
		return int(s.msgs[i].count)
	}
	return 0
}

// all returns the distinct messages in the order first sent.
func (s *sentLog) all() []Message {
	out := make([]Message, len(s.msgs))
	for i, m := range s.msgs {
		out[i] = Message{Chat: s.str(m.chat), ID: s.str(m.id), Text: s.str(m.text), At: time.Unix(0, m.at)}
	}
	return out
}
