package warehouse_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/warehouse"
)

// The concurrent-readers test commits readerCommits snapshots; commit k
// adds perCommit new filings and amends amendsPerCommit of the filings of
// commit k-1, touching filings, filing_revisions and filing_exports.
const (
	readerCommits   = 30
	perCommit       = 200
	amendsPerCommit = 20
)

// Environment of the reader subprocess (TestHelperReader).
const (
	envReaderDir   = "ICTSTAT_TEST_READER_DIR"
	envReaderUntil = "ICTSTAT_TEST_READER_UNTIL"
)

// readerBatch returns the filings of commit k (1-based): the new ones in
// a month of their own, the amendments in the month of commit k-1, so that
// a commit's work does not grow with the warehouse.
func readerBatch(k int) []ictstat.Filing {
	month := func(k int) (int, int) { return 2024 + (k-1)/12, (k-1)%12 + 1 }
	out := make([]ictstat.Filing, 0, perCommit+amendsPerCommit)
	y, m := month(k)
	for i := range perCommit {
		out = append(out, filing((k-1)*perCommit+i, 1, y, m, 100, 1))
	}
	if k > 1 {
		y, m := month(k - 1)
		for i := range amendsPerCommit {
			out = append(out, filing((k-2)*perCommit+i, 2, y, m, 200, 1))
		}
	}
	return out
}

// consistencyQuery reads, in one statement of one snapshot, what the
// writer's commits fix exactly.
const consistencyQuery = `SELECT
	(SELECT count(*) FROM filings), (SELECT count(DISTINCT filing_id) FROM filings),
	(SELECT coalesce(sum(revision), 0)::BIGINT FROM filings),
	(SELECT count(*) FROM filing_revisions), (SELECT count(*) FROM filing_exports),
	(SELECT coalesce(max(id), 0) FROM snapshots)`

// readConsistent reads the current snapshot and returns its id, or an
// error if what it holds is not exactly the result of its commits.
func readConsistent(ctx context.Context, wh *warehouse.Warehouse) (int64, error) {
	rows, m, err := testutil.QueryRows(ctx, wh, -1, consistencyQuery)
	if err != nil {
		return 0, err
	}
	got := make([]int64, len(rows[0]))
	for i, v := range rows[0] {
		if got[i], err = testutil.AsInt(v); err != nil {
			return 0, err
		}
	}
	k := m.ID
	amended := max(k-1, 0) * amendsPerCommit
	want := []int64{perCommit * k, perCommit * k, perCommit*k + amended, perCommit*k + amended, perCommit * k, k}
	for i := range want {
		if got[i] != want[i] {
			return k, fmt.Errorf("snapshot %d: got (filings, distinct ids, sum of revisions, revisions, exports, newest snapshot) %v, want %v", k, got, want)
		}
	}
	return k, nil
}

// TestHelperReader is the reader in another process of
// TestConcurrentReaders; it does nothing unless started by it.
func TestHelperReader(t *testing.T) {
	dir := os.Getenv(envReaderDir)
	if dir == "" {
		t.Skip("run by TestConcurrentReaders in a subprocess")
	}
	until, err := strconv.ParseInt(os.Getenv(envReaderUntil), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	wh, err := warehouse.Open(dir, warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	ctx := context.Background()
	// The parent closes our standard input once it has committed
	// everything (or when it dies): no clock decides when to stop.
	parentDone := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(parentDone)
	}()
	seen := map[int64]bool{}
	reads := 0
	for last := false; ; {
		select {
		case <-parentDone:
			last = true
		default:
		}
		snap, err := readConsistent(ctx, wh)
		if err != nil {
			t.Fatalf("reader process, read %d: %v", reads+1, err)
		}
		if reads == 0 {
			fmt.Fprintln(os.Stdout, "ready")
		}
		reads++
		seen[snap] = true
		if snap >= until {
			fmt.Fprintf(os.Stdout, "reads %d snapshots %d\n", reads, len(seen))
			return
		}
		if last {
			t.Fatalf("reader process: the writer is done but the current snapshot is %d, want %d", snap, until)
		}
		select { // see TestConcurrentReaders
		case <-parentDone:
		case <-time.After(time.Duration(20+rand.IntN(50)) * time.Millisecond):
		}
	}
}

// TestConcurrentReaders commits while readers in this process and in
// another one read the current snapshot: every read must see a whole
// snapshot.
func TestConcurrentReaders(t *testing.T) {
	root := t.TempDir()
	wh := open(t, root, warehouse.Options{Threads: 1})
	ctx := context.Background()

	// The reader in another process; it is killed if the test ends first.
	child := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelperReader$", "-test.count=1")
	child.Env = append(os.Environ(), envReaderDir+"="+root, envReaderUntil+"="+strconv.Itoa(readerCommits),
		"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0")) // no second of sleep at exit under -race
	var childErr strings.Builder
	child.Stderr = &childErr
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	writerDone, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer writerDone.Close()
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	childReady := make(chan struct{})
	childGone := make(chan struct{}) // its standard output closed
	childLines := make(chan string, 16)
	go func() {
		defer close(childGone)
		defer close(childLines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			switch l := sc.Text(); {
			case l == "ready":
				close(childReady)
			case strings.HasPrefix(l, "reads "):
				childLines <- l
			}
		}
	}()

	// Four readers in this process.
	const readers = 4
	var (
		wg      sync.WaitGroup
		started sync.WaitGroup
		done    = make(chan struct{})
		mu      sync.Mutex
		seen    = map[int64]bool{}
		reads   int
	)
	stop := sync.OnceFunc(func() { close(done) })
	defer func() { stop(); wg.Wait() }() // no reader outlives the test
	started.Add(readers)
	for r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first := true
			for {
				finished := false
				select {
				case <-done:
					finished = true // one more read of the final snapshot
				default:
				}
				snap, err := readConsistent(ctx, wh)
				if err != nil {
					t.Errorf("reader %d: %v", r, err)
				}
				mu.Lock()
				seen[snap] = true
				reads++
				mu.Unlock()
				if first {
					started.Done()
					first = false
				}
				if err != nil || finished {
					if finished && snap != readerCommits {
						t.Errorf("reader %d: last read saw snapshot %d, want %d", r, snap, readerCommits)
					}
					return
				}
				// A pause of random length leaves the writer some CPU under
				// the race detector and varies where reads fall in commits.
				select {
				case <-done:
				case <-time.After(time.Duration(20+rand.IntN(50)) * time.Millisecond):
				}
			}
		}()
	}
	started.Wait()
	select {
	case <-childReady:
	case <-childGone:
		child.Wait()
		t.Fatalf("reader process ended before its first read: %s", childErr.String())
	}

	t0 := time.Now()
	for k := 1; k <= readerCommits; k++ {
		if m := commit(t, wh, readerBatch(k)); m.ID != int64(k) {
			t.Fatalf("commit %d: got snapshot %d", k, m.ID)
		}
	}
	t.Logf("%d commits in %v", readerCommits, time.Since(t0))
	stop()
	writerDone.Close()
	wg.Wait()

	var report []string
	for l := range childLines {
		report = append(report, l)
	}
	if err := child.Wait(); err != nil {
		t.Errorf("reader process: %v\n%s\n%s", err, strings.Join(report, "\n"), childErr.String())
	}
	if len(report) != 1 {
		t.Errorf("reader process: got report %q, want its read count", report)
	}
	t.Logf("in process: %d reads of %d snapshots; other process: %v", reads, len(seen), report)
	testutil.CheckFolders(t, root)
}

// TestConcurrentTimeTravel reads many snapshots at once from several
// goroutines, more than the engine keeps views for: every read must
// answer for the snapshot it asked for.
func TestConcurrentTimeTravel(t *testing.T) {
	wh := open(t, t.TempDir(), warehouse.Options{Threads: 1})
	const snaps = 24
	for k := 1; k <= snaps; k++ {
		commit(t, wh, []ictstat.Filing{filing(k, 1, 2026, 1+k%12, 100, 1)})
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for i := range 40 {
				snap := int64(1 + rng.IntN(snaps))
				rows, m, err := testutil.QueryRows(ctx, wh, snap, "SELECT count(*), coalesce(max(id), 0) FROM filings, snapshots")
				if err != nil {
					t.Errorf("goroutine %d, read %d of snapshot %d: %v", g, i, snap, err)
					return
				}
				if got, want := fmt.Sprint(rows), fmt.Sprintf("[[%d %d]]", snap*snap, snap); got != want || m.ID != snap {
					t.Errorf("goroutine %d, snapshot %d (%d): got %s, want %s", g, snap, m.ID, got, want)
				}
			}
		}()
	}
	wg.Wait()
}
