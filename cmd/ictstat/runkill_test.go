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
		ErrorRate: 0.05, RepeatRate: 0.3, MalformedRate: 0.01, SlowRate: 1, Slow: 60 * time.Millisecond})
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
	midPull := 0
	for kill := 0; kill < 3; kill++ {
		before := len(manifestIDs(whDir))
		child := startRun(t, "--config", cfg)
		// Kill after the pull has committed a part of its pages, so that
		// the kill lands in the middle of it.
		deadline := time.Now().Add(20 * time.Second)
		for len(manifestIDs(whDir)) == before && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(time.Duration(rng.IntN(200)) * time.Millisecond)
		child.Process.Signal(syscall.SIGKILL)
		child.Wait()
		wh, err := warehouse.Open(whDir, warehouse.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if n := testutil.Count(t, wh, "SELECT count(*) FROM filings"); n > 0 && n < int64(published) {
			midPull++
		}
		wh.Close()
	}
	if midPull == 0 {
		t.Fatalf("no kill landed in the middle of a pull; the test proves nothing")
	}
	wh, err := warehouse.Open(whDir, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	testutil.CheckFolders(t, whDir)

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
	testutil.CheckRegistryTruth(t, wh, reg.Truth())
	testutil.CheckFolders(t, whDir)
}

// manifestIDs lists the committed snapshots without opening the warehouse
// (opening it would recover, which a reader must not need to do).
func manifestIDs(root string) []string {
	ents, _ := os.ReadDir(filepath.Join(root, "catalog"))
	var ids []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".json") {
			ids = append(ids, e.Name())
		}
	}
	return ids
}
