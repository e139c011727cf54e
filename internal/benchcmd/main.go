// Command benchcmd runs ictstat's benchmarks against named peers measured in
// the same run, and prints the figures as Markdown for docs/benchmarks.md.
//
//	go run ./internal/benchcmd -bin bin/ictstat [-sizes 1000000,8000000] [-reps 3]
//
// Each measured command runs as its own process, so that wall time and peak
// resident memory (getrusage maxrss) are those of that command alone. The
// DuckDB peer runs in a child of this program: it imports DuckDB directly,
// which only this developer tool and package warehouse do.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "bin/ictstat", "ictstat binary to measure")
	flag.StringVar(&o.sizes, "sizes", "1000000,8000000", "rows of the filings files")
	flag.IntVar(&o.reps, "reps", 3, "runs of each command; the median is reported")
	flag.StringVar(&o.dir, "dir", "", "scratch folder (default: a new temporary folder)")
	only := flag.String("only", "", "run one benchmark: "+strings.Join(benchNames(), ", "))
	flag.IntVar(&o.analyticsLarge, "analytics-large", 10_000_000, "filings of the large analytics warehouse (0: skip it)")
	flag.IntVar(&o.sdmxRows, "sdmx-rows", 1_000_000, "rows of the SDMX-CSV file")
	peer := flag.String("peer", "", "internal: run the DuckDB peer on this file")
	peerOut := flag.String("peer-out", "", "internal: the peer's output file")
	flag.Parse()
	if *peer != "" {
		if err := duckdbCopy(*peer, *peerOut); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if err := run(o, *only); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// options are the flags every benchmark may read.
type options struct {
	bin, sizes, dir string
	reps            int
	analyticsLarge  int // filings of the large analytics warehouse
	sdmxRows        int
}

// benchmarks are the benchmarks of make bench, in the order they run.
var benchmarks = []struct {
	name string
	run  func(o options) error
}{
	{"ingest", func(o options) error { return benchIngest(o.bin, o.sizes, o.reps, o.dir) }},
	{"backfill", func(o options) error { return benchBackfill(o.bin, o.reps, o.dir) }},
	{"freshness", func(o options) error { return benchFreshness(o.bin, o.reps, o.dir) }},
	{"pull", func(o options) error { return benchPull(o.bin, o.dir) }},
	{"serve", func(o options) error { return benchServe(o.bin, o.dir, 10*time.Second, 32) }},
	{"sdmx", func(o options) error { return benchSDMX(o.sdmxRows, o.reps, o.dir) }},
	{"kobo", func(o options) error { return benchKobo(o.reps, o.dir) }},
	{"jsonstat", func(o options) error { return benchJSONStat(o.bin, o.reps, o.dir) }},
	{"analytics", func(o options) error { return benchAnalytics(o.bin, o.dir, 20, o.analyticsLarge) }},
	{"publish", func(o options) error { return benchPublish(o.bin, o.dir, o.reps) }},
}

func benchNames() []string {
	var names []string
	for _, b := range benchmarks {
		names = append(names, b.name)
	}
	return names
}

// run runs every benchmark, or only the one named, in a scratch folder.
func run(o options, only string) error {
	if only != "" && !slices.Contains(benchNames(), only) {
		return fmt.Errorf("-only %q: want one of %s", only, strings.Join(benchNames(), ", "))
	}
	bin, err := filepath.Abs(o.bin)
	if err != nil {
		return err
	}
	o.bin = bin
	if o.dir == "" {
		if o.dir, err = os.MkdirTemp("", "ictstat-bench-"); err != nil {
			return err
		}
		defer os.RemoveAll(o.dir)
	}
	for _, b := range benchmarks {
		if only == "" || only == b.name {
			if err := b.run(o); err != nil {
				return fmt.Errorf("%s: %w", b.name, err)
			}
		}
	}
	return nil
}

// measurement is one process run.
type measurement struct {
	wall  time.Duration
	cpu   time.Duration // user and system time: what the run cost, whatever else the machine ran
	rssMB float64
}

// measure runs the command and returns its wall time and peak RSS.
func measure(name string, args ...string) (measurement, error) {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	start := time.Now()
	out, err := cmd.Output()
	wall := time.Since(start)
	if err != nil {
		return measurement{}, fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return measurement{wall: wall, cpu: cpu, rssMB: float64(ru.Maxrss) / 1024}, nil
}

// median runs f reps times, each after clean (nil: none), and returns the
// run with the median wall time.
func median(reps int, clean func(), f func() (measurement, error)) (measurement, error) {
	var ms []measurement
	for range reps {
		if clean != nil {
			clean()
		}
		// The writes of the step before (the input, the last run's
		// output and its removal) reach the disk first, so that the
		// kernel's writeback and the file system's discards of freed
		// blocks do not compete with the run measured.
		syscall.Sync()
		m, err := f()
		if err != nil {
			return m, err
		}
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].wall < ms[j].wall })
	return ms[len(ms)/2], nil
}

// benchIngest measures bulk ingest against DuckDB's NDJSON-to-Parquet COPY.
func benchIngest(bin, sizes string, reps int, dir string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("## Bulk filings ingest (%s, %d cores, %s)\n\n", time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), runtime.Version())
	fmt.Println("| rows | file MB | ictstat ingest s | CPU s | rows/s | peak RSS MB | DuckDB COPY s | CPU s | rows/s | peak RSS MB | ratio (ictstat rows/s ÷ DuckDB rows/s) |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, s := range strings.Split(sizes, ",") {
		rows, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("-sizes: %w", err)
		}
		file := filepath.Join(dir, fmt.Sprintf("filings-%d.ndjson", rows))
		if _, err := measure(bin, "simulate", "filings", "--rows", strconv.Itoa(rows), "--out", file); err != nil {
			return err
		}
		st, _ := os.Stat(file)
		wh := filepath.Join(dir, "wh")
		ing, err := median(reps, func() { os.RemoveAll(wh) }, func() (measurement, error) {
			return measure(bin, "ingest", "filings", "--file", file, "--warehouse", wh, "--log-level", "warn")
		})
		if err != nil {
			return err
		}
		out := filepath.Join(dir, "peer.parquet")
		duck, err := median(reps, func() { os.Remove(out) }, func() (measurement, error) {
			return measure(self, "-peer", file, "-peer-out", out)
		})
		if err != nil {
			return err
		}
		r := float64(rows)
		fmt.Printf("| %d | %.0f | %.2f | %.2f | %.0f | %.0f | %.2f | %.2f | %.0f | %.0f | %.2f |\n", rows, float64(st.Size())/1e6,
			ing.wall.Seconds(), ing.cpu.Seconds(), r/ing.wall.Seconds(), ing.rssMB,
			duck.wall.Seconds(), duck.cpu.Seconds(), r/duck.wall.Seconds(), duck.rssMB, duck.wall.Seconds()/ing.wall.Seconds())
		os.Remove(file)
		os.RemoveAll(wh)
	}
	return nil
}

// duckdbCopy is the peer: DuckDB's own NDJSON to Parquet conversion of the
// same file. The columns are given because the auto-detection samples only
// the first rows and fails on optional fields first seen later ("programs").
func duckdbCopy(in, out string) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	q := fmt.Sprintf(`COPY (FROM read_json('%s', format='newline_delimited', columns={
		filing_id: 'VARCHAR', revision: 'INTEGER', registry_no: 'VARCHAR', company_name: 'VARCHAR', isic4: 'VARCHAR',
		zone: 'VARCHAR', period: 'VARCHAR', submitted_at: 'TIMESTAMPTZ', currency: 'VARCHAR', revenue: 'DOUBLE',
		intermediate_consumption: 'DOUBLE', wages: 'DOUBLE', employees: 'INTEGER', rnd_expense: 'DOUBLE',
		exports: 'STRUCT(country VARCHAR, ebops VARCHAR, amount DOUBLE)[]', flags: 'STRUCT(ai BOOLEAN, startup BOOLEAN)',
		programs: 'VARCHAR[]'})) TO '%s' (FORMAT parquet)`, in, out)
	_, err = db.ExecContext(context.Background(), q)
	return err
}
