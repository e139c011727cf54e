package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/transform"
	"github.com/npit-mn/ictstat/warehouse"
)

// Fetcher is the feed a pull reads: one page after a cursor.
type Fetcher interface {
	Fetch(ctx context.Context, cursor string) (ingest.Page, error)
}

// PullOptions tune a feed pull; the zero value is the default.
type PullOptions struct {
	// CommitRows is how many records a snapshot gathers before it commits
	// (with the cursor after them); default 100,000. A crash repeats at most
	// the pages of one uncommitted snapshot, never skips one.
	CommitRows int
	// Progress, when set, is called after every page with the records read.
	Progress func(records int64)
}

// PullFilings reads the filings feed from the cursor of the current snapshot
// until the feed has no more, committing every CommitRows records together
// with the cursor after them. The next page is fetched while the current one
// is validated. Raw pages are archived with the commit; each row's source
// names its page's archive file and its position in the page.
func PullFilings(ctx context.Context, wh *warehouse.Warehouse, feed Fetcher, opts PullOptions) (PullStats, error) {
	return pullAll(ctx, wh, feed, SourceFilings, opts, pullBatch)
}

// batchFunc commits one snapshot's worth of pages; before is the number of
// records earlier batches of the pull read.
type batchFunc func(ctx context.Context, wh *warehouse.Warehouse, pages <-chan fetched, opts PullOptions, before int64) (PullStats, bool, error)

// pullAll pulls source from the cursor of the current snapshot until the
// feed has no more, one batch (one snapshot) at a time, prefetching pages.
func pullAll(ctx context.Context, wh *warehouse.Warehouse, feed Fetcher, source string, opts PullOptions, batch batchFunc) (PullStats, error) {
	if opts.CommitRows <= 0 {
		opts.CommitRows = 100_000
	}
	cur, err := wh.Current()
	if err != nil {
		return PullStats{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := prefetch(ctx, feed, cur.Cursors[source])
	total := PullStats{Snapshot: cur.ID}
	for {
		st, more, err := batch(ctx, wh, pages, opts, total.Read)
		total.Read += st.Read
		total.Committed += st.Committed
		total.Superseded += st.Superseded
		total.Quarantined += st.Quarantined
		total.Snapshot = max(total.Snapshot, st.Snapshot)
		total.Changed = total.Changed || st.Changed
		if err != nil || !more {
			return total, err
		}
	}
}

// fetched is a page or the error that ended the feed.
type fetched struct {
	page   ingest.Page
	cursor string // the cursor the page was fetched after
	err    error
}

// prefetch fetches pages ahead of their use, one at a time, until the feed
// has no more or fails; the channel closes after the last.
func prefetch(ctx context.Context, feed Fetcher, cursor string) <-chan fetched {
	out := make(chan fetched, 2)
	go func() {
		defer close(out)
		for {
			p, err := feed.Fetch(ctx, cursor)
			select {
			case out <- fetched{page: p, cursor: cursor, err: err}:
			case <-ctx.Done():
				return
			}
			if err != nil || !p.HasMore {
				return
			}
			cursor = p.Next
		}
	}()
	return out
}

// pullBatch pulls pages into one snapshot. It commits what it has when a
// later page fails, then returns the error.
func pullBatch(ctx context.Context, wh *warehouse.Warehouse, pages <-chan fetched, opts PullOptions, before int64) (PullStats, bool, error) {
	var st PullStats
	tx, err := wh.Begin(ctx, "pull filings")
	if err != nil {
		return st, false, err
	}
	defer tx.Rollback()
	st.Snapshot = tx.Base().ID
	rates, err := wh.FXRates(ctx, tx.Base())
	if err != nil {
		return st, false, err
	}
	fx := transform.MonthlyFX(rates)
	merge := tx.MergeFilings(transform.ResolveFilings, 0)
	var bad []ictstat.Quarantined
	n, more, fetchErr, err := readPages(tx, SourceFilings, pages, int64(opts.CommitRows), func(page ingest.Page, raw string) error {
		for _, part := range validatePage(page.Records, fx, raw) {
			bad = append(bad, part.bad...)
			if err := merge.Append(ctx, part.filings); err != nil {
				return err
			}
		}
		st.Read += int64(len(page.Records))
		if opts.Progress != nil {
			opts.Progress(before + st.Read)
		}
		return nil
	})
	if err != nil {
		return st, false, err
	}
	if n == 0 {
		return st, false, classifyFetch(fetchErr)
	}
	ms, err := merge.Finish(ctx)
	if err != nil {
		return st, false, err
	}
	bad = append(bad, ms.Rejected...)
	if _, err := tx.AppendQuarantine(SourceFilings, bad); err != nil {
		return st, false, err
	}
	st.Committed, st.Superseded, st.Quarantined = ms.Accepted, ms.Superseded, int64(len(bad))
	if !tx.Changed() {
		return st, false, classifyFetch(fetchErr)
	}
	tx.AddStat("rows_read", st.Read)
	tx.AddStat("rows_committed", st.Committed)
	tx.AddStat("rows_quarantined", st.Quarantined)
	m, err := tx.Commit(ctx, fmt.Sprintf("%d pages, %d read, %d committed, %d superseded, %d quarantined", n, st.Read, st.Committed, st.Superseded, st.Quarantined))
	if err != nil {
		return st, false, err
	}
	st.Snapshot, st.Changed = m.ID, true
	return st, more && fetchErr == nil, classifyFetch(fetchErr)
}

// readPages reads pages into tx until the feed has no more or limit records
// were read: each page's raw body is archived, handle takes its records, and
// the source's cursor moves past it. fetchErr is the feed error that ended
// the reading early, if any; err an error of the transaction.
func readPages(tx *warehouse.Tx, source string, pages <-chan fetched, limit int64, handle func(page ingest.Page, raw string) error) (n int, more bool, fetchErr, err error) {
	cursor := tx.Base().Cursors[source]
	var read int64
	for more = true; more && read < limit; n++ {
		f, ok := <-pages
		if !ok {
			return n, more, context.Canceled, nil
		}
		if f.err != nil {
			return n, more, f.err, nil
		}
		if f.cursor != cursor {
			return n, more, nil, fmt.Errorf("the %s cursor moved under this pull (another writer?): pull again", source)
		}
		var raw string
		if len(f.page.Records) > 0 {
			if raw, err = tx.StageRaw(source, f.page.Body); err != nil {
				return n, more, nil, err
			}
		}
		if err := handle(f.page, raw); err != nil {
			return n, more, nil, err
		}
		read += int64(len(f.page.Records))
		cursor, more = f.page.Next, f.page.HasMore
		tx.SetCursor(source, cursor)
	}
	return n, more, nil, nil
}

// validatePage validates a page's records on all cores, in contiguous
// parts returned in page order.
func validatePage(records []json.RawMessage, fx *transform.FXTable, origin string) []chunkResult {
	parts := min(runtime.GOMAXPROCS(0), max(1, len(records)/1000))
	out := make([]chunkResult, parts)
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := p*len(records)/parts, (p+1)*len(records)/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			var v recordValidator
			res := chunkResult{seq: p, filings: make([]ictstat.Filing, 0, hi-lo)}
			for i := lo; i < hi; i++ {
				f, q := v.validate(records[i], fx, origin, int64(i+1))
				if q != nil {
					res.bad = append(res.bad, *q)
					continue
				}
				res.filings = append(res.filings, f)
			}
			out[p] = res
		}()
	}
	wg.Wait()
	return out
}

// classifyFetch marks feed errors that retrying cannot fix as permanent.
func classifyFetch(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ingest.ErrUnauthorized) || errors.Is(err, ingest.ErrBadCursor) || errors.Is(err, ictstat.ErrBadInput) {
		return permanent{err}
	}
	return err
}

// permanent wraps an error as ErrPermanent without changing its message.
type permanent struct{ error }

func (p permanent) Unwrap() []error { return []error{p.error, ErrPermanent} }

// recordValidator decodes and validates records one at a time with a
// decoder of its own; one per goroutine.
type recordValidator struct {
	dec ingest.FilingDecoder
	rec ictstat.FilingRecord
}

// validate decodes and validates one feed or file record: the filing, or
// the quarantine row of a rejected record. The filing shares no memory
// with raw.
func (v *recordValidator) validate(raw []byte, fx *transform.FXTable, origin string, pos int64) (ictstat.Filing, *ictstat.Quarantined) {
	reject := func(reason string) (ictstat.Filing, *ictstat.Quarantined) {
		return ictstat.Filing{}, &ictstat.Quarantined{Origin: origin, Line: pos, Reason: reason, Raw: string(raw)}
	}
	rec := &v.rec
	if err := v.dec.Decode(raw, rec); err != nil {
		return reject(err.Error())
	}
	f, verr := transform.ValidateFiling(rec, fx)
	if verr != nil {
		return reject(verr.Error())
	}
	f.Source, f.SourceLine = origin, pos
	return f, nil
}
