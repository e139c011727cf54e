package jobs

import (
	"context"
	"errors"
	"fmt"

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
// with the cursor after them. Raw pages are archived with the commit; each
// row's source names its page's archive file and its position in the page.
func PullFilings(ctx context.Context, wh *warehouse.Warehouse, feed Fetcher, opts PullOptions) (PullStats, error) {
	if opts.CommitRows <= 0 {
		opts.CommitRows = 100_000
	}
	var total PullStats
	for {
		st, more, err := pullBatch(ctx, wh, feed, opts, total.Read)
		total.Read += st.Read
		total.Committed += st.Committed
		total.Superseded += st.Superseded
		total.Quarantined += st.Quarantined
		total.Snapshot = st.Snapshot
		total.Changed = total.Changed || st.Changed
		if err != nil || !more {
			return total, err
		}
	}
}

// pullBatch pulls pages into one snapshot. It commits what it has when a
// later page fails, then returns the error.
func pullBatch(ctx context.Context, wh *warehouse.Warehouse, feed Fetcher, opts PullOptions, before int64) (PullStats, bool, error) {
	var st PullStats
	tx, err := wh.Begin(ctx, "pull filings")
	if err != nil {
		return st, false, err
	}
	defer tx.Rollback()
	st.Snapshot = tx.Base().ID
	rates, err := wh.FXRates(tx.Base())
	if err != nil {
		return st, false, err
	}
	fx := transform.MonthlyFX(rates)
	merge, err := tx.MergeFilings()
	if err != nil {
		return st, false, err
	}
	cursor := tx.Base().Cursors[SourceFilings]
	var bad []ictstat.Quarantined
	more, pages := true, 0
	var fetchErr error
	var rec ictstat.FilingRecord
	for more && st.Read < int64(opts.CommitRows) {
		page, err := feed.Fetch(ctx, cursor)
		if err != nil {
			fetchErr = err
			break
		}
		var raw string
		if len(page.Records) > 0 {
			if raw, err = tx.StageRaw(SourceFilings, page.Body); err != nil {
				return st, false, err
			}
		}
		batch := warehouse.NewFilingBatch()
		for i, r := range page.Records {
			q, f, ok := validateRecord(r, &rec, fx, raw, int64(i+1))
			if !ok {
				bad = append(bad, q)
				continue
			}
			batch.Add(&f)
		}
		if err := merge.Append(batch); err != nil {
			return st, false, err
		}
		st.Read += int64(len(page.Records))
		cursor, more = page.Next, page.HasMore
		tx.SetCursor(SourceFilings, cursor)
		pages++
		if opts.Progress != nil {
			opts.Progress(before + st.Read)
		}
	}
	if pages == 0 {
		return st, false, classifyFetch(fetchErr)
	}
	ms, err := merge.Finish(ctx)
	if err != nil {
		return st, false, err
	}
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
	m, err := tx.Commit(ctx, fmt.Sprintf("%d pages, %d read, %d committed, %d superseded, %d quarantined", pages, st.Read, st.Committed, st.Superseded, st.Quarantined))
	if err != nil {
		return st, false, err
	}
	st.Snapshot, st.Changed = m.ID, true
	return st, more && fetchErr == nil, classifyFetch(fetchErr)
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

// validateRecord decodes and validates one feed record; a rejected record
// comes back as its quarantine row.
func validateRecord(raw []byte, rec *ictstat.FilingRecord, fx *transform.FXTable, origin string, pos int64) (ictstat.Quarantined, ictstat.Filing, bool) {
	reject := func(reason string) (ictstat.Quarantined, ictstat.Filing, bool) {
		return ictstat.Quarantined{Origin: origin, Line: pos, Reason: reason, Raw: string(raw)}, ictstat.Filing{}, false
	}
	if err := ingest.DecodeFiling(raw, rec); err != nil {
		return reject(err.Error())
	}
	f, verr := transform.ValidateFiling(rec, fx)
	if verr != nil {
		return reject(verr.Error())
	}
	f.Source, f.SourceLine = origin, pos
	return ictstat.Quarantined{}, f, true
}
