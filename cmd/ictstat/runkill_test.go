package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/simulate"
	"github.com/npit-mn/ictstat/warehouse"
)

// startRun starts `ictstat run` as a child process and waits for it to
// print its address.
func startRun(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"run", "--log-level", "error"}, args...)...)
	cmd.Env = append(os.Environ(), envTestMain+"=1", "ICTSTAT_TOKEN=secret")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.Contains(line, "serving http://") {
		cmd.Process.Kill()
		t.Fatalf("ictstat run printed %q (%v), want its URL", line, err)
	}
	go func() { bufio.NewReader(out).WriteTo(devNull{}) }()
	return cmd
}

type devNull struct{}

func (devNull) Write(p []byte) (int, error) { return len(p), nil }

// TestRunSurvivesSIGKILL kills `ictstat run` in the middle of a pull from a
// faulty registry, restarts it, and finds exactly the registry's ground truth.
func TestRunSurvivesSIGKILL(t *testing.T) {
	world := simulate.NewWorld(simulate.Options{Seed: 11, Companies: 400, Months: 24})
	reg := simulate.NewRegistry(world, simulate.RegistryOptions{Token: "secret", Seed: 5,
		ErrorRate: 0.05, RepeatRate: 0.3, MalformedRate: 0.01, SlowRate: 0.5, Slow: 30 * time.Millisecond})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go reg.Serve(ctx, ln)

	dir := t.TempDir()
	whDir := filepath.Join(dir, "wh")
	cfg := filepath.Join(dir, "ictstat.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`warehouse: %s
server:
  addr: 127.0.0.1:0
sources:
  filings:
    url: http://%s
    schedule: "@every 1s"
    limit: 200
    commit_rows: 1000
    retries: 5
    timeout: 5s
`, whDir, ln.Addr())), 0o644)

	rng := rand.New(rand.NewPCG(1, 2))
	published := len(reg.Truth().Current)
	for kill := 0; kill < 3; kill++ {
		child := startRun(t, "--config", cfg)
		time.Sleep(time.Duration(100+rng.IntN(600)) * time.Millisecond)
		child.Process.Signal(syscall.SIGKILL)
		child.Wait()
	}
	wh, err := warehouse.Open(whDir, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	testutil.CheckFolders(t, whDir)
	partial := testutil.Count(t, wh, "SELECT count(*) FROM filings")
	if partial >= int64(published) {
		t.Logf("the kills came after the pull finished (%d filings); the restart still has to agree", partial)
	}

	child := startRun(t, "--config", cfg)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if n := testutil.Count(t, wh, "SELECT count(*) FROM filings"); n == int64(published) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	child.Process.Signal(syscall.SIGTERM)
	if err := child.Wait(); err != nil {
		t.Errorf("ictstat run after SIGTERM: %v, want a clean exit", err)
	}
	checkWarehouseTruth(t, wh, reg.Truth())
	testutil.CheckFolders(t, whDir)
}

// checkWarehouseTruth asserts the filings and revisions of the registry's
// ground truth, each exactly once.
func checkWarehouseTruth(t *testing.T, wh *warehouse.Warehouse, truth simulate.RegistryTruth) {
	t.Helper()
	rows := testutil.Rows(t, wh, -1, "SELECT filing_id, max(revision), count(*) FROM filings GROUP BY filing_id")
	if len(rows) != len(truth.Current) {
		t.Fatalf("got %d filings, want %d", len(rows), len(truth.Current))
	}
	for _, r := range rows {
		rev, _ := testutil.AsInt(r[1])
		n, _ := testutil.AsInt(r[2])
		if want := truth.Current[r[0].(string)]; int(rev) != want || n != 1 {
			t.Fatalf("filing %v: got revision %d x%d, want revision %d once", r[0], rev, n, want)
		}
	}
	if got := testutil.Count(t, wh, "SELECT count(DISTINCT (filing_id, revision)) FROM filing_revisions"); got != int64(truth.Revisions) {
		t.Errorf("got %d revisions, want %d", got, truth.Revisions)
	}
	if got := testutil.Count(t, wh, "SELECT count(*) FROM filing_revisions"); got != int64(truth.Revisions) {
		t.Errorf("got %d revision rows, want %d (no duplicates)", got, truth.Revisions)
	}
	if got := testutil.Count(t, wh, "SELECT count(*) FROM quarantine"); got != int64(truth.Malformed) {
		t.Errorf("got %d quarantined, want %d", got, truth.Malformed)
	}
}
