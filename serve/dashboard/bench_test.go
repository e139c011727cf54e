package dashboard_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"

	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/queries"
	"github.com/npit-mn/ictstat/serve"
	"github.com/npit-mn/ictstat/simulate"
	"github.com/npit-mn/ictstat/warehouse"
)

// BenchmarkDashboard renders the page over a warehouse of 360,000 filings
// (a lifetime of the virtual zones): first (every analytic runs, on a new
// server) and cached. See docs/benchmarks.md.
func BenchmarkDashboard(b *testing.B) {
	wh, err := warehouse.Open(b.TempDir(), warehouse.Options{Reference: queries.Reference()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { wh.Close() })
	var nd bytes.Buffer
	if _, err := simulate.WriteNDJSON(&nd, simulate.Options{Seed: 1}, 360_000, 0); err != nil {
		b.Fatal(err)
	}
	if _, err := jobs.IngestFilingsFile(context.Background(), wh, &nd, "bench", jobs.Options{}); err != nil {
		b.Fatal(err)
	}
	render := func(b *testing.B, srv *serve.Server) int {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/?lang=en", nil))
		if rec.Code != 200 {
			b.Fatalf("got %d: %s", rec.Code, rec.Body.String())
		}
		return rec.Body.Len()
	}
	opts := fixtureOptions(wh)
	b.Run("first", func(b *testing.B) {
		n := 0
		for b.Loop() {
			n = render(b, serve.New(wh, opts))
		}
		b.ReportMetric(float64(n), "bytes/page")
	})
	b.Run("cached", func(b *testing.B) {
		srv := serve.New(wh, opts)
		n := render(b, srv)
		for b.Loop() {
			render(b, srv)
		}
		b.ReportMetric(float64(n), "bytes/page")
	})
}
