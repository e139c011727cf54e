package ingest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/simulate"
)

func TestPXWebQueryFromMetadata(t *testing.T) {
	sim := simulate.NewPXWeb(simulate.PXWebOptions{NoCookie: true, MinGap: -1})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	px, err := ingest.NewPXWeb(sim.TableURL(srv.URL, simulate.NSOTableAnnual), ingest.PXWebOptions{MinInterval: -1,
		Selection: map[string][]string{"Үзүүлэлт": {"0"}, "Эдийн засгийн салбар": {"0", "10"}}})
	if err != nil {
		t.Fatal(err)
	}
	if px.TableID() != simulate.NSOTableAnnual {
		t.Errorf("got table id %q, want %s", px.TableID(), simulate.NSOTableAnnual)
	}
	ctx := context.Background()
	meta, err := px.Metadata(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(meta.Variables) != 3 || meta.Variables[2].Code != "Он" || meta.Variables[2].ValueTexts[0] != "2024" {
		t.Fatalf("got variables %+v, want Үзүүлэлт, Эдийн засгийн салбар, Он (2024 first)", meta.Variables)
	}
	q, err := px.BuildQuery(meta)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(q)
	want := `{"query":[{"code":"Үзүүлэлт","selection":{"filter":"item","values":["0"]}},` +
		`{"code":"Эдийн засгийн салбар","selection":{"filter":"item","values":["0","10"]}},` +
		`{"code":"Он","selection":{"filter":"item","values":["0","1","2","3","4","5","6"]}}],"response":{"format":"json-stat2"}}`
	if string(b) != want {
		t.Errorf("got query\n%s\nwant\n%s", b, want)
	}
	data, err := px.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := ingest.ReadJSONStat(data, px.URL())
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 1*2*7 {
		t.Errorf("got %d cells, want 14", ds.Len())
	}
	for c := range ds.Cells() {
		if c.Codes[1] == "0" && c.Codes[2] == "0" && (c.Value == nil || *c.Value != 80663051) {
			t.Errorf("got 2024 GDP %v, want 80663051", c.Value)
		}
	}

	bad, _ := ingest.NewPXWeb(sim.TableURL(srv.URL, simulate.NSOTableAnnual), ingest.PXWebOptions{Selection: map[string][]string{"Он": {"99"}}})
	if _, err := bad.BuildQuery(meta); !errors.Is(err, ictstat.ErrUsage) || !strings.Contains(err.Error(), `"99"`) {
		t.Errorf("got %v, want a usage error naming the value 99", err)
	}
	bad, _ = ingest.NewPXWeb(sim.TableURL(srv.URL, simulate.NSOTableAnnual), ingest.PXWebOptions{Selection: map[string][]string{"Year": {"0"}}})
	if _, err := bad.BuildQuery(meta); !errors.Is(err, ictstat.ErrUsage) || !strings.Contains(err.Error(), `"Year"`) {
		t.Errorf("got %v, want a usage error naming the variable Year", err)
	}
}

func TestPXWebMovedTable(t *testing.T) {
	sim := simulate.NewPXWeb(simulate.PXWebOptions{NoCookie: true, MinGap: -1})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	url := sim.TableURL(srv.URL, "DT_NSO_0500_001V2")
	px, _ := ingest.NewPXWeb(url, ingest.PXWebOptions{MinInterval: -1})
	_, err := px.Fetch(context.Background())
	want := "table DT_NSO_0500_001V2 not found at " + url + ": NSO may have moved it; update sources.national_accounts.url"
	if !errors.Is(err, ingest.ErrTableMoved) || !errors.Is(err, ictstat.ErrNotFound) || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want ErrTableMoved saying %q", err, want)
	}
	if n := len(sim.Requests()); n != 1 {
		t.Errorf("got %d requests, want 1 (a moved table is not retried)", n)
	}
}

func TestPXWebRetriesHonourRetryAfter(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		switch {
		case n < 0: // down for good
			w.WriteHeader(http.StatusServiceUnavailable)
		case n == 1:
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusServiceUnavailable)
		case n == 2:
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			w.Write([]byte(`{"title":"t","variables":[{"code":"Он","text":"Year","values":["0"],"valueTexts":["2024"]}]}`))
		}
	}))
	defer srv.Close()
	var sleeps []time.Duration
	px, _ := ingest.NewPXWeb(srv.URL+"/api/v1/en/NSO/DT_X.px", ingest.PXWebOptions{MinInterval: -1,
		RetryOptions: ingest.RetryOptions{Sleep: func(ctx context.Context, d time.Duration) error { sleeps = append(sleeps, d); return nil }}})
	meta, err := px.Metadata(context.Background())
	if err != nil || len(meta.Variables) != 1 {
		t.Fatalf("got %+v, %v; want the metadata after two retries", meta, err)
	}
	if len(sleeps) != 2 || sleeps[0] != 7*time.Second || sleeps[1] != 3*time.Second {
		t.Errorf("got waits %v, want [7s 3s] as the server asked", sleeps)
	}

	// A server that never recovers: the client gives up after MaxRetries.
	sleeps = nil
	px, _ = ingest.NewPXWeb(srv.URL+"/x.px", ingest.PXWebOptions{MinInterval: -1,
		RetryOptions: ingest.RetryOptions{MaxRetries: 2, Sleep: func(ctx context.Context, d time.Duration) error { sleeps = append(sleeps, d); return nil }}})
	mu.Lock()
	calls = -1 << 30
	mu.Unlock()
	if _, err := px.Metadata(context.Background()); err == nil || !strings.Contains(err.Error(), "gave up after 3 attempts") {
		t.Errorf("got %v, want it to give up after 3 attempts", err)
	}
}

func TestPXWebTooFastIsThrottledThenServed(t *testing.T) {
	sim := simulate.NewPXWeb(simulate.PXWebOptions{})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	// No pacing at all: the server's 429s and their Retry-After do it.
	px, _ := ingest.NewPXWeb(sim.TableURL(srv.URL, simulate.NSOTableQuarterly), ingest.PXWebOptions{MinInterval: -1})
	data, err := px.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.ReadJSONStat(data, "q"); err != nil {
		t.Fatal(err)
	}
	var statuses []int
	for _, r := range sim.Requests() {
		statuses = append(statuses, r.Status)
	}
	// GET without the cookie: 429 (and the cookie); GET: 200; POST at once:
	// 429, too fast; POST after Retry-After: 200.
	if want := []int{429, 200, 429, 200}; !equalInts(statuses, want) {
		t.Errorf("got statuses %v, want %v", statuses, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
