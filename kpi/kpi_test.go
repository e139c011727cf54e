package kpi_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/kpi"
	"github.com/npit-mn/ictstat/queries"
	"github.com/npit-mn/ictstat/warehouse"
)

// fixture builds a warehouse of four companies' filings (MNT):
//
//	1000001 6201: 2025-08 exports KZ 10; 2025-10 exports KZ 5
//	1000002 6202: 2025-10 exports DE 7
//	1000003 6201: 2026-01 exports US 3 and UZ 2
//	1000004 6201: 2025-10 no exports
//
// so the companies exporting are 2 in 2025 and 1 in 2026, and so are the
// companies entering foreign markets (first export: 1000001 and 1000002 in
// 2025, 1000003 in 2026); Europe's entrants are 1 in 2025 (1000002) and 0
// in 2026.
func fixture(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	line := func(reg string, y, m int, exports string) string {
		return fmt.Sprintf(`{"filing_id": "VZ-%04d%02d-%s", "revision": 1, "registry_no": %q, "company_name": "Co", "isic4": "6201", "zone": "UB-01", "period": "%04d-%02d", "submitted_at": "2026-02-01T09:00:00+08:00", "currency": "MNT", "revenue": 100, "intermediate_consumption": 10, "employees": 2, "exports": [%s]}`,
			y, m, reg, reg, y, m, exports)
	}
	x := func(c string, a int) string {
		return fmt.Sprintf(`{"country": %q, "ebops": "SI2", "amount": %d}`, c, a)
	}
	lines := []string{
		line("1000001", 2025, 8, x("KZ", 10)), line("1000001", 2025, 10, x("KZ", 5)),
		line("1000002", 2025, 10, x("DE", 7)),
		line("1000003", 2026, 1, x("US", 3)+","+x("UZ", 2)),
		line("1000004", 2025, 10, ""),
	}
	path := filepath.Join(t.TempDir(), "filings.ndjson")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{Reference: queries.Reference()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := jobs.IngestFilingsFile(context.Background(), wh, f, path, jobs.Options{})
	if err != nil || st.Committed != int64(len(lines)) {
		t.Fatalf("fixture: got %+v, %v; want %d committed", st, err, len(lines))
	}
	return wh
}

// testKPIs are defined only here, as a configuration would.
func testKPIs() []kpi.Def {
	return []kpi.Def{
		{
			ID: "entrants", Name: kpi.Names{EN: "Companies entering foreign markets", MN: "Гадаад зах зээлд гарсан компани"}, Unit: "companies",
			Analytic: "market_entry", Params: map[string]string{"grain": "year", "by": "all", "ict_only": "false"},
			Value: "new_entrants", Where: map[string]string{"category": "all foreign markets"},
			Baseline: &kpi.Point{Period: "2025", Value: 2}, Targets: map[string]float64{"2026": 4, "2027": 6},
			Disaggregations: []kpi.Def{{
				ID: "europe", Name: kpi.Names{EN: "Europe", MN: "Европ"},
				Analytic: "market_entry", Params: map[string]string{"grain": "year", "by": "region", "ict_only": "false"},
				Value: "new_entrants", Where: map[string]string{"category": "Europe"},
			}},
		},
		{
			ID: "exporters", Name: kpi.Names{EN: "Exporting companies", MN: "Экспортлогч компани"}, Unit: "companies", Direction: "down",
			SQL: `SELECT CAST(year(f.period) AS VARCHAR) AS period, count(DISTINCT f.registry_no) AS value
				FROM filing_exports e JOIN filings f USING (filing_id, revision) WHERE e.amount > 0 GROUP BY ALL;`,
			Targets: map[string]float64{"2025": 1},
		},
	}
}

// TestKPIsHandWorked checks every row of the kpis analytic against values
// worked by hand from the fixture.
//
// entrants: baseline 2025 = 2, targets 2026 = 4 and 2027 = 6. 2025: value 2,
// next target 2026 (4), path 2 + (4-2) x 0/1 = 2, on track, progress 0%.
// 2026: value 1, path 4, behind, progress 100 x (1-2)/(4-2) = -50%. 2027:
// no value, target 6, no data. europe: 1 in 2025, 0 in 2026, no targets.
// exporters (down, target 2025 = 1, no baseline): 2025 value 2 > 1,
// behind, progress 100 x 2/1 = 200%; 2026 value 1, no target after 2025.
func TestKPIsHandWorked(t *testing.T) {
	wh := fixture(t)
	defs := testKPIs()
	if err := kpi.Validate(defs); err != nil {
		t.Fatal(err)
	}
	if err := kpi.Check(context.Background(), wh, -1, defs); err != nil {
		t.Fatal(err)
	}
	q, err := kpi.Query(defs)
	if err != nil {
		t.Fatal(err)
	}
	sql, args, err := q.Bind(nil)
	if err != nil {
		t.Fatal(err)
	}
	rows := testutil.Rows(t, wh, -1, sql, args...)
	var got []string
	for _, r := range rows {
		if len(r) != len(q.Columns) {
			t.Fatalf("got %d columns, want the %d documented", len(r), len(q.Columns))
		}
		// kpi, disaggregation, period, value, target_period, target, path_value, progress_pct, status
		got = append(got, fmt.Sprintf("%v %v %v %v %v %v %v %v %v", r[0], r[1], r[5], r[6], r[9], r[10], r[11], r[12], r[13]))
	}
	want := []string{
		"entrants total 2025 2 2026 4 2 0 on track",
		"entrants total 2026 1 2026 4 4 -50 behind",
		"entrants total 2027 <nil> 2027 6 6 <nil> no data",
		"entrants europe 2025 1 <nil> <nil> <nil> <nil> no target",
		"entrants europe 2026 0 <nil> <nil> <nil> <nil> no target",
		"exporters total 2025 2 2025 1 1 200 behind",
		"exporters total 2026 1 <nil> <nil> <nil> <nil> no target",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r := rows[0]; r[2] != "Companies entering foreign markets" || r[3] != "Гадаад зах зээлд гарсан компани" || r[4] != "companies" {
		t.Errorf("got names and unit %v %v %v", r[2], r[3], r[4])
	}
}

// TestKPIsSnapshot checks that a KPI is computed from the snapshot asked
// for: before the 2026 filing, 2026 has no value.
func TestKPIsSnapshot(t *testing.T) {
	wh := fixture(t)
	q, err := kpi.Query(testKPIs()[1:])
	if err != nil {
		t.Fatal(err)
	}
	sql, args, _ := q.Bind(nil)
	if n := len(testutil.Rows(t, wh, 1, sql, args...)); n != 2 {
		t.Errorf("snapshot 1: got %d rows, want 2", n)
	}
	// A snapshot that does not exist is an error, not the current one.
	if _, err := wh.Query(context.Background(), 99, sql, args...); err == nil {
		t.Error("snapshot 99: got no error")
	}
}

func TestKPIErrorsNameTheKPI(t *testing.T) {
	wh := fixture(t)
	sqlKPI := func(id, sql string) []kpi.Def {
		return []kpi.Def{{ID: id, Name: kpi.Names{EN: "x", MN: "х"}, Unit: "u", SQL: sql}}
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		defs []kpi.Def
		want string
	}{
		{"SQL that fails", sqlKPI("broken", "SELECT period, value FROM no_such_table"), "kpi broken: its SQL fails"},
		{"a third column", sqlKPI("wide", "SELECT '2025' AS period, 1 AS value, 2 AS extra"), "kpi wide: returns columns (period, value, extra)"},
		{"wrong names", sqlKPI("named", "SELECT '2025' AS year, 1 AS n"), "kpi named: returns columns (year, n)"},
		{"text value", sqlKPI("texty", "SELECT '2025' AS period, 'many' AS value"), "kpi texty: value is utf8"},
		{"a write", sqlKPI("writer", "DELETE FROM filings"), "kpi writer: its SQL fails"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := kpi.Check(ctx, wh, -1, tc.defs)
			if !errors.Is(err, ictstat.ErrUsage) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want ErrUsage containing %q", err, tc.want)
			}
		})
	}
	t.Run("a period twice", func(t *testing.T) {
		defs := sqlKPI("twice", "SELECT '2025' AS period, 1 AS value UNION ALL SELECT '2025', 2")
		if err := kpi.Check(ctx, wh, -1, defs); err != nil {
			t.Fatal(err)
		}
		q, err := kpi.Query(defs)
		if err != nil {
			t.Fatal(err)
		}
		sql, args, _ := q.Bind(nil)
		_, _, err = testutil.QueryRows(ctx, wh, -1, sql, args...)
		if err == nil || !strings.Contains(err.Error(), "kpi twice: its SQL returns period 2025 2 times") {
			t.Errorf("got %v, want an error naming kpi twice", err)
		}
	})
}

func TestKPIValidate(t *testing.T) {
	ok := testKPIs()[1]
	for _, tc := range []struct {
		name string
		edit func(*kpi.Def)
		want string
	}{
		{"bad id", func(d *kpi.Def) { d.ID = "Bad Id" }, "id"},
		{"no Mongolian name", func(d *kpi.Def) { d.Name.MN = "" }, "name: want both en and mn"},
		{"no unit", func(d *kpi.Def) { d.Unit = "" }, "unit missing"},
		{"both sql and analytic", func(d *kpi.Def) { d.Analytic = "market_entry" }, "exactly one of sql and analytic"},
		{"neither", func(d *kpi.Def) { d.SQL = "" }, "exactly one of sql and analytic"},
		{"two statements", func(d *kpi.Def) { d.SQL = "SELECT 1; SELECT 2" }, "one SELECT"},
		{"unknown analytic", func(d *kpi.Def) { d.SQL, d.Analytic, d.Value = "", "nope", "x" }, "no named query"},
		{"unknown column", func(d *kpi.Def) { d.SQL, d.Analytic, d.Value = "", "market_entry", "entrants" }, `no column "entrants"`},
		{"bad parameter", func(d *kpi.Def) {
			d.SQL, d.Analytic, d.Value, d.Params = "", "market_entry", "new_entrants", map[string]string{"grain": "decade"}
		}, "grain"},
		{"bad direction", func(d *kpi.Def) { d.Direction = "sideways" }, "direction"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := ok
			tc.edit(&d)
			err := kpi.Validate([]kpi.Def{d})
			if !errors.Is(err, ictstat.ErrUsage) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "kpis[0]") {
				t.Errorf("got %v, want ErrUsage naming kpis[0] and %q", err, tc.want)
			}
		})
	}
	if err := kpi.Validate([]kpi.Def{ok, ok}); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Errorf("duplicate id: got %v", err)
	}
}

// TestKPIDigits checks that digits rounds a KPI's figures: published to a
// hundredth, or the decimals asked for.
func TestKPIDigits(t *testing.T) {
	wh := fixture(t)
	q, err := kpi.Query([]kpi.Def{{ID: "third", Name: kpi.Names{EN: "A third", MN: "Гуравны нэг"}, Unit: "ratio",
		SQL: "SELECT '2025' AS period, 1 / 3 AS value", Targets: map[string]float64{"2025": 2.0 / 3}}})
	if err != nil {
		t.Fatal(err)
	}
	for digits, want := range map[string]string{"": "0.3333333333333333 0.6666666666666666", "published": "0.33 0.67", "0": "0 1"} {
		sql, args, err := q.Bind(map[string]string{"digits": digits})
		if err != nil {
			t.Fatal(err)
		}
		r := testutil.Rows(t, wh, -1, sql, args...)[0]
		if got := fmt.Sprintf("%v %v", r[6], r[10]); got != want {
			t.Errorf("digits=%q: got value and target %s, want %s", digits, got, want)
		}
	}
}
