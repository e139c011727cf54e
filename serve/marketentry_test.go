package serve_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/queries"
	"github.com/npit-mn/ictstat/serve"
	"github.com/npit-mn/ictstat/warehouse"
)

// TestMarketEntryRoutes serves market_entry and exports_by_destination over
// HTTP on the market_entry fixture (snapshot 2 holds an amendment).
func TestMarketEntryRoutes(t *testing.T) {
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{Reference: queries.Reference()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	for _, name := range []string{"filings.ndjson", "amendments.ndjson"} {
		f, err := os.Open(filepath.Join("../testdata/market_entry", name))
		if err != nil {
			t.Fatal(err)
		}
		_, err = jobs.IngestFilingsFile(context.Background(), wh, f, name, jobs.Options{})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	ts := adminServer(t, wh, serve.Options{})
	t.Cleanup(ts.Close)
	for _, tc := range []struct {
		name, path string
		status     int
		want       string
	}{
		{"json", "/api/v1/queries/market_entry", 200, `"category":"Southeast Asia","complete":false,"cumulative_entrants":1,"exporting_companies":1,"new_entrants":1,"period":"2026"`},
		{"csv", "/api/v1/queries/market_entry?grain=quarter&by=all&format=csv", 200, "2026Q1,2026-01-01,all,all foreign markets,2,4,4"},
		{"time travel", "/api/v1/queries/market_entry?snapshot=1&format=csv", 200, "2025,2025-01-01,region,Southeast Asia,1,1,1"},
		{"parquet", "/api/v1/queries/market_entry?format=parquet", 200, "PAR1"},
		{"bad by", "/api/v1/queries/market_entry?by=continent", 400, "parameter by"},
		{"destinations", "/api/v1/queries/exports_by_destination?format=csv&by=region&currency=MNT", 200, "2026,2026-01-01,region,Europe,Europe,Europe,MNT,1000000,1,"},
		{"bad currency", "/api/v1/queries/exports_by_destination?currency=EUR", 400, "parameter currency"},
		{"listed", "/api/v1/queries", 200, `"exports_by_destination"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := get(t, ts.URL+tc.path)
			if status != tc.status {
				t.Fatalf("got status %d, want %d: %s", status, tc.status, body)
			}
			if !strings.Contains(body, tc.want) {
				t.Errorf("got body %.400s, want it to contain %q", body, tc.want)
			}
		})
	}
}
