package main

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/simulate"
)

// serveRegistry serves a registry simulator of a world of seed on loopback
// and returns its URL.
func serveRegistry(t *testing.T, seed int64) string {
	t.Helper()
	world := simulate.NewWorld(simulate.Options{Seed: seed, Companies: 30, Months: 6})
	reg := simulate.NewRegistry(world, simulate.RegistryOptions{Token: "t"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go reg.Serve(ctx, ln)
	return "http://" + ln.Addr().String()
}

// TestCursorReset pulls a feed, then points the same source at another
// feed, which refuses the cursor; `cursor reset` lets the pull start over.
func TestCursorReset(t *testing.T) {
	t.Parallel()
	wh := filepath.Join(t.TempDir(), "wh")
	ictstat := func(args ...string) (int, string, string) {
		return run(t, append(args, "--warehouse", wh, "--log-level", "error")...)
	}
	if code, out, _ := ictstat("cursor", "list"); code != 0 || !strings.Contains(out, "no source has a cursor in snapshot 0") {
		t.Errorf("empty warehouse: got exit %d, %q; want no cursors", code, out)
	}
	if code, _, stderr := ictstat("ingest", "filings", "--url", serveRegistry(t, 1), "--token", "t"); code != 0 {
		t.Fatalf("first pull: exit %d: %s", code, stderr)
	}
	code, out, _ := ictstat("cursor", "list")
	if code != 0 || !strings.Contains(out, "source") || !strings.Contains(out, "filings ") {
		t.Fatalf("got exit %d, %q; want the filings cursor listed", code, out)
	}
	other := serveRegistry(t, 2)
	if code, _, stderr := ictstat("ingest", "filings", "--url", other, "--token", "t"); code == 0 || !strings.Contains(stderr, "reset the source's cursor") {
		t.Fatalf("pull from another feed: got exit %d, %q; want the cursor refused", code, stderr)
	}
	before := len(testutil.ManifestIDs(t, wh))
	if code, out, stderr := ictstat("cursor", "reset", "filings"); code != 0 || !strings.Contains(out, "reset the cursor of filings: committed snapshot") {
		t.Fatalf("reset: got exit %d, %q %q", code, out, stderr)
	}
	if after := len(testutil.ManifestIDs(t, wh)); after != before+1 {
		t.Errorf("got %d snapshots after the reset, want %d (the reset is one)", after, before+1)
	}
	if _, out, _ := ictstat("cursor", "list"); strings.Contains(out, "filings ") {
		t.Errorf("got %q after the reset, want no filings cursor", out)
	}
	if code, _, stderr := ictstat("ingest", "filings", "--url", other, "--token", "t"); code != 0 {
		t.Errorf("pull after the reset: exit %d: %s", code, stderr)
	}
	if code, _, stderr := ictstat("cursor", "reset", "weather"); code != 2 || !strings.Contains(stderr, `"weather" has no cursor`) {
		t.Errorf("reset of a source without a cursor: got exit %d, %q; want 2", code, stderr)
	}
	if _, out, _ := ictstat("snapshots", "--format", "csv"); !strings.Contains(out, "cursor reset") {
		t.Errorf("got snapshots %q, want the reset among them", out)
	}
}
