package store

// SetCommitHook installs fn to run before every attempt of the log writer;
// an error from it fails that attempt as a database error would. Tests
// only.
func SetCommitHook(s *Store, fn func() error) {
	if fn == nil {
		s.w.hook.Store(nil)
		return
	}
	s.w.hook.Store(&fn)
}

// WriterStats returns how many batches the writer committed and how many
// attempts it retried. Tests only.
func WriterStats(s *Store) (batches, retries int64) {
	return s.w.batches.Load(), s.w.retries.Load()
}
