package queries_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/warehouse"
)

// TestRevisionsGolden checks revisions against testdata/revisions/README.md.
func TestRevisionsGolden(t *testing.T) {
	wh := loadNAFixture(t)
	const (
		v1, v2, v3     = "2024-02-15T00:00:00Z", "2025-03-20T00:00:00Z", "2025-06-01T00:00:00Z"
		prelim, gdp23  = 68900000.0, 70441516.0
		gdp24, gdp24v3 = 80663051.0, 80600000.0
	)
	rev23, rev24 := gdp23-prelim, gdp24v3-gdp24
	pct23, pct24 := 100*rev23/prelim, 100*rev24/gdp24
	share23v1, share23, share24 := 100*1100000/prelim, 100*1150000/gdp23, 100*1300000/gdp24
	type row = map[string]any
	for _, tc := range []struct {
		name     string
		snapshot int64
		params   map[string]string
		want     []row
	}{
		{"gdp triangle", -1, nil, []row{
			{"period": "2023", "period_start": "2023-01-01", "vintage": v1, "publication": 1, "first_estimate": true, "value": prelim, "first_value": prelim, "revision_from_first": 0.0, "revision_from_previous": nil, "periods": nil},
			{"period": "2023", "vintage": v2, "publication": 2, "value": gdp23, "revision_from_first": rev23, "abs_revision_from_first": rev23, "revision_pct_from_first": pct23, "revision_from_previous": rev23},
			{"period": "2023", "vintage": v3, "publication": 3, "value": gdp23, "revision_from_first": rev23, "revision_from_previous": 0.0},
			{"period": "2024", "vintage": v2, "publication": 1, "value": gdp24, "revision_from_first": 0.0},
			{"period": "2024", "vintage": v3, "publication": 2, "value": gdp24v3, "first_value": gdp24, "revision_from_first": rev24, "abs_revision_from_first": -rev24, "revision_pct_from_first": pct24, "revision_from_previous": rev24},
		}},
		{"gdp summary", -1, map[string]string{"view": "summary"}, []row{
			{"period": "mean", "period_start": nil, "vintage": v2, "value": nil, "periods": 1, "revision_from_first": rev23, "abs_revision_from_first": rev23, "revision_pct_from_first": pct23},
			{"period": "mean", "vintage": v3, "periods": 2, "revision_from_first": (rev23 + rev24) / 2, "abs_revision_from_first": (rev23 - rev24) / 2, "revision_pct_from_first": (pct23 + pct24) / 2},
			{"period": "2023", "vintage": v3, "periods": 1, "publication": 3, "first_value": prelim, "value": gdp23, "revision_from_first": rev23, "revision_pct_from_first": pct23},
			{"period": "2024", "vintage": v3, "periods": 1, "publication": 2, "first_value": gdp24, "value": gdp24v3, "revision_from_first": rev24},
			{"period": "latest vs first", "vintage": nil, "periods": 2, "revision_from_first": (rev23 + rev24) / 2, "abs_revision_from_first": (rev23 - rev24) / 2},
		}},
		{"time travel: two vintages of 2023 GDP", snapV1, nil, []row{
			{"period": "2023", "vintage": v1, "publication": 1, "value": prelim, "revision_from_first": 0.0},
		}},
		{"time travel: nothing revised yet", snapV1, map[string]string{"view": "summary"}, nil},
		{"share triangle", -1, map[string]string{"statistic": "share"}, []row{
			{"period": "2023", "vintage": v1, "value": share23v1, "revision_from_first": 0.0, "revision_pct_from_first": nil},
			{"period": "2023", "vintage": v2, "value": share23, "revision_from_first": share23 - share23v1, "revision_pct_from_first": nil},
			{"period": "2023", "vintage": v3, "value": share23, "revision_from_first": share23 - share23v1, "revision_from_previous": 0.0},
			{"period": "2024", "vintage": v2, "value": share24, "publication": 1},
		}},
		{"share summary", -1, map[string]string{"statistic": "share", "view": "summary"}, []row{
			{"period": "mean", "vintage": v2, "periods": 1, "revision_from_first": share23 - share23v1},
			{"period": "mean", "vintage": v3, "periods": 1, "abs_revision_from_first": share23 - share23v1},
			{"period": "2023", "vintage": v3, "periods": 1, "revision_from_first": share23 - share23v1},
			{"period": "latest vs first", "periods": 1, "revision_from_first": share23 - share23v1},
		}},
		{"ict value added", -1, map[string]string{"statistic": "ict_value_added"}, []row{
			{"period": "2023", "vintage": v1, "value": 1100000.0},
			{"period": "2023", "vintage": v2, "value": 1150000.0, "revision_from_first": 50000.0},
			{"period": "2023", "vintage": v3, "value": 1150000.0, "revision_from_first": 50000.0},
			{"period": "2024", "vintage": v2, "value": 1300000.0, "revision_from_first": 0.0},
		}},
		{"ict value added by quarter, year-to-date undone", -1, map[string]string{"statistic": "ict_value_added", "grain": "quarter"}, []row{
			{"period": "2024Q1", "period_start": "2024-01-01", "vintage": v2, "value": 300000.0, "publication": 1},
			{"period": "2024Q2", "period_start": "2024-04-01", "vintage": v2, "value": 350000.0, "publication": 1},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := runRows(t, wh, tc.snapshot, "revisions", tc.params)
			if len(rows) != len(tc.want) {
				t.Fatalf("got %d rows, want %d: %v", len(rows), len(tc.want), rows)
			}
			for i, w := range tc.want {
				checkRow(t, tc.name, rows[i], w)
			}
		})
	}
}

func TestRevisionsBadParams(t *testing.T) {
	checkBadParams(t, "revisions", []badParams{
		{map[string]string{"statistic": "gva"}, "statistic"},
		{map[string]string{"grain": "month"}, "grain"},
		{map[string]string{"view": "pivot"}, "view"},
		{map[string]string{"vintage": "latest"}, "vintage"},
	})
}

// TestRevisionsFirstEstimate checks that the periods the oldest vintage held
// republished, whose first estimates are not held, stay out of the means
// (issue 11 item 6). Vintage A (2023-01-10) publishes GDP 2020, 2021 and
// 2022 (its new period); vintage B (2024-01-10) republishes 2020 and 2021
// unchanged, revises 2022 from 100 to 102 and adds 2023. Only 2022 has a
// first estimate and a revision: latest vs first is +2 (2%) over 1 period,
// not (0 + 0 + 2) / 3 over 3.
func TestRevisionsFirstEstimate(t *testing.T) {
	va, vb := time.Date(2023, 1, 10, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC)
	cell := func(v time.Time, year int, value float64) ictstat.NationalAccount {
		return naCell("DT_NSO_0500_001V1", v, "total", "A", fmt.Sprint(year), ictstat.MonthDate(year, 1), false, true, mn(value))
	}
	wh := naWarehouse(t, []ictstat.NationalAccount{
		cell(va, 2020, 80), cell(va, 2021, 90), cell(va, 2022, 100),
		cell(vb, 2020, 80), cell(vb, 2021, 90), cell(vb, 2022, 102), cell(vb, 2023, 110),
	})
	rows := runRows(t, wh, -1, "revisions", map[string]string{"view": "summary"})
	want := []map[string]any{
		{"period": "mean", "vintage": "2024-01-10T00:00:00Z", "periods": 1, "revision_from_first": 2.0, "revision_pct_from_first": 2.0},
		{"period": "2022", "periods": 1, "first_value": 100.0, "value": 102.0, "revision_from_first": 2.0},
		{"period": "latest vs first", "periods": 1, "revision_from_first": 2.0, "abs_revision_from_first": 2.0, "revision_pct_from_first": 2.0},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows, want %d: %v", len(rows), len(want), rows)
	}
	for i, w := range want {
		checkRow(t, fmt.Sprint(w["period"]), rows[i], w)
	}
	tri := runRows(t, wh, -1, "revisions", nil)
	for _, r := range tri {
		known := r["period"] == "2022" || r["period"] == "2023"
		if r["first_estimate"] != known || (!known && r["revision_from_first"] != nil) {
			t.Errorf("%v %v: got first_estimate %v, revision_from_first %v", r["period"], r["vintage"], r["first_estimate"], r["revision_from_first"])
		}
	}
}

// naWarehouse is a warehouse holding only rows of national_accounts.
func naWarehouse(t *testing.T, rows []ictstat.NationalAccount) *warehouse.Warehouse {
	t.Helper()
	ctx := context.Background()
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	tx, err := wh.Begin(ctx, "fixture")
	if err != nil {
		t.Fatal(err)
	}
	if err := warehouse.AppendRows(tx, warehouse.TableNationalAccount, rows); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(ctx, "fixture"); err != nil {
		t.Fatal(err)
	}
	return wh
}
