package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/simulate"
	"github.com/npit-mn/ictstat/warehouse"
)

// startRun starts `ictstat run` as a child process and waits for it to
// print its address. The channel it returns is closed when a line of the
// child's log satisfies match (nil: never).
func startRun(t *testing.T, match func(line string) bool, args ...string) (*exec.Cmd, <-chan struct{}) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"run", "--log-level", "error"}, args...)...)
	cmd.Env = append(os.Environ(), envTestMain+"=1", "ICTSTAT_TOKEN=secret")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	matched := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(logs)
		for sc.Scan() {
			if match != nil && match(sc.Text()) {
				close(matched)
				match = nil
			}
		}
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.Contains(line, "at http://") {
		cmd.Process.Kill()
		t.Fatalf("ictstat run printed %q (%v), want its URL", line, err)
	}
	go func() { bufio.NewReader(out).WriteTo(devNull{}) }()
	return cmd, matched
}

type devNull struct{}

func (devNull) Write(p []byte) (int, error) { return len(p), nil }

// killAt is a handler in front of the registry that, on the atth request
// since the last reset, tells the test (reached) and holds the request
// until the test has killed the client, so that the kill lands exactly
// there, whatever the machine's pace.
type killAt struct {
	next    http.Handler
	mu      sync.Mutex
	n, at   int
	reached chan struct{}
}

func (k *killAt) reset(at int) <-chan struct{} {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.n, k.at, k.reached = 0, at, make(chan struct{})
	return k.reached
}

func (k *killAt) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	k.mu.Lock()
	k.n++
	hold := k.n == k.at
	reached := k.reached
	k.mu.Unlock()
	if hold {
		close(reached)
		<-req.Context().Done() // the client is killed
		return
	}
	k.next.ServeHTTP(w, req)
}

// TestRunSurvivesSIGKILL kills `ictstat run` in the middle of a pull from a
// faulty registry, restarts it, and finds exactly the registry's ground truth.
func TestRunSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	world := simulate.NewWorld(simulate.Options{Seed: 11, Companies: 400, Months: 24})
	reg := simulate.NewRegistry(world, simulate.RegistryOptions{Token: "secret", Seed: 5,
		ErrorRate: 0.05, RepeatRate: 0.3, MalformedRate: 0.01, SlowRate: 1, Slow: 60 * time.Millisecond})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	front := &killAt{next: reg}
	srv := &http.Server{Handler: front}
	go srv.Serve(ln)
	defer srv.Close()

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
		// Kill on a request after the pull has committed a part of its
		// pages (a commit every 5 pages), so that the kill lands in the
		// middle of it.
		reached := front.reset(8 + rng.IntN(9))
		child, _ := startRun(t, nil, "--config", cfg)
		select {
		case <-reached:
		case <-time.After(60 * time.Second):
			t.Fatal("timeout waiting for the pull's requests")
		}
		child.Process.Signal(syscall.SIGKILL)
		child.Wait()
		wh, err := warehouse.Open(whDir, warehouse.Options{})
		if err != nil {
			t.Fatal(err)
		}
		n := testutil.Count(t, wh, "SELECT count(*) FROM filings")
		t.Logf("kill %d: %d of %d filings", kill, n, published)
		if n > 0 && n < int64(published) {
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

	// Caught up: a scheduled run that ended well and found nothing new.
	front.reset(-1)
	child, caughtUp := startRun(t, func(line string) bool {
		return strings.Contains(line, `"job run ended"`) && strings.Contains(line, `"status":"ok"`) && strings.Contains(line, `"rows":0,`)
	}, "--config", cfg, "--log-level", "info")
	select {
	case <-caughtUp:
	case <-time.After(120 * time.Second):
		t.Fatal("timeout waiting for run to catch up with the registry")
	}
	child.Process.Signal(syscall.SIGTERM)
	if err := child.Wait(); err != nil {
		t.Errorf("ictstat run after SIGTERM: %v, want a clean exit", err)
	}
	testutil.CheckRegistryTruth(t, wh, reg.Truth())
	testutil.CheckFolders(t, whDir)
}
