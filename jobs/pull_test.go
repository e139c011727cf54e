package jobs_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	feedpkg "github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/simulate"
	"github.com/npit-mn/ictstat/warehouse"
)

// startRegistry serves a simulated registry on loopback.
func startRegistry(t *testing.T, w *simulate.World, o simulate.RegistryOptions) (*simulate.Registry, string) {
	t.Helper()
	reg := simulate.NewRegistry(w, o)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { reg.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return reg, "http://" + ln.Addr().String()
}

// TestPullWithEveryFault pulls a registry that fails, throttles, repeats
// and corrupts, and finds exactly its ground truth, also after more months
// are published and pulled again.
func TestPullWithEveryFault(t *testing.T) {
	world := simulate.NewWorld(simulate.Options{Seed: 7, Companies: 150, Months: 12})
	reg, url := startRegistry(t, world, simulate.RegistryOptions{
		Token: "secret", StartMonths: 9, Seed: 3,
		ErrorRate: 0.2, SlowRate: 0.1, Slow: 20 * time.Millisecond, RepeatRate: 0.5,
		MalformedRate: 0.02, RateLimitEvery: 5,
	})
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	feed, err := feedpkg.NewFeed(url, "filings", feedpkg.FeedOptions{Token: "secret", Limit: 97,
		RetryOptions: feedpkg.RetryOptions{BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond, MaxRetries: 50, Sleep: func(ctx context.Context, d time.Duration) error { return nil }}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := jobs.PullFilings(context.Background(), wh, feed, jobs.PullOptions{CommitRows: 400})
	if err != nil {
		t.Fatal(err)
	}
	if st.Quarantined == 0 || st.Superseded == 0 {
		t.Errorf("got %+v, want malformed and repeated records exercised", st)
	}
	testutil.CheckRegistryTruth(t, wh, reg.Truth())

	reg.Publish(3)
	if _, err := jobs.PullFilings(context.Background(), wh, feed, jobs.PullOptions{CommitRows: 400}); err != nil {
		t.Fatal(err)
	}
	testutil.CheckRegistryTruth(t, wh, reg.Truth())
	raw := testutil.Rows(t, wh, -1, "SELECT DISTINCT source FROM filings LIMIT 1")
	if s := raw[0][0].(string); !strings.HasPrefix(s, "raw/filings/") {
		t.Errorf("got source %q, want the raw page archive it came from", s)
	}
}

// TestPullWrongToken fails with a message that says what to fix and commits
// nothing.
func TestPullWrongToken(t *testing.T) {
	world := simulate.NewWorld(simulate.Options{Seed: 7, Companies: 20, Months: 3})
	_, url := startRegistry(t, world, simulate.RegistryOptions{Token: "secret"})
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	feed, err := feedpkg.NewFeed(url, "filings", feedpkg.FeedOptions{Token: "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := jobs.PullFilings(context.Background(), wh, feed, jobs.PullOptions{})
	if err == nil || !strings.Contains(err.Error(), "token") {
		t.Fatalf("got %v, want an error about the token", err)
	}
	if st.Changed {
		t.Errorf("got a commit from a refused pull")
	}
}
