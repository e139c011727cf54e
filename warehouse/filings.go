package warehouse

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/semaphore"

	"github.com/npit-mn/ictstat"
)

// A merge buffers encoded input in memory up to spillFlushBytes in all, or
// partFlushBytes for one partition, before it appends the buffers to the
// partitions' scratch files.
const (
	spillFlushBytes = 32 << 20
	partFlushBytes  = 2 << 20
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
	parts map[string][]byte
	rows  int

	lastPeriod ictstat.Date // the partition of the previous row, which
	lastPart   string       // is most often the next one's too
}

// NewFilingBatch returns an empty batch.
func NewFilingBatch() *FilingBatch { return &FilingBatch{parts: map[string][]byte{}} }

// Add encodes f into the batch.
func (b *FilingBatch) Add(f *ictstat.Filing) {
	if b.lastPart == "" || f.Period != b.lastPeriod {
		b.lastPeriod, b.lastPart = f.Period, PartitionOf(f.Period)
	}
	p := b.lastPart
	b.parts[p] = encodeFiling(b.parts[p], f)
	b.rows++
}

// Reset empties the batch for reuse. It keeps the buffers of the partitions
// the batch just held, which the next batch most likely holds too (input is
// nearly in period order), and lets the others go.
func (b *FilingBatch) Reset() {
	for p, data := range b.parts {
		if len(data) == 0 {
			delete(b.parts, p)
		} else {
			b.parts[p] = data[:0]
		}
	}
	b.rows = 0
}

// Rows returns the number of filings in the batch.
func (b *FilingBatch) Rows() int { return b.rows }

// FilingsMerge applies a stream of validated filings to the tables filings,
// filing_revisions and filing_exports of a transaction. Input is spilled by
// partition, so memory stays bounded by one partition whatever the input
// size; revisions are resolved per partition at Finish, because a filing's
// period, and so its partition, never changes.
type FilingsMerge struct {
	tx       *Tx
	dir      string
	parts    map[string]*spillPart
	buffered int
}

type spillPart struct {
	buf  []byte
	path string // scratch file once the partition has been flushed
	size int64  // encoded bytes in all
}

// MergeStats counts what a merge did.
type MergeStats struct {
	Read       int64 // valid filings in the input
	Accepted   int64 // new revisions, added to filing_revisions
	Superseded int64 // revisions not newer than one already held: changed nothing
	Partitions int   // partitions whose tables changed
}

// MergeFilings starts a merge in tx.
func (tx *Tx) MergeFilings() (*FilingsMerge, error) {
	dir := filepath.Join(tx.dir, "spill")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &FilingsMerge{tx: tx, dir: dir, parts: map[string]*spillPart{}}, nil
}

// Append adds a batch; batches must come in input order, which decides
// between two equal revisions (the first wins).
func (m *FilingsMerge) Append(b *FilingBatch) error {
	for p, data := range b.parts {
		if len(data) == 0 {
			continue
		}
		sp := m.parts[p]
		if sp == nil {
			sp = &spillPart{}
			m.parts[p] = sp
		}
		sp.buf = append(sp.buf, data...)
		sp.size += int64(len(data))
		m.buffered += len(data)
		if len(sp.buf) >= partFlushBytes {
			if err := m.flushPart(p, sp); err != nil {
				return err
			}
		}
	}
	if m.buffered >= spillFlushBytes {
		for p, sp := range m.parts {
			if err := m.flushPart(p, sp); err != nil {
				return err
			}
		}
	}
	return nil
}

// flushPart appends a partition's buffer to its scratch file and lets the
// buffer go, so that memory does not stay with partitions no longer fed.
func (m *FilingsMerge) flushPart(p string, sp *spillPart) error {
	if len(sp.buf) == 0 {
		return nil
	}
	if sp.path == "" {
		sp.path = filepath.Join(m.dir, strings.NewReplacer("/", "_", "=", "").Replace(p)+".bin")
	}
	f, err := os.OpenFile(sp.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(sp.buf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("spill %s: %w", p, err)
	}
	m.buffered -= len(sp.buf)
	sp.buf = nil
	return nil
}

// Finish resolves revisions partition by partition (two at a time) and
// stages the new files of the three tables.
func (m *FilingsMerge) Finish(ctx context.Context) (MergeStats, error) {
	keys := make([]string, 0, len(m.parts))
	for p := range m.parts {
		keys = append(keys, p)
	}
	sort.Strings(keys)
	var (
		mu    sync.Mutex
		st    MergeStats
		first error
		wg    sync.WaitGroup
		sem   = semaphore.NewWeighted(mergeBudget)
	)
	for _, p := range keys {
		// Two partitions at a time, unless together they would hold more
		// than mergeBudget of input in memory.
		w := min(max(m.parts[p].size, mergeBudget/2), mergeBudget)
		if err := sem.Acquire(ctx, w); err != nil {
			return st, err
		}
		wg.Add(1)
		go func(p string) {
			defer func() { sem.Release(w); wg.Done() }()
			ps, err := m.mergePartition(ctx, p)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && first == nil {
				first = fmt.Errorf("merge filings %s: %w", p, err)
			}
			st.Read += ps.Read
			st.Accepted += ps.Accepted
			st.Superseded += ps.Superseded
			st.Partitions += ps.Partitions
		}(p)
	}
	wg.Wait()
	m.parts = nil
	os.RemoveAll(m.dir)
	return st, first
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
func (m *FilingsMerge) mergePartition(ctx context.Context, p string) (MergeStats, error) {
	var st MergeStats
	incoming, err := m.load(p)
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
	var accepted []int32
	for i := range incoming {
		f := &incoming[i]
		s, ok := state[f.FilingID]
		if ok && f.Revision <= s.rev {
			st.Superseded++
			continue
		}
		if !ok {
			s.cur = -1
		}
		s.rev, s.inc = f.Revision, int32(i)
		state[f.FilingID] = s
		accepted = append(accepted, int32(i))
	}
	st.Accepted = int64(len(accepted))
	if len(accepted) == 0 || ctx.Err() != nil {
		return st, ctx.Err()
	}
	st.Partitions = 1
	var newest, older []ictstat.Filing
	replacesCurrent, allNewest := false, len(accepted) == len(incoming)
	for _, i := range accepted {
		s := state[incoming[i].FilingID]
		allNewest = allNewest && s.inc == i
		replacesCurrent = replacesCurrent || (s.inc == i && s.cur >= 0)
	}
	if allNewest {
		newest = incoming // the common case: no copy
	} else {
		newest = make([]ictstat.Filing, 0, len(accepted))
		for _, i := range accepted {
			if state[incoming[i].FilingID].inc == i {
				newest = append(newest, incoming[i])
			} else {
				older = append(older, incoming[i])
			}
		}
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
	for i := range filings {
		keep = append(keep, filings[i].Exports...)
	}
	if len(keep) == 0 {
		return nil
	}
	_, err := stageRows(tx, TableFilingExports, p, keep)
	return err
}

// load decodes every spilled filing of partition p in input order.
func (m *FilingsMerge) load(p string) ([]ictstat.Filing, error) {
	sp := m.parts[p]
	data := sp.buf
	if sp.path != "" {
		disk, err := os.ReadFile(sp.path)
		if err != nil {
			return nil, err
		}
		data = append(disk, sp.buf...)
		os.Remove(sp.path)
	}
	sp.buf = nil
	out := make([]ictstat.Filing, 0, len(data)/256+16)
	r := spillReader{b: data}
	for len(r.b) > 0 {
		out = append(out, ictstat.Filing{})
		if err := r.next(&out[len(out)-1]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
