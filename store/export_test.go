package store

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
