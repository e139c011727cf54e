package queries_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/queries"
	"github.com/npit-mn/ictstat/warehouse"
)

const destDir = "../testdata/exports_by_destination"

// bop is one bop_exports cell of the fixture; value nil is a missing
// observation.
func bop(freq, area string, aggregate bool, flow, item, period string, value *float64, status string) ictstat.BopExport {
	var start ictstat.Date
	var year int32
	switch {
	case strings.Contains(period, "-Q"):
		var y, q int
		fmt.Sscanf(period, "%d-Q%d", &y, &q)
		start, year = ictstat.MonthDate(y, 3*q-2), int32(y)
	default:
		var y int
		fmt.Sscanf(period, "%d", &y)
		start, year = ictstat.MonthDate(y, 1), int32(y)
	}
	var obs *float64
	if value != nil {
		v := *value / 1000
		obs = &v
	}
	return ictstat.BopExport{Dataflow: "BOM:ICT_SERV(1.0)", Freq: freq, RefArea: "MN", CounterpartArea: area, Aggregate: aggregate,
		Flow: flow, ServiceItem: item, TimePeriod: period, PeriodStart: start, Year: year, ObsValue: obs, UnitMult: 3,
		UnitMeasure: "USD", Value: value, ObsStatus: status, Source: "fixture", SourceLine: 1}
}

func num(v float64) *float64 { return &v }

// loadDestination builds the fixture of testdata/exports_by_destination/README.md:
// fx rates, filings (one amended), and balance-of-payments cells.
func loadDestination(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	ctx := context.Background()
	wh := openRef(t)
	f, err := os.Open(filepath.Join(destDir, "fx.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if st, err := jobs.IngestFXFile(ctx, wh, f, "fx.csv"); err != nil || st.Quarantined != 0 {
		t.Fatalf("fx: %+v, %v", st, err)
	}
	ingestFilings(t, wh, filepath.Join(destDir, "filings.ndjson"))
	rows := []ictstat.BopExport{
		bop("A", "KZ", false, "C", "SI", "2025", num(12000), "A"),
		bop("A", "JP", false, "C", "SI", "2025", num(5000), "P"),
		bop("A", "CN", false, "C", "SI", "2025", num(3000), "A"),
		bop("A", "US", false, "C", "SI", "2025", num(1000), "E"),
		bop("A", "RU", false, "C", "SI", "2025", nil, "M"),
		bop("A", "W1", true, "C", "SI", "2025", num(30000), "P"),
		bop("A", "4A", true, "C", "SI", "2025", num(999), "A"),   // an area aggregate: never used
		bop("A", "KZ", false, "D", "SI", "2025", num(777), "A"),  // imports
		bop("A", "KZ", false, "C", "SI2", "2025", num(500), "A"), // another item
		bop("Q", "KZ", false, "C", "SI", "2025-Q1", num(3000), "A"),
		bop("Q", "KZ", false, "C", "SI", "2025-Q2", num(3000), "A"),
		bop("Q", "KZ", false, "C", "SI", "2025-Q3", num(3000), "A"),
		bop("Q", "KZ", false, "C", "SI", "2025-Q4", num(3000), "P"),
		bop("Q", "JP", false, "C", "SI", "2026-Q1", num(100), "A"),
		bop("Q", "US", false, "C", "SI", "2026-Q1", num(10000), "P"),
		bop("Q", "W1", true, "C", "SI", "2026-Q1", num(20000), "P"),
		bop("Q", "W1", true, "C", "SI", "2026-Q2", num(5000), "A"),
	}
	tx, err := wh.Begin(ctx, "test bop")
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := warehouse.AppendRows(tx, warehouse.TableBopExports, rows); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(ctx, "bop fixture"); err != nil {
		t.Fatal(err)
	}
	return wh
}

// destRow is one expected row: period, partner, filings value and
// companies, BoP value, coverage, statuses and cells. A NaN float is NULL.
type destRow struct {
	period, areaType, partner, name, region string
	filings                                 float64
	companies                               int64
	bop, coverage                           float64
	status                                  string
	cells                                   int64
}

var null = math.NaN()

// TestExportsByDestinationGolden checks exports_by_destination against the
// numbers worked out by hand in testdata/exports_by_destination/README.md.
func TestExportsByDestinationGolden(t *testing.T) {
	wh := loadDestination(t)
	const r2025 = 3450.0 // mean of 2025's monthly averages
	for _, tc := range []struct {
		name   string
		params map[string]string
		want   []destRow
	}{
		{"year by country in USD", nil, []destRow{
			{"2025", "country", "CN", "China", "East Asia", 2000, 1, 3000, 2000.0 / 3000, "A", 1},
			{"2025", "country", "JP", "Japan", "East Asia", 2000, 1, 5000, 0.4, "P", 1},
			{"2025", "country", "KZ", "Kazakhstan", "Central Asia", 10000, 1, 12000, 10000.0 / 12000, "A", 1},
			{"2025", "country", "RU", "Russian Federation", "Europe", 0, 0, null, null, "M", 1},
			{"2025", "country", "US", "United States", "Americas", 0, 0, 1000, 0, "E", 1},
			{"2025", "total", "W1", "World", "World", 14000, 3, 30000, 14000.0 / 30000, "P", 1},
			{"2026", "country", "DE", "Germany", "Europe", 1000, 1, null, null, "", 0},
			{"2026", "country", "JP", "Japan", "East Asia", 0, 0, 100, 0, "A", 1},
			{"2026", "country", "US", "United States", "Americas", 10000, 1, 10000, 1, "P", 1},
			{"2026", "total", "W1", "World", "World", 11000, 1, 25000, 0.44, "A,P", 2},
		}},
		{"year by region in MNT", map[string]string{"by": "region", "currency": "MNT"}, []destRow{
			{"2025", "region", "Americas", "Americas", "Americas", 0, 0, 1000 * r2025, 0, "E", 1},
			{"2025", "region", "Central Asia", "Central Asia", "Central Asia", 34e6, 1, 12000 * r2025, 34e6 / (12000 * r2025), "A", 1},
			{"2025", "region", "East Asia", "East Asia", "East Asia", 6.8e6 + 7e6, 2, 8000 * r2025, 13.8e6 / (8000 * r2025), "A,P", 2},
			{"2025", "region", "Europe", "Europe", "Europe", 0, 0, null, null, "M", 1},
			{"2025", "total", "W1", "World", "World", 47.8e6, 3, 30000 * r2025, 47.8e6 / (30000 * r2025), "P", 1},
			{"2026", "region", "Americas", "Americas", "Americas", 36e6, 1, null, null, "P", 1},
			{"2026", "region", "East Asia", "East Asia", "East Asia", 0, 0, null, null, "A", 1},
			{"2026", "region", "Europe", "Europe", "Europe", 3.6e6, 1, null, null, "", 0},
			{"2026", "total", "W1", "World", "World", 39.6e6, 1, null, null, "A,P", 2},
		}},
		{"quarter by region in USD", map[string]string{"grain": "quarter", "by": "region"}, []destRow{
			{"2025Q1", "region", "Central Asia", "Central Asia", "Central Asia", 10000, 1, 3000, 10000.0 / 3000, "A", 1},
			{"2025Q1", "total", "W1", "World", "World", 10000, 1, null, null, "", 0},
			{"2025Q2", "region", "Central Asia", "Central Asia", "Central Asia", 0, 0, 3000, 0, "A", 1},
			{"2025Q2", "region", "East Asia", "East Asia", "East Asia", 2000, 1, null, null, "", 0},
			{"2025Q2", "total", "W1", "World", "World", 2000, 1, null, null, "", 0},
			{"2025Q3", "region", "Central Asia", "Central Asia", "Central Asia", 0, 0, 3000, 0, "A", 1},
			{"2025Q3", "region", "East Asia", "East Asia", "East Asia", 2000, 1, null, null, "", 0},
			{"2025Q3", "total", "W1", "World", "World", 2000, 1, null, null, "", 0},
			{"2025Q4", "region", "Central Asia", "Central Asia", "Central Asia", 0, 0, 3000, 0, "P", 1},
			{"2026Q1", "region", "Americas", "Americas", "Americas", 10000, 1, 10000, 1, "P", 1},
			{"2026Q1", "region", "East Asia", "East Asia", "East Asia", 0, 0, 100, 0, "A", 1},
			{"2026Q1", "region", "Europe", "Europe", "Europe", 1000, 1, null, null, "", 0},
			{"2026Q1", "total", "W1", "World", "World", 11000, 1, 20000, 0.55, "P", 1},
			{"2026Q2", "total", "W1", "World", "World", 0, 0, 5000, 0, "A", 1},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := queries.Get("exports_by_destination")
			if err != nil {
				t.Fatal(err)
			}
			sql, args, err := q.Bind(tc.params)
			if err != nil {
				t.Fatal(err)
			}
			rows := testutil.Rows(t, wh, testutil.Current, sql, args...)
			currency := "USD"
			if c, ok := tc.params["currency"]; ok {
				currency = c
			}
			if len(rows) != len(tc.want) {
				for _, r := range rows {
					t.Log(r)
				}
				t.Fatalf("got %d rows, want %d", len(rows), len(tc.want))
			}
			for i, w := range tc.want {
				r := rows[i]
				where := fmt.Sprintf("row %d (%s %s)", i, w.period, w.partner)
				for j, s := range []string{w.period, "", w.areaType, w.partner, w.name, w.region, currency} {
					if j != 1 && r[j] != s {
						t.Errorf("%s: column %d = %v, want %q", where, j, r[j], s)
					}
				}
				checkFloat(t, where+" filings_value", r[7], w.filings)
				if n, _ := testutil.AsInt(r[8]); n != w.companies {
					t.Errorf("%s: filings_companies = %v, want %d", where, r[8], w.companies)
				}
				checkFloat(t, where+" bop_value", r[9], w.bop)
				checkFloat(t, where+" coverage_ratio", r[10], w.coverage)
				status, _ := r[11].(string)
				if status != w.status {
					t.Errorf("%s: bop_status = %v, want %q", where, r[11], w.status)
				}
				if n, _ := testutil.AsInt(r[12]); n != w.cells {
					t.Errorf("%s: bop_cells = %v, want %d", where, r[12], w.cells)
				}
			}
		})
	}
}

func checkFloat(t *testing.T, what string, got any, want float64) {
	t.Helper()
	if math.IsNaN(want) {
		if got != nil {
			t.Errorf("%s = %v, want NULL", what, got)
		}
		return
	}
	g, ok := got.(float64)
	if !ok || math.Abs(g-want) > 1e-9*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// TestExportsByDestinationBadParams checks that bad parameters are refused,
// naming the parameter, before any SQL runs.
func TestExportsByDestinationBadParams(t *testing.T) {
	checkBadParams(t, "exports_by_destination", []badParams{
		{map[string]string{"currency": "EUR"}, "currency"},
		{map[string]string{"service_item": "XX"}, "service_item"},
		{map[string]string{"service_item": "SI'; DROP"}, "service_item"},
		{map[string]string{"grain": "month"}, "grain"},
		{map[string]string{"by": "continent"}, "by"},
		{map[string]string{"ict_only": "true"}, "ict_only"},
	})
}

// TestExportsByDestinationComplete checks the complete column (issue 11
// item 9). Filings (company 1000001, KZ, MNT) in every month of January to
// July 2025; BoP world cells: 2025-Q1, and for the second quarter only
// April and May. 2025Q1: both sides whole, complete. 2025Q2: filings whole
// (June is before July, the latest month) but the BoP has 2 of 3 months.
// 2025Q3: July is the latest month, still filling, and no BoP. The year
// 2025: 7 months of filings.
func TestExportsByDestinationComplete(t *testing.T) {
	var lines []string
	for m := 1; m <= 7; m++ {
		lines = append(lines, fmt.Sprintf(`{"filing_id": "VZ-2025%02d-1000001", "revision": 1, "registry_no": "1000001", "company_name": "Co", "isic4": "6201", "zone": "UB-01", "period": "2025-%02d", "submitted_at": "2025-12-01T09:00:00+08:00", "currency": "MNT", "revenue": 100, "intermediate_consumption": 10, "employees": 2, "exports": [{"country": "KZ", "ebops": "SI2", "amount": 10}]}`, m, m))
	}
	path := filepath.Join(t.TempDir(), "filings.ndjson")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wh := openRef(t)
	ingestFilings(t, wh, path)
	month := func(m int) ictstat.BopExport {
		b := bop("M", "W1", true, "C", "SI", fmt.Sprintf("2025-%02d", m), num(100), "A")
		b.PeriodStart = ictstat.MonthDate(2025, m)
		return b
	}
	ctx := context.Background()
	tx, err := wh.Begin(ctx, "bop")
	if err != nil {
		t.Fatal(err)
	}
	if err := warehouse.AppendRows(tx, warehouse.TableBopExports, []ictstat.BopExport{
		bop("Q", "W1", true, "C", "SI", "2025-Q1", num(300), "A"), month(4), month(5),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(ctx, "bop"); err != nil {
		t.Fatal(err)
	}
	for grain, want := range map[string]map[string]bool{
		"quarter": {"2025Q1": true, "2025Q2": false, "2025Q3": false},
		"year":    {"2025": false},
	} {
		got := map[string]bool{}
		for _, r := range runNamed(t, wh, -1, "exports_by_destination", map[string]string{"grain": grain, "currency": "MNT"}) {
			if r["partner"] == "W1" {
				got[r["period"].(string)] = r["complete"].(bool)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("grain %s: got complete %v, want %v", grain, got, want)
		}
	}
}
