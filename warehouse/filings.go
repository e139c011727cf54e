package warehouse

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/semaphore"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/warehouse/internal/pqwrite"
)

// A merge holds the encoded input of each partition in memory until the
// partition turns cold (no rows for coldBytes of input, nor for the input
// of an average partition so far), then merges it in
// the background while reading goes on. Held input above holdBytes in all,
// or partSpillBytes for one partition, is appended to the partition's
// scratch file instead; the bound shrinks, down to a quarter of holdBytes,
// by three times the largest partition seen beyond half of holdBytes, since
// merging a partition takes memory in proportion to it. A partition fed again after its merge started is
// merged again, after the first merge, with the rows that came late.
const (
	holdBytes      = 64 << 20
	coldBytes      = 8 << 20
	partSpillBytes = 32 << 20
)

// mergeBudget bounds the encoded input of the partitions merged at once:
// a partition takes at least half of it, so two merge in parallel, and a
// partition larger than half runs alone.
const mergeBudget = 24 << 20

// PartitionOf returns the hive partition of a filing period:
// "year=2026/month=10".
func PartitionOf(period ictstat.Date) string {
	y, m := period.YearMonth()
	return fmt.Sprintf("year=%04d/month=%02d", y, m)
}

// FilingBatch is a batch of validated filings held column by column and
// grouped by partition. Batches are built in parallel and appended to a
// FilingsMerge in input order.
type FilingBatch struct {
	parts map[string]*partInput
	order []string // the keys of parts, in the order of their first rows
	rows  int
	free  []*partInput // inputs of partitions the batch no longer holds

	lastPeriod ictstat.Date // the partition of the previous row, which
	last       *partInput   // is most often the next one's too
}

// partInput is the input of one partition: filings and their exports,
// column by column.
type partInput struct {
	filings *pqwrite.Columns // of filingsTable
	exports *pqwrite.Columns // of exportsTable
	parent  []int32          // for each export, the row of its filing in filings
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

// bytes returns the memory the input holds.
func (in *partInput) bytes() int64 {
	return in.filings.Bytes() + in.exports.Bytes() + 4*int64(len(in.parent))
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
			if n := len(b.free); n > 0 {
				in, b.free = b.free[n-1], b.free[:n-1]
			} else {
				in = newPartInput()
			}
			b.parts[p] = in
			b.order = append(b.order, p)
		}
		b.lastPeriod, b.last = f.Period, in
	}
	b.last.add(f)
	b.rows++
}

// Reset empties the batch for reuse and keeps the inputs of its largest
// partitions for the partitions of the next use, largest first: the first
// partition of a chunk is most often the one with most of its rows.
// (Keeping each input for its own partition regrew one nearly every batch:
// a batch comes back for a chunk tens of thousands of lines later, most
// often in another month.)
func (b *FilingBatch) Reset() {
	for p, in := range b.parts {
		delete(b.parts, p)
		b.free = append(b.free, in)
	}
	sort.Slice(b.free, func(i, j int) bool { return b.free[i].filings.Rows() < b.free[j].filings.Rows() })
	if len(b.free) > 8 {
		b.free = append(b.free[:0], b.free[len(b.free)-8:]...)
	}
	for _, in := range b.free {
		in.reset()
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
	buffered int64 // encoded input held in memory, not yet merging
	clock    int64 // encoded input appended so far
	files    int   // scratch files created
	launches int   // partition merges started
	spilled  int64 // bytes written to scratch files
	largest  int64 // encoded bytes of the largest open segment seen

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
	in   *partInput // held in memory, nil when none
	held int64      // bytes of in
	path string     // scratch file once the segment has been spilled
	size int64      // bytes in all (scratch file and in)
	rows int
	last int64         // clock at the last rows
	prev chan struct{} // closed when the partition's latest merge has ended
}

// segment is the input of one merge of a partition.
type segment struct {
	in   *partInput
	path string
	rows int
}

// hold appends src to the input held in memory and returns the bytes it
// added.
func (sp *spillPart) hold(src *partInput) int64 {
	if sp.in == nil {
		sp.in = getPartInput()
	}
	before := sp.held
	sp.in.append(src)
	sp.held = sp.in.bytes()
	return sp.held - before
}

// MergeStats counts what a merge did.
type MergeStats struct {
	Read       int64 // valid filings in the input
	Accepted   int64 // new revisions, added to filing_revisions
	Superseded int64 // revisions not newer than one already held: changed nothing
	Partitions int   // partitions whose tables changed
	Merges     int   // partition merges run: more than Partitions when rows came late
	Spilled    int64 // encoded bytes written to scratch files, for lack of memory
}

// MergeFilings starts a merge in tx.
func (tx *Tx) MergeFilings() (*FilingsMerge, error) {
	dir := filepath.Join(tx.dir, "spill")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &FilingsMerge{tx: tx, dir: dir, parts: map[string]*spillPart{},
		hold: holdBytes, cold: coldBytes, partSpill: partSpillBytes, adaptCold: true,
		sem: semaphore.NewWeighted(mergeBudget), changed: map[string]bool{}}, nil
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
		n := sp.hold(bp)
		sp.size += n
		sp.rows += bp.filings.Rows()
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

// flushPart appends a partition's buffer to its scratch file and lets the
// buffer go.
func (m *FilingsMerge) flushPart(p string, sp *spillPart) error {
	if sp.held == 0 {
		return nil
	}
	if sp.path == "" {
		m.files++
		sp.path = filepath.Join(m.dir, fmt.Sprintf("%s-%d.bin", strings.NewReplacer("/", "_", "=", "").Replace(p), m.files))
	}
	f, err := os.OpenFile(sp.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(sp.in.appendBinary(nil))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("spill %s: %w", p, err)
	}
	m.buffered -= sp.held
	m.spilled += sp.held
	putPartInput(sp.in)
	sp.in, sp.held = nil, 0
	return nil
}

// launch starts the merge of the open segment of partition p in the
// background, after the partition's previous merge, and empties the
// segment. It waits while the merges running hold mergeBudget of input.
func (m *FilingsMerge) launch(ctx context.Context, p string, sp *spillPart) {
	seg := segment{in: sp.in, path: sp.path, rows: sp.rows}
	// Two partitions at a time, unless together they would hold more than
	// mergeBudget of input in memory.
	w := min(max(sp.size, mergeBudget/2), mergeBudget)
	m.buffered -= sp.held
	prev, done := sp.prev, make(chan struct{})
	*sp = spillPart{prev: done}
	m.launches++
	m.sem.Acquire(context.Background(), w) // never fails: no deadline
	m.tx.bg.Add(1)
	go func() {
		defer m.tx.bg.Done()
		defer close(done)
		defer m.sem.Release(w)
		if prev != nil {
			<-prev
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
	rev int32 // newest revision held or accepted
	cur int32 // index in the partition's current rows, -1 if none
	inc int32 // index in incoming of the newest accepted revision, -1 if none
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
	defer putPartInput(in)
	incoming := in.filings
	st.Read = int64(incoming.Rows())
	tx := m.tx
	current, err := readParquet[ictstat.Filing](tx.w.root, tx.readable(tx.Files(TableFilings, p)))
	if err != nil {
		return st, err
	}
	// The keys of incoming rows share the input's memory, which outlives
	// the map.
	state := make(map[string]slot, len(current)+incoming.Rows())
	for i := range current {
		state[current[i].FilingID] = slot{rev: current[i].Revision, cur: int32(i), inc: -1}
	}
	// kind[i] is 1 for an accepted row still the newest revision of its
	// filing, 2 for one a later row of the input superseded, 0 for a row
	// not accepted.
	kind := make([]uint8, incoming.Rows())
	accepted, superseded, replacesCurrent := 0, 0, false
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
	st.Accepted = int64(accepted)
	if accepted == 0 || ctx.Err() != nil {
		return st, ctx.Err()
	}
	st.Partitions = 1
	newest, exports := incoming, in.exports // the common case: no copy
	if accepted != len(kind) || superseded > 0 {
		sel := selection(kind, 1)
		newest = getColumns(filingsTable)
		defer putColumns(filingsTable, newest)
		newest.Select(incoming, sel)
		older := getColumns(filingsTable)
		defer putColumns(filingsTable, older)
		if older.Select(incoming, selection(kind, 2)); older.Rows() > 0 {
			if _, err := stageColumns(tx, TableFilingRevisions, p, filingsTable, older); err != nil {
				return st, err
			}
		}
		var ex []int32 // the exports of the newest rows
		for j, r := range in.parent {
			if kind[r] == 1 {
				ex = append(ex, int32(j))
			}
		}
		exports = getColumns(exportsTable)
		defer putColumns(exportsTable, exports)
		exports.Select(in.exports, ex)
	}
	revFile, err := stageColumns(tx, TableFilingRevisions, p, filingsTable, newest)
	if err != nil {
		return st, err
	}
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
		all.Append(exports)
		exports = all
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
	if exports.Rows() > 0 {
		if _, err := stageColumns(tx, TableFilingExports, p, exportsTable, exports); err != nil {
			return st, err
		}
	}
	return st, nil
}

// selection returns the numbers of the rows whose kind is k.
func selection(kind []uint8, k uint8) []int32 {
	var sel []int32
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
	if seg.path == "" {
		if seg.in == nil {
			return getPartInput(), nil
		}
		return seg.in, nil
	}
	disk, err := os.ReadFile(seg.path)
	if err != nil {
		return nil, err
	}
	os.Remove(seg.path)
	in := getPartInput()
	for b := disk; len(b) > 0; {
		if b, err = in.readBinary(b); err != nil {
			putPartInput(in)
			return nil, fmt.Errorf("read spilled filings: %w", err)
		}
	}
	if seg.in != nil {
		in.append(seg.in)
		putPartInput(seg.in)
	}
	if in.filings.Rows() != seg.rows {
		putPartInput(in)
		return nil, fmt.Errorf("read spilled filings: %d of %d rows: %w", in.filings.Rows(), seg.rows, errSpillCorrupt)
	}
	return in, nil
}

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
// and returns the bytes after it.
func (in *partInput) readBinary(b []byte) ([]byte, error) {
	src := newPartInput()
	b, err := src.filings.ReadBinary(b)
	if err == nil {
		b, err = src.exports.ReadBinary(b)
	}
	if err != nil {
		return nil, err
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n != uint64(src.exports.Rows()) {
		return nil, errSpillCorrupt
	}
	b = b[k:]
	for range n {
		p, k := binary.Uvarint(b)
		if k <= 0 || p >= uint64(src.filings.Rows()) {
			return nil, errSpillCorrupt
		}
		src.parent, b = append(src.parent, int32(p)), b[k:]
	}
	in.append(src)
	return b, nil
}

// freeInputs keeps the inputs of finished merges for new partitions: an
// input grows to the size of a partition, and growing a fresh one for each
// is memory the kernel hands over page by page. The list is short: memory
// kept for later counts against the heap's limit (see bulkGC in
// cmd/ictstat) as much as memory in use.
var freeInputs = make(chan *partInput, 4)

func getPartInput() *partInput {
	select {
	case in := <-freeInputs:
		return in
	default:
		return newPartInput()
	}
}

// putPartInput empties in and keeps it for getPartInput. Nothing may refer
// to its memory any more.
func putPartInput(in *partInput) {
	in.reset()
	select {
	case freeInputs <- in:
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
