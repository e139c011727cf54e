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

	timeIt := func(fn func() error) (time.Duration, error) {
		var ds []time.Duration
		for range reps {
			runtime.GC()
			start := time.Now()
			if err := fn(); err != nil {
				return 0, err
			}
			ds = append(ds, time.Since(start))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[len(ds)/2], nil
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
	kobo, err := timeIt(read)
	if err != nil {
		return err
	}
	wave := benchWave(w)
	transformed, err := timeIt(func() error {
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
	duckText, err := timeIt(duck(", all_varchar=true"))
	if err != nil {
		return err
	}
	duckTyped, err := timeIt(duck(""))
	if err != nil {
		return err
	}
	fmt.Printf("## Kobo CSV reader against DuckDB read_csv (%s, %d cores, %s)\n\n", time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), runtime.Version())
	fmt.Printf("%d responses (synthetic), %.0f MB, %d columns; median of %d runs, in one process.\n\n", koboResponses, mb, 35, reps)
	fmt.Println("| reader | s | responses/s | MB/s | ratio (Kobo reader responses/s ÷ these) |")
	fmt.Println("|---|---:|---:|---:|---:|")
	row := func(name string, d time.Duration) {
		fmt.Printf("| %s | %.3f | %.0f | %.1f | %.2f |\n", name, d.Seconds(), koboResponses/d.Seconds(), mb/d.Seconds(), d.Seconds()/kobo.Seconds())
	}
	row("ingest.ReadKoboCSV (all columns as text)", kobo)
	row("ReadKoboCSV + transform.SurveyResponses (6.6M rows)", transformed)
	row("DuckDB read_csv, all_varchar=true, into a table", duckText)
	row("DuckDB read_csv, types detected, into a table", duckTyped)
	return nil
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
