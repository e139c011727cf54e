package jobs_test

import (
	"context"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/warehouse"
)

func TestFXConvertsUSDFilings(t *testing.T) {
	ctx := context.Background()
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	usd := `{"filing_id":"VZ-202610-1000001","revision":1,"registry_no":"1000001","company_name":"Steppe Cloud LLC","isic4":"6201","zone":"UB-01","period":"2026-10","submitted_at":"2026-11-05T09:00:00+08:00","currency":"USD","revenue":1000,"intermediate_consumption":400,"employees":3,"exports":[{"country":"JP","ebops":"SI2","amount":100}]}` + "\n"
	st, err := jobs.IngestFilingsFile(ctx, wh, strings.NewReader(usd), "usd.ndjson", jobs.Options{})
	if err != nil || st.Quarantined != 1 {
		t.Fatalf("got %+v, %v; want the USD filing quarantined without rates", st, err)
	}
	rates := "date,currency,mnt_per_unit\n2026-10-01,USD,3400\n2026-10-02,USD,3500\n2026-09-30,USD,9999\nbad,USD,1\n"
	st, err = jobs.IngestFXFile(ctx, wh, strings.NewReader(rates), "fx.csv")
	if err != nil || st.Committed != 3 || st.Quarantined != 1 || !st.Changed {
		t.Fatalf("got %+v, %v; want 3 rates and 1 quarantined", st, err)
	}
	again, err := jobs.IngestFXFile(ctx, wh, strings.NewReader(rates), "fx.csv")
	if err != nil || again.Changed || again.Committed != 0 {
		t.Fatalf("got %+v, %v; want the same file to change nothing", again, err)
	}
	usd2 := strings.Replace(usd, `"revision":1`, `"revision":2`, 1)
	if _, err := jobs.IngestFilingsFile(ctx, wh, strings.NewReader(usd2), "usd2.ndjson", jobs.Options{}); err != nil {
		t.Fatal(err)
	}
	// October's average is (3400 + 3500) / 2 = 3450 MNT per USD.
	rows := testutil.Rows(t, wh, -1, "SELECT revenue, revenue_mnt, gva_mnt, fx_mnt_per_unit, exports_mnt FROM filings")
	if len(rows) != 1 {
		t.Fatalf("got %d filings, want 1", len(rows))
	}
	for i, want := range []float64{1000, 3_450_000, 2_070_000, 3450, 345_000} {
		if got := rows[0][i].(float64); got != want {
			t.Errorf("column %d: got %v, want %v", i, got, want)
		}
	}
	if got := testutil.Count(t, wh, "SELECT count(*) FROM fx_rates"); got != 3 {
		t.Errorf("got %d rates, want 3", got)
	}
}
