package warehouse

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"golang.org/x/sync/semaphore"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/warehouse/internal/pqwrite"
)

// A merge holds the input of each partition in memory, column by column,
// as the batches built it, until the partition turns cold (no rows for
// coldBytes of input, nor for the input of an average partition so far),
// then merges it in the background while reading goes on. Held input above
// holdBytes in all, or partSpillBytes for one partition, is appended to the
// partition's scratch file instead; the bound shrinks, down to a quarter of
// holdBytes, by three times the largest partition seen beyond half of
// holdBytes, since merging a partition takes memory in proportion to it. A
// partition fed again after its merge started is merged again, after the
// first merge, with the rows that came late.
const (
	holdBytes      = 64 << 20
	coldBytes      = 8 << 20
	partSpillBytes = 32 << 20
)

// mergeSlots is the number of partitions merged at once, whatever their
// size: two, one a core. Letting a large partition merge alone, as a bound
// on memory, stalled reading behind it (the collector waits to launch the
// next merge, and the workers behind the collector) and saved no memory
// that peak RSS showed (259 MB at 8M rows either way).
const mergeSlots = 2

// PartitionOf returns the hive partition of a filing period:
// "year=2026/month=10", "year=2026/month=1". The values have no leading
// zeros, so that engines' hive partitioning reads them as integers.
func PartitionOf(period ictstat.Date) string {
	y, m := period.YearMonth()
	return fmt.Sprintf("year=%d/month=%d", y, m)
}

// FilingBatch is a batch of validated filings held column by column and
// grouped by partition. Batches are built in parallel and appended to a
// FilingsMerge in input order, which takes its partitions' inputs over.
type FilingBatch struct {
	parts map[string]*partInput
	order []string // the keys of parts, in the order of their first rows
	rows  int

	lastPeriod ictstat.Date // the partition of the previous row, which
	last       *partInput   // is most often the next one's too
}

// partInput is the input of one partition: filings and their exports,
// column by column.
type partInput struct {
	filings *pqwrite.Columns // of filingsTable
	exports *pqwrite.Columns // of exportsTable
	parent  []int32          // for each export, the row of its filing in filings
	tail    bool             // made by spillPart.take, not by a batch
	piece   bool             // from pieces, not from mergeInputs
}

func newPartInput() *partInput {
	return &partInput{filings: filingsTable.NewColumns(), exports: exportsTable.NewColumns()}
}

// add appends f and its exports.
func (in *partInput) add(f *ictstat.Filing) {
	row := int32(in.filings.Rows())
	appendFiling(in.filings, f)
	for i := range f.Exports {
		appendExport(in.exports, f, &f.Exports[i])
		in.parent = append(in.parent, row)
	}
}

// append appends the rows of src.
func (in *partInput) append(src *partInput) {
	shift := int32(in.filings.Rows())
	in.filings.Append(src.filings)
	in.exports.Append(src.exports)
	for _, p := range src.parent {
		in.parent = append(in.parent, p+shift)
	}
}

// footprint returns the memory the input takes, its buffers' room to
// grow included.
func (in *partInput) footprint() int64 {
	return in.filings.Footprint() + in.exports.Footprint() + 4*int64(cap(in.parent))
}

// reserveFor makes room in an empty in for rows rows like those of like,
// so that appending a partition's pieces does not grow it again and again.
func (in *partInput) reserveFor(like *partInput, rows int) {
	if n := like.filings.Rows(); n > 0 && in.filings.Rows() == 0 && rows > n {
		in.filings.Reserve(like.filings, rows)
		in.exports.Reserve(like.exports, rows*like.exports.Rows()/n)
	}
}

func (in *partInput) reset() {
	in.filings.Reset()
	in.exports.Reset()
	in.parent = in.parent[:0]
}

// NewFilingBatch returns an empty batch.
func NewFilingBatch() *FilingBatch { return &FilingBatch{parts: map[string]*partInput{}} }

// Add adds f to the batch.
func (b *FilingBatch) Add(f *ictstat.Filing) {
	if b.last == nil || f.Period != b.lastPeriod {
		p := PartitionOf(f.Period)
		in := b.parts[p]
		if in == nil {
			// The first partition of a batch most often gets most of its
			// rows: the month being filed, before the late amendments.
			in = pieces.get(len(b.order) == 0)
			b.parts[p] = in
			b.order = append(b.order, p)
		}
		b.lastPeriod, b.last = f.Period, in
	}
	b.last.add(f)
	b.rows++
}

// Reset empties the batch for reuse. The inputs a merge did not take over
// go back to the pool.
func (b *FilingBatch) Reset() {
	for p, in := range b.parts {
		delete(b.parts, p)
		if in != nil {
			pieces.put(in)
		}
	}
	b.rows, b.last, b.order = 0, nil, b.order[:0]
}

// Rows returns the number of filings in the batch.
func (b *FilingBatch) Rows() int { return b.rows }

// FilingsMerge applies a stream of validated filings to the tables filings,
// filing_revisions and filing_exports of a transaction. Revisions are
// resolved per partition, because a filing's period, and so its partition,
// never changes. Memory stays bounded whatever the input size: input is held
// by partition up to a bound and spilled beyond it, and partitions the input
// has moved past are merged while reading goes on.
type FilingsMerge struct {
	tx       *Tx
	dir      string
	parts    map[string]*spillPart
	buffered int64         // input held in memory, not yet merging (bytes of footprint)
	clock    int64         // input appended so far (bytes of footprint)
	files    int           // scratch files created
	launches int           // partition merges started
	spilled  int64         // bytes written to scratch files
	scratch  []byte        // for writeSpill
	writing  chan struct{} // closed when the last spill write has ended
	largest  int64         // bytes of the largest open segment seen

	hold, cold, partSpill int64 // the constants above; tests lower them
	adaptCold             bool  // cold after the input of an average partition too

	sem     *semaphore.Weighted
	mu      sync.Mutex // guards st, changed and err
	st      MergeStats
	changed map[string]bool
	err     error
}

// spillPart is the open segment of a partition: the input not yet merging.
type spillPart struct {
	pieces  []*partInput // held in memory, in input order: batches' inputs, taken over
	held    int64        // bytes of pieces
	path    string       // scratch file once the segment has been spilled
	size    int64        // bytes in all (scratch file and pieces)
	rows    int
	last    int64         // clock at the last rows
	prev    chan struct{} // closed when the partition's latest merge has ended
	written chan struct{} // closed when the segment's last spill write has ended
}

// take appends the input of a batch to the segment and returns the memory
// it added. A large input is taken over as it is; the rows of a small one
// (most often a few late amendments, in an input whose buffers a large one
// grew) are appended to the segment's last piece if it is one of these
// tails, else to a new tail, and the input goes back to the pool.
func (sp *spillPart) take(in *partInput) int64 {
	if n := in.footprint(); in.filings.Rows() >= tailRows || n <= 64<<10 {
		sp.pieces = append(sp.pieces, in)
		return n
	}
	k := len(sp.pieces) - 1
	if k < 0 || !sp.pieces[k].tail {
		t := pieces.get(false)
		t.tail = true
		sp.pieces = append(sp.pieces, t)
		k++
	}
	t := sp.pieces[k]
	before := t.footprint()
	t.append(in)
	pieces.put(in)
	return t.footprint() - before
}

// tailRows is the size below which take copies a batch's input to a tail.
const tailRows = 256

// segment is the input of one merge of a partition: what was spilled to
// path, then pieces.
type segment struct {
	pieces  []*partInput
	path    string
	rows    int
	written chan struct{} // closed when path is whole
}

// MergeStats counts what a merge did.
type MergeStats struct {
	Read       int64 // valid filings in the input
	Accepted   int64 // new revisions, added to filing_revisions
	Superseded int64 // revisions not newer than one already held: changed nothing
	Partitions int   // partitions whose tables changed
	Merges     int   // partition merges run: more than Partitions when rows came late
	Spilled    int64 // bytes of input written to scratch files, for lack of memory
}

// MergeFilings starts a merge in tx.
func (tx *Tx) MergeFilings() (*FilingsMerge, error) {
	dir := filepath.Join(tx.dir, "spill")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &FilingsMerge{tx: tx, dir: dir, parts: map[string]*spillPart{},
		hold: holdBytes, cold: coldBytes, partSpill: partSpillBytes, adaptCold: true,
		sem: semaphore.NewWeighted(mergeSlots), changed: map[string]bool{}}, nil
}

// Append adds a batch; batches must come in input order, which decides
// between two equal revisions (the first wins). It returns the error of a
// background merge, if one failed.
func (m *FilingsMerge) Append(b *FilingBatch) error {
	if err := m.failed(); err != nil {
		return err
	}
	// In the order of the batch's rows, so that a merge runs the same way
	// each time for the same input (the clock decides which partitions are
	// cold).
	for _, p := range b.order {
		bp := b.parts[p]
		if bp.filings.Rows() == 0 {
			continue
		}
		sp := m.parts[p]
		if sp == nil {
			sp = &spillPart{}
			m.parts[p] = sp
		}
		sp.rows += bp.filings.Rows()
		n := sp.take(bp) // which may empty bp
		b.parts[p] = nil // the merge's now
		sp.held += n
		sp.size += n
		m.largest = max(m.largest, sp.size)
		m.buffered += n
		m.clock += n
		sp.last = m.clock
		if sp.held >= m.partSpill {
			if err := m.flushPart(p, sp); err != nil {
				return err
			}
		}
	}
	// Cold: no rows for the input of about one partition, and at least
	// m.cold bytes.
	cold := m.cold
	if m.adaptCold && len(m.parts) > 0 {
		cold = max(cold, m.clock/int64(len(m.parts)))
	}
	for p, sp := range m.parts {
		if sp.size > 0 && m.clock-sp.last > cold {
			m.launch(context.Background(), p, sp)
		}
	}
	if hold := min(m.hold, max(m.hold/4, m.hold+m.hold/2-3*m.largest)); m.buffered > hold {
		// The input is not in period order, or its periods are large:
		// spill the partitions fed longest ago until half the bound is left.
		keys := make([]string, 0, len(m.parts))
		for p, sp := range m.parts {
			if sp.held > 0 {
				keys = append(keys, p)
			}
		}
		sort.Slice(keys, func(i, j int) bool { return m.parts[keys[i]].last < m.parts[keys[j]].last })
		for _, p := range keys {
			if m.buffered <= hold/2 {
				break
			}
			if err := m.flushPart(p, m.parts[p]); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *FilingsMerge) failed() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

// fail records the first error of a background step.
func (m *FilingsMerge) fail(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err == nil {
		m.err = err
	}
}

// launch starts the merge of the open segment of partition p in the
// background, after the partition's previous merge, and empties the
// segment. It waits while mergeSlots merges run.
func (m *FilingsMerge) launch(ctx context.Context, p string, sp *spillPart) {
	seg := segment{pieces: sp.pieces, path: sp.path, rows: sp.rows, written: sp.written}
	m.buffered -= sp.held
	prev, done := sp.prev, make(chan struct{})
	*sp = spillPart{prev: done}
	m.launches++
	m.sem.Acquire(context.Background(), 1) // never fails: no deadline
	m.tx.bg.Add(1)
	go func() {
		defer m.tx.bg.Done()
		defer close(done)
		defer m.sem.Release(1)
		if prev != nil {
			<-prev
		}
		if seg.written != nil {
			<-seg.written
		}
		if m.failed() != nil {
			return
		}
		ps, err := m.mergePartition(ctx, p, seg)
		m.mu.Lock()
		defer m.mu.Unlock()
		if err != nil && m.err == nil {
			m.err = fmt.Errorf("merge filings %s: %w", p, err)
		}
		m.st.Read += ps.Read
		m.st.Accepted += ps.Accepted
		m.st.Superseded += ps.Superseded
		if ps.Partitions > 0 {
			m.changed[p] = true
		}
	}()
}

// Finish merges the partitions not merged yet (two at a time), waits for
// every merge and returns what they did.
func (m *FilingsMerge) Finish(ctx context.Context) (MergeStats, error) {
	keys := make([]string, 0, len(m.parts))
	for p, sp := range m.parts {
		if sp.size > 0 {
			keys = append(keys, p)
		}
	}
	sort.Strings(keys)
	for _, p := range keys {
		if ctx.Err() != nil {
			break
		}
		m.launch(ctx, p, m.parts[p])
	}
	m.tx.bg.Wait()
	m.parts = nil
	os.RemoveAll(m.dir)
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.st
	st.Partitions, st.Merges, st.Spilled = len(m.changed), m.launches, m.spilled
	err := m.err
	if err == nil {
		err = ctx.Err()
	}
	return st, err
}

// slot is what a merge knows of one filing_id in a partition.
type slot struct {
	id  string // for resolveFresh
	rev int32  // newest revision held or accepted
	cur int32  // index in the partition's current rows, -1 if none
	inc int32  // index in incoming of the newest accepted revision, -1 if none
}

// mergePartition resolves the incoming revisions of one partition against
// the filings it already holds and stages the partition's new files.
//
// The accepted rows that are the newest revision of their filing are written
// once and that file belongs to both filings and filing_revisions (a hard
// link); accepted rows superseded within the same input go to
// filing_revisions alone. Only when the input replaces filings the partition
// already held are its current rows rewritten, without the replaced ones.
func (m *FilingsMerge) mergePartition(ctx context.Context, p string, seg segment) (MergeStats, error) {
	var st MergeStats
	in, err := seg.load()
	if err != nil {
		return st, err
	}
	if in.piece {
		defer pieces.put(in)
	} else {
		defer mergeInputs.put(in)
	}
	incoming := in.filings
	st.Read = int64(incoming.Rows())
	tx := m.tx
	current, err := readParquet[ictstat.Filing](tx.w.root, tx.readable(tx.Files(TableFilings, p)))
	if err != nil {
		return st, err
	}
	// The keys of incoming rows share the input's memory, which outlives
	// the map's use.
	sc := <-mergeScratches
	defer func() { clear(sc.state); mergeScratches <- sc }()
	state := sc.state
	for i := range current {
		state[current[i].FilingID] = slot{rev: current[i].Revision, cur: int32(i), inc: -1}
	}
	// kind[i] is 1 for an accepted row still the newest revision of its
	// filing, 2 for one a later row of the input superseded, 0 for a row
	// not accepted.
	sc.kind = append(sc.kind[:0], make([]uint8, incoming.Rows())...)
	kind := sc.kind
	accepted, superseded, replacesCurrent := 0, 0, false
	if len(current) == 0 && incoming.Rows() <= rowMask {
		var stale int
		accepted, superseded, stale = sc.resolveFresh(incoming, kind)
		st.Superseded = int64(stale)
	} else {
		for i := range incoming.Rows() {
			id, rev := incoming.StringAt(colFilingID, i), incoming.Int32At(colRevision, i)
			s, ok := state[id]
			if ok && rev <= s.rev {
				st.Superseded++
				continue
			}
			if !ok {
				s.cur, s.inc = -1, -1
			}
			if s.inc >= 0 {
				kind[s.inc] = 2
				superseded++
			}
			replacesCurrent = replacesCurrent || s.cur >= 0
			s.rev, s.inc = rev, int32(i)
			state[id] = s
			kind[i] = 1
			accepted++
		}
	}
	st.Accepted = int64(accepted)
	if accepted == 0 || ctx.Err() != nil {
		return st, ctx.Err()
	}
	st.Partitions = 1
	// The rows to write, by number; nil for all of them, the common case.
	var newest, exports []int32
	if accepted != len(kind) || superseded > 0 {
		sc.newest, sc.older = selection(sc.newest[:0], kind, 1), selection(sc.older[:0], kind, 2)
		newest = sc.newest
		if older := sc.older; len(older) > 0 {
			if _, err := stageColumns(tx, TableFilingRevisions, p, filingsTable, incoming, older); err != nil {
				return st, err
			}
		}
		exports = sc.exports[:0] // the exports of the newest rows
		for j, r := range in.parent {
			if kind[r] == 1 {
				exports = append(exports, int32(j))
			}
		}
		sc.exports = exports
	}
	revFile, err := stageColumns(tx, TableFilingRevisions, p, filingsTable, incoming, newest)
	if err != nil {
		return st, err
	}
	exportCols := in.exports
	if replacesCurrent {
		var kept []ictstat.Filing
		for i := range current {
			if state[current[i].FilingID].inc < 0 {
				kept = append(kept, current[i])
			}
		}
		held, err := readParquet[ictstat.Export](tx.w.root, tx.readable(tx.Files(TableFilingExports, p)))
		if err != nil {
			return st, err
		}
		all := getColumns(exportsTable)
		defer putColumns(exportsTable, all)
		for i := range held {
			if e := &held[i]; state[e.FilingID].inc < 0 {
				f := ictstat.Filing{FilingID: e.FilingID, Revision: e.Revision, RegistryNo: e.RegistryNo, Period: e.Period, Currency: e.Currency}
				appendExport(all, &f, e)
			}
		}
		if exports == nil {
			all.Append(in.exports)
		} else {
			sel := getColumns(exportsTable)
			defer putColumns(exportsTable, sel)
			sel.Select(in.exports, exports)
			all.Append(sel)
		}
		exportCols, exports = all, nil
		tx.DropPartition(TableFilings, p)
		tx.DropPartition(TableFilingExports, p)
		if len(kept) > 0 {
			if _, err := stageRows(tx, TableFilings, p, kept); err != nil {
				return st, err
			}
		}
	}
	if _, err := stageLink(tx, TableFilings, p, revFile); err != nil {
		return st, err
	}
	if n := len(exports); n > 0 || exports == nil && exportCols.Rows() > 0 {
		if _, err := stageColumns(tx, TableFilingExports, p, exportsTable, exportCols, exports); err != nil {
			return st, err
		}
	}
	return st, nil
}
