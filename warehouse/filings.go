package warehouse

import (
	"context"
	"fmt"
	"runtime"
	"sort"

	"golang.org/x/sync/errgroup"

	"github.com/npit-mn/ictstat"
)

// PartitionOf returns the hive partition of a filing period:
// "year=2026/month=10", "year=2026/month=1". The values have no leading
// zeros, so that engines' hive partitioning reads them as integers.
func PartitionOf(period ictstat.Date) string {
	y, m := period.YearMonth()
	return fmt.Sprintf("year=%d/month=%d", y, m)
}

// RevisionRule decides which incoming filings of one partition are new
// revisions, which of those are current, and which are rejected with a
// reason (transform.ResolveFilings). held are the partition's current
// filings: the key columns (filing_id, revision, registry_no, period) of
// each, and the full rows with exports of those an incoming filing has at
// the same revision. The warehouse stores what it decides.
type RevisionRule func(held, incoming []ictstat.Filing) (accepted []int, current []bool, rejected []ictstat.Quarantined)

// DefaultMaxHeldRows is the number of filings a FilingsMerge holds in
// memory before it merges some partitions early: about 50 MB, some twenty
// months of today's filings.
const DefaultMaxHeldRows = 1 << 16

// FilingsMerge applies validated filings to the tables filings,
// filing_revisions and filing_exports of a transaction. It holds the
// filings of a pull by partition and resolves each partition once, at
// Finish, against what the partition holds: a filing's period, and so its
// partition, never changes. An input larger than MaxHeldRows (a bulk file)
// has its largest partitions merged early, which writes their files and
// lets their rows go; rows that come later for a merged partition are
// merged with it again.
type FilingsMerge struct {
	tx      *Tx
	rule    RevisionRule
	parts   map[string][]ictstat.Filing
	fed     map[string]int  // when each partition last got rows, in Append calls
	merged  map[string]bool // partitions merged early in this pull
	calls   int
	held    int
	maxHeld int
	st      MergeStats
	merges  int
	changed map[string]bool
}

// MergeStats counts what a merge did.
type MergeStats struct {
	Read       int64                 // valid filings in the input
	Accepted   int64                 // new revisions, added to filing_revisions
	Superseded int64                 // revisions not newer than one already held: changed nothing
	Rejected   []ictstat.Quarantined // filings the rule refused (conflicts, collisions), with source, line and reason
	Partitions int                   // partitions whose tables changed
	Merges     int                   // partition merges run: more than Partitions when a large input merged some early
}

// MergeFilings starts a merge in tx that resolves revisions with rule.
// maxHeld bounds the filings held in memory; 0 means DefaultMaxHeldRows.
func (tx *Tx) MergeFilings(rule RevisionRule, maxHeld int) *FilingsMerge {
	if maxHeld <= 0 {
		maxHeld = DefaultMaxHeldRows
	}
	return &FilingsMerge{tx: tx, rule: rule, parts: map[string][]ictstat.Filing{}, fed: map[string]int{}, merged: map[string]bool{}, maxHeld: maxHeld, changed: map[string]bool{}}
}

// Append adds filings, which must come in input order (it decides between
// two equal revisions: the first wins). The merge keeps them; the caller
// must not change them afterwards.
func (m *FilingsMerge) Append(ctx context.Context, filings []ictstat.Filing) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.calls++
	for i := range filings {
		p := PartitionOf(filings[i].Period)
		m.parts[p] = append(m.parts[p], filings[i])
		m.fed[p] = m.calls
	}
	m.held += len(filings)
	if m.held <= m.maxHeld {
		return nil
	}
	// Merge partitions until half the bound is left: first those not
	// merged yet in this pull, fed longest ago first (in an input in
	// period order, the months whose amendments have come); then those
	// merged already, largest first (the month being filed, whose rows are
	// new filings), so that the few amendments that come late for a merged
	// month wait for the end and rewrite its current rows once.
	keys := m.keys()
	sort.SliceStable(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if m.merged[a] != m.merged[b] {
			return !m.merged[a]
		}
		if m.merged[a] {
			return len(m.parts[a]) > len(m.parts[b])
		}
		return m.fed[a] < m.fed[b]
	})
	var pick []string
	for held := m.held; held > m.maxHeld/2 && len(pick) < len(keys); {
		p := keys[len(pick)]
		held -= len(m.parts[p])
		pick = append(pick, p)
	}
	return m.mergeParts(ctx, pick)
}

// keys returns the partitions held, sorted.
func (m *FilingsMerge) keys() []string {
	keys := make([]string, 0, len(m.parts))
	for p := range m.parts {
		keys = append(keys, p)
	}
	sort.Strings(keys)
	return keys
}

// Finish merges the partitions still held and returns what the merge did.
func (m *FilingsMerge) Finish(ctx context.Context) (MergeStats, error) {
	err := m.mergeParts(ctx, m.keys())
	st := m.st
	st.Partitions, st.Merges = len(m.changed), m.merges
	return st, err
}

// mergeParts merges the partitions given, one per core at a time, and lets
// their rows go.
func (m *FilingsMerge) mergeParts(ctx context.Context, parts []string) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	results := make([]MergeStats, len(parts))
	for k, p := range parts {
		rows := m.parts[p]
		delete(m.parts, p)
		m.merged[p] = true
		m.held -= len(rows)
		g.Go(func() error {
			st, err := m.mergePartition(gctx, p, rows)
			if err != nil {
				return fmt.Errorf("merge filings %s: %w", p, err)
			}
			results[k] = st
			return nil
		})
	}
	err := g.Wait()
	for k, st := range results {
		m.st.Read += st.Read
		m.st.Accepted += st.Accepted
		m.st.Superseded += st.Superseded
		m.st.Rejected = append(m.st.Rejected, st.Rejected...)
		if st.Partitions > 0 {
			m.changed[parts[k]] = true
		}
	}
	m.merges += len(parts)
	if err == nil {
		err = ctx.Err()
	}
	return err
}

// filingKey is the part of a stored filing that revisions and collisions
// are resolved by; reading only these columns spares decoding the rest.
type filingKey struct {
	FilingID   string       `parquet:"filing_id"`
	Revision   int32        `parquet:"revision"`
	RegistryNo string       `parquet:"registry_no"`
	Period     ictstat.Date `parquet:"period,date"`
}

// mergePartition stores the incoming filings of partition p as the rule
// decides: new revisions go to filing_revisions, current ones to filings
// and their exports to filing_exports. The common case, new filings only,
// writes one file that belongs to both filings and filing_revisions (a
// hard link); only when the input replaces filings the partition held are
// its other current rows rewritten, to a file of their own.
func (m *FilingsMerge) mergePartition(ctx context.Context, p string, incoming []ictstat.Filing) (MergeStats, error) {
	st := MergeStats{Read: int64(len(incoming))}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	tx := m.tx
	current := tx.readable(tx.Files(TableFilings, p))
	keys, err := readParquet[filingKey](tx.w.root, current)
	if err != nil {
		return st, err
	}
	held, err := heldFilings(tx, p, current, keys, incoming)
	if err != nil {
		return st, err
	}
	accepted, isCurrent, rejected := m.rule(held, incoming)
	st.Rejected = rejected
	st.Accepted, st.Superseded = int64(len(accepted)), int64(len(incoming)-len(accepted)-len(rejected))
	if len(accepted) == 0 {
		return st, ctx.Err()
	}
	st.Partitions = 1
	revisions := make([]ictstat.Filing, len(accepted))
	var newest []ictstat.Filing
	replaced := map[string]bool{}
	heldRev := make(map[string]bool, len(keys))
	for _, k := range keys {
		heldRev[k.FilingID] = true
	}
	for k, i := range accepted {
		revisions[k] = incoming[i]
		if isCurrent[k] {
			newest = append(newest, incoming[i])
			if _, ok := heldRev[incoming[i].FilingID]; ok {
				replaced[incoming[i].FilingID] = true
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	revFile, err := stageRows(tx, TableFilingRevisions, p, revisions)
	if err != nil {
		return st, err
	}
	exports := exportsOf(newest)
	if len(replaced) > 0 {
		if err := m.dropReplaced(p, current, replaced); err != nil {
			return st, err
		}
	}
	if len(newest) == len(revisions) {
		_, err = stageLink(tx, TableFilings, p, revFile)
	} else {
		_, err = stageRows(tx, TableFilings, p, newest)
	}
	if err != nil {
		return st, err
	}
	if len(exports) > 0 {
		if _, err := stageRows(tx, TableFilingExports, p, exports); err != nil {
			return st, err
		}
	}
	return st, nil
}

// heldFilings returns what the rule needs of partition p's current
// filings (files current, key columns keys): the keys of each, and the full
// rows with exports of the filings that an incoming one has at the same
// revision. Only a same-revision re-send, rare, reads more than the keys.
func heldFilings(tx *Tx, p string, current []File, keys []filingKey, incoming []ictstat.Filing) ([]ictstat.Filing, error) {
	rev := make(map[string]int32, len(keys))
	for _, k := range keys {
		rev[k.FilingID] = k.Revision
	}
	same := map[string]bool{}
	for i := range incoming {
		if r, ok := rev[incoming[i].FilingID]; ok && r == incoming[i].Revision {
			same[incoming[i].FilingID] = true
		}
	}
	held := make([]ictstat.Filing, 0, len(keys))
	for _, k := range keys {
		if !same[k.FilingID] {
			held = append(held, ictstat.Filing{FilingID: k.FilingID, Revision: k.Revision, RegistryNo: k.RegistryNo, Period: k.Period})
		}
	}
	if len(same) == 0 {
		return held, nil
	}
	full, err := readParquet[ictstat.Filing](tx.w.root, current)
	if err != nil {
		return nil, err
	}
	exports, err := readParquet[ictstat.Export](tx.w.root, tx.readable(tx.Files(TableFilingExports, p)))
	if err != nil {
		return nil, err
	}
	byID := map[string][]ictstat.Export{}
	for _, e := range exports {
		if same[e.FilingID] {
			byID[e.FilingID] = append(byID[e.FilingID], e)
		}
	}
	for _, f := range full {
		if same[f.FilingID] {
			f.Exports = byID[f.FilingID]
			held = append(held, f)
		}
	}
	return held, nil
}

// dropReplaced rewrites the filings and filing_exports of partition p
// without the filings replaced, a batch of rows at a time; current is the
// partition's filings files.
func (m *FilingsMerge) dropReplaced(p string, current []File, replaced map[string]bool) error {
	tx := m.tx
	oldFilings, oldExports := tx.Files(TableFilings, p), tx.Files(TableFilingExports, p)
	err := stageKept(tx, TableFilings, p, current, func(f *ictstat.Filing) bool { return !replaced[f.FilingID] })
	if err != nil {
		return err
	}
	err = stageKept(tx, TableFilingExports, p, tx.readable(oldExports), func(e *ictstat.Export) bool { return !replaced[e.FilingID] })
	if err != nil {
		return err
	}
	tx.dropFiles(TableFilings, pathsOf(oldFilings))
	tx.dropFiles(TableFilingExports, pathsOf(oldExports))
	return nil
}

// exportsOf returns the exports of filings, in their order.
func exportsOf(filings []ictstat.Filing) []ictstat.Export {
	var out []ictstat.Export
	for i := range filings {
		out = append(out, filings[i].Exports...)
	}
	return out
}
