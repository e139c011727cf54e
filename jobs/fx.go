package jobs

import (
	"context"
	"fmt"
	"io"

	"github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/transform"
	"github.com/npit-mn/ictstat/warehouse"
)

// SourceFX is the source name of the official exchange rates.
const SourceFX = "fx"

// IngestFXFile reads an exchange-rates CSV and commits its rates as one
// snapshot; rows that break a rule go to quarantine. Rates already held with
// the same value change nothing.
func IngestFXFile(ctx context.Context, wh *warehouse.Warehouse, r io.Reader, name string) (PullStats, error) {
	var st PullStats
	rates, bad, err := ingest.ReadFXRates(r, name)
	if err != nil {
		return st, err
	}
	tx, err := wh.Begin(ctx, "ingest fx")
	if err != nil {
		return st, err
	}
	defer tx.Rollback()
	changed, err := tx.MergeFXRates(ctx, rates, transform.MergeFXRates)
	if err != nil {
		return st, err
	}
	if _, err := tx.AppendQuarantine(SourceFX, bad); err != nil {
		return st, err
	}
	st = PullStats{Read: int64(len(rates) + len(bad)), Committed: int64(changed), Superseded: int64(len(rates) - changed),
		Quarantined: int64(len(bad)), Snapshot: tx.Base().ID}
	if !tx.Changed() {
		return st, nil
	}
	m, err := tx.Commit(ctx, fmt.Sprintf("%s: %d rates read, %d new or corrected, %d quarantined", name, len(rates)+len(bad), changed, len(bad)))
	if err != nil {
		return st, err
	}
	st.Snapshot, st.Changed = m.ID, true
	return st, nil
}
