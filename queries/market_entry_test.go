package queries_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/queries"
	"github.com/npit-mn/ictstat/warehouse"
)

const marketDir = "../testdata/market_entry"

// TestMarketEntryGolden checks market_entry against the numbers worked out
// by hand in testdata/market_entry/README.md, before (snapshot 1) and after
// (snapshot 2) an amendment that removes an export line.
func TestMarketEntryGolden(t *testing.T) {
	wh := openRef(t)
	ingestFilings(t, wh, filepath.Join(marketDir, "filings.ndjson"))
	ingestFilings(t, wh, filepath.Join(marketDir, "amendments.ndjson"))
	for _, tc := range []struct {
		name   string
		snap   int64
		params map[string]string
		golden string
	}{
		{"year by region", testutil.Current, nil, "expected_year_region.csv"},
		{"year by region before the amendment", 1, nil, "expected_year_region_snapshot1.csv"},
		{"quarter, all", testutil.Current, map[string]string{"grain": "quarter", "by": "all"}, "expected_quarter_all.csv"},
		{"year by programme", 2, map[string]string{"by": "programme"}, "expected_year_programme.csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := runCSVAt(t, wh, tc.snap, "market_entry", tc.params)
			want, err := os.ReadFile(filepath.Join(marketDir, tc.golden))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestMarketEntryModel checks every combination of parameters, on both
// snapshots, against marketModel, a separate Go implementation of the
// definition that reads the fixture files directly.
func TestMarketEntryModel(t *testing.T) {
	wh := openRef(t)
	files := []string{filepath.Join(marketDir, "filings.ndjson"), filepath.Join(marketDir, "amendments.ndjson")}
	for _, f := range files {
		ingestFilings(t, wh, f)
	}
	regions := readRegions(t)
	q, err := queries.Get("market_entry")
	if err != nil {
		t.Fatal(err)
	}
	for snap := int64(1); snap <= 2; snap++ {
		filings := currentFilings(t, files[:snap])
		for _, grain := range []string{"month", "quarter", "year"} {
			for _, by := range []string{"region", "country", "all", "isic_division", "zone", "programme"} {
				for _, ictOnly := range []bool{true, false} {
					name := fmt.Sprintf("snapshot %d %s by %s ict_only=%t", snap, grain, by, ictOnly)
					sql, args, err := q.Bind(map[string]string{"grain": grain, "by": by, "ict_only": fmt.Sprint(ictOnly)})
					if err != nil {
						t.Fatal(err)
					}
					var got []string
					for _, r := range testutil.Rows(t, wh, snap, sql, args...) {
						if r[2] != by {
							t.Fatalf("%s: breakdown %v", name, r[2])
						}
						got = append(got, fmt.Sprintf("%v %v %v %v %v", r[0], r[3], r[4], r[5], r[6]))
					}
					want := marketModel(filings, regions, grain, by, ictOnly)
					if strings.Join(got, "\n") != strings.Join(want, "\n") {
						t.Errorf("%s: got\n%s\nwant\n%s", name, strings.Join(got, "\n"), strings.Join(want, "\n"))
					}
				}
			}
		}
	}
}

// TestMarketEntryBadParams checks that bad parameters are refused, naming
// the parameter, before any SQL runs.
func TestMarketEntryBadParams(t *testing.T) {
	checkBadParams(t, "market_entry", []badParams{
		{map[string]string{"by": "continent"}, "by"},
		{map[string]string{"grain": "week"}, "grain"},
		{map[string]string{"ict_only": "maybe"}, "ict_only"},
		{map[string]string{"currency": "USD"}, "currency"},
	})
}

// modelFiling is the part of a fixture filing the model reads.
type modelFiling struct {
	FilingID   string   `json:"filing_id"`
	Revision   int      `json:"revision"`
	RegistryNo string   `json:"registry_no"`
	ISIC4      string   `json:"isic4"`
	Zone       string   `json:"zone"`
	Period     string   `json:"period"`
	Currency   string   `json:"currency"`
	Programs   []string `json:"programs"`
	Exports    []struct {
		Country string  `json:"country"`
		EBOPS   string  `json:"ebops"`
		Amount  float64 `json:"amount"`
	} `json:"exports"`
}

// currentFilings reads the fixture files and keeps the highest revision of
// each filing.
func currentFilings(t *testing.T, files []string) []modelFiling {
	t.Helper()
	cur := map[string]modelFiling{}
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var m modelFiling
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if old, ok := cur[m.FilingID]; !ok || m.Revision > old.Revision {
				cur[m.FilingID] = m
			}
		}
		f.Close()
	}
	var out []modelFiling
	for _, m := range cur {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FilingID < out[j].FilingID })
	return out
}

// readRegions reads queries/regions.csv: country code → region.
func readRegions(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("regions.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, rec := range recs[1:] {
		m[rec[0]] = rec[2]
	}
	return m
}

// month is a month as y*12 + m-1.
func month(t string) int {
	var y, m int
	fmt.Sscanf(t, "%d-%d", &y, &m)
	return y*12 + m - 1
}

// periodOf returns the index of the grain period holding month mo and its
// label.
func periodOf(grain string, mo int) (int, string) {
	y, m := mo/12, mo%12+1
	switch grain {
	case "month":
		return mo, fmt.Sprintf("%04d-%02d", y, m)
	case "quarter":
		return y*4 + (m-1)/3, fmt.Sprintf("%04dQ%d", y, (m-1)/3+1)
	}
	return y, fmt.Sprintf("%04d", y)
}

// marketModel computes market_entry's rows as "period category new
// cumulative exporting", in the query's order.
func marketModel(filings []modelFiling, regions map[string]string, grain, by string, ictOnly bool) []string {
	type ev struct {
		reg, cat string
		mo       int
	}
	since := map[[2]string]int{} // registry_no, programme → first month
	last := -1
	for _, f := range filings {
		for _, p := range f.Programs {
			k := [2]string{f.RegistryNo, p}
			if s, ok := since[k]; !ok || month(f.Period) < s {
				since[k] = month(f.Period)
			}
		}
		if !ictOnly || ictstat.ICTSector(f.ISIC4) {
			last = max(last, month(f.Period))
		}
	}
	var evs []ev
	for _, f := range filings {
		if ictOnly && !ictstat.ICTSector(f.ISIC4) {
			continue
		}
		mo := month(f.Period)
		for _, x := range f.Exports {
			if x.Amount <= 0 {
				continue
			}
			var cats []string
			switch by {
			case "region":
				cats = []string{regions[x.Country]}
			case "country":
				cats = []string{x.Country}
			case "all":
				cats = []string{"all foreign markets"}
			case "isic_division":
				cats = []string{f.ISIC4[:2]}
			case "zone":
				cats = []string{f.Zone}
			case "programme":
				for k, s := range since {
					if k[0] == f.RegistryNo && s <= mo {
						cats = append(cats, k[1])
					}
				}
				if len(cats) == 0 {
					cats = []string{"(none)"}
				}
			}
			for _, c := range cats {
				evs = append(evs, ev{f.RegistryNo, c, mo})
			}
		}
	}
	// First month of each company (and, for destinations, category).
	first := map[[2]string]int{}
	key := func(e ev) [2]string {
		if by == "region" || by == "country" {
			return [2]string{e.reg, e.cat}
		}
		return [2]string{e.reg, ""}
	}
	for _, e := range evs {
		if m, ok := first[key(e)]; !ok || e.mo < m {
			first[key(e)] = e.mo
		}
	}
	type cell struct {
		p   int
		cat string
	}
	newSet, expSet := map[cell]map[string]bool{}, map[cell]map[string]bool{}
	add := func(m map[cell]map[string]bool, c cell, reg string) {
		if m[c] == nil {
			m[c] = map[string]bool{}
		}
		m[c][reg] = true
	}
	start := map[string]int{}
	labels := map[int]string{}
	for _, e := range evs {
		p, _ := periodOf(grain, e.mo)
		add(expSet, cell{p, e.cat}, e.reg)
		if e.mo == first[key(e)] {
			add(newSet, cell{p, e.cat}, e.reg)
		}
		if s, ok := start[e.cat]; !ok || p < s {
			start[e.cat] = p
		}
	}
	lastP, _ := periodOf(grain, last)
	for mo := 0; mo <= last; mo++ {
		p, l := periodOf(grain, mo)
		labels[p] = l
	}
	var cats []string
	for c := range start {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	var out []string
	minP := lastP
	for _, s := range start {
		minP = min(minP, s)
	}
	for p := minP; p <= lastP; p++ {
		for _, c := range cats {
			if p < start[c] {
				continue
			}
			cum := 0
			for q := start[c]; q <= p; q++ {
				cum += len(newSet[cell{q, c}])
			}
			out = append(out, fmt.Sprintf("%s %s %d %d %d", labels[p], c, len(newSet[cell{p, c}]), cum, len(expSet[cell{p, c}])))
		}
	}
	return out
}

// openRef opens an empty warehouse with the queries' reference tables.
func openRef(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{Reference: queries.Reference()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	return wh
}

// ingestFilings ingests an NDJSON fixture that must have no bad records.
func ingestFilings(t *testing.T, wh *warehouse.Warehouse, path string) {
	t.Helper()
	if st := ingestFile(t, wh, path); st.Quarantined != 0 {
		t.Fatalf("%s: %d records quarantined", path, st.Quarantined)
	}
}
