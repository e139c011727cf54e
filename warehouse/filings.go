package warehouse

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/semaphore"

	"github.com/npit-mn/ictstat"
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

// FilingBatch is a batch of validated filings encoded and grouped by
// partition. Batches are built in parallel and appended to a FilingsMerge in
// input order.
type FilingBatch struct {
	parts map[string]*batchPart
	order []string // the keys of parts, in the order of their first rows
	rows  int
	free  [][]byte // buffers of partitions the batch no longer holds

	lastPeriod ictstat.Date // the partition of the previous row, which
	last       *batchPart   // is most often the next one's too
}

type batchPart struct {
	data   []byte
	rows   int
	source string // Source of the last row in data
}

// NewFilingBatch returns an empty batch.
func NewFilingBatch() *FilingBatch { return &FilingBatch{parts: map[string]*batchPart{}} }

// Add encodes f into the batch.
func (b *FilingBatch) Add(f *ictstat.Filing) {
	if b.last == nil || f.Period != b.lastPeriod {
		p := PartitionOf(f.Period)
		bp := b.parts[p]
		if bp == nil {
			bp = &batchPart{}
			if n := len(b.free); n > 0 {
				bp.data, b.free = b.free[n-1], b.free[:n-1]
			}
			b.parts[p] = bp
			b.order = append(b.order, p)
		}
		b.lastPeriod, b.last = f.Period, bp
	}
	b.last.data = encodeFiling(b.last.data, f, &b.last.source)
	b.last.rows++
	b.rows++
}

// Reset empties the batch for reuse and keeps its largest buffers for the
// partitions of the next use, largest first: the first partition of a chunk
// is most often the one with most of its rows. (Keeping each buffer for its
// own partition regrew one nearly every batch: a batch comes back for a
// chunk tens of thousands of lines later, most often in another month.)
func (b *FilingBatch) Reset() {
	for p, bp := range b.parts {
		delete(b.parts, p)
		if cap(bp.data) > 0 {
			b.free = append(b.free, bp.data[:0])
		}
	}
	// The largest buffer is handed out first.
	sort.Slice(b.free, func(i, j int) bool { return cap(b.free[i]) < cap(b.free[j]) })
	if len(b.free) > 8 {
		clear(b.free[:len(b.free)-8])
		b.free = append(b.free[:0], b.free[len(b.free)-8:]...)
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
	blocks [][]byte // held in memory; each holds whole records
	held   int64    // bytes in blocks
	path   string   // scratch file once the segment has been spilled
	size   int64    // encoded bytes in all (scratch file and blocks)
	rows   int
	last   int64         // clock at the last rows
	prev   chan struct{} // closed when the partition's latest merge has ended
}

// segment is the input of one merge of a partition.
type segment struct {
	blocks [][]byte
	path   string
	rows   int
}

// A partition's input is held in blocks of minBlock bytes, then twice as
// large each, up to maxBlock: appending to a list of blocks copies each byte
// once, where growing one buffer would copy it again at every doubling, and
// a partition that only gets a few amendments holds a small block.
const (
	minBlock = 64 << 10
	maxBlock = 1 << 20
)

// hold appends data, whole records, to the blocks of sp.
func (sp *spillPart) hold(data []byte) {
	n := len(sp.blocks)
	if n == 0 || cap(sp.blocks[n-1])-len(sp.blocks[n-1]) < len(data) {
		size := minBlock
		if n > 0 {
			size = min(2*cap(sp.blocks[n-1]), maxBlock)
		} else if sp.path != "" {
			size = maxBlock // a partition large enough to have spilled
		}
		sp.blocks = append(sp.blocks, newBlock(max(size, len(data))))
		n++
	}
	sp.blocks[n-1] = append(sp.blocks[n-1], data...)
	sp.held += int64(len(data))
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
		if len(bp.data) == 0 {
			continue
		}
		sp := m.parts[p]
		if sp == nil {
			sp = &spillPart{}
			m.parts[p] = sp
		}
		sp.hold(bp.data)
		sp.size += int64(len(bp.data))
		sp.rows += bp.rows
		m.largest = max(m.largest, sp.size)
		m.buffered += int64(len(bp.data))
		m.clock += int64(len(bp.data))
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
	for _, b := range sp.blocks {
		if err == nil {
			_, err = f.Write(b)
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("spill %s: %w", p, err)
	}
	m.buffered -= sp.held
	m.spilled += sp.held
	putBlocks(sp.blocks)
	sp.blocks, sp.held = nil, 0
	return nil
}

// launch starts the merge of the open segment of partition p in the
// background, after the partition's previous merge, and empties the
// segment. It waits while the merges running hold mergeBudget of input.
func (m *FilingsMerge) launch(ctx context.Context, p string, sp *spillPart) {
	seg := segment{blocks: sp.blocks, path: sp.path, rows: sp.rows}
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
	incoming, err := seg.load()
	defer func() {
		// The rows, and the state and files built from them, are done
		// with: the memory their strings point into can be reused.
		putFilings(incoming)
		putBlocks(seg.blocks)
	}()
	if err != nil {
		return st, err
	}
	st.Read = int64(len(incoming))
	tx := m.tx
	current, err := readParquet[ictstat.Filing](tx.w.root, tx.readable(tx.Files(TableFilings, p)))
	if err != nil {
		return st, err
	}
	state := make(map[string]slot, len(current)+len(incoming))
	for i := range current {
		state[current[i].FilingID] = slot{rev: current[i].Revision, cur: int32(i), inc: -1}
	}
	// kind[i] is 1 for an accepted row still the newest revision of its
	// filing, 2 for one a later row of the input superseded, 0 for a row
	// not accepted.
	kind := make([]uint8, len(incoming))
	accepted, superseded, replacesCurrent := 0, 0, false
	for i := range incoming {
		f := &incoming[i]
		s, ok := state[f.FilingID]
		if ok && f.Revision <= s.rev {
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
		s.rev, s.inc = f.Revision, int32(i)
		state[f.FilingID] = s
		kind[i] = 1
		accepted++
	}
	st.Accepted = int64(accepted)
	if accepted == 0 || ctx.Err() != nil {
		return st, ctx.Err()
	}
	st.Partitions = 1
	newest, older := incoming, []ictstat.Filing(nil) // the common case: no copy
	if accepted != len(incoming) || superseded > 0 {
		// Move the newest rows to the front, in input order.
		older = make([]ictstat.Filing, 0, superseded)
		n := 0
		for i := range incoming {
			switch kind[i] {
			case 1:
				if n != i {
					incoming[n] = incoming[i]
				}
				n++
			case 2:
				older = append(older, incoming[i])
			}
		}
		newest = incoming[:n]
	}
	revFile, err := stageRows(tx, TableFilingRevisions, p, newest)
	if err != nil {
		return st, err
	}
	if len(older) > 0 {
		if _, err := stageRows(tx, TableFilingRevisions, p, older); err != nil {
			return st, err
		}
	}
	var keepExports []ictstat.Export
	if replacesCurrent {
		var kept []ictstat.Filing
		for i := range current {
			if state[current[i].FilingID].inc < 0 {
				kept = append(kept, current[i])
			}
		}
		exports, err := readParquet[ictstat.Export](tx.w.root, tx.readable(tx.Files(TableFilingExports, p)))
		if err != nil {
			return st, err
		}
		for _, e := range exports {
			if state[e.FilingID].inc < 0 {
				keepExports = append(keepExports, e)
			}
		}
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
	return st, stageExports(tx, p, keepExports, newest)
}

// stageExports stages one filing_exports file of partition p holding keep
// and the exports of filings.
func stageExports(tx *Tx, p string, keep []ictstat.Export, filings []ictstat.Filing) error {
	n := len(keep)
	for i := range filings {
		n += len(filings[i].Exports)
	}
	keep = slices.Grow(keep, n-len(keep)) // one allocation, not one per doubling
	for i := range filings {
		keep = append(keep, filings[i].Exports...)
	}
	if len(keep) == 0 {
		return nil
	}
	_, err := stageRows(tx, TableFilingExports, p, keep)
	return err
}

// load decodes every filing of the segment in input order. The rows'
// strings point into the segment's blocks and scratch file contents, which
// stay in use as long as the rows.
func (seg segment) load() ([]ictstat.Filing, error) {
	srcs := seg.blocks
	if seg.path != "" {
		disk, err := os.ReadFile(seg.path)
		if err != nil {
			return nil, err
		}
		os.Remove(seg.path)
		srcs = append([][]byte{disk}, srcs...)
	}
	out := getFilings(seg.rows)
	r := spillReader{opt: make([]float64, 0, 4*seg.rows)}
	i := 0
	for _, b := range srcs {
		for r.b = b; len(r.b) > 0; i++ {
			if i == len(out) {
				return out, fmt.Errorf("decode spilled filings: %w", errSpillCorrupt)
			}
			if err := r.next(&out[i]); err != nil {
				return out, err
			}
		}
	}
	if i != len(out) {
		return out, fmt.Errorf("decode spilled filings: %d of %d rows: %w", i, len(out), errSpillCorrupt)
	}
	return out, nil
}

// freeFilings holds the rows of the last finished partition merge for the
// next one: a merge decodes a whole partition at once, and a fresh slice
// each time is memory the kernel hands over page by page (a fault and a
// cleared page each: about a third of the page faults of a bulk pull of 2M
// rows). One slice only, for the reason given at freeBlocks.
var freeFilings = make(chan []ictstat.Filing, 1)

// getFilings returns n zero rows, reused when a free slice is large enough.
func getFilings(n int) []ictstat.Filing {
	select {
	case rows := <-freeFilings:
		if cap(rows) >= n {
			return rows[:n]
		}
	default:
	}
	return make([]ictstat.Filing, n, n+n/8)
}

// putFilings clears rows, so that they hold on to no partition's input,
// and keeps them for getFilings.
func putFilings(rows []ictstat.Filing) {
	if cap(rows) == 0 {
		return
	}
	rows = rows[:cap(rows)]
	clear(rows)
	select {
	case freeFilings <- rows:
	default:
	}
}

// freeBlocks keeps full-size blocks (maxBlock) of finished merges and of
// spills for new input, which all goes through blocks. The list is short:
// memory kept for later counts against the heap's limit (see bulkGC in
// cmd/ictstat) as much as memory in use, and the closer the heap is to the
// limit, the more often the collector runs (a list of whole partitions'
// rows or scratch files cost more collections than it saved at 8M rows).
var freeBlocks = make(chan []byte, 16)

// newBlock returns an empty block of size bytes.
func newBlock(size int) []byte {
	if size == maxBlock {
		select {
		case b := <-freeBlocks:
			return b[:0]
		default:
		}
	}
	return make([]byte, 0, size)
}

// putBlocks keeps the full-size blocks of bs for newBlock. Nothing may
// refer to them any more.
func putBlocks(bs [][]byte) {
	for _, b := range bs {
		if cap(b) != maxBlock {
			continue
		}
		select {
		case freeBlocks <- b[:0]:
		default:
			return
		}
	}
}
