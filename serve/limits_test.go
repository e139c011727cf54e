package serve_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/serve"
	"github.com/npit-mn/ictstat/warehouse"
)

// blockingSQL is a SQLRunner that signals each query's start and waits for
// the test to let it go.
type blockingSQL struct {
	started chan struct{}
	release chan struct{}
}

func (b blockingSQL) Query(ctx context.Context, id int64, q string, _ warehouse.Access) (*warehouse.Result, error) {
	b.started <- struct{}{}
	<-b.release
	return nil, context.DeadlineExceeded
}

// TestAdmissionQueue holds the only slot and checks that the next query
// waits its QueueWait and is then told to come back, while /healthz and
// cached answers are not held up.
func TestAdmissionQueue(t *testing.T) {
	b := blockingSQL{started: make(chan struct{}), release: make(chan struct{})}
	ts, a, _, _ := sqlServer(t, serve.Options{SQL: b, MaxConcurrent: 1, QueueWait: time.Millisecond})
	tok := a.byRole[serve.RoleResearcher]
	done := make(chan int)
	go func() {
		status, _, _ := do(t, "POST", ts.URL+"/api/v1/sql", tok, sqlBody("SELECT 1", "json"))
		done <- status
	}()
	<-b.started
	status, h, body := do(t, "POST", ts.URL+"/api/v1/sql", tok, sqlBody("SELECT 2", "json"))
	if status != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || !strings.Contains(body, "retry") {
		t.Errorf("second query while the slot is held: got %d (Retry-After %q) %s, want 503 with Retry-After", status, h.Get("Retry-After"), body)
	}
	if status, _, _ := do(t, "GET", ts.URL+"/healthz", "", ""); status != 200 {
		t.Errorf("healthz while the slot is held: got %d, want 200", status)
	}
	close(b.release)
	if got := <-done; got != http.StatusGatewayTimeout {
		t.Errorf("the held query: got %d, want 504 (it timed out)", got)
	}
}

// TestRateLimit: with a burst of 2 and a clock that does not move, the
// third computing request of one token is 429; another token is not held.
func TestRateLimit(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	ts, a, _, _ := sqlServer(t, serve.Options{RatePerSecond: 0.5, RateBurst: 2, Now: func() time.Time { return now }})
	tok := a.byRole[serve.RoleResearcher]
	for i := range 2 {
		if status, _, body := do(t, "POST", ts.URL+"/api/v1/sql", tok, sqlBody("SELECT 1", "json")); status != 200 {
			t.Fatalf("query %d: got %d %s", i+1, status, body)
		}
	}
	status, h, _ := do(t, "POST", ts.URL+"/api/v1/sql", tok, sqlBody("SELECT 1", "json"))
	if status != http.StatusTooManyRequests || h.Get("Retry-After") != "2" {
		t.Errorf("third query: got %d Retry-After %q, want 429 and 2 (seconds to the next token at 0.5/s)", status, h.Get("Retry-After"))
	}
	if status, _, _ := do(t, "POST", ts.URL+"/api/v1/sql", a.byRole[serve.RoleAdmin], sqlBody("SELECT 1", "json")); status != 200 {
		t.Errorf("another token: got %d, want 200", status)
	}
}

// countingWarehouse counts the queries that reach the warehouse.
type countingWarehouse struct {
	serve.Warehouse
	n atomic.Int64
}

func (c *countingWarehouse) Query(ctx context.Context, id int64, q string, args ...any) (*warehouse.Result, error) {
	c.n.Add(1)
	return c.Warehouse.Query(ctx, id, q, args...)
}

// TestCacheKeysAreCanonical: seven spellings of base_share=1.7, and the
// parameter left out, are one computation.
func TestCacheKeysAreCanonical(t *testing.T) {
	_, wh := newServer(t)
	cw := &countingWarehouse{Warehouse: wh}
	a := newAccess(t)
	ts := newTestServer(t, serve.New(cw, a.options(serve.Options{})).Handler(), a.byRole[serve.RoleResearcher])
	var first string
	for i, v := range []string{"", "&base_share=1.7", "&base_share=1.70", "&base_share=01.7", "&base_share=1.7e0", "&base_share=17e-1", "&base_share=%2B1.7", "&base_share=1.700"} {
		status, _, body := get(t, ts.URL+"/api/v1/queries/gdp_share?format=csv"+v)
		if status != 200 {
			t.Fatalf("%q: got %d %s", v, status, body)
		}
		if i == 0 {
			first = body
		} else if body != first {
			t.Errorf("%q: got another answer", v)
		}
	}
	if got := cw.n.Load(); got != 1 {
		t.Errorf("got %d computations for one question, want 1", got)
	}
	status, _, body := get(t, ts.URL+"/api/v1/queries/gdp_share?grain=year;DROP")
	if status != http.StatusBadRequest || !strings.Contains(body, "semicolon") {
		t.Errorf("grain=year;DROP: got %d %s, want 400 naming the semicolon", status, body)
	}
	status, _, body = get(t, ts.URL+"/"+strings.Repeat("x", 900_000))
	if status != 404 || len(body) > 1000 {
		t.Errorf("a 900 KB path: got %d and %d bytes, want a 404 of under 1000", status, len(body))
	}
	status, _, body = get(t, ts.URL+"/api/v1/queries/survey_estimates?min_n=3")
	if status != http.StatusForbidden || !strings.Contains(body, "admin") {
		t.Errorf("min_n=3 as a researcher: got %d %s, want 403 naming the admin role", status, body)
	}
}

// TestSnapshotsHidePaths: the server's folders never reach a caller.
func TestSnapshotsHidePaths(t *testing.T) {
	ts, a, wh, _ := sqlServer(t, serve.Options{})
	status, _, body := do(t, "GET", ts.URL+"/api/v1/snapshots", a.byRole[serve.RoleResearcher], "")
	if status != 200 || strings.Contains(body, wh.Root()) || !strings.Contains(body, "filings.ndjson") {
		t.Errorf("got %d %s, want the file's name without %s", status, body, wh.Root())
	}
}

// TestPublicHook: the public's analytics go through Options.Public only,
// once per question (cached apart from the researchers' answers), and
// min_n's floor holds for them too.
func TestPublicHook(t *testing.T) {
	var calls atomic.Int64
	public := func(ctx context.Context, name string, params map[string]string, snap int64) (*warehouse.Result, error) {
		calls.Add(1)
		return nil, fmt.Errorf("%w: %s is not in a release yet", ictstat.ErrForbidden, name)
	}
	ts, a, _, _ := sqlServer(t, serve.Options{Public: public})
	for range 2 {
		status, _, body := do(t, "GET", ts.URL+"/api/v1/queries/sector_size?grain=year", "", "")
		if status != http.StatusForbidden || !strings.Contains(body, "not in a release") {
			t.Errorf("public: got %d %s, want the hook's 403", status, body)
		}
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("hook called %d times for two refused requests, want 2 (refusals are not cached)", got)
	}
	if status, _, _ := do(t, "GET", ts.URL+"/api/v1/queries/sector_size?grain=year", a.byRole[serve.RoleResearcher], ""); status != 200 || calls.Load() != 2 {
		t.Errorf("researcher: got %d with %d hook calls, want 200 without the hook", status, calls.Load())
	}
	if status, _, _ := do(t, "GET", ts.URL+"/api/v1/queries/survey_estimates?min_n=2", "", ""); status != http.StatusForbidden || calls.Load() != 2 {
		t.Errorf("public min_n=2: got %d, want 403 before the hook", status)
	}
}
