package store

import "time"

// Writer hook stages.
const (
	HookBegin  = hookBegin
	HookCommit = hookCommit
)

// SetCommitHook installs fn in the log writer. It runs with HookBegin
// before every attempt (an error fails the attempt as a database error
// would) and with HookCommit after a successful COMMIT (an error acts as a
// lost acknowledgement: the batch is committed but the writer does not
// know). Tests only.
func SetCommitHook(s *Store, fn func(stage string) error) {
	if fn == nil {
		s.w.hook.Store(nil)
		return
	}
	s.w.hook.Store(&fn)
}

// WriterCounts returns how many batches the writer committed and how many
// attempts it retried. Tests only.
func WriterCounts(s *Store) (batches, retries int64) {
	st := s.WriterStats()
	return st.Batches, st.Retries
}

// BinaryArrays encodes one array parameter of each type the log writer's
// pipe sends, as it sends them (a nil int is NULL). Tests only.
func BinaryArrays(texts []string, ints []*int64, times []time.Time, bools []bool) [][]byte {
	p := &pipe{}
	e := p.encoder()
	e.texts(len(texts), func(i int) string { return texts[i] })
	e.int8s(len(ints), func(i int) (int64, bool) {
		if ints[i] == nil {
			return 0, false
		}
		return *ints[i], true
	})
	e.times(len(times), func(i int) time.Time { return times[i] })
	e.bools(len(bools), func(i int) bool { return bools[i] })
	return p.finish(e)
}
