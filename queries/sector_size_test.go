package queries_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/npit-mn/ictstat/warehouse"
)

// TestSectorSizeGolden checks sector_size against numbers worked out by hand
// in testdata/sector_size/README.md.
func TestSectorSizeGolden(t *testing.T) {
	wh := loadFixture(t, "../testdata/sector_size/filings.ndjson")
	for _, tc := range []struct {
		name   string
		params map[string]string
		golden string
	}{
		{"quarter by division", map[string]string{"grain": "quarter", "subsector": "division"}, "expected_quarter_division.csv"},
		{"year, all", map[string]string{"grain": "year", "subsector": "all"}, "expected_year_all.csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := runCSV(t, wh, "sector_size", tc.params)
			want, err := os.ReadFile(filepath.Join("../testdata/sector_size", tc.golden))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func loadFixture(t *testing.T, path string) *warehouse.Warehouse {
	t.Helper()
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	if st := ingestFile(t, wh, path); st.Quarantined != 1 || st.Superseded != 1 {
		t.Fatalf("fixture: got %d quarantined, %d superseded, want 1 and 1", st.Quarantined, st.Superseded)
	}
	return wh
}
