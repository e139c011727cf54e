package jobs_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
	ingestpkg "github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/warehouse"
)

// bopTable returns bop_exports as text lines, sorted, for comparison.
func bopTable(t *testing.T, wh *warehouse.Warehouse) []string {
	t.Helper()
	rows := testutil.Rows(t, wh, -1, `SELECT counterpart_area, counterpart_aggregate, service_item, time_period, CAST(period_start AS VARCHAR),
		coalesce(CAST(obs_value AS VARCHAR), 'NULL'), unit_mult, unit_measure, coalesce(CAST(value AS VARCHAR), 'NULL'), obs_status, source_line
		FROM bop_exports ORDER BY counterpart_area, service_item, time_period`)
	var out []string
	for _, r := range rows {
		out = append(out, strings.TrimSpace(fmt.Sprintln(r...)))
	}
	return out
}

// The two pulls of TestExportsAcrossPulls, and the table after each,
// worked by hand (value = obs_value × 10^unit_mult).
const (
	pull1 = "DATAFLOW,FREQ,REF_AREA,COUNTERPART_AREA,FLOW,SERVICE_ITEM,TIME_PERIOD,OBS_VALUE,UNIT_MULT,UNIT_MEASURE,OBS_STATUS\n" +
		"BOM:ICT_SERV(1.0),Q,MN,KZ,C,SI2,2025-Q3,3.25,6,USD,P\n" + // 2
		"BOM:ICT_SERV(1.0),Q,MN,JP,C,SI2,2025-Q3,1.1,6,USD,P\n" + // 3
		"BOM:ICT_SERV(1.0),Q,MN,W1,C,SI,2025-Q3,12.5,6,USD,P\n" + // 4
		"BOM:ICT_SERV(1.0),Q,MN,RU,C,SI1,2019-Q1,0.015,6,USD,A\n" + // 5
		"BOM:ICT_SERV(1.0),Q,MN,RU,C,SI1,2019-Q2,0.016,6,USD,A\n" + // 6
		"BOM:ICT_SERV(1.0),Q,MN,US,C,SI3,2025-Q3,,6,USD,M\n" + // 7: missing
		"BOM:ICT_SERV(1.0),Q,MN,KZ,C,SI2,2025-13,1,6,USD,P\n" // 8: bad period, quarantined
	pull2 = "\ufeffSTRUCTURE;STRUCTURE_ID;ACTION;FREQ;REF_AREA;COUNTERPART_AREA;FLOW;SERVICE_ITEM;TIME_PERIOD;OBS_VALUE;UNIT_MULT;UNIT_MEASURE;OBS_STATUS\r\n" +
		"dataflow;BOM:ICT_SERV(1.0);A;Q;MN;KZ;C;SI2;2025-Q3;;;;A\r\n" + // 2: KZ final, value kept
		"dataflow;BOM:ICT_SERV(1.0);R;Q;MN;JP;C;SI2;2025-Q3;1200;3;\"USD\";A\r\n" + // 3: JP replaced: 1200 thousand
		"dataflow;BOM:ICT_SERV(1.0);I;Q;MN;W1;C;SI;2025-Q3;12.75;;;\r\n" + // 4: W1 revised, P kept
		"dataflow;BOM:ICT_SERV(1.0);D;;MN;RU;C;SI1;;;;;\r\n" + // 5: every RU SI1 withdrawn
		"dataflow;BOM:ICT_SERV(1.0);I;Q;MN;W1;C;SI;2025-Q4;13;6;USD;P\r\n" + // 6: new quarter
		"dataflow;BOM:ICT_SERV(1.0);R;Q;MN;US;C;SI3;2025-Q3;0.5;6;USD;E\r\n" + // 7: missing now estimated
		"dataflow;BOM:ICT_SERV(1.0);D;Q;MN;DE;C;SI;2025-Q3;;;;\r\n" + // 8: nothing to delete
		"dataflow;BOM:ICT_SERV(1.0);I;Q;MN;KZ;C;SI2;2025-Q3;abc;6;USD;A\r\n" // 9: quarantined
)

var (
	afterPull1 = []string{
		"JP false SI2 2025-Q3 2025-07-01 1.1 6 USD 1100000.0 P 3",
		"KZ false SI2 2025-Q3 2025-07-01 3.25 6 USD 3250000.0 P 2",
		"RU false SI1 2019-Q1 2019-01-01 0.015 6 USD 15000.0 A 5",
		"RU false SI1 2019-Q2 2019-04-01 0.016 6 USD 16000.0 A 6",
		"US false SI3 2025-Q3 2025-07-01 NULL 6 USD NULL M 7",
		"W1 true SI 2025-Q3 2025-07-01 12.5 6 USD 12500000.0 P 4",
	}
	afterPull2 = []string{
		"JP false SI2 2025-Q3 2025-07-01 1200.0 3 USD 1200000.0 A 3",
		"KZ false SI2 2025-Q3 2025-07-01 3.25 6 USD 3250000.0 A 2",
		"US false SI3 2025-Q3 2025-07-01 0.5 6 USD 500000.0 E 7",
		"W1 true SI 2025-Q3 2025-07-01 12.75 6 USD 12750000.0 P 4",
		"W1 true SI 2025-Q4 2025-10-01 13.0 6 USD 13000000.0 P 6",
	}
)

func TestExportsAcrossPulls(t *testing.T) {
	ctx := context.Background()
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	st, err := jobs.IngestExportsFile(ctx, wh, strings.NewReader(pull1), "pull1.csv")
	if err != nil || !st.Changed || st.Inserted != 6 || st.Quarantined != 1 || st.Read != 7 {
		t.Fatalf("pull 1: got %+v, %v; want 6 inserted, 1 quarantined", st, err)
	}
	if got := bopTable(t, wh); strings.Join(got, "\n") != strings.Join(afterPull1, "\n") {
		t.Errorf("after pull 1:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(afterPull1, "\n"))
	}
	st, err = jobs.IngestExportsFile(ctx, wh, strings.NewReader(pull2), "pull2.csv")
	if err != nil || st.Inserted != 1 || st.Updated != 4 || st.Deleted != 2 || st.Quarantined != 1 {
		t.Fatalf("pull 2: got %+v, %v; want 1 inserted, 4 updated, 2 deleted, 1 quarantined", st, err)
	}
	if got := bopTable(t, wh); strings.Join(got, "\n") != strings.Join(afterPull2, "\n") {
		t.Errorf("after pull 2:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(afterPull2, "\n"))
	}
	snap := st.Snapshot
	for _, p := range []struct{ name, data string }{{"pull2.csv", pull2}, {"copy-of-pull2.csv", pull2}} {
		again, err := jobs.IngestExportsFile(ctx, wh, strings.NewReader(p.data), p.name)
		if err != nil || again.Changed || again.Snapshot != snap || again.Committed != 0 {
			t.Errorf("%s again: got %+v, %v; want no change at snapshot %d", p.name, again, err, snap)
		}
	}
	if got := testutil.Count(t, wh, "SELECT count(*) FROM quarantine WHERE source = 'exports'"); got != 2 {
		t.Errorf("got %d quarantined, want 2 (the bad period and the bad value, once each)", got)
	}
	// The table of pull 1 is still there to read at its snapshot.
	if got := testutil.CountAt(t, wh, snap-1, "SELECT count(*) FROM bop_exports"); got != 6 {
		t.Errorf("snapshot %d: got %d rows, want 6", snap-1, got)
	}
}

func TestExportsRefusesMalformedFile(t *testing.T) {
	ctx := context.Background()
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	bad := strings.Replace(pull1, "RU,C,SI1,2019-Q2", "RU,C,\"SI1,2019-Q2", 1)
	_, err = jobs.IngestExportsFile(ctx, wh, strings.NewReader(bad), "bad.csv")
	var ie *ictstat.InputError
	if !errors.As(err, &ie) || ie.Line != 6 {
		t.Fatalf("got %v, want an InputError at line 6", err)
	}
	cur, err := wh.Current()
	if err != nil || cur.ID != 0 {
		t.Errorf("got snapshot %d, %v; want nothing committed", cur.ID, err)
	}
}

// sampleFile reads a bundled sample as lines of fields.
func sampleFile(t *testing.T, name string, sep string) [][]string {
	f, err := os.Open(filepath.Join("..", "testdata", "exports", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, strings.Split(sc.Text(), sep))
	}
	return out[1:]
}

// TestExportsSamples ingests the bundled synthetic release and its update
// and checks the table against the files, read here with a plain split.
func TestExportsSamples(t *testing.T) {
	ctx := context.Background()
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	want := map[string][2]string{} // partner/item/quarter -> value, status
	for _, f := range sampleFile(t, "bop_2019q1_2025q3.csv", ",") {
		want[f[3]+"/"+f[5]+"/"+f[6]] = [2]string{f[7], f[10]}
	}
	for _, f := range sampleFile(t, "bop_update_2025q4.csv", ";") {
		k := f[5] + "/" + f[7] + "/" + f[8]
		if f[2] == "D" {
			delete(want, k)
			continue
		}
		want[k] = [2]string{f[9], f[12]}
	}
	for _, name := range []string{"bop_2019q1_2025q3.csv", "bop_update_2025q4.csv"} {
		f, err := os.Open(filepath.Join("..", "testdata", "exports", name))
		if err != nil {
			t.Fatal(err)
		}
		st, err := jobs.IngestExportsFile(ctx, wh, f, name)
		f.Close()
		if err != nil || st.Quarantined != 0 || !st.Changed {
			t.Fatalf("%s: got %+v, %v", name, st, err)
		}
	}
	rows := testutil.Rows(t, wh, -1, `SELECT counterpart_area || '/' || service_item || '/' || time_period, value, obs_status, unit_mult FROM bop_exports`)
	if len(rows) != len(want) || len(rows) != 1340 {
		t.Fatalf("got %d rows, want %d = 1340", len(rows), len(want))
	}
	for _, r := range rows {
		w, ok := want[r[0].(string)]
		if !ok {
			t.Errorf("%s: not in the files", r[0])
			continue
		}
		var got string
		if r[1] != nil {
			got = strconv.FormatFloat(r[1].(float64)/1e6, 'f', 3, 64)
		}
		if got != w[0] || r[2] != w[1] {
			t.Errorf("%s: got %s million USD %v, want %s %s", r[0], got, r[2], w[0], w[1])
		}
	}
}

// TestPullExportsRetries pulls an SDMX REST URL on loopback that answers
// 503 first, then the message.
func TestPullExportsRetries(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept"), "application/vnd.sdmx.data+csv") || r.URL.Path != "/rest/data/BOM,ICT_SERV,1.0/Q.MN..C." {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.sdmx.data+csv; version=2.0.0")
		fmt.Fprint(w, pull2)
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = ln
	srv.Start()
	defer srv.Close()
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	var waits []time.Duration
	opts := ingestpkg.FetchOptions{RetryOptions: ingestpkg.RetryOptions{Sleep: func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil }}}
	url := srv.URL + "/rest/data/BOM,ICT_SERV,1.0/Q.MN..C."
	st, err := jobs.PullExports(context.Background(), wh, url, opts)
	if err != nil || calls.Load() != 2 || len(waits) != 1 || waits[0] != time.Second {
		t.Fatalf("got %+v, %v after %d calls, waits %v; want success on the second call after the 1s Retry-After", st, err, calls.Load(), waits)
	}
	if !st.Changed || st.Inserted != 5 || st.Quarantined != 1 {
		t.Errorf("got %+v; want the 5 observations of pull 2 that are not deletes, 1 quarantined", st)
	}
	if got := testutil.Count(t, wh, "SELECT count(*) FROM bop_exports WHERE source = ?", url); got != 5 {
		t.Errorf("got %d rows naming the URL as source, want 5", got)
	}
	// A 4xx is not retried and is bad input.
	_, err = jobs.PullExports(context.Background(), wh, srv.URL+"/rest/data/nosuch", opts)
	if !errors.Is(err, ictstat.ErrBadInput) || calls.Load() != 2 {
		t.Errorf("got %v after %d calls; want ErrBadInput without a retry", err, calls.Load())
	}
}
