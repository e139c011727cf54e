package jobs

import (
	"context"
	"fmt"
	"strings"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/transform"
	"github.com/npit-mn/ictstat/warehouse"
)

// ReplayStats reports a quarantine replay.
type ReplayStats struct {
	Replayed  int64 // records that passed and left quarantine
	Remaining int64 // records that still fail, with their current reason
	Snapshot  int64
}

// ReplayQuarantine re-validates the quarantined records of source (filings
// or fx; "" for both) against the current reference data and rules: those
// that now pass are committed, and leave quarantine, in one snapshot; the
// others stay, with the reason they fail for now.
func ReplayQuarantine(ctx context.Context, wh *warehouse.Warehouse, source string) (ReplayStats, error) {
	var st ReplayStats
	if source != "" && source != SourceFilings && source != SourceFX {
		return st, fmt.Errorf("%w: cannot replay source %q (replayable: filings, fx)", ictstat.ErrUsage, source)
	}
	tx, err := wh.Begin(ctx, "quarantine replay")
	if err != nil {
		return st, err
	}
	defer tx.Rollback()
	st.Snapshot = tx.Base().ID
	if source == "" || source == SourceFX {
		if err := replayFX(tx, &st); err != nil {
			return st, err
		}
	}
	if source == "" || source == SourceFilings {
		if err := replayFilings(ctx, wh, tx, &st); err != nil {
			return st, err
		}
	}
	if !tx.Changed() {
		return st, nil
	}
	m, err := tx.Commit(ctx, fmt.Sprintf("%d records replayed, %d still quarantined", st.Replayed, st.Remaining))
	if err != nil {
		return st, err
	}
	st.Snapshot = m.ID
	return st, nil
}

// replayFX re-reads quarantined rate rows first, so that a filings replay in
// the same run sees the rates they add.
func replayFX(tx *warehouse.Tx, st *ReplayStats) error {
	rows, err := tx.Quarantined(SourceFX)
	if err != nil || len(rows) == 0 {
		return err
	}
	var keep []ictstat.Quarantined
	var rates []ictstat.FXRate
	for _, q := range rows {
		r, bad, err := ingest.ReadFXRates(strings.NewReader("date,currency,mnt_per_unit\n"+q.Raw+"\n"), q.Origin)
		switch {
		case err != nil:
			q.Reason = err.Error()
			keep = append(keep, q)
		case len(bad) > 0:
			q.Reason = bad[0].Reason
			keep = append(keep, q)
		default:
			rates = append(rates, r...)
		}
	}
	if _, err := tx.MergeFXRates(rates); err != nil {
		return err
	}
	st.Replayed += int64(len(rows) - len(keep))
	st.Remaining += int64(len(keep))
	if len(keep) == len(rows) {
		return nil
	}
	return tx.ReplaceQuarantine(SourceFX, keep)
}

func replayFilings(ctx context.Context, wh *warehouse.Warehouse, tx *warehouse.Tx, st *ReplayStats) error {
	rows, err := tx.Quarantined(SourceFilings)
	if err != nil || len(rows) == 0 {
		return err
	}
	rates, err := tx.FXRates()
	if err != nil {
		return err
	}
	fx := transform.MonthlyFX(rates)
	merge, err := tx.MergeFilings()
	if err != nil {
		return err
	}
	batch := warehouse.NewFilingBatch()
	var keep []ictstat.Quarantined
	var rec ictstat.FilingRecord
	for _, q := range rows {
		fixed, f, ok := validateRecord([]byte(q.Raw), &rec, fx, q.Origin, q.Line)
		if !ok {
			q.Reason = fixed.Reason
			keep = append(keep, q)
			continue
		}
		batch.Add(&f)
	}
	if err := merge.Append(batch); err != nil {
		return err
	}
	if _, err := merge.Finish(ctx); err != nil {
		return err
	}
	st.Replayed += int64(len(rows) - len(keep))
	st.Remaining += int64(len(keep))
	if len(keep) == len(rows) {
		return nil
	}
	return tx.ReplaceQuarantine(SourceFilings, keep)
}
