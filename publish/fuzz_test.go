package publish

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParsePeriod checks that any release id either parses to a period
// whose id is the input and whose end follows its start, or is refused.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2026", "2026Q3", "2026-10", "2026Q5", "", "2026-00", "９９９９"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			if !strings.Contains(err.Error(), "release id") {
				t.Fatalf("%q: error %v does not name the release id", s, err)
			}
			return
		}
		if p.ID != s || !p.End.After(p.Start) || p.Start.Year() < 1990 {
			t.Fatalf("%q: got %+v", s, p)
		}
	})
}

// FuzzReadPublishedCSV feeds arbitrary bytes as a previous release's table:
// read or refused, never a panic, and every cell read has a value.
func FuzzReadPublishedCSV(f *testing.F) {
	f.Add([]byte("period,isic_division,measure,unit,value,status\n2026,_T,revenue,million MNT,12.5,\n2026,62,revenue,million MNT,,C\n"))
	f.Add([]byte("period,measure,unit,value,status\n"))
	f.Add([]byte("a,b\n\"unterminated"))
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "t.csv")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		cells, err := readPublishedCSV(path)
		if err != nil {
			return
		}
		for k, v := range cells {
			if v == "" {
				t.Fatalf("cell %q read with no value", k)
			}
		}
	})
}
