package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/queries"
	"github.com/npit-mn/ictstat/serve"
	"github.com/npit-mn/ictstat/simulate"
	"github.com/npit-mn/ictstat/warehouse"
)

// benchParams are the parameters each analytic runs with in the benchmark
// beyond its defaults: the required ones.
var benchParams = map[string]map[string]string{
	"survey_estimates": {"question": "barriers"},
}

// analyticsWorld describes one benchmark warehouse.
type analyticsWorld struct {
	companies, months, rows int
}

// benchAnalytics measures every named analytic on a warehouse of 3,000
// companies over 10 years against plain DuckDB running the same SQL over the
// same files, then checks each analytic's time at 10M filings.
func benchAnalytics(bin, dir string, reps int, large int) error {
	fmt.Printf("## Named analytics (%s, %d reps)\n\n", time.Now().UTC().Format("2006-01-02"), reps)
	small := analyticsWorld{companies: 3000, months: 120, rows: 360_000}
	wh, err := buildWarehouse(bin, dir, "wh-analytics", small)
	if err != nil {
		return err
	}
	qs, err := queries.All()
	if err != nil {
		return err
	}
	peer, err := newPeer(wh)
	if err != nil {
		wh.Close()
		return err
	}
	srv := httptest.NewServer(serve.New(wh, serve.Options{}).Handler())
	fmt.Printf("%d companies, %d months, %d filings. Uncached: ictstat's query engine (snapshot views, sandbox) against plain DuckDB running the same SQL over the same Parquet files, in this process, %d runs each after 2 warm-ups. Cached: GET /api/v1/queries/NAME?format=json over loopback, %d runs after the first.\n\n", small.companies, small.months, small.rows, reps, 10*reps)
	fmt.Println("| analytic | rows out | ictstat p50 ms | p95 ms | DuckDB p50 ms | p95 ms | ratio p50 (ictstat ÷ DuckDB) | cached p50 ms |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, q := range qs {
		query, args, err := q.Bind(benchParams[q.Name])
		if err != nil {
			return fmt.Errorf("%s: %w", q.Name, err)
		}
		var n int
		ours, err := timings(reps, func() error {
			rows, _, err := testutil.QueryRows(context.Background(), wh, -1, query, args...)
			n = len(rows)
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", q.Name, err)
		}
		theirs, err := timings(reps, func() error { return peer.run(query, args...) })
		if err != nil {
			return fmt.Errorf("%s on plain DuckDB: %w", q.Name, err)
		}
		cached, err := timings(10*reps, func() error {
			return get(srv.URL + "/api/v1/queries/" + q.Name + "?format=json" + urlParams(benchParams[q.Name]))
		})
		if err != nil {
			return fmt.Errorf("%s over HTTP: %w", q.Name, err)
		}
		fmt.Printf("| %s | %d | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f |\n", q.Name, n, ms(ours, 50), ms(ours, 95),
			ms(theirs, 50), ms(theirs, 95), ms(ours, 50)/ms(theirs, 50), ms(cached, 50))
	}
	srv.Close()
	peer.close()
	wh.Close()
	os.RemoveAll(filepath.Join(dir, "wh-analytics"))
	if large <= 0 {
		return nil
	}
	big := analyticsWorld{companies: large / 120, months: 120, rows: large}
	whBig, err := buildWarehouse(bin, dir, "wh-large", big)
	if err != nil {
		return err
	}
	defer func() { whBig.Close(); os.RemoveAll(filepath.Join(dir, "wh-large")) }()
	fmt.Printf("\nAt %d filings (%d companies, %d months), uncached, median of 3 (goal: every analytic under 2 s):\n\n", big.rows, big.companies, big.months)
	fmt.Println("| analytic | ictstat median s | under 2 s |")
	fmt.Println("|---|---:|---|")
	for _, q := range qs {
		query, args, err := q.Bind(benchParams[q.Name])
		if err != nil {
			return err
		}
		t, err := timings(3, func() error {
			_, _, err := testutil.QueryRows(context.Background(), whBig, -1, query, args...)
			return err
		})
		if err != nil {
			return fmt.Errorf("%s at %d filings: %w", q.Name, big.rows, err)
		}
		fmt.Printf("| %s | %.2f | %v |\n", q.Name, ms(t, 50)/1000, ms(t, 50) < 2000)
	}
	return nil
}

// buildWarehouse fills dir/name with every source of one seeded world,
// through the ictstat binary: its filings, exchange rates, registrations
// (pulled from the registry simulator), balance of payments (an SDMX-CSV
// release and update), survey wave, and NSO's two national-accounts
// vintages of testdata.
func buildWarehouse(bin, dir, name string, w analyticsWorld) (*warehouse.Warehouse, error) {
	root := filepath.Join(dir, name)
	os.RemoveAll(root)
	world := simulate.NewWorld(simulate.Options{Seed: 1, Companies: w.companies, Months: w.months})
	files := map[string]func(io.Writer) error{
		"fx.csv":     world.WriteFXRatesCSV,
		"wave.yaml":  world.WriteSurveyWave,
		"survey.csv": func(out io.Writer) error { return world.WriteSurveyCSV(out, simulate.SurveyOptions{Responses: 400}) },
		"bop-1.csv":  nil,
		"bop-2.csv":  nil,
	}
	first, update := simulate.BopRevision(world.BopQuarterly(), 1)
	files["bop-1.csv"] = func(out io.Writer) error { return simulate.WriteSDMXCSV1(out, first) }
	files["bop-2.csv"] = func(out io.Writer) error { return simulate.WriteSDMXCSV2(out, update, ';') }
	paths := map[string]string{}
	for f, write := range files {
		paths[f] = filepath.Join(dir, name+"-"+f)
		defer os.Remove(paths[f])
		if err := writeFile(paths[f], write); err != nil {
			return nil, err
		}
	}
	nd := filepath.Join(dir, name+".ndjson")
	defer os.Remove(nd)
	reg, line, err := child(bin, "simulate", "registry", "--addr", "127.0.0.1:0", "--companies", strconv.Itoa(w.companies),
		"--months", strconv.Itoa(w.months), "--start-months", strconv.Itoa(w.months), "--token", "t")
	if err != nil {
		return nil, err
	}
	defer func() { reg.Process.Kill(); reg.Wait() }()
	na := filepath.Join("testdata", "national_accounts")
	wh := []string{"--warehouse", root, "--log-level", "warn"}
	for _, args := range [][]string{
		{"simulate", "filings", "--rows", strconv.Itoa(w.rows), "--companies", strconv.Itoa(w.companies), "--months", strconv.Itoa(w.months), "--out", nd},
		append([]string{"ingest", "filings", "--file", nd}, wh...),
		append([]string{"ingest", "fx", "--file", paths["fx.csv"]}, wh...),
		append([]string{"ingest", "registrations", "--url", urlIn(line), "--token", "t"}, wh...),
		append([]string{"ingest", "exports", "--file", paths["bop-1.csv"]}, wh...),
		append([]string{"ingest", "exports", "--file", paths["bop-2.csv"]}, wh...),
		append([]string{"ingest", "survey", "--file", paths["survey.csv"], "--wave", paths["wave.yaml"]}, wh...),
		append([]string{"ingest", "national_accounts", "--file", filepath.Join(na, "DT_NSO_0500_001V1.vintage-2024-03-20.json")}, wh...),
		append([]string{"ingest", "national_accounts", "--file", filepath.Join(na, "DT_NSO_0500_001V1.json")}, wh...),
	} {
		if _, err := measure(bin, args...); err != nil {
			return nil, err
		}
	}
	return warehouse.Open(root, warehouse.Options{Reference: queries.Reference()})
}

// writeFile writes path with write.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	if err := write(bw); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// timings runs f twice to warm up, then n times, and returns the sorted
// durations.
func timings(n int, f func() error) ([]time.Duration, error) {
	for range 2 {
		if err := f(); err != nil {
			return nil, err
		}
	}
	out := make([]time.Duration, n)
	for i := range out {
		start := time.Now()
		if err := f(); err != nil {
			return nil, err
		}
		out[i] = time.Since(start)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// ms returns the p-th percentile of sorted durations in milliseconds.
func ms(sorted []time.Duration, p int) float64 {
	i := min(len(sorted)-1, (len(sorted)*p+99)/100-1)
	return float64(sorted[max(i, 0)].Microseconds()) / 1000
}

// get fetches url and fails on any status but 200.
func get(url string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// urlParams renders parameters as &k=v pairs of the query route.
func urlParams(p map[string]string) string {
	s := ""
	for k, v := range p {
		s += "&" + url.QueryEscape(k) + "=" + url.QueryEscape(v)
	}
	return s
}

// peer is plain DuckDB (default settings, no sandbox) with views over the
// very files of the warehouse's current snapshot, taken from the
// definitions of ictstat's own views.
type peer struct{ db *sql.DB }

var viewSchema = regexp.MustCompile(`(?i)^CREATE VIEW s\d+\.`)

func newPeer(wh *warehouse.Warehouse) (*peer, error) {
	rows, _, err := testutil.QueryRows(context.Background(), wh, -1,
		"SELECT sql FROM duckdb_views() WHERE schema_name = current_schema()")
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if err := warehouse.LoadReferences(context.Background(), db, queries.Reference()); err != nil {
		db.Close()
		return nil, err
	}
	for _, r := range rows {
		def := viewSchema.ReplaceAllString(r[0].(string), "CREATE VIEW ")
		if _, err := db.Exec(def); err != nil {
			db.Close()
			return nil, fmt.Errorf("peer view %.80s: %w", def, err)
		}
	}
	return &peer{db: db}, nil
}

// run executes query and reads every row.
func (p *peer) run(query string, args ...any) error {
	rows, err := p.db.Query(query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (p *peer) close() { p.db.Close() }
