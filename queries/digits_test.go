package queries_test

import (
	"testing"

	"github.com/npit-mn/ictstat/queries"
)

// TestDigits checks the digits parameter every analytic takes (issue 11
// item 10): full precision by default, each measure's published precision
// (percent to a hundredth, million MNT to a tenth), or a number of
// decimals for all; counts, labels and dates are left alone.
func TestDigits(t *testing.T) {
	wh := loadNAFixture(t)
	share23 := 100 * 1150000 / 70441516.0 // 1.63255998...
	for _, tc := range []struct {
		digits string
		share  float64
	}{
		{"", share23},
		{"published", 1.63},
		{"4", 1.6326},
		{"0", 2},
	} {
		params := map[string]string{}
		if tc.digits != "" {
			params["digits"] = tc.digits
		}
		rows := runRows(t, wh, -1, "gdp_share", params)
		checkRow(t, "2023 digits="+tc.digits, rows[0], map[string]any{"period": "2023", "year": 2023, "share_pct": tc.share})
	}
	rows := runRows(t, wh, -1, "gdp_share", map[string]string{"digits": "published", "vintage": "2025-05-31"})
	// 2025 nowcast GDP 92,367,799.08 million MNT: a tenth.
	if got := rows[2]["gdp_mn_mnt"]; rows[2]["period"] != "2025" || got != 92367799.1 {
		t.Errorf("2025 digits=published: got GDP %v, want 92367799.1", got)
	}
	checkBadParams(t, "sector_size", []badParams{
		{map[string]string{"digits": "16"}, "digits"},
		{map[string]string{"digits": "-1"}, "digits"},
		{map[string]string{"digits": "all"}, "digits"},
	})
	for format, want := range map[string]string{"csv": "published", "table": "published", "json": "", "xlsx": ""} {
		given := map[string]string{}
		queries.DefaultDigits(given, format)
		if given["digits"] != want {
			t.Errorf("%s: got digits %q, want %q", format, given["digits"], want)
		}
	}
	given := map[string]string{"digits": "3"}
	if queries.DefaultDigits(given, "csv"); given["digits"] != "3" {
		t.Errorf("a given digits: got %q, want 3", given["digits"])
	}
	all, err := queries.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range all {
		if q.ParamDoc("digits") == "" {
			t.Errorf("%s takes no digits", q.Name)
		}
	}
}
