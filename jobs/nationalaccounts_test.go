package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
	pxingest "github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/simulate"
	"github.com/npit-mn/ictstat/warehouse"
)

const naDir = "../testdata/national_accounts"

var (
	naCurrent = filepath.Join(naDir, "DT_NSO_0500_001V1.json")
	naEarlier = filepath.Join(naDir, "DT_NSO_0500_001V1.vintage-2024-03-20.json")
)

// naQuery renders national_accounts as text lines, sorted.
const naQuery = `SELECT table_id, strftime(vintage, '%Y-%m-%dT%H:%M:%SZ'), indicator, current_prices, activity, activity_role,
	freq, period, period_label, CAST(period_start AS VARCHAR), year, value_mn_mnt, status FROM national_accounts`

func naRows(t *testing.T, wh *warehouse.Warehouse) []string {
	t.Helper()
	var out []string
	for _, r := range testutil.Rows(t, wh, -1, naQuery) {
		var parts []string
		for _, v := range r {
			if v == nil {
				v = "null"
			}
			parts = append(parts, fmt.Sprint(v))
		}
		out = append(out, strings.Join(parts, "|"))
	}
	slices.Sort(out)
	return out
}

// expectRows reads a sample file with a reading of its own (generic JSON,
// positions from the flat index by division) and renders the rows the
// default mapping must make of it, as naRows does.
func expectRows(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ds struct {
		Updated   string   `json:"updated"`
		ID        []string `json:"id"`
		Size      []int    `json:"size"`
		Dimension map[string]struct {
			Category struct {
				Index map[string]int    `json:"index"`
				Label map[string]string `json:"label"`
			} `json:"category"`
		} `json:"dimension"`
		Value  []*float64        `json:"value"`
		Status map[string]string `json:"status"`
	}
	if err := json.Unmarshal(data, &ds); err != nil {
		t.Fatal(err)
	}
	code := func(dim string, pos int) (string, string) {
		for c, p := range ds.Dimension[dim].Category.Index {
			if p == pos {
				return c, strings.TrimSpace(ds.Dimension[dim].Category.Label[c])
			}
		}
		t.Fatalf("no category %d in %s", pos, dim)
		return "", ""
	}
	var out []string
	for i, v := range ds.Value {
		rest, pos := i, make([]int, 3)
		for d := 2; d >= 0; d-- {
			pos[d], rest = rest%ds.Size[d], rest/ds.Size[d]
		}
		ind, _ := code("Үзүүлэлт", pos[0])
		act, actLabel := code("Эдийн засгийн салбар", pos[1])
		_, year := code("Он", pos[2])
		role := "other"
		if act == "0" {
			role = "total"
		} else if actLabel == "Information and communication" {
			role = "ict"
		}
		val := "null"
		if v != nil {
			val = fmt.Sprint(*v)
		}
		out = append(out, strings.Join([]string{"DT_NSO_0500_001V1", ds.Updated, ind, fmt.Sprint(ind == "0"), act, role,
			"A", year, year, year + "-01-01", year, val, ds.Status[fmt.Sprint(i)]}, "|"))
	}
	return out
}

func openWH(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	return wh
}

func ingestFile(t *testing.T, wh *warehouse.Warehouse, path string, opts jobs.NationalAccountsOptions) jobs.PullStats {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := jobs.IngestNationalAccounts(context.Background(), wh, data, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestNationalAccountsTwoVintages(t *testing.T) {
	want := append(expectRows(t, naEarlier), expectRows(t, naCurrent)...)
	slices.Sort(want)
	if len(want) != 264+308 {
		t.Fatalf("the sample files make %d rows, want 572", len(want))
	}
	for _, order := range [][]string{{naEarlier, naCurrent}, {naCurrent, naEarlier}} {
		wh := openWH(t)
		for i, f := range order {
			st := ingestFile(t, wh, f, jobs.NationalAccountsOptions{})
			if !st.Changed || st.Snapshot != int64(i+1) || st.Quarantined != 0 {
				t.Fatalf("%s: got %+v, want snapshot %d", f, st, i+1)
			}
		}
		if got := naRows(t, wh); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("order %v: national_accounts differs:\n%s", order, diffLines(got, want))
		}
		// Pulling either vintage again changes nothing.
		for _, f := range order {
			if st := ingestFile(t, wh, f, jobs.NationalAccountsOptions{}); st.Changed || st.Committed != 0 || st.Superseded == 0 {
				t.Errorf("%s again: got %+v, want nothing new", f, st)
			}
		}
		if ids := testutil.ManifestIDs(t, wh.Root()); len(ids) != 2 {
			t.Errorf("got snapshots %v, want 2", ids)
		}
	}
	// The revision of 2023 is in the warehouse as two vintages.
	wh := openWH(t)
	ingestFile(t, wh, naEarlier, jobs.NationalAccountsOptions{})
	ingestFile(t, wh, naCurrent, jobs.NationalAccountsOptions{})
	rows := testutil.Rows(t, wh, -1, `SELECT value_mn_mnt, status FROM national_accounts
		WHERE current_prices AND activity_role = 'total' AND period = '2023' ORDER BY vintage`)
	if len(rows) != 2 || rows[0][0] != 68900000.0 || rows[0][1] != "preliminary" || rows[1][0] != 70441516.0 {
		t.Errorf("got 2023 GDP by vintage %v, want 68900000 (preliminary) then 70441516", rows)
	}
	if n := testutil.Count(t, wh, `SELECT count(*) FROM national_accounts WHERE source LIKE '%.json' AND pulled_at IS NOT NULL`); n != 572 {
		t.Errorf("got %d rows with source and pull time, want 572", n)
	}
}

func diffLines(got, want []string) string {
	var b strings.Builder
	for _, g := range got {
		if !slices.Contains(want, g) {
			fmt.Fprintf(&b, "+ %s\n", g)
		}
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			fmt.Fprintf(&b, "- %s\n", w)
		}
	}
	return fmt.Sprintf("%d rows, want %d\n%s", len(got), len(want), b.String())
}

func TestNationalAccountsWithoutUpdated(t *testing.T) {
	ds := `{"id":["Үзүүлэлт","Эдийн засгийн салбар","Он"],"size":[1,2,2],"dimension":{
		"Үзүүлэлт":{"category":{"index":["0"]}},
		"Эдийн засгийн салбар":{"category":{"index":["0","10"],"label":{"0":"Total","10":" Information and communication"}}},
		"Он":{"category":{"index":["0","1"],"label":{"0":"2024","1":"Bad period"}}}},"value":[VALUE,2,3,4]}`
	wh := openWH(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	opts := jobs.NationalAccountsOptions{Now: func() time.Time { return now }}
	pull := func(v string) jobs.PullStats {
		st, err := jobs.IngestNationalAccounts(context.Background(), wh, []byte(strings.Replace(ds, "VALUE", v, 1)), "http://x/DT_A.px", opts)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := pull("1"); !st.Changed || st.Committed != 2 || st.Quarantined != 2 {
		t.Fatalf("got %+v, want 2 committed, 2 quarantined (the bad period)", st)
	}
	now = now.Add(24 * time.Hour)
	if st := pull("1"); st.Changed {
		t.Errorf("got %+v, want the same content to change nothing even without `updated`", st)
	}
	now = now.Add(24 * time.Hour)
	if st := pull("1.5"); !st.Changed || st.Committed != 2 {
		t.Errorf("got %+v, want new content to make a new vintage", st)
	}
	rows := testutil.Rows(t, wh, -1, `SELECT table_id, strftime(vintage, '%Y-%m-%d'), value_mn_mnt FROM national_accounts WHERE activity_role = 'total' ORDER BY vintage`)
	if fmt.Sprint(rows) != "[[DT_A 2026-01-01 1] [DT_A 2026-01-03 1.5]]" {
		t.Errorf("got %v, want the two vintages of DT_A keyed by pull time", rows)
	}
	if n := testutil.Count(t, wh, `SELECT count(*) FROM quarantine WHERE source = 'national_accounts' AND reason LIKE '%dimension.Он.category.label.1%'`); n != 2 {
		t.Errorf("got %d quarantined cells naming the field, want 2", n)
	}
}

func TestNationalAccountsSameVintageOtherValues(t *testing.T) {
	wh := openWH(t)
	ingestFile(t, wh, naCurrent, jobs.NationalAccountsOptions{})
	data, _ := os.ReadFile(naCurrent)
	changed := strings.Replace(string(data), "80663051", "80000000", 1)
	st, err := jobs.IngestNationalAccounts(context.Background(), wh, []byte(changed), "x.json", jobs.NationalAccountsOptions{})
	if err != nil || st.Changed || st.Superseded != 308 {
		t.Errorf("got %+v, %v; want the stored vintage kept", st, err)
	}
	if n := testutil.Count(t, wh, `SELECT count(*) FROM national_accounts WHERE value_mn_mnt = 80663051`); n != 1 {
		t.Errorf("got %d rows of 80663051, want the history unchanged", n)
	}
}

func TestNationalAccountsMalformedCommitsNothing(t *testing.T) {
	wh := openWH(t)
	data, _ := os.ReadFile(naCurrent)
	for _, tc := range []struct{ name, data, field string }{
		{"index out of range", strings.Replace(string(data), `"6": 6`, `"6": 9`, 1), "dimension.Он.category.index"},
		{"values short", strings.Replace(string(data), "80663051,", "", 1), "value"},
		{"truncated", string(data[:len(data)/2]), ""},
		{"activity missing", strings.ReplaceAll(string(data), "Эдийн засгийн салбар", "Салбар"), "dimension.Эдийн засгийн салбар"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := jobs.IngestNationalAccounts(context.Background(), wh, []byte(tc.data), "bad.json", jobs.NationalAccountsOptions{})
			var ie *ictstat.InputError
			if !errors.As(err, &ie) || ie.Field != tc.field || ie.File != "bad.json" {
				t.Errorf("got %v, want an InputError of field %q", err, tc.field)
			}
		})
	}
	if ids := testutil.ManifestIDs(t, wh.Root()); len(ids) != 0 {
		t.Errorf("got snapshots %v, want none", ids)
	}
}

// TestPullNationalAccountsFromPXWeb runs the client, the job and the
// warehouse against the PX-Web simulator on loopback: the session cookie,
// the pacing (the times the client asked for, on one fake clock that the
// client and the simulator share), a new release as a new vintage, and a
// moved table.
func TestPullNationalAccountsFromPXWeb(t *testing.T) {
	t.Parallel()
	clock := testutil.NewClock(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	sim := simulate.NewPXWeb(simulate.PXWebOptions{Tables: simulate.NSOVintage(1), Now: clock.Now})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	wh := openWH(t)
	ctx := context.Background()
	opts := pxingest.PXWebOptions{Now: clock.Now, RetryOptions: pxingest.RetryOptions{Sleep: clock.Sleep}}
	px, err := pxingest.NewPXWeb(sim.TableURL(srv.URL, simulate.NSOTableAnnual), opts)
	if err != nil {
		t.Fatal(err)
	}
	st, err := jobs.PullNationalAccounts(ctx, wh, px, jobs.NationalAccountsOptions{})
	if err != nil || !st.Changed || st.Committed != 264 {
		t.Fatalf("got %+v, %v; want the 264 cells of the earlier release", st, err)
	}
	sim.SetTables(simulate.NSOVintage(2))
	if st, err = jobs.PullNationalAccounts(ctx, wh, px, jobs.NationalAccountsOptions{}); err != nil || !st.Changed || st.Committed != 308 {
		t.Fatalf("got %+v, %v; want the 308 cells of the new release", st, err)
	}
	if st, err = jobs.PullNationalAccounts(ctx, wh, px, jobs.NationalAccountsOptions{}); err != nil || st.Changed {
		t.Fatalf("got %+v, %v; want the same release to change nothing", st, err)
	}
	want := append(expectRows(t, naEarlier), expectRows(t, naCurrent)...)
	slices.Sort(want)
	if got := naRows(t, wh); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("pulled national_accounts differs from the sample files:\n%s", diffLines(got, want))
	}
	if n := testutil.Count(t, wh, `SELECT count(*) FROM national_accounts WHERE source = ?`, px.URL()); n != 572 {
		t.Errorf("got %d rows with the table's URL as source, want 572", n)
	}

	reqs := sim.Requests()
	var methods []string
	for i, r := range reqs {
		methods = append(methods, fmt.Sprintf("%s %d", r.Method, r.Status))
		if i == 0 {
			if r.Cookie || r.Status != 429 {
				t.Errorf("first request: got cookie %v status %d, want none and 429 with the cookie", r.Cookie, r.Status)
			}
			continue
		}
		if !r.Cookie || r.Status != 200 {
			t.Errorf("request %d: got cookie %v status %d, want the session cookie and 200", i, r.Cookie, r.Status)
		}
		if gap := r.At.Sub(reqs[i-1].At); i == 1 && gap < time.Second {
			t.Errorf("request 1 came %s after the 429, want at least its Retry-After of 1s", gap)
		}
		if gap := r.At.Sub(reqs[i-1].At); gap < 600*time.Millisecond {
			t.Errorf("request %d came %s after the previous one, want at least 600ms", i, gap)
		}
	}
	if want := "GET 429,GET 200,POST 200,GET 200,POST 200,GET 200,POST 200"; strings.Join(methods, ",") != want {
		t.Errorf("got requests %s, want %s", strings.Join(methods, ","), want)
	}

	moved, _ := pxingest.NewPXWeb(sim.TableURL(srv.URL, "DT_NSO_0500_001V9"), opts)
	_, err = jobs.PullNationalAccounts(ctx, wh, moved, jobs.NationalAccountsOptions{})
	if !errors.Is(err, pxingest.ErrTableMoved) || !strings.Contains(err.Error(), "table DT_NSO_0500_001V9 not found at "+moved.URL()+": NSO may have moved it; update sources.national_accounts.url") {
		t.Errorf("got %v, want the moved-table message", err)
	}
}

func TestNationalAccountsTimeRole(t *testing.T) {
	ds := `{"id":["Үзүүлэлт","Base","Эдийн засгийн салбар","Time"],"size":[1,1,1,2],ROLE"dimension":{
		"Үзүүлэлт":{"category":{"index":["0"]}},"Base":{"category":{"index":["2015"]}},
		"Эдийн засгийн салбар":{"category":{"index":["0"]}},
		"Time":{"category":{"index":["2024Q1","2023Q4"]}}},"value":[1,2],"updated":"2025-01-01"}`
	wh := openWH(t)
	_, err := jobs.IngestNationalAccounts(context.Background(), wh, []byte(strings.Replace(ds, "ROLE", "", 1)), "t.json", jobs.NationalAccountsOptions{})
	if !errors.Is(err, ictstat.ErrBadInput) || !strings.Contains(err.Error(), "time_dimension") {
		t.Errorf("got %v, want two period-like dimensions refused, naming time_dimension", err)
	}
	st, err := jobs.IngestNationalAccounts(context.Background(), wh, []byte(strings.Replace(ds, "ROLE", `"role":{"time":["Time"]},`, 1)), "t.json", jobs.NationalAccountsOptions{})
	if err != nil || st.Committed != 2 {
		t.Fatalf("got %+v, %v; want role.time to name the time dimension", st, err)
	}
	if rows := testutil.Rows(t, wh, -1, "SELECT period, freq FROM national_accounts ORDER BY period"); fmt.Sprint(rows) != "[[2023-Q4 Q] [2024-Q1 Q]]" {
		t.Errorf("got %v, want the quarters", rows)
	}
}
