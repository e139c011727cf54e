package queries_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/warehouse"
)

// nowcastFiling is one filing line of the nowcast fixture, GVA in million
// MNT (revenue, no intermediate consumption).
func nowcastFiling(reg, isic string, year, month int, gva float64) string {
	return fmt.Sprintf(`{"filing_id": "VZ-%04d%02d-%s", "revision": 1, "registry_no": %q, "company_name": "Co %s", "isic4": %q, "zone": "UB-01", "period": "%04d-%02d", "submitted_at": "%04d-12-31T09:00:00+08:00", "currency": "MNT", "revenue": %.0f, "intermediate_consumption": 0, "employees": 3, "exports": []}`,
		year, month, reg, reg, reg, isic, year, month, year, gva*1e6)
}

// loadNowcastFixture builds a warehouse whose national accounts publish
// 2024 (GDP 100,000,000 and ICT 1,699,999.98 million MNT, the ICT cell
// preliminary) and whose filings are, GVA in million MNT:
//
//	A 6201: 2024 Jan 100, Feb 100; 2025 Jan 110, Feb 120
//	B 6202: 2024 Jun 50;           2025 Jan 80, Jun 60
//	C 6311:                        2025 Mar 40 (joined in 2025)
//	D 2610: 2024 Jan 30;           2025 Jan 60 (OECD ICT sector, not section J)
//	E 6201: 2024 Mar 20            (left)
func loadNowcastFixture(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	lines := []string{
		nowcastFiling("1000001", "6201", 2024, 1, 100), nowcastFiling("1000001", "6201", 2024, 2, 100),
		nowcastFiling("1000001", "6201", 2025, 1, 110), nowcastFiling("1000001", "6201", 2025, 2, 120),
		nowcastFiling("1000002", "6202", 2024, 6, 50), nowcastFiling("1000002", "6202", 2025, 1, 80),
		nowcastFiling("1000002", "6202", 2025, 6, 60),
		nowcastFiling("1000003", "6311", 2025, 3, 40),
		nowcastFiling("1000004", "2610", 2024, 1, 30), nowcastFiling("1000004", "2610", 2025, 1, 60),
		nowcastFiling("1000005", "6201", 2024, 3, 20),
	}
	path := filepath.Join(t.TempDir(), "filings.ndjson")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	if st := ingestFile(t, wh, path); st.Committed != int64(len(lines)) {
		t.Fatalf("fixture: got %+v, want %d committed", st, len(lines))
	}
	v := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	y24 := ictstat.MonthDate(2024, 1)
	ict := naCell("DT_NSO_0500_001V1", v, "ict", "A", "2024", y24, false, true, mn(1699999.98))
	ict.Status = "P"
	rows := []ictstat.NationalAccount{naCell("DT_NSO_0500_001V1", v, "total", "A", "2024", y24, false, true, mn(100e6)), ict}
	ctx := context.Background()
	tx, err := wh.Begin(ctx, "fixture national accounts")
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

// TestGDPShareNowcastMatchedByMonth checks the nowcast of issue 11 item 4,
// worked by hand from the fixture above. Months compared: 1..6 (B's June
// 2025 is the last ICT filing of 2025).
//
// Section J, company-months in both years: A Jan 100->110, A Feb 100->120,
// B Jun 50->60: base 250, current 290, growth 1.16. (Matched by company and
// year, B's 50 would be compared with its 140, growth 370/250 = 1.48.) All
// base-year GVA of months 1..6: A 200, B 50, E 20 = 270, coverage 250/270;
// companies: A and B matched of A, B, E. With the OECD definition D adds
// Jan 30->60: base 280, current 350, growth 1.25, coverage 280/300,
// companies 3 of 4.
//
// Bootstrap over the two matched companies (A 200->230, B 50->60): a
// replicate draws A twice (1.15), B twice (60/50 = 1.2) or both (1.16), so
// with 999 replicates the 2.5% and 97.5% quantiles are 1.15 and 1.2.
func TestGDPShareNowcastMatchedByMonth(t *testing.T) {
	wh := loadNowcastFixture(t)
	const baseICT, gdp2025 = 1699999.98, 100e6 * 1.1
	for _, tc := range []struct {
		definition                   string
		growth, coverage, companyCov float64
		companies                    int
		low, high                    float64
		definitionSuffix             string
	}{
		{"section_j", 1.16, 100 * 250.0 / 270, 100 * 2.0 / 3, 2, 1.15, 1.2, "section J (divisions 58-63)"},
		{"oecd", 1.25, 100 * 280.0 / 300, 100 * 3.0 / 4, 3, 0, 0, "the OECD ICT sector"},
	} {
		t.Run(tc.definition, func(t *testing.T) {
			rows := runRows(t, wh, -1, "gdp_share", map[string]string{"gdp_growth": "10", "ict_definition": tc.definition})
			var r2024, r2025 map[string]any
			for _, r := range rows {
				switch r["period"] {
				case "2024":
					r2024 = r
				case "2025":
					r2025 = r
				}
			}
			if r2024 == nil || r2025 == nil {
				t.Fatalf("got no 2024 or 2025 row: %v", rows)
			}
			// 2024: 1,699,999.98 / 100,000,000 = 1.69999998%: behind the
			// 1.7 target by noise alone, on track at the published 1.70.
			checkRow(t, "2024", r2024, map[string]any{"kind": "official", "status": "P", "complete": true,
				"share_pct": 1.69999998, "target_share_pct": 1.7, "on_track": true})
			want := map[string]any{"kind": "nowcast", "status": "E", "complete": false, "nowcast_months": 6,
				"nowcast_gva_growth_pct": 100 * (tc.growth - 1), "nowcast_coverage_pct": tc.coverage,
				"nowcast_company_coverage_pct": tc.companyCov, "nowcast_companies": tc.companies,
				"ict_va_mn_mnt": baseICT * tc.growth, "gdp_mn_mnt": gdp2025, "share_pct": 100 * baseICT * tc.growth / gdp2025}
			if tc.low != 0 {
				want["share_low_pct"], want["share_high_pct"] = 100*baseICT*tc.low/gdp2025, 100*baseICT*tc.high/gdp2025
			}
			checkRow(t, "2025", r2025, want)
			if d, _ := r2025["definition"].(string); !strings.HasSuffix(d, tc.definitionSuffix) {
				t.Errorf("2025: got definition %q, want it to end in %q", d, tc.definitionSuffix)
			}
			lo, hi := r2025["share_low_pct"].(float64), r2025["share_high_pct"].(float64)
			if s := r2025["share_pct"].(float64); !(lo <= s && s <= hi) {
				t.Errorf("2025: interval [%v, %v] does not hold the nowcast %v", lo, hi, s)
			}
		})
	}
	t.Run("the interval is the same on every run, and none without replicates", func(t *testing.T) {
		a := runRows(t, wh, -1, "gdp_share", map[string]string{"gdp_growth": "10", "ict_definition": "oecd"})
		b := runRows(t, wh, -1, "gdp_share", map[string]string{"gdp_growth": "10", "ict_definition": "oecd"})
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("two runs differ:\n%v\n%v", a, b)
		}
		for _, r := range runRows(t, wh, -1, "gdp_share", map[string]string{"gdp_growth": "10", "bootstrap": "0"}) {
			if r["share_low_pct"] != nil || r["share_high_pct"] != nil {
				t.Errorf("%v: got interval [%v, %v] with bootstrap=0", r["period"], r["share_low_pct"], r["share_high_pct"])
			}
		}
	})
}
