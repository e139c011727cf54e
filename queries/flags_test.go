package queries_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/queries"
	"github.com/npit-mn/ictstat/transform"
	"github.com/npit-mn/ictstat/warehouse"
)

// TestDataQualityFlags checks the flags of issue 11 items 3 and 8 on five
// filings (MNT): 1000001 revenue 100, intermediate 150 (value added -50);
// 1000002 revenue 100, wages 300 and exports 200 (both above revenue);
// 1000003 plausible but never registered; 1000004 in January (registered)
// and March (deregistered on 1 February). Before the register is loaded
// only the three implausible values are flagged; after it, the two filings
// of companies not registered in their month too, and those two are left
// out of the virtual zone's statistics (issue 11 item 8).
func TestDataQualityFlags(t *testing.T) {
	line := func(reg string, month int, revenue, ic, wages float64, exports string) string {
		return fmt.Sprintf(`{"filing_id": "VZ-2026%02d-%s", "revision": 1, "registry_no": %q, "company_name": "Co", "isic4": "6201", "zone": "UB-01", "period": "2026-%02d", "submitted_at": "2026-05-01T09:00:00+08:00", "currency": "MNT", "revenue": %g, "intermediate_consumption": %g, "wages": %g, "employees": 2, "exports": [%s]}`,
			month, reg, reg, month, revenue, ic, wages, exports)
	}
	lines := []string{
		line("1000001", 1, 100, 150, 10, ""),
		line("1000002", 1, 100, 10, 300, `{"country": "KZ", "ebops": "SI2", "amount": 200}`),
		line("1000003", 1, 100, 10, 10, `{"country": "JP", "ebops": "SI2", "amount": 50}`),
		line("1000004", 1, 100, 10, 10, ""),
		line("1000004", 3, 100, 10, 10, ""),
	}
	path := filepath.Join(t.TempDir(), "filings.ndjson")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{Reference: queries.Reference()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	if st := ingestFile(t, wh, path); st.Committed != 5 {
		t.Fatalf("got %+v, want 5 committed", st)
	}
	check := func(flagged int64, byRule string) {
		t.Helper()
		for _, r := range runNamed(t, wh, -1, "data_quality", nil) {
			if r["source"] == "filings" && (r["flagged"] != flagged || r["flagged_by_rule"] != byRule) {
				t.Errorf("got %v flags %q, want %d %q", r["flagged"], r["flagged_by_rule"], flagged, byRule)
			}
		}
	}
	check(3, "exports above revenue 1; value added negative 1; wages above revenue 1")
	// Without a register every filing counts: 4 companies in 2026, 1 in
	// March.
	active := func() string {
		t.Helper()
		var b strings.Builder
		for _, r := range runNamed(t, wh, -1, "sector_size", map[string]string{"grain": "month", "subsector": "all"}) {
			fmt.Fprintf(&b, "%v:%v ", r["period"], r["active_companies"])
		}
		return b.String()
	}
	if got := active(); got != "2026-01:4 2026-03:1 " {
		t.Errorf("without the register: got active %s, want 2026-01:4 2026-03:1", got)
	}
	// exports_by_destination: filings value in MNT by partner, W1 the total.
	exports := func() string {
		t.Helper()
		var b strings.Builder
		for _, r := range runNamed(t, wh, -1, "exports_by_destination", map[string]string{"currency": "MNT"}) {
			fmt.Fprintf(&b, "%v:%v ", r["partner"], r["filings_value"])
		}
		return b.String()
	}
	if got := exports(); got != "JP:50 KZ:200 W1:250 " {
		t.Errorf("without the register: got exports %s, want JP:50 KZ:200 W1:250", got)
	}

	ev := func(no, event string, y, m int) ictstat.Registration {
		return ictstat.Registration{RegistryNo: no, ISIC4: "6201", Zone: "UB-01", Event: event, Date: ictstat.MonthDate(y, m)}
	}
	ctx := context.Background()
	tx, err := wh.Begin(ctx, "register")
	if err != nil {
		t.Fatal(err)
	}
	cs := transform.Companies([]ictstat.Registration{
		ev("1000001", "registered", 2025, 1), ev("1000002", "registered", 2025, 1),
		ev("1000004", "registered", 2025, 1), ev("1000004", "deregistered", 2026, 2),
	})
	if err := warehouse.ReplaceTable(tx, warehouse.TableCompanies, cs); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(ctx, "register"); err != nil {
		t.Fatal(err)
	}
	check(5, "not registered in the month 2; exports above revenue 1; value added negative 1; wages above revenue 1")
	// With it, the filings of 1000003 (never registered) and of 1000004 in
	// March (gone since February) are left out of the virtual zone's
	// statistics: 3 companies in January, March gone.
	if got := active(); got != "2026-01:3 " {
		t.Errorf("with the register: got active %s, want 2026-01:3", got)
	}
	// 1000003's export to JP is left out: KZ 200 is the whole.
	if got := exports(); got != "KZ:200 W1:200 " {
		t.Errorf("with the register: got exports %s, want KZ:200 W1:200", got)
	}
	entrants := runNamed(t, wh, -1, "market_entry", map[string]string{"by": "all", "ict_only": "false"})
	if len(entrants) != 1 || entrants[0]["new_entrants"] != int64(1) {
		t.Errorf("with the register: got market_entry %v, want 1002 alone entering in 2026", entrants)
	}
}
