package jobs

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/transform"
	"github.com/npit-mn/ictstat/warehouse"
)

// SourceExports is the source name of the balance-of-payments ICT services
// exports (SDMX-CSV).
const SourceExports = "exports"

// ExportStats is the outcome of an exports pull: PullStats, with Committed
// the observations inserted, updated or deleted, and those three apart.
type ExportStats struct {
	PullStats
	Inserted, Updated, Deleted int64
}

// IngestExportsFile reads an SDMX-CSV 1.0 or 2.0 message and applies its
// rows, in order and by their ACTION, to bop_exports, committing one
// snapshot; rows that break a rule go to quarantine. A file that is not
// SDMX-CSV is refused (ictstat.ErrBadInput) before anything is committed.
// Applying the same message again changes nothing and commits nothing.
func IngestExportsFile(ctx context.Context, wh *warehouse.Warehouse, r io.Reader, name string) (ExportStats, error) {
	changes, bad, _, err := ingest.ReadSDMXCSV(r, name)
	if err != nil {
		return ExportStats{}, err
	}
	return commitExports(ctx, wh, changes, bad, name, nil)
}

// PullExports fetches an SDMX-CSV message from url (an SDMX REST data URL,
// or file:) and applies it as IngestExportsFile does. The payload is
// archived with the commit.
func PullExports(ctx context.Context, wh *warehouse.Warehouse, url string, opts ingest.FetchOptions) (ExportStats, error) {
	body, err := ingest.FetchSDMX(ctx, url, opts)
	if err != nil {
		return ExportStats{}, err
	}
	changes, bad, _, err := ingest.ReadSDMXCSV(bytes.NewReader(body), url)
	if err != nil {
		return ExportStats{}, err
	}
	return commitExports(ctx, wh, changes, bad, url, body)
}

// commitExports merges the changes into bop_exports and commits once.
func commitExports(ctx context.Context, wh *warehouse.Warehouse, changes []ictstat.BopChange, bad []ictstat.Quarantined, name string, raw []byte) (ExportStats, error) {
	var st ExportStats
	tx, err := wh.Begin(ctx, "ingest exports")
	if err != nil {
		return st, err
	}
	defer tx.Rollback()
	held, err := warehouse.ReadTable[ictstat.BopExport](tx, warehouse.TableBopExports)
	if err != nil {
		return st, fmt.Errorf("read bop_exports: %w", err)
	}
	rows, ms := transform.ApplyBopChanges(held, changes)
	if ms.Changed() {
		if err := warehouse.ReplaceTable(tx, warehouse.TableBopExports, rows); err != nil {
			return st, err
		}
	}
	if _, err := tx.AppendQuarantine(SourceExports, bad); err != nil {
		return st, err
	}
	st.Inserted, st.Updated, st.Deleted = int64(ms.Inserted), int64(ms.Updated), int64(ms.Deleted)
	st.Read = int64(len(changes) + len(bad))
	st.Committed = st.Inserted + st.Updated + st.Deleted
	st.Superseded = max(0, int64(len(changes))-st.Committed)
	st.Quarantined = int64(len(bad))
	st.Snapshot = tx.Base().ID
	if !tx.Changed() {
		return st, nil
	}
	if raw != nil {
		if _, err := tx.StageRaw(SourceExports, raw); err != nil {
			return st, err
		}
	}
	tx.AddStat("rows_read", st.Read)
	tx.AddStat("rows_committed", st.Committed)
	tx.AddStat("rows_quarantined", st.Quarantined)
	m, err := tx.Commit(ctx, fmt.Sprintf("%s: %d rows read; %d observations inserted, %d updated, %d deleted; %d quarantined",
		name, st.Read, st.Inserted, st.Updated, st.Deleted, st.Quarantined))
	if err != nil {
		return st, err
	}
	st.Snapshot, st.Changed = m.ID, true
	return st, nil
}
