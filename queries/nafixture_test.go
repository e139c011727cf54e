package queries_test

import (
	"context"
	"math"
	"os"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/warehouse"
)

// Vintages of the national-accounts fixture (testdata/gdp_share/README.md).
var (
	vintage1 = time.Date(2024, 2, 15, 0, 0, 0, 0, time.UTC) // 2023 preliminary
	vintage2 = time.Date(2025, 3, 20, 0, 0, 0, 0, time.UTC) // 2023 revised, 2024 first, 2024 Q1-Q2
	vintage3 = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)  // 2024 GDP revised, 2024 ICT not published
)

// Snapshots of the fixture warehouse.
const (
	snapFilings = 1 // filings only
	snapV1      = 2 // + national accounts vintage 1
	snapAll     = 3 // + vintages 2 and 3
)

// naCell builds one national_accounts row.
func naCell(table string, vintage time.Time, role, freq, period string, start ictstat.Date, ytd, current bool, value *float64) ictstat.NationalAccount {
	activity, label := "TOTAL", "Gross domestic product"
	switch role {
	case ictstat.ActivityICT:
		activity, label = "J", "Information and communication"
	case ictstat.ActivityOther:
		activity, label = "A", "Agriculture, forestry and fishing"
	}
	return ictstat.NationalAccount{
		TableID: table, Vintage: vintage.UnixMicro(), PulledAt: vintage.Add(time.Hour).UnixMicro(),
		Indicator: "GDP_CP", IndicatorLabel: "GDP at current prices", CurrentPrices: current,
		Activity: activity, ActivityLabel: label, ActivityRole: role,
		Freq: freq, Period: period, PeriodLabel: period, PeriodStart: start, Year: int32(start.Time().Year()),
		YTD: ytd, Value: value, Source: "fixture",
	}
}

func mn(v float64) *float64 { return &v }

// naFixture returns the rows of each commit after the filings: vintage 1,
// then vintages 2 and 3 with the quarterly table and rows to be ignored.
func naFixture() (v1, rest []ictstat.NationalAccount) {
	const annual, quarterly = "DT_NSO_0500_001V1", "DT_NSO_0500_004V1"
	y23, y24 := ictstat.MonthDate(2023, 1), ictstat.MonthDate(2024, 1)
	a := func(v time.Time, role string, period string, start ictstat.Date, value *float64) ictstat.NationalAccount {
		return naCell(annual, v, role, "A", period, start, false, true, value)
	}
	v1 = []ictstat.NationalAccount{
		a(vintage1, "total", "2023", y23, mn(68900000)),
		a(vintage1, "ict", "2023", y23, mn(1100000)),
	}
	rest = []ictstat.NationalAccount{
		a(vintage2, "total", "2023", y23, mn(70441516)),
		a(vintage2, "ict", "2023", y23, mn(1150000)),
		a(vintage2, "total", "2024", y24, mn(80663051)),
		a(vintage2, "ict", "2024", y24, mn(1300000)),
		a(vintage2, "other", "2024", y24, mn(9000000)),                                  // not total, not ICT
		naCell(annual, vintage2, "total", "A", "2024", y24, false, false, mn(75000000)), // constant prices
		a(vintage3, "total", "2023", y23, mn(70441516)),
		a(vintage3, "ict", "2023", y23, mn(1150000)),
		a(vintage3, "total", "2024", y24, mn(80600000)),
		a(vintage3, "ict", "2024", y24, nil), // not published in vintage 3
		naCell(quarterly, vintage2, "total", "Q", "2024-Q1", ictstat.MonthDate(2024, 1), true, true, mn(15000000)),
		naCell(quarterly, vintage2, "ict", "Q", "2024-Q1", ictstat.MonthDate(2024, 1), true, true, mn(300000)),
		naCell(quarterly, vintage2, "total", "Q", "2024-Q2", ictstat.MonthDate(2024, 4), true, true, mn(35000000)),
		naCell(quarterly, vintage2, "ict", "Q", "2024-Q2", ictstat.MonthDate(2024, 4), true, true, mn(650000)),
	}
	return v1, rest
}

// loadNAFixture builds a warehouse with three snapshots: the filings of
// testdata/gdp_share/filings.ndjson, national-accounts vintage 1, and
// vintages 2 and 3.
func loadNAFixture(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	ctx := context.Background()
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	const path = "../testdata/gdp_share/filings.ndjson"
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := jobs.IngestFilingsFile(ctx, wh, f, path, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Quarantined != 0 || st.Committed != 17 || st.Snapshot != snapFilings {
		t.Fatalf("fixture filings: got %+v, want 17 committed, none quarantined, snapshot 1", st)
	}
	v1, rest := naFixture()
	for i, rows := range [][]ictstat.NationalAccount{v1, rest} {
		tx, err := wh.Begin(ctx, "fixture national accounts")
		if err != nil {
			t.Fatal(err)
		}
		if err := warehouse.AppendRows(tx, warehouse.TableNationalAccount, rows); err != nil {
			t.Fatal(err)
		}
		m, err := tx.Commit(ctx, "fixture")
		if err != nil {
			t.Fatal(err)
		}
		if m.ID != int64(snapV1+i) {
			t.Fatalf("fixture: got snapshot %d, want %d", m.ID, snapV1+i)
		}
	}
	return wh
}

// checkRow compares the wanted cells of a row: float64 within a relative
// 1e-9, nil for NULL, anything else exactly.
func checkRow(t *testing.T, label string, got map[string]any, want map[string]any) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: no column %s", label, k)
			continue
		}
		switch wv := w.(type) {
		case float64:
			gv, ok := g.(float64)
			if !ok || math.Abs(gv-wv) > 1e-9*math.Max(1, math.Abs(wv)) {
				t.Errorf("%s.%s: got %v, want %v", label, k, g, wv)
			}
		case int:
			gv, ok := g.(float64)
			if !ok || gv != float64(wv) {
				t.Errorf("%s.%s: got %v, want %d", label, k, g, wv)
			}
		default:
			if g != w {
				t.Errorf("%s.%s: got %v (%T), want %v (%T)", label, k, g, g, w, w)
			}
		}
	}
}
