package jobs_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/warehouse"
)

func TestReplayAfterFX(t *testing.T) {
	ctx := context.Background()
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	usd := `{"filing_id":"VZ-202610-1000001","revision":1,"registry_no":"1000001","company_name":"Steppe Cloud LLC","isic4":"6201","zone":"UB-01","period":"2026-10","submitted_at":"2026-11-05T09:00:00+08:00","currency":"USD","revenue":1000,"intermediate_consumption":400,"employees":3}`
	broken := strings.Replace(usd, `"1000001"`, `"12AB"`, 2)
	mnt := strings.NewReplacer(`"USD"`, `"MNT"`, "1000001", "1000002").Replace(usd)
	if _, err := jobs.IngestFilingsFile(ctx, wh, strings.NewReader(usd+"\n"+broken+"\n"+mnt+"\n"), "f.ndjson", jobs.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.IngestFXFile(ctx, wh, strings.NewReader("date,currency,mnt_per_unit\n2026-10-01,USD,3450\n2026-10-02,USD,-1\n"), "fx.csv"); err != nil {
		t.Fatal(err)
	}
	if got := testutil.Count(t, wh, "SELECT count(*) FROM quarantine"); got != 3 {
		t.Fatalf("got %d quarantined before replay, want 3 (USD filing, broken filing, bad rate)", got)
	}
	st, err := jobs.ReplayQuarantine(ctx, wh, "")
	if err != nil {
		t.Fatal(err)
	}
	if st.Replayed != 1 || st.Remaining != 2 {
		t.Fatalf("got %+v, want the USD filing replayed and 2 left", st)
	}
	if got := testutil.Count(t, wh, "SELECT count(*) FROM filings WHERE registry_no = '1000001' AND revenue_mnt = 3450000 AND source_line = 1"); got != 1 {
		t.Errorf("got %d converted USD filings keeping their origin line, want 1", got)
	}
	rows := testutil.Rows(t, wh, -1, "SELECT source, reason FROM quarantine ORDER BY source")
	if len(rows) != 2 || rows[0][0] != "filings" || !strings.Contains(rows[0][1].(string), "registry_no") || rows[1][0] != "fx" {
		t.Errorf("got quarantine %v, want the broken filing and the bad rate with their reasons", rows)
	}
	again, err := jobs.ReplayQuarantine(ctx, wh, "filings")
	if err != nil || again.Replayed != 0 || again.Snapshot != st.Snapshot {
		t.Errorf("got %+v, %v; want a second replay to change nothing", again, err)
	}
	if _, err := jobs.ReplayQuarantine(ctx, wh, "weather"); !errors.Is(err, ictstat.ErrUsage) {
		t.Errorf("got %v, want a usage error for an unknown source", err)
	}
}
