package queries_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/queries"
)

// shareModel is a small separate implementation of gdp_share (grain=year)
// over figures picked by hand from testdata/gdp_share/README.md: it checks
// the SQL's arithmetic, not its own.
type shareModel struct {
	official    map[int][2]float64 // year -> GDP, ICT value added (million MNT)
	links       map[int]link       // nowcast year -> its link to the year before
	gdpGrowth   *float64           // percent; nil: the base year's official growth
	baseYear    int
	baseShare   float64
	targetYear  int
	targetShare float64
}

type link struct {
	growth    float64 // matched GVA this year / the year before
	companies int
	coverage  float64 // percent
	months    int
}

var defaultPath = shareModel{baseYear: 2024, baseShare: 1.7, targetYear: 2030, targetShare: 5}

// rows returns the expected cells of each year.
func (m shareModel) rows() map[int]map[string]any {
	out := map[int]map[string]any{}
	base, first := 0, 9999
	for y := range m.official {
		base, first = max(base, y), min(first, y)
	}
	g := math.Pow(m.targetShare/m.baseShare, 1/float64(m.targetYear-m.baseYear)) - 1
	ict, gdp := m.official[base][1], m.official[base][0]
	growth := math.NaN()
	if m.gdpGrowth != nil {
		growth = *m.gdpGrowth / 100
	} else if prev, ok := m.official[base-1]; ok {
		growth = gdp/prev[0] - 1
	}
	for y := min(first, m.baseYear); y <= max(base+len(m.links), m.targetYear); y++ {
		r := map[string]any{"period": fmt.Sprint(y), "kind": "no_data", "path_growth_pct": 100 * g}
		var share float64
		if o, ok := m.official[y]; ok {
			r["kind"], r["gdp_mn_mnt"], r["ict_va_mn_mnt"] = "official", o[0], o[1]
			share = 100 * o[1] / o[0]
			r["nowcast_base_year"] = nil
			if prev, ok := m.official[y-1]; ok {
				r["gdp_growth_pct"] = 100 * (o[0]/prev[0] - 1)
			}
		} else if l, ok := m.links[y]; ok {
			ict *= l.growth
			r["kind"], r["ict_va_mn_mnt"] = "nowcast", ict
			r["nowcast_base_year"], r["nowcast_months"], r["nowcast_companies"] = base, l.months, l.companies
			r["nowcast_coverage_pct"], r["nowcast_gva_growth_pct"] = l.coverage, 100*(l.growth-1)
			if math.IsNaN(growth) {
				r["gdp_mn_mnt"], r["share_pct"] = nil, nil
			} else {
				r["gdp_mn_mnt"] = gdp * math.Pow(1+growth, float64(y-base))
				share = 100 * ict / r["gdp_mn_mnt"].(float64)
				r["gdp_growth_pct"] = 100 * growth
			}
		} else {
			r["gdp_mn_mnt"], r["ict_va_mn_mnt"], r["share_pct"], r["vintage"] = nil, nil, nil, nil
		}
		if share != 0 {
			r["share_pct"] = share
			if y < m.targetYear {
				r["required_growth_pct"] = 100 * (math.Pow(m.targetShare/share, 1/float64(m.targetYear-y)) - 1)
			}
		}
		if y >= m.baseYear && y <= m.targetYear {
			target := m.baseShare * math.Pow(1+g, float64(y-m.baseYear))
			r["target_share_pct"] = target
			if share != 0 {
				gdpY := r["gdp_mn_mnt"].(float64)
				r["gap_pp"] = share - target
				r["target_va_mn_mnt"] = target / 100 * gdpY
				r["gap_va_mn_mnt"] = target/100*gdpY - r["ict_va_mn_mnt"].(float64)
				r["on_track"] = share >= target
			} else {
				r["gap_pp"], r["on_track"] = nil, nil
			}
		} else {
			r["target_share_pct"] = nil
		}
		out[y] = r
	}
	return out
}

// Links worked by hand in testdata/gdp_share/README.md.
var (
	link2024 = link{growth: 430.0 / 400, companies: 2, coverage: 100 * 400.0 / 470, months: 12}
	link2025 = link{growth: 450.0 / 350, companies: 3, coverage: 100 * 350.0 / 500, months: 3}
)

func TestGDPShareGolden(t *testing.T) {
	wh := loadNAFixture(t)
	ten := 10.0
	withPath := func(m shareModel) shareModel {
		if m.baseYear == 0 {
			m.baseYear, m.baseShare, m.targetYear, m.targetShare = defaultPath.baseYear, defaultPath.baseShare, defaultPath.targetYear, defaultPath.targetShare
		}
		return m
	}
	for _, tc := range []struct {
		name     string
		snapshot int64
		params   map[string]string
		model    shareModel
		vintage  map[int]string // year -> vintage column
	}{
		// V3 revised 2024 GDP but blanked its ICT value added: the share
		// stays with V2, the last vintage that published both (issue 11
		// item 5), not V3's GDP over V2's ICT (1.6129%).
		{"latest", -1, nil, shareModel{
			official: map[int][2]float64{2023: {70441516, 1150000}, 2024: {80663051, 1300000}},
			links:    map[int]link{2025: link2025},
		}, map[int]string{2023: "2025-06-01T00:00:00Z", 2024: "2025-03-20T00:00:00Z", 2025: "2025-03-20T00:00:00Z", 2026: "<nil>"}},
		{"NSO GDP as of vintage 2", -1, map[string]string{"vintage": "2025-05-31"}, shareModel{
			official: map[int][2]float64{2023: {70441516, 1150000}, 2024: {80663051, 1300000}},
			links:    map[int]link{2025: link2025},
		}, map[int]string{2023: "2025-03-20T00:00:00Z", 2024: "2025-03-20T00:00:00Z"}},
		{"vintage as a time", -1, map[string]string{"vintage": "2025-03-20T00:00:00Z"}, shareModel{
			official: map[int][2]float64{2023: {70441516, 1150000}, 2024: {80663051, 1300000}},
			links:    map[int]link{2025: link2025},
		}, nil},
		{"chained nowcast with gdp_growth", -1, map[string]string{"vintage": "2024-12-31", "gdp_growth": "10"}, shareModel{
			official:  map[int][2]float64{2023: {68900000, 1100000}},
			links:     map[int]link{2024: link2024, 2025: link2025},
			gdpGrowth: &ten,
		}, map[int]string{2023: "2024-02-15T00:00:00Z", 2024: "2024-02-15T00:00:00Z", 2025: "2024-02-15T00:00:00Z"}},
		{"time travel to snapshot 2: no GDP growth to assume", snapV1, nil, shareModel{
			official: map[int][2]float64{2023: {68900000, 1100000}},
			links:    map[int]link{2024: link2024, 2025: link2025},
		}, nil},
		{"own target path", -1, map[string]string{"base_year": "2023", "base_share": "1.6", "target_year": "2027", "target_share": "3"}, shareModel{
			official: map[int][2]float64{2023: {70441516, 1150000}, 2024: {80663051, 1300000}},
			links:    map[int]link{2025: link2025},
			baseYear: 2023, baseShare: 1.6, targetYear: 2027, targetShare: 3,
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := withPath(tc.model).rows()
			rows := runRows(t, wh, tc.snapshot, "gdp_share", tc.params)
			if len(rows) != len(want) {
				t.Fatalf("got %d rows, want %d: %v", len(rows), len(want), rows)
			}
			for _, r := range rows {
				y := int(r["year"].(float64))
				w, ok := want[y]
				if !ok {
					t.Fatalf("got unexpected year %d", y)
				}
				checkRow(t, fmt.Sprint(y), r, w)
				if v, ok := tc.vintage[y]; ok && fmt.Sprint(r["vintage"]) != v {
					t.Errorf("%d: got vintage %v, want %s", y, r["vintage"], v)
				}
				def := "NSO national accounts, activity J Information and communication"
				if r["kind"] == "nowcast" {
					def += "; nowcast from filings of section J (divisions 58-63)"
				}
				if r["kind"] != "no_data" && r["definition"] != def {
					t.Errorf("%d: got definition %v", y, r["definition"])
				}
			}
		})
	}
}

func TestGDPShareQuarter(t *testing.T) {
	wh := loadNAFixture(t)
	rows := runRows(t, wh, -1, "gdp_share", map[string]string{"grain": "quarter"})
	// 2024Q1..2030Q4 on the path; only 2024Q1 and Q2 published.
	if len(rows) != 7*4 {
		t.Fatalf("got %d rows, want 28", len(rows))
	}
	checkRow(t, "2024Q1", rows[0], map[string]any{"period": "2024Q1", "kind": "official", "gdp_mn_mnt": 15e6, "ict_va_mn_mnt": 3e5,
		"share_pct": 2.0, "target_share_pct": 1.7, "gap_pp": 0.3, "gap_va_mn_mnt": -45000.0, "on_track": true, "required_growth_pct": nil})
	checkRow(t, "2024Q2", rows[1], map[string]any{"period": "2024Q2", "kind": "official", "gdp_mn_mnt": 20e6, "ict_va_mn_mnt": 35e4,
		"share_pct": 1.75, "gap_pp": 0.05, "target_va_mn_mnt": 340000.0, "gap_va_mn_mnt": -10000.0, "on_track": true})
	checkRow(t, "2024Q3", rows[2], map[string]any{"period": "2024Q3", "kind": "no_data", "share_pct": nil, "target_share_pct": 1.7})
	checkRow(t, "2030Q4", rows[27], map[string]any{"period": "2030Q4", "kind": "no_data", "target_share_pct": 5.0})
}

func TestGDPShareBadParams(t *testing.T) {
	checkBadParams(t, "gdp_share", []badParams{
		{map[string]string{"grain": "month"}, "grain"},
		{map[string]string{"vintage": "yesterday"}, "vintage"},
		{map[string]string{"vintage": "2025-13-01"}, "vintage"},
		{map[string]string{"vintage": "2025-01-01'; DROP TABLE filings; --"}, "vintage"},
		{map[string]string{"gdp_growth": "fast"}, "gdp_growth"},
		{map[string]string{"gdp_growth": "NaN"}, "gdp_growth"},
		{map[string]string{"gdp_growth": "500"}, "gdp_growth"},
		{map[string]string{"base_year": "2024.5"}, "base_year"},
		{map[string]string{"base_year": "99999999"}, "base_year"},
		{map[string]string{"base_share": "0"}, "base_share"},
		{map[string]string{"target_share": "-5"}, "target_share"},
		{map[string]string{"target_year": "3000"}, "target_year"},
		{map[string]string{"goal": "5"}, "goal"},
	})
	q, err := queries.Get("gdp_share")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := q.Bind(map[string]string{"target_year": "2024"}); !errors.Is(err, ictstat.ErrUsage) ||
		!strings.Contains(err.Error(), "parameter target_year (2024) must be > base_year (2024)") {
		t.Errorf("target_year = base_year: got %v, want ErrUsage naming target_year", err)
	}
	if _, _, err := q.Bind(map[string]string{"target_year": "2023", "base_year": "2020"}); err != nil {
		t.Errorf("target_year after base_year: got %v", err)
	}
}

// TestGDPShareFormats writes both analytics in every format.
func TestGDPShareFormats(t *testing.T) {
	wh := loadNAFixture(t)
	for _, name := range []string{"gdp_share", "revisions"} {
		for _, f := range []string{"table", "csv", "json", "parquet", "arrow"} {
			b, n := runFormat(t, wh, -1, name, nil, f)
			if n == 0 || len(b) == 0 {
				t.Errorf("%s as %s: got %d rows, %d bytes", name, f, n, len(b))
			}
			if f == "csv" && !strings.Contains(string(b), "[million MNT") {
				t.Errorf("%s as csv: got no units in the header: %s", name, b[:min(len(b), 200)])
			}
		}
	}
}
