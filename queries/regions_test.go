package queries_test

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/queries"
)

// TestRegionsCoverEveryCountry checks that regions.csv maps every code
// ictstat.ValidCountry accepts, exactly once, to one of the nine regions,
// and that the engine serves it as the table regions.
func TestRegionsCoverEveryCountry(t *testing.T) {
	regions := map[string]bool{"Central Asia": true, "East Asia": true, "Southeast Asia": true, "South Asia": true,
		"Middle East": true, "Europe": true, "Americas": true, "Oceania": true, "Africa": true}
	r := csv.NewReader(bytes.NewReader(queries.Reference()["regions"]))
	r.Comment = '#'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if h := recs[0]; len(h) != 3 || h[0] != "country" || h[1] != "country_name" || h[2] != "region" {
		t.Fatalf("header %v: want country,country_name,region", h)
	}
	seen := map[string]string{}
	for i, rec := range recs[1:] {
		c := rec[0]
		switch {
		case !ictstat.ValidCountry(c):
			t.Errorf("row %d: %q is not a country code ValidCountry accepts", i+2, c)
		case seen[c] != "":
			t.Errorf("row %d: %s listed twice", i+2, c)
		case !regions[rec[2]]:
			t.Errorf("row %d: %s has region %q, not one of the nine", i+2, c, rec[2])
		case rec[1] == "":
			t.Errorf("row %d: %s has no name", i+2, c)
		}
		seen[c] = rec[2]
	}
	n := 0
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			c := string([]rune{a, b})
			if ictstat.ValidCountry(c) {
				n++
				if seen[c] == "" {
					t.Errorf("%s: valid country without a region", c)
				}
			}
		}
	}
	for c, want := range map[string]string{"MN": "East Asia", "RU": "Europe", "KZ": "Central Asia", "CN": "East Asia", "US": "Americas", "SG": "Southeast Asia"} {
		if seen[c] != want {
			t.Errorf("%s: region %q, want %q", c, seen[c], want)
		}
	}
	wh := openRef(t)
	if got := testutil.Count(t, wh, "SELECT count(DISTINCT country) FROM regions"); got != int64(n) {
		t.Errorf("table regions has %d countries, want %d", got, n)
	}
}
