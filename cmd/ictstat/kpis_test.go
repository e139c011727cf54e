package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// kpiRows runs ictstat query kpis with args and returns "kpi/disaggregation
// period" -> "value status" for the rows with a value.
func kpiRows(t *testing.T, wh string, args ...string) map[string]string {
	t.Helper()
	code, out, stderr := run(t, append([]string{"query", "kpis", "--format", "json", "--warehouse", wh, "--log-level", "error"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Rows []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	got := map[string]string{}
	for _, r := range doc.Rows {
		if r["value"] != nil {
			got[fmt.Sprintf("%v/%v %v", r["kpi"], r["disaggregation"], r["period"])] = fmt.Sprintf("%v %v", r["value"], r["status"])
		}
	}
	return got
}

// TestKPIsDefault runs the default KPIs of ictstat config example on the
// market_entry fixture (testdata/market_entry/README.md). Worked by hand:
// entering a foreign market counts from 2025-09, the project's start. First
// exports (current revisions, any sector): A 2025-02, B 2025-08 and D
// 2025-06 entered before it; C 2026-03 (SG; 2025-11 in snapshot 1, before
// the amendment) and E 2026-01 (DE, JP) after. So 2026: 2 entrants, Europe
// 1 (E's DE), the Americas 1 (B's first US export, 2026-02), Southeast
// Asia 1 (C); Kazakhstan none (A entered it in 2025-02; E's KZ line is 0).
// Programme participants: 2025 A and B, 2026 A and E.
func TestKPIsDefault(t *testing.T) {
	wh := filepath.Join(t.TempDir(), "wh")
	for _, f := range []string{"filings.ndjson", "amendments.ndjson"} {
		if code, _, stderr := run(t, "ingest", "filings", "--file", filepath.Join("../../testdata/market_entry", f), "--warehouse", wh, "--log-level", "error"); code != 0 {
			t.Fatalf("ingest %s: exit %d: %s", f, code, stderr)
		}
	}
	// want builds the expected rows: per market, the entrants of 2025 and
	// 2026, per year and cumulated.
	want := func(entrants map[string][2]int) map[string]string {
		w := map[string]string{"programme_participants/total 2025": "2 no target", "programme_participants/total 2026": "2 no target"}
		for _, m := range []string{"total", "kazakhstan", "uzbekistan", "southeast_asia", "americas", "europe"} {
			e := entrants[m]
			w["foreign_market_entrants/"+m+" 2025"] = fmt.Sprintf("%d no target", e[0])
			w["foreign_market_entrants/"+m+" 2026"] = fmt.Sprintf("%d no target", e[1])
			w["foreign_market_entrants_cumulative/"+m+" 2025"] = fmt.Sprintf("%d no target", e[0])
			w["foreign_market_entrants_cumulative/"+m+" 2026"] = fmt.Sprintf("%d no target", e[0]+e[1])
		}
		return w
	}
	for _, tc := range []struct {
		name string
		args []string
		want map[string]string
	}{
		{"current snapshot", nil, want(map[string][2]int{"total": {0, 2}, "southeast_asia": {0, 1}, "americas": {0, 1}, "europe": {0, 1}})},
		{"snapshot 1, before C's amendment", []string{"--snapshot", "1"},
			want(map[string][2]int{"total": {1, 1}, "southeast_asia": {1, 0}, "americas": {0, 1}, "europe": {0, 1}})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := kpiRows(t, wh, tc.args...)
			// No USD rates, national accounts or registrations in the
			// fixture: the other KPIs have no values.
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

// TestKPIsConfig runs a KPI defined only in a test configuration, and one
// whose SQL is wrong.
func TestKPIsConfig(t *testing.T) {
	wh := filepath.Join(t.TempDir(), "wh")
	if code, _, stderr := run(t, "ingest", "filings", "--file", "../../testdata/market_entry/filings.ndjson", "--warehouse", wh, "--log-level", "error"); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, stderr)
	}
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Filers per year: 2025 A, B, C, D (4); 2026 A, B, C, E, F (5).
	// Baseline 2025 = 4, target 2027 = 8: the 2026 path is 4 + 4/2 = 6, so
	// 5 is behind, progress 100 x (5-4)/(8-4) = 25%.
	cfg := write("kpis.yaml", `kpis:
  - id: filers
    name: {en: Companies filing, mn: Тайлан өгсөн компани}
    unit: companies
    sql: SELECT CAST(year(period) AS VARCHAR) AS period, count(DISTINCT registry_no) AS value FROM filings GROUP BY ALL
    baseline: {period: "2025", value: 4}
    targets: {"2027": 8}
`)
	code, out, stderr := run(t, "query", "kpis", "--config", cfg, "--format", "csv", "-p", "digits=published", "--warehouse", wh, "--log-level", "error")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, w := range []string{"filers,total,Companies filing,Тайлан өгсөн компани,companies,2025,4,2025,4,2027,8,4,0,on track",
		"filers,total,Companies filing,Тайлан өгсөн компани,companies,2026,5,2025,4,2027,8,6,25,behind",
		"2027,,2025,4,2027,8,8,,no data"} {
		if !strings.Contains(out, w) {
			t.Errorf("got %s\nwant a line containing %q", out, w)
		}
	}
	if strings.Contains(out, "foreign_market_entrants") {
		t.Error("a configuration's kpis replace the defaults; got the defaults too")
	}
	bad := write("bad.yaml", `kpis:
  - id: broken
    name: {en: Broken, mn: Эвдэрсэн}
    unit: companies
    sql: SELECT period FROM filings
`)
	code, _, stderr = run(t, "query", "kpis", "--config", bad, "--warehouse", wh, "--log-level", "error")
	if code != 2 || !strings.Contains(stderr, "kpi broken: returns columns (period)") {
		t.Errorf("wrong shape: got exit %d, %s; want exit 2 naming kpi broken", code, stderr)
	}
}
