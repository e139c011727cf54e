package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"syscall"
	"time"

	"github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/simulate"
	"github.com/npit-mn/ictstat/transform"
)

// koboResponses is the size of the generated survey export.
const koboResponses = 200_000

// benchKobo measures the Kobo CSV reader against DuckDB's read_csv on the
// same generated export (synthetic, 200,000 responses), both in this
// process, one after the other, median of reps runs each.
func benchKobo(reps int, dir string) error {
	file := filepath.Join(dir, "survey.csv")
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	w := simulate.NewWorld(simulate.Options{Seed: 1, Companies: 1500, Months: 60, USDShare: 0.1})
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := w.WriteSurveyCSV(bw, simulate.SurveyOptions{Responses: koboResponses}); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	defer os.Remove(file)
	st, _ := os.Stat(file)
	mb := float64(st.Size()) / 1e6

	var cpu time.Duration // CPU time (user + system, all threads) of the last once
	once := func(fn func() error) (time.Duration, error) {
		runtime.GC()
		c0 := processCPU()
		start := time.Now()
		err := fn()
		d := time.Since(start)
		cpu = processCPU() - c0
		return d, err
	}
	read := func() error {
		r, err := os.Open(file)
		if err != nil {
			return err
		}
		defer r.Close()
		subs, bad, err := ingest.ReadKoboCSV(r, file)
		if err == nil && (len(subs) != koboResponses || len(bad) != 0) {
			err = fmt.Errorf("kobo reader: %d submissions, %d bad; want %d", len(subs), len(bad), koboResponses)
		}
		return err
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	duck := func(opts string) func() error {
		return func() error {
			ctx := context.Background()
			if _, err := db.ExecContext(ctx, fmt.Sprintf("CREATE OR REPLACE TEMP TABLE t AS SELECT * FROM read_csv('%s', delim=';', header=true%s)", file, opts)); err != nil {
				return err
			}
			var n int64
			if err := db.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != koboResponses {
				return fmt.Errorf("duckdb: %d rows, %v", n, err)
			}
			_, err := db.ExecContext(ctx, "DROP TABLE t")
			return err
		}
	}
	// The contenders run in turn within each repetition, so that a machine
	// shared with other work loads them alike; each is reported by its
	// median, and each peer's ratio is the median of the per-repetition
	// ratios.
	contenders := []struct {
		name string
		fn   func() error
	}{
		{"ingest.ReadKoboCSV (every column as text)", read},
		{"DuckDB read_csv, all_varchar=true, into a table", duck(", all_varchar=true")},
		{"DuckDB read_csv, types detected, into a table", duck("")},
	}
	times := make([][]time.Duration, len(contenders))
	cpus := make([][]time.Duration, len(contenders))
	ratios := make([][]float64, len(contenders))
	for range reps {
		var first time.Duration
		for k, c := range contenders {
			d, err := once(c.fn)
			if err != nil {
				return err
			}
			if k == 0 {
				first = d
			}
			times[k] = append(times[k], d)
			cpus[k] = append(cpus[k], cpu)
			ratios[k] = append(ratios[k], d.Seconds()/first.Seconds())
		}
	}
	wave := benchWave(w)
	transformed, err := once(func() error {
		r, err := os.Open(file)
		if err != nil {
			return err
		}
		defer r.Close()
		subs, _, err := ingest.ReadKoboCSV(r, file)
		if err != nil {
			return err
		}
		rows, bad := transform.SurveyResponses(subs, &wave, file)
		if len(bad) != 0 || len(rows) != koboResponses*33 {
			return fmt.Errorf("transform: %d rows, %d bad", len(rows), len(bad))
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Printf("## Kobo CSV reader against DuckDB read_csv (%s, %d cores, %s)\n\n", time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), runtime.Version())
	fmt.Printf("%d responses (synthetic), %.0f MB, 35 columns; median of %d interleaved runs, in one process.\n\n", koboResponses, mb, reps)
	fmt.Println("| reader | wall s | responses/s | MB/s | CPU s (all threads) | ratio (Kobo reader responses/s ÷ this one's, wall) |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
	for k, c := range contenders {
		d := medianDuration(times[k])
		fmt.Printf("| %s | %.3f | %.0f | %.1f | %.2f | %.2f |\n", c.name, d.Seconds(), koboResponses/d.Seconds(), mb/d.Seconds(),
			medianDuration(cpus[k]).Seconds(), medianFloat(ratios[k]))
	}
	fmt.Printf("\nReadKoboCSV + transform.SurveyResponses (%d rows of survey_responses), one run: %.3f s, %.0f responses/s.\n",
		koboResponses*33, transformed.Seconds(), koboResponses/transformed.Seconds())
	return nil
}

// processCPU returns the user and system CPU time of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func medianDuration(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func medianFloat(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// benchWave is the sample wave of w (testdata/survey/wave.yaml) built
// directly, so that the benchmark needs no YAML.
func benchWave(w *simulate.World) transform.Wave {
	pop, _ := w.SurveyPopulation()
	ch := func(codes ...string) []transform.Choice {
		out := make([]transform.Choice, len(codes))
		for i, c := range codes {
			out[i] = transform.Choice{Code: c}
		}
		return out
	}
	return transform.Wave{ID: "bench", Strata: []string{"isic_division", "size_class"}, Population: pop, RegistryNo: "registry_no",
		Questions: []transform.Question{
			{Name: "isic_division", Type: "single", Choices: ch("26", "46", "58", "61", "62", "63", "95")},
			{Name: "size_class", Type: "single", Choices: ch("micro", "small", "medium", "large")},
			{Name: "employees", Type: "numeric"},
			{Name: "main_barrier", Type: "single", Choices: ch("finance", "talent", "market_access", "regulation", "infrastructure")},
			{Name: "barriers", Type: "multi", Choices: ch("finance", "talent", "market_access", "regulation", "infrastructure")},
			{Name: "exporting", Type: "single", Choices: ch("yes", "no")},
			{Name: "markets_planned", Type: "multi", Choices: ch("central_asia", "east_asia", "southeast_asia", "europe", "americas", "none")},
			{Name: "revenue_growth", Type: "numeric"},
			{Name: "uses_ai", Type: "single", Choices: ch("yes", "no")},
		}}
}
