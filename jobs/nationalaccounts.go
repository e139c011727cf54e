package jobs

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/transform"
	"github.com/npit-mn/ictstat/warehouse"
)

// SourceNationalAccounts is the source name of NSO's national accounts
// (PX-Web, JSON-stat 2.0).
const SourceNationalAccounts = "national_accounts"

// NationalAccountsOptions configure a national-accounts pull. The zero
// value is the default.
type NationalAccountsOptions struct {
	// Mapping says which dimensions and codes mean what; its zero value
	// fits DT_NSO_0500_001V1. An empty TableID is taken from the dataset's
	// extension.px.tableid, else from the file or URL name.
	Mapping transform.NationalAccountsOptions
	// Now returns the pull time; default time.Now.
	Now func() time.Time
	// Logger receives a warning when a vintage already held comes back
	// with other values; default none.
	Logger zerolog.Logger
}

// PXTable is the PX-Web table a pull reads: *ingest.PXWeb.
type PXTable interface {
	// Fetch returns the table's data as JSON-stat 2.0.
	Fetch(ctx context.Context) ([]byte, error)
	// URL returns the table's URL.
	URL() string
	// TableID returns the table's id (DT_NSO_0500_001V1).
	TableID() string
}

// PullNationalAccounts pulls a PX-Web table and commits it as a vintage of
// national_accounts (see IngestNationalAccounts).
func PullNationalAccounts(ctx context.Context, wh *warehouse.Warehouse, t PXTable, opts NationalAccountsOptions) (PullStats, error) {
	data, err := t.Fetch(ctx)
	if err != nil {
		return PullStats{}, fmt.Errorf("pull national accounts: %w", err)
	}
	if opts.Mapping.TableID == "" {
		opts.Mapping.TableID = t.TableID()
	}
	return IngestNationalAccounts(ctx, wh, data, t.URL(), opts)
}

// IngestNationalAccounts reads a JSON-stat 2.0 dataset (data, from origin)
// and commits its cells as one vintage of national_accounts, keyed by the
// dataset's `updated` time (else the pull time), with the raw payload
// archived. A vintage already held changes nothing, so pulling again makes
// no snapshot; a new vintage is appended and never overwrites an older one.
// A dataset that is not JSON-stat, or that the mapping does not fit, is
// refused with an *ictstat.InputError before anything is committed; cells
// whose period reads as none are quarantined.
func IngestNationalAccounts(ctx context.Context, wh *warehouse.Warehouse, data []byte, origin string, opts NationalAccountsOptions) (PullStats, error) {
	var st PullStats
	ds, err := ingest.ReadJSONStat(data, origin)
	if err != nil {
		return st, err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	pulled := now().UTC().Truncate(time.Microsecond)
	vintage, hasUpdated := ds.UpdatedTime()
	if !hasUpdated {
		vintage = pulled
	}
	m := opts.Mapping
	if m.TableID == "" {
		m.TableID = tableIDOf(ds, origin)
	}
	if m.TimeDim == "" && len(ds.Role["time"]) == 1 && !hasDimension(ds, transform.DefaultTimeDim) {
		m.TimeDim = ds.Role["time"][0] // a publisher that marks time (NSO does not)
	}
	rows, bad, err := transform.NationalAccounts(ds, m, transform.NationalAccountsVintage{Origin: origin, Vintage: vintage, PulledAt: pulled})
	if err != nil {
		return st, err
	}
	tx, err := wh.Begin(ctx, "ingest "+SourceNationalAccounts)
	if err != nil {
		return st, err
	}
	defer tx.Rollback()
	var res transform.NationalAccountsMerge
	err = tx.MergeNationalAccounts(ctx, func(held []ictstat.NationalAccount) []ictstat.NationalAccount {
		var add []ictstat.NationalAccount
		add, res = transform.MergeNationalAccounts(held, rows, !hasUpdated)
		return add
	})
	if err != nil {
		return st, err
	}
	if res.Conflicts > 0 {
		opts.Logger.Warn().Str("table", m.TableID).Time("vintage", vintage).Int("cells", res.Conflicts).
			Msg("a vintage already held came back with other values under the same `updated` time; the stored vintage is kept")
	}
	nq, err := tx.AppendQuarantine(SourceNationalAccounts, bad)
	if err != nil {
		return st, err
	}
	st = PullStats{Read: int64(len(rows) + len(bad)), Committed: int64(res.Added), Superseded: int64(res.Unchanged),
		Quarantined: int64(len(bad)), Snapshot: tx.Base().ID}
	if !tx.Changed() {
		return st, nil
	}
	if res.Added > 0 {
		if _, err := tx.StageRaw(SourceNationalAccounts, data); err != nil {
			return st, err
		}
	}
	msg := fmt.Sprintf("%s: table %s vintage %s: %d cells read, %d committed, %d already held, %d quarantined (%d new)",
		origin, m.TableID, vintage.Format(time.RFC3339), st.Read, res.Added, res.Unchanged, len(bad), nq)
	man, err := tx.Commit(ctx, msg)
	if err != nil {
		return st, err
	}
	st.Snapshot, st.Changed = man.ID, true
	return st, nil
}

// hasDimension reports whether ds has a dimension of that id.
func hasDimension(ds *ingest.JSONStat, id string) bool {
	for _, d := range ds.Dimensions {
		if d.ID == id {
			return true
		}
	}
	return false
}

// tableIDOf names the table: PX-Web's extension.px.tableid, else the base
// name of the file or URL without its extension.
func tableIDOf(ds *ingest.JSONStat, origin string) string {
	if id := ds.PXTableID(); id != "" {
		return id
	}
	base := filepath.Base(strings.TrimRight(origin, "/"))
	if i := strings.IndexByte(base, '?'); i >= 0 {
		base = base[:i]
	}
	for ext := filepath.Ext(base); ext != ""; ext = filepath.Ext(base) {
		base = strings.TrimSuffix(base, ext)
	}
	if base == "" || base == "." {
		return "unknown"
	}
	return base
}
