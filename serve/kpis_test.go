package serve_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/kpi"
	"github.com/npit-mn/ictstat/queries"
	"github.com/npit-mn/ictstat/serve"
	"github.com/npit-mn/ictstat/warehouse"
)

// TestKPIRoute serves the configured KPIs at /api/v1/queries/kpis on the
// market_entry fixture: companies filing per year, 2025 A, B, C, D (4) and
// 2026 A, B, C, E, F (5), against a target of 5 in 2026; and a KPI whose
// SQL is wrong, which is a 400 naming it.
func TestKPIRoute(t *testing.T) {
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{Reference: queries.Reference()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	f, err := os.Open("../testdata/market_entry/filings.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := jobs.IngestFilingsFile(context.Background(), wh, f, "filings.ndjson", jobs.Options{}); err != nil {
		t.Fatal(err)
	}
	filers := kpi.Def{ID: "filers", Name: kpi.Names{EN: "Companies filing", MN: "Тайлан өгсөн компани"}, Unit: "companies",
		SQL:     "SELECT CAST(year(period) AS VARCHAR) AS period, count(DISTINCT registry_no) AS value FROM filings GROUP BY ALL",
		Targets: map[string]float64{"2026": 5}}
	broken := kpi.Def{ID: "broken", Name: kpi.Names{EN: "Broken", MN: "Эвдэрсэн"}, Unit: "companies", SQL: "SELECT 1 AS value"}
	for _, tc := range []struct {
		name   string
		defs   []kpi.Def
		path   string
		status int
		want   []string
	}{
		{"csv", []kpi.Def{filers}, "/api/v1/queries/kpis?format=csv", 200, []string{
			"filers,total,Companies filing,Тайлан өгсөн компани,companies,2025,4,,,2026,5,5,80,behind",
			"filers,total,Companies filing,Тайлан өгсөн компани,companies,2026,5,,,2026,5,5,100,on track"}},
		{"listed", []kpi.Def{filers}, "/api/v1/queries", 200, []string{`"name": "kpis"`}},
		{"wrong shape", []kpi.Def{filers, broken}, "/api/v1/queries/kpis", 400, []string{"kpi broken: returns columns (value)"}},
		{"no KPIs configured", nil, "/api/v1/queries/kpis", 404, []string{"no named query"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := adminServer(t, wh, serve.Options{KPIs: tc.defs})
			defer ts.Close()
			status, _, body := get(t, ts.URL+tc.path)
			if status != tc.status {
				t.Fatalf("got status %d, want %d: %s", status, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("got body %.600s, want it to contain %q", body, w)
				}
			}
		})
	}
}
