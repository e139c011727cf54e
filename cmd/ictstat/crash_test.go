package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
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

// crashKills is how many times the crash test kills a child ingest.
const crashKills = 20

// ingestChild starts `ictstat ingest filings` on part in warehouse dir as a
// child process (this test binary, see TestMain) and kills it with SIGKILL
// after delay, unless delay is negative. It reports whether the child was
// killed; a child that ends on its own must succeed.
func ingestChild(t *testing.T, dir, part string, delay time.Duration) (killed bool, took time.Duration) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "ingest", "filings", "--file", part, "--warehouse", dir, "--log-level", "error")
	// Under the race detector a process sleeps a second before it exits;
	// the measured run time must be the ingest's.
	cmd.Env = append(os.Environ(), envTestMain+"=1", "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if delay >= 0 {
		timer := time.AfterFunc(delay, func() { cmd.Process.Signal(syscall.SIGKILL) })
		defer timer.Stop()
	}
	err := cmd.Wait()
	took = time.Since(t0)
	var ee *exec.ExitError
	switch {
	case err == nil:
		return false, took
	case errors.As(err, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true, took
		}
	}
	t.Fatalf("ingest %s: %v\n%s", filepath.Base(part), err, stderr.String())
	return false, took
}

// readWithoutRecovery observes the current snapshot of dir as a reader
// does while a writer holds the lock: debris of the crash is still there.
func readWithoutRecovery(t *testing.T, dir string) *testutil.Observed {
	t.Helper()
	// A child killed before it created the warehouse folder leaves none:
	// that is the empty warehouse, which Open would create too.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatalf("lock %s after the child ended: %v", dir, err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	wh, err := warehouse.Open(dir, warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	obs, err := testutil.Observe(context.Background(), wh, -1)
	if err != nil {
		t.Fatalf("read before recovery: %v", err)
	}
	return obs
}

// hasDebris reports whether dir holds anything of an unfinished commit.
func hasDebris(t *testing.T, dir string) bool {
	t.Helper()
	if len(testutil.StagingEntries(t, dir)) > 0 {
		return true
	}
	named := testutil.ManifestFiles(t, dir)
	for _, p := range testutil.TableFolderFiles(t, dir) {
		if !named[p] {
			return true
		}
	}
	return false
}

// TestCrashDuringIngest kills a child `ictstat ingest` with SIGKILL at
// random moments of its run, again and again. After each kill the
// warehouse, once opened, must hold exactly the snapshot before the ingest
// or the one after it, and its folders only committed files.
func TestCrashDuringIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("starts dozens of processes")
	}
	const parts, rows = 3, 24_000
	opts := simulate.Options{Seed: 9, Companies: 2800, Months: 12}
	lines, valid := testutil.SimLines(t, opts, rows, 0.005)
	partLines, partValid := testutil.Split(lines, valid, parts)
	tmp := t.TempDir()
	files := make([]string, parts)
	truths := []*testutil.Truth{testutil.NewTruth()} // truths[k]: after k parts
	for k := range parts {
		files[k] = filepath.Join(tmp, fmt.Sprintf("part%d.ndjson", k+1))
		testutil.WriteLines(t, files[k], partLines[k])
		next := truths[k].Clone()
		before := next.Revisions
		ids := len(next.Current)
		next.AddLines(t, partLines[k], partValid[k])
		// Later parts must amend filings of earlier ones, so that a commit
		// rewrites committed partitions.
		if amends := (next.Revisions - before) - int64(len(next.Current)-ids); k > 0 && amends == 0 {
			t.Fatalf("test data: part %d amends no filing of earlier parts", k+1)
		}
		truths = append(truths, next)
	}

	// Uninterrupted runs set the range of the kill delays of each part.
	full := make([]time.Duration, parts)
	for k := range parts {
		_, full[k] = ingestChild(t, filepath.Join(tmp, "measure"), files[k], -1)
	}
	t.Logf("uninterrupted ingests of %d lines take %v", len(partLines[0]), full)

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	var (
		dir                         string
		k                           = parts // parts ingested in dir; parts means start over
		kills, debris, afterCommit  int
		completed, attempts, rounds int
		maxAttempts                 = 6 * crashKills
	)
	for kills < crashKills || completed < parts {
		if attempts++; attempts > maxAttempts {
			t.Fatalf("%d attempts: %d kills, %d completed ingests", attempts-1, kills, completed)
		}
		if k == parts {
			rounds++
			dir = filepath.Join(tmp, fmt.Sprintf("wh%d", rounds))
			k = 0
		}
		// Every fourth attempt runs to the end, so that later parts are
		// ingested too; the others die anywhere in the run, or, one in
		// two, near its end, where the commit is.
		delay := time.Duration(-1)
		switch {
		case attempts%4 == 0:
		case rng.IntN(2) == 0:
			delay = time.Duration(float64(full[k]) * (0.05 + rng.Float64()))
		default:
			delay = time.Duration(float64(full[k]) * (0.75 + 0.35*rng.Float64()))
		}
		killed, took := ingestChild(t, dir, files[k], delay)
		if killed {
			kills++
		} else {
			full[k] = took // follow the machine's load
		}
		where := fmt.Sprintf("attempt %d (part %d, kill after %v, killed %v)", attempts, k+1, delay, killed)

		// A reader that does not recover sees a whole snapshot.
		prev, next := truths[k], truths[k+1]
		obs := readWithoutRecovery(t, dir)
		errPrev, errNext := prev.Diff(obs), next.Diff(obs)
		if errPrev != nil && errNext != nil {
			t.Fatalf("%s, before recovery: neither the previous state nor the next:\n%v\n%v", where, errPrev, errNext)
		}
		if killed && hasDebris(t, dir) {
			debris++
		}

		// Opening the warehouse recovers; then it holds only committed files.
		wh, err := warehouse.Open(dir, warehouse.Options{Threads: 1})
		if err != nil {
			t.Fatalf("%s: open: %v", where, err)
		}
		testutil.CheckFolders(t, dir)
		obs2, err := testutil.Observe(context.Background(), wh, -1)
		wh.Close()
		if err != nil {
			t.Fatalf("%s: read after recovery: %v", where, err)
		}
		if t.Failed() {
			t.Fatalf("%s: folders not clean after recovery", where)
		}
		switch {
		case next.Diff(obs2) == nil && obs2.Snapshot == int64(k+1):
			if killed {
				afterCommit++
			}
			completed++
			k++
		case prev.Diff(obs2) == nil && obs2.Snapshot == int64(k):
			if !killed {
				t.Fatalf("%s: the ingest succeeded but the warehouse is at snapshot %d", where, obs2.Snapshot)
			}
		default:
			t.Fatalf("%s, after recovery: snapshot %d is neither the previous state nor the next:\n%v\n%v", where, obs2.Snapshot, prev.Diff(obs2), next.Diff(obs2))
		}
		if (errPrev == nil) != (prev.Diff(obs2) == nil) {
			t.Fatalf("%s: recovery changed the current snapshot", where)
		}
	}
	t.Logf("%d attempts: %d kills (%d left debris, %d after the commit), %d completed ingests, %d warehouses",
		attempts, kills, debris, afterCommit, completed, rounds)
	if debris == 0 {
		t.Errorf("no kill left debris: the kills all missed the ingest's work (runs take %v)", full)
	}
}

// TestConcurrentIngestProcesses runs two ingests at once in two processes:
// the writer lock must serialise them, so that the warehouse ends with both
// files applied in one order or the other.
func TestConcurrentIngestProcesses(t *testing.T) {
	opts := simulate.Options{Seed: 10, Companies: 1200, Months: 12}
	lines, valid := testutil.SimLines(t, opts, 6000, 0.005)
	partLines, partValid := testutil.Split(lines, valid, 2)
	tmp := t.TempDir()
	files := []string{filepath.Join(tmp, "a.ndjson"), filepath.Join(tmp, "b.ndjson")}
	for i := range files {
		testutil.WriteLines(t, files[i], partLines[i])
	}
	ab, ba := testutil.NewTruth(), testutil.NewTruth()
	ab.AddLines(t, partLines[0], partValid[0])
	ab.AddLines(t, partLines[1], partValid[1])
	ba.AddLines(t, partLines[1], partValid[1])
	ba.AddLines(t, partLines[0], partValid[0])
	if ab.Revisions == ba.Revisions {
		t.Fatalf("test data: both orders accept %d revisions, want the second file to amend the first", ab.Revisions)
	}

	dir := filepath.Join(tmp, "wh")
	done := make(chan error, len(files))
	for _, f := range files {
		cmd := exec.Command(os.Args[0], "ingest", "filings", "--file", f, "--warehouse", dir, "--log-level", "error")
		cmd.Env = append(os.Environ(), envTestMain+"=1", "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() {
			err := cmd.Wait()
			if err != nil {
				err = fmt.Errorf("ingest %s: %w\n%s", filepath.Base(f), err, out.String())
			}
			done <- err
		}()
	}
	for range files {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	wh, err := warehouse.Open(dir, warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	obs, err := testutil.Observe(context.Background(), wh, -1)
	if err != nil {
		t.Fatal(err)
	}
	if obs.Snapshot != 2 {
		t.Errorf("got snapshot %d, want 2", obs.Snapshot)
	}
	if errAB, errBA := ab.Diff(obs), ba.Diff(obs); errAB != nil && errBA != nil {
		t.Errorf("the warehouse is the result of neither order:\n%v\n%v", errAB, errBA)
	}
	testutil.CheckFolders(t, dir)
}
