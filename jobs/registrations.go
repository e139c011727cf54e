package jobs

import (
	"context"
	"fmt"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/transform"
	"github.com/npit-mn/ictstat/warehouse"
)

// SourceRegistrations is the source name of the registry's events.
const SourceRegistrations = "registrations"

// PullRegistrations reads the registrations feed from the cursor of the
// current snapshot until it has no more: new events go to registrations,
// companies is rebuilt from all events, malformed ones go to quarantine,
// and the cursor is committed with them every CommitRows events.
func PullRegistrations(ctx context.Context, wh *warehouse.Warehouse, feed Fetcher, opts PullOptions) (PullStats, error) {
	return pullAll(ctx, wh, feed, SourceRegistrations, opts, registrationsBatch)
}

func registrationsBatch(ctx context.Context, wh *warehouse.Warehouse, pages <-chan fetched, opts PullOptions, before int64) (PullStats, bool, error) {
	var st PullStats
	tx, err := wh.Begin(ctx, "pull registrations")
	if err != nil {
		return st, false, err
	}
	defer tx.Rollback()
	st.Snapshot = tx.Base().ID
	var events []ictstat.Registration
	var bad []ictstat.Quarantined
	var rec ictstat.RegistrationRecord
	n, more, fetchErr, err := readPages(tx, SourceRegistrations, pages, int64(opts.CommitRows), func(page ingest.Page, raw string) error {
		for i, r := range page.Records {
			pos := int64(i + 1)
			if err := ingest.DecodeRegistration(r, &rec); err != nil {
				bad = append(bad, ictstat.Quarantined{Origin: raw, Line: pos, Reason: err.Error(), Raw: string(r)})
				continue
			}
			e, verr := transform.ValidateRegistration(&rec)
			if verr != nil {
				bad = append(bad, ictstat.Quarantined{Origin: raw, Line: pos, Reason: verr.Error(), Raw: string(r)})
				continue
			}
			e.Source, e.SourceLine = raw, pos
			events = append(events, e)
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
	added, err := tx.MergeRegistrations(ctx, events, transform.Companies)
	if err != nil {
		return st, false, err
	}
	if _, err := tx.AppendQuarantine(SourceRegistrations, bad); err != nil {
		return st, false, err
	}
	st.Committed, st.Superseded, st.Quarantined = int64(added), int64(len(events)-added), int64(len(bad))
	if !tx.Changed() {
		return st, false, classifyFetch(fetchErr)
	}
	m, err := tx.Commit(ctx, fmt.Sprintf("%d pages, %d events read, %d new, %d quarantined", n, st.Read, added, len(bad)))
	if err != nil {
		return st, false, err
	}
	st.Snapshot, st.Changed = m.ID, true
	return st, more && fetchErr == nil, classifyFetch(fetchErr)
}
