package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/simulate"
)

// TestRunDemoRefusesRealData runs the demo on a warehouse that holds data
// of its own: it must refuse, adding nothing.
func TestRunDemoRefusesRealData(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	wh := filepath.Join(dir, "wh")
	in := filepath.Join(dir, "f.ndjson")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := simulate.WriteNDJSON(f, simulate.Options{Seed: 3}, 200, 0); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if code, _, stderr := run(t, "ingest", "filings", "--file", in, "--warehouse", wh, "--log-level", "error"); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, stderr)
	}
	code, _, stderr := run(t, "run", "--demo", "--warehouse", wh, "--addr", "127.0.0.1:0", "--log-level", "error")
	if code != 2 || !strings.Contains(stderr, "not the demo's") {
		t.Errorf("got exit %d, stderr %q; want 2 saying the warehouse holds data that is not the demo's", code, stderr)
	}
	if ids := testutil.ManifestIDs(t, wh); len(ids) != 1 {
		t.Errorf("got snapshots %v, want only the ingest's", ids)
	}
	if _, err := os.Stat(filepath.Join(wh, demoMarker)); err == nil {
		t.Errorf("got a demo marker in a warehouse the demo refused")
	}
}

// TestRunBindsFirst runs the demo on a busy port: it must fail before it
// writes anything.
func TestRunBindsFirst(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	wh := filepath.Join(t.TempDir(), "wh")
	code, _, stderr := run(t, "run", "--demo", "--warehouse", wh, "--addr", ln.Addr().String(), "--log-level", "error")
	if code != 2 || !strings.Contains(stderr, "--addr "+ln.Addr().String()) {
		t.Errorf("got exit %d, stderr %q; want 2 naming the busy address", code, stderr)
	}
	if _, err := os.Stat(wh); err == nil {
		t.Errorf("got a warehouse folder %s written before the port was bound", wh)
	}
}

// TestRunDemo starts the demo in its default folder and checks that it
// marks its warehouse, loads the demo's sources, and keeps the demo's
// token out of the process's environment.
func TestRunDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo loads a world of 1,500 companies")
	}
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("ICTSTAT_TOKEN", "")
	os.Unsetenv("ICTSTAT_TOKEN")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- execute(ctx, []string{"run", "--demo", "--addr", "127.0.0.1:0", "--log-level", "error"}, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil || !strings.Contains(line, "at http://") || !strings.Contains(line, "demo-data") {
		t.Fatalf("got %q (%v), want the demo serving its warehouse in ./demo-data", line, err)
	}
	if v, ok := os.LookupEnv("ICTSTAT_TOKEN"); ok {
		t.Errorf("got ICTSTAT_TOKEN=%q set by the demo, want it left alone", v)
	}
	if _, err := os.Stat(filepath.Join(dir, "demo-data", demoMarker)); err != nil {
		t.Errorf("the demo's warehouse has no marker: %v", err)
	}
	if ids := testutil.ManifestIDs(t, filepath.Join(dir, "demo-data")); len(ids) == 0 {
		t.Errorf("got no snapshots in ./demo-data, want the demo's sources loaded")
	}
	go io.Copy(io.Discard, pr)
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("got exit %d after cancel, want 0", code)
	}
}
