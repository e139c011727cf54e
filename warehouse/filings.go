package warehouse

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
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
// "year=2026/month=10".
func PartitionOf(period ictstat.Date) string {
	y, m := period.YearMonth()
	return fmt.Sprintf("year=%04d/month=%02d", y, m)
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

// flushPart hands a partition's held input to a background write to its
// scratch file, after the write before it, and lets it go. Reading goes
// on while it is written: the input is counted out of the bound at once,
// and at most one write runs, so the bound is passed by one partition's
// input at most.
func (m *FilingsMerge) flushPart(p string, sp *spillPart) error {
	if sp.held == 0 {
		return nil
	}
	if sp.path == "" {
		m.files++
		sp.path = filepath.Join(m.dir, fmt.Sprintf("%s-%d.bin", strings.NewReplacer("/", "_", "=", "").Replace(p), m.files))
	}
	if m.writing != nil {
		<-m.writing
	}
	if err := m.failed(); err != nil {
		return err
	}
	done, path, held := make(chan struct{}), sp.path, sp.pieces
	m.writing, sp.written = done, done
	m.tx.bg.Add(1)
	go func() {
		defer m.tx.bg.Done()
		defer close(done)
		if err := m.writeSpill(path, held); err != nil {
			m.fail(fmt.Errorf("spill %s: %w", p, err))
		}
	}()
	m.buffered -= sp.held
	m.spilled += sp.held
	sp.pieces, sp.held = nil, 0
	return nil
}

// writeSpill appends the pieces to the scratch file at path and gives them
// back to the pool.
func (m *FilingsMerge) writeSpill(path string, held []*partInput) error {
	defer func() {
		for _, in := range held {
			pieces.put(in)
		}
	}()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	for _, in := range held {
		if err == nil {
			m.scratch = appendRecord(m.scratch[:0], in)
			_, err = f.Write(m.scratch)
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
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

// mergeScratch is what a partition merge works in, kept from merge to
// merge (growing a map of a partition's keys anew each time was an eighth
// of what a bulk pull allocated).
type mergeScratch struct {
	state                  map[string]slot
	kind                   []uint8
	newest, older, exports []int32
	keys, sorted           []uint64 // for resolveFresh
	group                  []slot
}

// rowMask is the bits of a resolveFresh key that number its row.
const rowMask = 1<<24 - 1

// idHash is the hash resolveFresh sorts filing IDs by; tests make it
// collide.
var idHash = func() func(string) uint64 {
	seed := maphash.MakeSeed()
	return func(s string) uint64 { return maphash.String(seed, s) }
}()

// resolveFresh sets kind (see mergePartition) for the rows of a partition
// that holds no filings yet, most of a bulk pull's, and returns the rows
// accepted, those a later row superseded and those not newer than an
// earlier row. Instead of looking each filing_id up in a map, whose probes
// miss the cache at a partition's size, it sorts the rows by a hash of
// their ID (its top 40 bits, above the row's number in the key; radix
// sorted, stable, so rows of one hash stay in input order): the rows of a
// filing end up side by side, nearly always alone.
func (sc *mergeScratch) resolveFresh(incoming *pqwrite.Columns, kind []uint8) (accepted, superseded, stale int) {
	n := incoming.Rows()
	keys := sc.keys[:0]
	for i := range n {
		keys = append(keys, idHash(incoming.StringAt(colFilingID, i))&^rowMask|uint64(i))
	}
	keys, sc.sorted = radixSort(keys, sc.sorted, 3)
	sc.keys = keys
	for g := 0; g < n; {
		e := g + 1
		for e < n && keys[e]&^rowMask == keys[g]&^rowMask {
			e++
		}
		if e == g+1 {
			kind[keys[g]&rowMask] = 1
			accepted++
			g = e
			continue
		}
		// The rows of one filing, or rarely of several whose hashes
		// share their top bits, in input order.
		ids := sc.group[:0]
		for _, k := range keys[g:e] {
			r := int32(k & rowMask)
			id, rev := incoming.StringAt(colFilingID, int(r)), incoming.Int32At(colRevision, int(r))
			j := 0
			for j < len(ids) && ids[j].id != id {
				j++
			}
			switch {
			case j == len(ids):
				ids = append(ids, slot{id: id, rev: rev, inc: r})
			case rev <= ids[j].rev:
				stale++
				continue
			default:
				kind[ids[j].inc] = 2
				superseded++
				ids[j].rev, ids[j].inc = rev, r
			}
			kind[r] = 1
			accepted++
		}
		clear(ids) // let go of the IDs' memory
		sc.group = ids[:0]
		g = e
	}
	return accepted, superseded, stale
}

// radixSort sorts keys by their bytes from byte from up, stably (bytes
// below keep their order among keys equal above), through tmp; it returns
// the sorted keys and the other buffer.
func radixSort(keys, tmp []uint64, from int) ([]uint64, []uint64) {
	tmp = slices.Grow(tmp[:0], len(keys))[:len(keys)]
	for shift := 8 * from; shift < 64; shift += 8 {
		var count [257]int
		for _, k := range keys {
			count[k>>shift&0xff+1]++
		}
		for i := 1; i < len(count); i++ {
			count[i] += count[i-1]
		}
		for _, k := range keys {
			b := k >> shift & 0xff
			tmp[count[b]] = k
			count[b]++
		}
		keys, tmp = tmp, keys
	}
	return keys, tmp
}

// mergeScratches holds one scratch per merge that may run at once (two:
// see mergeSlots).
var mergeScratches = func() chan *mergeScratch {
	c := make(chan *mergeScratch, mergeSlots)
	for range mergeSlots {
		// Not nil: a nil selection means every row.
		c <- &mergeScratch{state: map[string]slot{}, newest: []int32{}, older: []int32{}, exports: []int32{}}
	}
	return c
}()

// selection appends to sel the numbers of the rows whose kind is k.
func selection(sel []int32, kind []uint8, k uint8) []int32 {
	for i, x := range kind {
		if x == k {
			sel = append(sel, int32(i))
		}
	}
	return sel
}

// load returns the input of the segment in input order: what was spilled
// to its scratch file, then what is held in memory.
func (seg segment) load() (*partInput, error) {
	if seg.path == "" && len(seg.pieces) == 1 {
		return seg.pieces[0], nil // a partition fed by one batch
	}
	in := mergeInputs.get()
	defer func() { // the pieces not appended yet, on failure
		for _, p := range seg.pieces {
			if p != nil {
				pieces.put(p)
			}
		}
	}()
	fail := func(err error) (*partInput, error) {
		mergeInputs.put(in)
		return nil, fmt.Errorf("read spilled filings: %w", err)
	}
	if seg.path != "" {
		if err := in.readSpill(seg.path, seg.rows); err != nil {
			return fail(err)
		}
	}
	for i, p := range seg.pieces {
		in.reserveFor(p, seg.rows)
		in.append(p)
		pieces.put(p) // at once: the merge holds the partition once, not twice
		seg.pieces[i] = nil
	}
	if in.filings.Rows() != seg.rows {
		return fail(fmt.Errorf("%d of %d rows: %w", in.filings.Rows(), seg.rows, errSpillCorrupt))
	}
	return in, nil
}

// appendRecord appends in to b as a record of a scratch file: its length
// in 4 bytes, then what appendBinary writes.
func appendRecord(b []byte, in *partInput) []byte {
	at := len(b)
	b = in.appendBinary(append(b, 0, 0, 0, 0))
	binary.LittleEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	return b
}

// readSpill appends every record of the scratch file at path, one at a
// time through a reused buffer, and removes the file; the first record
// makes room in in for rows rows like its own.
func (in *partInput) readSpill(path string, rows int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer os.Remove(path)
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	buf := <-spillBufs
	defer func() { spillBufs <- buf }()
	for left := fi.Size(); left > 0; {
		var head [4]byte
		if _, err := io.ReadFull(f, head[:]); err != nil {
			return fmt.Errorf("%w: %w", errSpillCorrupt, err)
		}
		n := int64(binary.LittleEndian.Uint32(head[:]))
		if left -= 4 + n; left < 0 {
			return fmt.Errorf("%w: a record runs past the end", errSpillCorrupt)
		}
		buf = slices.Grow(buf[:0], int(n))[:n]
		if _, err := io.ReadFull(f, buf); err != nil {
			return err
		}
		rest, err := in.readBinary(buf, rows)
		if err != nil {
			return err
		}
		if len(rest) > 0 {
			return fmt.Errorf("%w: %d bytes after a record", errSpillCorrupt, len(rest))
		}
	}
	return nil
}

// spillBufs holds the buffers scratch files are read through, one per
// merge that may run at once (see mergeSlots).
var spillBufs = func() chan []byte {
	c := make(chan []byte, mergeSlots)
	for range mergeSlots {
		c <- nil
	}
	return c
}()

var errSpillCorrupt = errors.New("spilled filings corrupt")

// appendBinary appends the input to b for a scratch file.
func (in *partInput) appendBinary(b []byte) []byte {
	b = in.filings.AppendBinary(b)
	b = in.exports.AppendBinary(b)
	b = binary.AppendUvarint(b, uint64(len(in.parent)))
	for _, p := range in.parent {
		b = binary.AppendUvarint(b, uint64(p))
	}
	return b
}

// readBinary appends the input that appendBinary wrote at the start of b
// and returns the bytes after it. When in is empty, it first makes room for
// rows rows like those read.
func (in *partInput) readBinary(b []byte, rows int) ([]byte, error) {
	// Straight into in: on an error in is left half-appended, and the
	// merge that reads it fails.
	shift, from, exFrom := int32(in.filings.Rows()), in.filings.Rows(), in.exports.Rows()
	b, err := in.filings.ReadBinaryReserve(b, rows)
	if err == nil {
		b, err = in.exports.ReadBinary(b)
	}
	if err != nil {
		return nil, err
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n != uint64(in.exports.Rows()-exFrom) {
		return nil, errSpillCorrupt
	}
	b = b[k:]
	for range n {
		p, k := binary.Uvarint(b)
		if k <= 0 || p >= uint64(in.filings.Rows()-from) {
			return nil, errSpillCorrupt
		}
		in.parent, b = append(in.parent, int32(p)+shift), b[k:]
	}
	return b, nil
}

// inputPool keeps emptied inputs for reuse: an input grows to the rows it
// gets, and growing a fresh one each time is memory the kernel hands over
// page by page. Pools are short: memory kept for later counts against the
// heap's limit (see bulkGC in cmd/ictstat) as much as memory in use.
type inputPool struct {
	free    chan *partInput
	maxSize int64 // inputs whose footprint is larger are let go; 0: none
}

// mergeInputs keeps the inputs of finished merges, as large as a
// partition, for the next merges (see mergeSlots); pieces keeps the inputs of batches (the
// rows of a chunk in one partition) that merges took over and are done
// with, for new batches.
var (
	mergeInputs = inputPool{free: make(chan *partInput, mergeSlots)}
	pieces      = piecePool{
		large: inputPool{free: make(chan *partInput, 64), maxSize: 4 << 20},
		small: inputPool{free: make(chan *partInput, 128)},
	}
)

// piecePool keeps the inputs of batches apart by size: most pieces are
// either a chunk's worth of one month or a few late amendments, and a
// small one given the rows of a large grows again and again.
type piecePool struct{ large, small inputPool }

// largePiece is the footprint from which a piece counts as large.
const largePiece = 128 << 10

func (p *piecePool) get(large bool) *partInput {
	pool := &p.small
	if large {
		pool = &p.large
	}
	in := pool.get()
	in.piece = true
	return in
}

func (p *piecePool) put(in *partInput) {
	if in.footprint() >= largePiece {
		p.large.put(in)
	} else {
		p.small.put(in)
	}
}

func (p inputPool) get() *partInput {
	select {
	case in := <-p.free:
		return in
	default:
		return newPartInput()
	}
}

// put empties in and keeps it for get. Nothing may refer to its memory
// any more.
func (p inputPool) put(in *partInput) {
	if p.maxSize > 0 && in.footprint() > p.maxSize {
		return
	}
	in.reset()
	in.tail = false
	select {
	case p.free <- in:
	default:
	}
}

// freeColumns keeps the columns a merge selects rows into, by table.
var freeColumns = map[*pqwrite.Table]chan *pqwrite.Columns{
	filingsTable: make(chan *pqwrite.Columns, 4),
	exportsTable: make(chan *pqwrite.Columns, 4),
}

func getColumns(t *pqwrite.Table) *pqwrite.Columns {
	select {
	case c := <-freeColumns[t]:
		return c
	default:
		return t.NewColumns()
	}
}

func putColumns(t *pqwrite.Table, c *pqwrite.Columns) {
	c.Reset()
	select {
	case freeColumns[t] <- c:
	default:
	}
}
