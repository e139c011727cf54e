package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/transform"
	"github.com/npit-mn/ictstat/warehouse"
)

// SourceFilings is the source name of the virtual-zone filings.
const SourceFilings = "filings"

// MaxQuarantinePerPull bounds the rejected records one pull may hold; an
// input with more is refused as a whole, since it is most likely the wrong
// file or a broken export rather than a few bad records.
const MaxQuarantinePerPull = 100_000

// Options tune a pull. The zero value is the default.
type Options struct {
	// Workers decoding and validating in parallel; default GOMAXPROCS.
	Workers int
	// ChunkLines is the number of lines a worker takes at once; default 2048.
	ChunkLines int
	// Progress, when set, is called about every second with the lines read.
	Progress func(lines int64)
	// MaxHeldRows bounds the valid filings held in memory before some
	// partitions are merged early; default warehouse.DefaultMaxHeldRows.
	MaxHeldRows int
	// Logger receives the pull's events; default none.
	Logger zerolog.Logger
}

// PullStats reports one pull.
type PullStats struct {
	Read        int64 // records read
	Committed   int64 // new revisions committed
	Superseded  int64 // records not newer than what the warehouse held: no change
	Quarantined int64 // records rejected (new to the quarantine or already there)
	Snapshot    int64 // the snapshot holding the result
	Changed     bool  // whether a new snapshot was committed
}

type chunkResult struct {
	seq     int
	filings []ictstat.Filing
	bad     []ictstat.Quarantined
}

// IngestFilingsFile reads an NDJSON filings file (plain, gzip or zstd) and
// commits it as one snapshot: valid records into filings, filing_revisions
// and filing_exports, invalid ones into quarantine. A file that is not
// NDJSON is refused with an *ictstat.InputError and nothing is committed.
func IngestFilingsFile(ctx context.Context, wh *warehouse.Warehouse, r io.Reader, name string, opts Options) (PullStats, error) {
	var st PullStats
	nd, err := ingest.OpenNDJSON(r, name)
	if err != nil {
		return st, err
	}
	defer nd.Close()
	tx, err := wh.Begin(ctx, "ingest filings")
	if err != nil {
		return st, err
	}
	defer tx.Rollback()
	rates, err := wh.FXRates(ctx, tx.Base())
	if err != nil {
		return st, err
	}
	merge := tx.MergeFilings(transform.ResolveFilings, opts.MaxHeldRows)
	t0 := time.Now()
	bad, err := runChunks(ctx, nd, transform.MonthlyFX(rates), name, merge, opts)
	if err != nil {
		return st, err
	}
	t1 := time.Now()
	ms, err := merge.Finish(ctx)
	if err != nil {
		return st, err
	}
	opts.Logger.Debug().Dur("read", t1.Sub(t0)).Dur("merge", time.Since(t1)).Int("partitions", ms.Partitions).Int("merges", ms.Merges).Msg("filings pull phases")
	read := ms.Read + int64(len(bad)) // ms.Read counts the rejected filings, which were valid
	bad = append(bad, ms.Rejected...)
	if _, err := tx.AppendQuarantine(SourceFilings, bad); err != nil {
		return st, err
	}
	st = PullStats{Read: read, Committed: ms.Accepted, Superseded: ms.Superseded, Quarantined: int64(len(bad)), Snapshot: tx.Base().ID}
	if !tx.Changed() {
		return st, nil
	}
	tx.AddStat("rows_read", st.Read)
	tx.AddStat("rows_committed", st.Committed)
	tx.AddStat("rows_quarantined", st.Quarantined)
	t2 := time.Now()
	m, err := tx.Commit(ctx, fmt.Sprintf("%s: %d read, %d committed, %d superseded, %d quarantined", name, st.Read, st.Committed, st.Superseded, st.Quarantined))
	if err != nil {
		return st, err
	}
	opts.Logger.Debug().Dur("commit", time.Since(t2)).Msg("filings pull committed")
	st.Snapshot, st.Changed = m.ID, true
	return st, nil
}

// runChunks reads nd in chunks, validates them on several workers and
// appends the valid filings to merge in input order. It returns the
// rejected records.
func runChunks(ctx context.Context, nd *ingest.NDJSON, fx *transform.FXTable, name string, merge *warehouse.FilingsMerge, opts Options) ([]ictstat.Quarantined, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	chunkLines := opts.ChunkLines
	if chunkLines <= 0 {
		chunkLines = 2048
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	chunks := make(chan *ingest.Chunk, workers*2)
	results := make(chan chunkResult, workers*2)
	// Chunks go back to this free list when done with, so that a large
	// file does not allocate a buffer per chunk.
	freeChunks := make(chan *ingest.Chunk, workers*4+2)
	var lines atomic.Int64

	go func() { // reader
		defer close(chunks)
		for {
			var reuse *ingest.Chunk
			select {
			case reuse = <-freeChunks:
			default:
			}
			c, err := nd.NextInto(reuse, chunkLines)
			if err == io.EOF {
				return
			}
			if err != nil {
				cancel(err)
				return
			}
			lines.Store(nd.Lines())
			select {
			case chunks <- c:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var v recordValidator
			for c := range chunks {
				res := validateChunk(c, &v, fx, name)
				select {
				case freeChunks <- c:
				default:
				}
				select {
				case results <- res:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	var bad []ictstat.Quarantined
	pending := map[int]chunkResult{}
	next := 0
	tick := time.Now()
	for res := range results {
		pending[res.seq] = res
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if err := merge.Append(ctx, r.filings); err != nil {
				cancel(err)
			}
			bad = append(bad, r.bad...)
			if len(bad) > MaxQuarantinePerPull {
				cancel(&ictstat.InputError{File: name, Reason: fmt.Sprintf("more than %d invalid records: refusing the whole file (is it a filings file?); see the first reasons with --log-level debug", MaxQuarantinePerPull)})
			}
		}
		if opts.Progress != nil && time.Since(tick) > time.Second {
			tick = time.Now()
			opts.Progress(lines.Load())
		}
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if opts.Progress != nil {
		opts.Progress(lines.Load())
	}
	return bad, nil
}

// validateChunk decodes and validates every line of c.
func validateChunk(c *ingest.Chunk, v *recordValidator, fx *transform.FXTable, name string) chunkResult {
	res := chunkResult{seq: c.Seq, filings: make([]ictstat.Filing, 0, c.Len())}
	tooLong := map[int]bool{}
	for _, i := range c.TooLong {
		tooLong[i] = true
	}
	for i := range c.Len() {
		if tooLong[i] {
			res.bad = append(res.bad, ictstat.Quarantined{Origin: name, Line: c.Numbers[i], Raw: string(c.Line(i)),
				Reason: fmt.Sprintf("record longer than %d bytes (cut)", ingest.MaxLineBytes)})
			continue
		}
		f, q := v.validate(c.Line(i), fx, name, c.Numbers[i])
		if q != nil {
			res.bad = append(res.bad, *q)
			continue
		}
		res.filings = append(res.filings, f)
	}
	return res
}
