package serve_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/queries"
	"github.com/npit-mn/ictstat/serve"
	"github.com/npit-mn/ictstat/warehouse"
)

func newServer(t testing.TB) (*httptest.Server, *warehouse.Warehouse) {
	t.Helper()
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{Reference: queries.Reference()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	f, err := os.Open("../testdata/sector_size/filings.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := jobs.IngestFilingsFile(context.Background(), wh, f, "fixture", jobs.Options{}); err != nil {
		t.Fatal(err)
	}
	ts := adminServer(t, wh, serve.Options{})
	t.Cleanup(ts.Close)
	return ts, wh
}

// cacheLines finds the cache's hit and miss counters in /metrics.
var cacheLines = regexp.MustCompile(`ictstat_query_cache_total\{result="hit"\} \d+\nictstat_query_cache_total\{result="miss"\} \d+`)

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestRoutes(t *testing.T) {
	ts, _ := newServer(t)
	for _, tc := range []struct {
		name       string
		path       string
		wantStatus int
		wantType   string
		wantBody   string // substring
	}{
		{"dashboard", "/", 200, "text/html", `<html lang="mn">`},
		{"dashboard en", "/?lang=en", 200, "text/html", "Data as of snapshot: <b>1</b>"},
		{"healthz", "/healthz", 200, "application/json", `"snapshot": 1`},
		{"metrics", "/metrics", 200, "text/plain", "ictstat_http_requests_total"},
		{"queries", "/api/v1/queries", 200, "application/json", `"sector_size"`},
		{"query json", "/api/v1/queries/sector_size?grain=year&subsector=all", 200, "application/json", `"revenue_mnt":1070000000`},
		{"query csv", "/api/v1/queries/sector_size?grain=year&subsector=all&format=csv", 200, "text/csv", "2026,2026-01-01,all,false,4,4,1070000000"},
		{"query parquet", "/api/v1/queries/sector_size?format=parquet", 200, "application/vnd.apache.parquet", "PAR1"},
		{"query arrow", "/api/v1/queries/sector_size?format=arrow", 200, "application/vnd.apache.arrow.stream", "revenue_mnt"}, // in the stream's schema
		{"time travel to empty", "/api/v1/queries/sector_size?snapshot=0&grain=year", 200, "application/json", `"rows":[]`},
		{"bad enum", "/api/v1/queries/sector_size?grain=decade", 400, "application/json", "parameter grain"},
		{"unknown param", "/api/v1/queries/sector_size?colour=red", 400, "application/json", "colour"},
		{"repeated param", "/api/v1/queries/sector_size?grain=year&grain=month", 400, "application/json", "grain given 2 times"},
		{"bad format", "/api/v1/queries/sector_size?format=xml", 400, "application/json", "format"},
		{"bad snapshot", "/api/v1/queries/sector_size?snapshot=abc", 400, "application/json", "snapshot"},
		{"missing snapshot", "/api/v1/queries/sector_size?snapshot=99", 404, "application/json", "snapshot 99"},
		{"unknown query", "/api/v1/queries/nosuch", 404, "application/json", "nosuch"},
		{"snapshots", "/api/v1/snapshots", 200, "application/json", `"operation": "ingest filings"`},
		{"jobs", "/api/v1/jobs", 200, "application/json", `"runs"`},
		{"jobs bad limit", "/api/v1/jobs?limit=-1", 400, "application/json", "limit"},
		{"unknown route", "/api/v2/nothing", 404, "application/json", "no such route"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.wantBody == "" {
				t.Fatal("an empty substring checks nothing: name what the body must hold")
			}
			status, h, body := get(t, ts.URL+tc.path)
			if status != tc.wantStatus {
				t.Fatalf("got status %d, want %d: %s", status, tc.wantStatus, body)
			}
			if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, tc.wantType) {
				t.Errorf("got Content-Type %q, want %q", ct, tc.wantType)
			}
			if !strings.Contains(body, tc.wantBody) {
				t.Errorf("got body %.300s, want it to contain %q", body, tc.wantBody)
			}
			if status >= 400 {
				var e struct{ Error, Detail string }
				if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error == "" {
					t.Errorf("got error body %q, want JSON {error, detail}", body)
				}
			}
		})
	}
}

func TestCacheFollowsSnapshots(t *testing.T) {
	ts, wh := newServer(t)
	url := ts.URL + "/api/v1/queries/sector_size?grain=year&subsector=all&format=csv"
	hits := func() string {
		_, _, m := get(t, ts.URL+"/metrics")
		return cacheLines.FindString(m)
	}
	_, h1, first := get(t, url)
	_, _, again := get(t, url)
	if first != again || h1.Get("X-Ictstat-Snapshot") != "1" {
		t.Fatalf("got %q then %q, want the same cached answer of snapshot 1", first, again)
	}
	// Same answers could come from running the query twice: the second
	// must have come from the cache.
	if got, want := hits(), "ictstat_query_cache_total{result=\"hit\"} 1\nictstat_query_cache_total{result=\"miss\"} 1"; got != want {
		t.Fatalf("got cache metrics %q after two requests, want one miss then one hit", got)
	}
	more := `{"filing_id":"VZ-202611-1000007","revision":1,"registry_no":"1000007","company_name":"New LLC","isic4":"6201","zone":"UB-01","period":"2026-11","submitted_at":"2026-11-20T09:00:00+08:00","currency":"MNT","revenue":5000000,"intermediate_consumption":1000000,"employees":1}` + "\n"
	if _, err := jobs.IngestFilingsFile(context.Background(), wh, strings.NewReader(more), "more", jobs.Options{}); err != nil {
		t.Fatal(err)
	}
	_, h2, after := get(t, url)
	if after == first || h2.Get("X-Ictstat-Snapshot") != "2" || !strings.Contains(after, "1075000000") {
		t.Errorf("got %q (snapshot %s) after a new commit, want snapshot 2's revenue 1075000000", after, h2.Get("X-Ictstat-Snapshot"))
	}
	_, _, old := get(t, url+"&snapshot=1")
	if old != first {
		t.Errorf("got %q for snapshot 1, want the original %q", old, first)
	}
}
