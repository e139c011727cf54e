package warehouse

// SetMergeLimits lowers the bounds of a merge, so that a test can reach
// background merges, spills and late segments with a small input.
func SetMergeLimits(m *FilingsMerge, hold, cold, partSpill int64) {
	m.hold, m.cold, m.partSpill, m.adaptCold = hold, cold, partSpill, false
}

// MergeLaunches returns the number of partition merges a merge started.
func MergeLaunches(m *FilingsMerge) int { return m.launches }

// SpillDir returns the folder of a merge's scratch files.
func SpillDir(m *FilingsMerge) string { return m.dir }

// SetIDHash replaces the hash a merge sorts filing IDs by, so that a test
// can make IDs collide, and returns a function that puts it back.
func SetIDHash(h func(string) uint64) (restore func()) {
	old := idHash
	idHash = h
	return func() { idHash = old }
}
