package jobs_test

import (
	"context"
	"testing"
	"time"

	feedpkg "github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/simulate"
	"github.com/npit-mn/ictstat/warehouse"
)

// TestPullRegistrations pulls the registry's events through faults and
// finds every published event once, the malformed ones in quarantine, and
// a company register that agrees with the world.
func TestPullRegistrations(t *testing.T) {
	world := simulate.NewWorld(simulate.Options{Seed: 3, Companies: 300, Months: 24})
	reg, url := startRegistry(t, world, simulate.RegistryOptions{Token: "secret", Seed: 9,
		ErrorRate: 0.2, RepeatRate: 0.5, MalformedRate: 0.05, RateLimitEvery: 4})
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	feed, err := feedpkg.NewFeed(url, "registrations", feedpkg.FeedOptions{Token: "secret", Limit: 37,
		RetryOptions: feedpkg.RetryOptions{MaxRetries: 50, Sleep: func(context.Context, time.Duration) error { return nil }}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := jobs.PullRegistrations(context.Background(), wh, feed, jobs.PullOptions{CommitRows: 100})
	if err != nil {
		t.Fatal(err)
	}
	truth := reg.Truth()
	if got := testutil.Count(t, wh, "SELECT count(*) FROM registrations"); got != int64(truth.Registrations) {
		t.Errorf("got %d events, want %d", got, truth.Registrations)
	}
	if got := testutil.Count(t, wh, "SELECT count(*) FROM quarantine WHERE source = 'registrations'"); got != int64(truth.MalformedRegistrations) || got == 0 {
		t.Errorf("got %d quarantined, want %d (> 0)", got, truth.MalformedRegistrations)
	}
	if st.Superseded == 0 {
		t.Errorf("got no repeated events, want the repeats exercised: %+v", st)
	}
	// The register, checked against the world's companies independently.
	want := map[string]simulate.Company{}
	for _, c := range world.Companies() {
		want[c.RegistryNo] = c
	}
	rows := testutil.Rows(t, wh, -1, "SELECT registry_no, active, registered_on, deregistered_on FROM companies")
	if int64(len(rows)) != testutil.Count(t, wh, "SELECT count(DISTINCT registry_no) FROM registrations") || len(rows) == 0 {
		t.Fatalf("got %d companies, want one per registry number with events", len(rows))
	}
	deregistered := testutil.Count(t, wh, "SELECT count(*) FROM registrations WHERE event = 'deregistered'")
	if got := testutil.Count(t, wh, "SELECT count(*) FROM companies WHERE NOT active"); got != deregistered {
		t.Errorf("got %d inactive companies, want %d (one per deregistration)", got, deregistered)
	}
	for _, r := range rows {
		if _, ok := want[r[0].(string)]; !ok {
			t.Fatalf("company %v is not in the world", r[0])
		}
	}
	// The history read in SQL, as docs/warehouse.md shows it, agrees with the
	// registered_on/deregistered_on rule (the world never re-registers).
	for _, day := range []string{"2020-01-01", "2025-12-15", "2099-01-01"} {
		byHistory := testutil.Count(t, wh, `SELECT count(*) FROM companies WHERE len(list_filter(history,
			s -> s.registered AND s.valid_from <= DATE '`+day+`' AND (s.valid_to IS NULL OR s.valid_to > DATE '`+day+`'))) > 0`)
		byDates := testutil.Count(t, wh, `SELECT count(*) FROM companies WHERE registered_on <= DATE '`+day+`'
			AND (deregistered_on IS NULL OR deregistered_on > DATE '`+day+`')`)
		if day == "2025-12-15" && byDates == 0 {
			t.Errorf("active on %s: got none, want the world's companies", day)
		}
		if byHistory != byDates {
			t.Errorf("active on %s: got %d from history, want %d from registered_on/deregistered_on", day, byHistory, byDates)
		}
	}
	again, err := jobs.PullRegistrations(context.Background(), wh, feed, jobs.PullOptions{})
	if err != nil || again.Changed {
		t.Errorf("got %+v, %v; want a second pull at the end of the feed to change nothing", again, err)
	}
}
