package warehouse_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/transform"
	"github.com/npit-mn/ictstat/warehouse"
)

// filing returns a valid filing of registry number n for the month, with
// one export per exports.
func filing(n int, rev int32, year, month int, revenue float64, exports int) ictstat.Filing {
	reg := fmt.Sprintf("%07d", 1000000+n)
	f := ictstat.Filing{
		FilingID: fmt.Sprintf("VZ-%04d%02d-%s", year, month, reg), Revision: rev, RegistryNo: reg,
		CompanyName: "Test LLC", ISIC4: "6201", ISICDivision: "62", ICTSector: true, Zone: "UB-01",
		Period: ictstat.MonthDate(year, month), SubmittedAt: time.Date(year, time.Month(month)+1, 5, 0, 0, 0, 0, time.UTC).UnixMicro(),
		Currency: "MNT", Revenue: revenue, IntermediateConsumption: revenue / 2, Employees: 3, FXRate: 1,
		RevenueMNT: revenue, IntermediateMNT: revenue / 2, GVAMNT: revenue / 2, Programs: []string{"p1"},
	}
	for i := range exports {
		amt := revenue / 10
		f.Exports = append(f.Exports, ictstat.Export{FilingID: f.FilingID, Revision: rev, RegistryNo: reg, Period: f.Period,
			Country: []string{"KZ", "JP", "US"}[i%3], EBOPS: "SI2", ICTService: true, Amount: amt, Currency: "MNT", AmountMNT: amt})
		f.ExportsMNT += amt
	}
	f.ExportLines = int32(exports)
	return f
}

// commit merges filings (and quarantines bad) in one transaction.
func commit(t testing.TB, wh *warehouse.Warehouse, filings []ictstat.Filing, bad ...ictstat.Quarantined) *warehouse.Manifest {
	t.Helper()
	ctx := context.Background()
	tx, err := wh.Begin(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	merge := tx.MergeFilings(transform.ResolveFilings, 0)
	if err := merge.Append(ctx, filings); err != nil {
		t.Fatal(err)
	}
	if _, err := merge.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.AppendQuarantine("filings", bad); err != nil {
		t.Fatal(err)
	}
	m, err := tx.Commit(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func open(t testing.TB, dir string, opts warehouse.Options) *warehouse.Warehouse {
	t.Helper()
	if opts.Threads == 0 {
		opts.Threads = 2
	}
	wh, err := warehouse.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	return wh
}

// summaryQuery sums every table of a snapshot in one row.
const summaryQuery = `SELECT
	(SELECT count(*) FROM filings), (SELECT sum(revenue) FROM filings), (SELECT count(DISTINCT filing_id) FROM filings),
	(SELECT count(*) FROM filing_revisions), (SELECT sum(revenue) FROM filing_revisions),
	(SELECT count(*) FROM filing_exports), (SELECT sum(amount) FROM filing_exports),
	(SELECT count(*) FROM quarantine), (SELECT coalesce(max(id), 0) FROM snapshots)`

// summary is the result of summaryQuery on snapshot snap.
func summary(t testing.TB, wh *warehouse.Warehouse, snap int64) string {
	t.Helper()
	return fmt.Sprint(testutil.Rows(t, wh, snap, summaryQuery)[0])
}

// tableRows returns every row of every table of snapshot snap, sorted.
func tableRows(t testing.TB, wh *warehouse.Warehouse, snap int64) map[string][][]any {
	t.Helper()
	out := map[string][][]any{}
	for _, table := range []string{warehouse.TableFilings, warehouse.TableFilingRevisions, warehouse.TableFilingExports, warehouse.TableQuarantine} {
		out[table] = testutil.Rows(t, wh, snap, "SELECT * FROM "+table+" ORDER BY ALL")
	}
	return out
}
