package jobs_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	feedpkg "github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/queries"
	"github.com/npit-mn/ictstat/warehouse"
)

// idA2 is a second filing_id of idA's company (registry 1000001) and month.
const idA2 = "VZ-202610-1000009"

// second returns a filing under idA2 for idA's company-month.
func second(revenue float64) testutil.Filing {
	return testutil.Filing{ID: idA2, Revenue: revenue, Set: map[string]any{"registry_no": "1000001"}}
}

// yearRevenue returns sector_size's 2026 revenue and active companies over
// every class.
func yearRevenue(t *testing.T, wh *warehouse.Warehouse) string {
	t.Helper()
	q, err := queries.Get("sector_size")
	if err != nil {
		t.Fatal(err)
	}
	sql, args, err := q.Bind(map[string]string{"grain": "year", "subsector": "all", "ict_only": "false"})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range testutil.Rows(t, wh, -1, sql, args...) {
		out = append(out, fmt.Sprintf("%v: %v companies, revenue %v", r[0], r[5], r[6]))
	}
	return strings.Join(out, "; ")
}

// quarantineRows returns the quarantine as "file:line reason".
func quarantineRows(t *testing.T, wh *warehouse.Warehouse) []string {
	t.Helper()
	var out []string
	for _, r := range testutil.Rows(t, wh, -1, "SELECT origin, line, reason FROM quarantine ORDER BY origin, line") {
		out = append(out, fmt.Sprintf("%s:%v %v", filepath.Base(r[0].(string)), r[1], r[2]))
	}
	return out
}

// TestIngestFilingsOneFilingPerCompanyMonth: a second filing_id for a
// company-month is quarantined naming the filing held, within one file and
// across two ingests, and its revenue is not counted; a same-revision
// re-send with other content is quarantined as a conflict; an identical
// re-send changes nothing.
func TestIngestFilingsOneFilingPerCompanyMonth(t *testing.T) {
	a1 := testutil.Filing{ID: idA, Revenue: 250e6}
	b1 := testutil.Filing{ID: idB, Revenue: 125e6}
	const want = "2026: 2 companies, revenue 3.75e+08" // 250M + 125M, the second filing of 1000001 left out
	collision := "filing_id: company 1000001 already has filing " + idA + " for 2026-10"
	for _, tc := range []struct {
		name      string
		files     [][]any
		committed int64 // by the last ingest
	}{
		{"within one file", [][]any{{a1, b1, second(125e6)}}, 2},
		{"across two ingests", [][]any{{a1, b1}, {second(125e6)}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wh := openWarehouse(t)
			dir := t.TempDir()
			var st jobs.PullStats
			for i, recs := range tc.files {
				path := filepath.Join(dir, fmt.Sprint("f", i))
				testutil.WriteFilings(t, path, recs...)
				var err error
				if st, err = ingest(t, wh, path, 1); err != nil {
					t.Fatal(err)
				}
			}
			if st.Quarantined != 1 || st.Committed != tc.committed || st.Read != int64(len(tc.files[len(tc.files)-1])) {
				t.Errorf("last ingest: got %+v, want 1 quarantined, %d committed, each record read once", st, tc.committed)
			}
			q := quarantineRows(t, wh)
			last := fmt.Sprint("f", len(tc.files)-1)
			line := len(tc.files[len(tc.files)-1])
			if len(q) != 1 || !strings.HasPrefix(q[0], fmt.Sprintf("%s:%d %s", last, line, collision)) {
				t.Errorf("quarantine %q, want %s:%d %s", q, last, line, collision)
			}
			if got := yearRevenue(t, wh); got != want {
				t.Errorf("sector_size: got %s, want %s", got, want)
			}
			checkManifestRows(t, wh)
		})
	}

	t.Run("conflicting and identical re-sends", func(t *testing.T) {
		wh := openWarehouse(t)
		dir := t.TempDir()
		write := func(name string, recs ...any) string {
			path := filepath.Join(dir, name)
			testutil.WriteFilings(t, path, recs...)
			return path
		}
		if _, err := ingest(t, wh, write("a", a1, b1), 1); err != nil {
			t.Fatal(err)
		}
		st, err := ingest(t, wh, write("same", a1, b1), 1)
		if err != nil {
			t.Fatal(err)
		}
		if st.Changed || st.Quarantined != 0 || st.Committed != 0 || st.Superseded != 2 {
			t.Errorf("identical re-send: got %+v, want nothing changed", st)
		}
		if st, err = ingest(t, wh, write("other", testutil.Filing{ID: idA, Revenue: 999e6}), 1); err != nil {
			t.Fatal(err)
		}
		if st.Quarantined != 1 || st.Committed != 0 {
			t.Errorf("conflicting re-send: got %+v, want one quarantined", st)
		}
		q := quarantineRows(t, wh)
		if len(q) != 1 || !strings.HasPrefix(q[0], "other:1 revision: conflict: filing "+idA+" revision 1 was already received with other content") {
			t.Errorf("quarantine %q, want the conflict of other:1", q)
		}
		if got := yearRevenue(t, wh); got != want {
			t.Errorf("sector_size: got %s, want %s", got, want)
		}
		// A replay validates the re-encoded record again and the rules
		// refuse it again: it stays, with the same reason.
		rs, err := jobs.ReplayQuarantine(context.Background(), wh, jobs.SourceFilings)
		if err != nil {
			t.Fatal(err)
		}
		if rs.Replayed != 0 || rs.Remaining != 1 {
			t.Errorf("replay: got %+v, want the conflict to stay", rs)
		}
		if q2 := quarantineRows(t, wh); len(q2) != 1 || q2[0] != q[0] {
			t.Errorf("after replay: quarantine %q, want %q", q2, q)
		}
		if got := yearRevenue(t, wh); got != want {
			t.Errorf("sector_size after replay: got %s, want %s", got, want)
		}
	})
}

// TestPullFilingsOneFilingPerCompanyMonth pulls a feed on loopback whose
// pages repeat a filing, resend it with other content and send a second
// filing_id for its company-month: the rules hold as for a file.
func TestPullFilingsOneFilingPerCompanyMonth(t *testing.T) {
	a1 := testutil.Filing{ID: idA, Revenue: 250e6}
	b1 := testutil.Filing{ID: idB, Revenue: 125e6}
	pages := [][]testutil.Filing{{a1, b1}, {a1, second(125e6)}, {testutil.Filing{ID: idA, Revenue: 1}}}
	var mu sync.Mutex
	served := 0 // pages served up to now
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		after := r.URL.Query().Get("after")
		i := 0
		if after != "" {
			fmt.Sscan(strings.TrimPrefix(after, "c"), &i)
		}
		if i >= served {
			fmt.Fprintf(w, `{"filings":[],"next":%q,"has_more":false}`, after)
			return
		}
		var recs []string
		for _, f := range pages[i] {
			recs = append(recs, string(f.JSON()))
		}
		fmt.Fprintf(w, `{"filings":[%s],"next":"c%d","has_more":%t}`, strings.Join(recs, ","), i+1, i+1 < served)
	}))
	defer srv.Close()
	wh := openWarehouse(t)
	feed, err := feedpkg.NewFeed(srv.URL, "filings", feedpkg.FeedOptions{Limit: 10,
		RetryOptions: feedpkg.RetryOptions{BackoffBase: time.Millisecond, MaxRetries: 1, Sleep: func(ctx context.Context, d time.Duration) error { return nil }}})
	if err != nil {
		t.Fatal(err)
	}
	pull := func(upTo int) jobs.PullStats {
		t.Helper()
		mu.Lock()
		served = upTo
		mu.Unlock()
		st, err := jobs.PullFilings(context.Background(), wh, feed, jobs.PullOptions{CommitRows: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := pull(1); st.Committed != 2 || st.Quarantined != 0 {
		t.Fatalf("first page: got %+v, want 2 committed", st)
	}
	if st := pull(2); st.Committed != 0 || st.Quarantined != 1 || st.Superseded != 1 {
		t.Errorf("repeat and collision: got %+v, want 1 superseded (the identical repeat) and 1 quarantined", st)
	}
	if st := pull(3); st.Committed != 0 || st.Quarantined != 1 {
		t.Errorf("conflict: got %+v, want 1 quarantined", st)
	}
	q := quarantineRows(t, wh)
	if len(q) != 2 || !strings.Contains(q[0]+q[1], "already has filing "+idA) || !strings.Contains(q[0]+q[1], "conflict: filing "+idA) {
		t.Errorf("quarantine %q, want the collision and the conflict, naming %s", q, idA)
	}
	if got, want := yearRevenue(t, wh), "2026: 2 companies, revenue 3.75e+08"; got != want {
		t.Errorf("sector_size: got %s, want %s", got, want)
	}
}
