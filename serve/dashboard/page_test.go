package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/queries"
	"github.com/npit-mn/ictstat/serve"
	"github.com/npit-mn/ictstat/serve/dashboard"
	"github.com/npit-mn/ictstat/warehouse"
)

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// section returns the HTML of the page's section id.
func section(t *testing.T, page, id string) string {
	t.Helper()
	i := strings.Index(page, `<section id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no section %s in the page", id)
	}
	j := strings.Index(page[i:], "</section>")
	return page[i : i+j]
}

// smallServer serves the sector_size fixture: four ICT companies in two
// divisions, so every division cell rests on fewer than 3 companies and
// only the sector's total may be shown.
func smallServer(t *testing.T) (*httptest.Server, *warehouse.Warehouse) {
	t.Helper()
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{Reference: queries.Reference()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	f, err := os.Open("../../testdata/sector_size/filings.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := jobs.IngestFilingsFile(context.Background(), wh, f, "fixture", jobs.Options{}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(serve.New(wh, fixtureOptions(wh)).Handler())
	t.Cleanup(ts.Close)
	return ts, wh
}

// TestPublicSuppression checks that a division cell with fewer than 3
// companies is never on the page, in the chart, the table or a headline,
// while the sector's total (4 companies) is.
func TestPublicSuppression(t *testing.T) {
	ts, _ := smallServer(t)
	_, _, body := get(t, ts.URL+"/api/v1/queries/sector_size?grain=year&subsector=division&format=json")
	var divs struct{ Rows []map[string]any }
	if err := json.Unmarshal([]byte(body), &divs); err != nil || len(divs.Rows) < 2 {
		t.Fatalf("got %d division rows (%v), want the fixture's divisions", len(divs.Rows), err)
	}
	for _, measure := range []string{"gva", "revenue", "employees", "companies"} {
		status, h, page := get(t, ts.URL+"/?lang=en&measure="+measure)
		if status != 200 || h.Get("Content-Language") != "en" || !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Fatalf("got %d, headers %v", status, h)
		}
		sec := section(t, page, "sector")
		if strings.Contains(sec, `class="point"`) {
			t.Errorf("%s: the chart draws a suppressed cell", measure)
		}
		// The figures outside the chart: the axis's own ticks are not data.
		if i, j := strings.Index(sec, "<svg"), strings.Index(sec, "</svg>"); i >= 0 && j > i {
			sec = sec[:i] + sec[j:]
		}
		col := map[string]string{"gva": "gva_mnt", "revenue": "revenue_mnt", "employees": "employees", "companies": "active_companies"}[measure]
		for _, r := range divs.Rows {
			if n := r["active_companies"].(float64); n >= dashboard.MinCompanies {
				t.Fatalf("fixture division %v has %v companies, want fewer than 3", r["subsector"], n)
			}
			v := r[col].(float64)
			for _, shown := range []string{fmt.Sprintf("%.2f", v/1e9), fmt.Sprintf("%.1f", v/1e9), fmt.Sprintf(": %.0f<", v), fmt.Sprintf(">%.0f<", v)} {
				if v != 0 && strings.Contains(sec, shown) {
					t.Errorf("%s: division %v's %s %v appears as %q in the sector panel", measure, r["subsector"], col, v, shown)
				}
			}
		}
		if strings.Count(sec, `<td class="n">x</td>`) < len(divs.Rows) {
			t.Errorf("%s: want every division cell marked x in the table", measure)
		}
	}
	_, _, page := get(t, ts.URL+"/?lang=en&measure=revenue")
	if !strings.Contains(section(t, page, "sector"), ">1.07</span> <small>bn MNT</small>") {
		t.Errorf("want the sector's total revenue of 4 companies, 1.07 bn MNT, as a headline")
	}
}

func TestPageErrors(t *testing.T) {
	ts, _ := smallServer(t)
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/?lang=fr", 400, `lang "fr": want mn or en`},
		{"/?measure=profit", 400, "measure"},
		{"/?snapshot=abc", 400, "snapshot"},
		{"/?lang=en&lang=mn", 400, "lang given 2 times"},
		{"/?colour=red", 400, "colour"},
		{"/?snapshot=99", 404, "snapshot 99"},
		{"/?snapshot=1&lang=en", 200, "Data as of snapshot: <b>1</b>"},
		{"/?snapshot=0&lang=en", 200, "No data in this snapshot."}, // the empty warehouse
	} {
		status, _, body := get(t, ts.URL+tc.path)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: got %d %.200q, want %d naming %q", tc.path, status, body, tc.status, tc.want)
		}
	}
}

// whSource is a Source over the warehouse, read back independently of the
// server's: every cell as its text.
type whSource struct {
	wh    *warehouse.Warehouse
	calls atomic.Int64
}

func (s *whSource) Current() (int64, error) {
	m, err := s.wh.Current()
	if err != nil {
		return 0, err
	}
	return m.ID, nil
}

func (s *whSource) Analytic(ctx context.Context, snap int64, name string, params map[string]string) (*dashboard.Table, error) {
	s.calls.Add(1)
	q, err := queries.Get(name)
	if err != nil {
		return nil, err
	}
	sql, args, err := q.Bind(params)
	if err != nil {
		return nil, err
	}
	res, err := s.wh.Query(ctx, snap, sql, args...)
	if err != nil {
		return nil, err
	}
	defer res.Release()
	t := &dashboard.Table{}
	for _, f := range res.Schema().Fields() {
		t.Columns = append(t.Columns, f.Name)
	}
	for res.Next() {
		rec := res.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]any, rec.NumCols())
			for c := range row {
				if col := rec.Column(c); !col.IsNull(i) {
					row[c] = strings.Clone(col.ValueStr(i))
				}
			}
			t.Rows = append(t.Rows, row)
		}
	}
	return t, res.Err()
}

// TestCacheAndWeight renders the page once per snapshot and state (the
// second request runs no analytic), keeps each page under 300 KB, and
// renders again after a commit.
func TestCacheAndWeight(t *testing.T) {
	_, wh := newFixture(t, 400)
	src := &whSource{wh: wh}
	d := dashboard.New(src, dashboard.Options{Now: fixtureNow})
	serveOnce := func(target string) string {
		rec := httptest.NewRecorder()
		d.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		if rec.Code != 200 {
			t.Fatalf("%s: got %d %s", target, rec.Code, rec.Body.String())
		}
		if n := rec.Body.Len(); n >= 300<<10 {
			t.Errorf("%s: page weighs %d bytes, want under 300 KB", target, n)
		}
		return rec.Body.String()
	}
	first := serveOnce("/")
	n := src.calls.Load()
	if n < 10 {
		t.Fatalf("first render ran %d analytics, want every panel's", n)
	}
	if again := serveOnce("/"); again != first || src.calls.Load() != n {
		t.Errorf("second request ran %d more analytics, want the cached page", src.calls.Load()-n)
	}
	serveOnce("/?lang=en&measure=employees")
	if src.calls.Load() != 2*n {
		t.Errorf("a new state ran %d analytics, want %d", src.calls.Load()-n, n)
	}
	more := `{"filing_id":"VZ-202610-9000001","revision":1,"registry_no":"9000001","company_name":"New LLC","isic4":"6201","zone":"UB-01","period":"2026-10","submitted_at":"2026-11-20T09:00:00+08:00","currency":"MNT","revenue":5000000,"intermediate_consumption":1000000,"employees":1}` + "\n"
	if _, err := jobs.IngestFilingsFile(context.Background(), wh, strings.NewReader(more), "more", jobs.Options{}); err != nil {
		t.Fatal(err)
	}
	if after := serveOnce("/"); after == first || src.calls.Load() != 3*n {
		t.Errorf("after a commit: %d analytics run, page changed %v; want a new render", src.calls.Load()-2*n, after != first)
	}
}
