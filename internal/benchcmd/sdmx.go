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
	"strconv"
	"time"

	"github.com/npit-mn/ictstat/ingest"
)

// sdmxCountries are partner codes for the generated file.
var sdmxCountries = []string{"KZ", "UZ", "JP", "KR", "SG", "VN", "US", "DE", "GB", "CN", "RU", "AU", "IN", "AE", "CA", "FR",
	"TH", "MY", "ID", "PH", "KG", "TR", "W1", "4A", "B0"}

// writeSDMXBench writes an SDMX-CSV 1.0 file of rows distinct quarterly
// observations (synthetic; at most 1,208,000 distinct keys).
func writeSDMXBench(path string, rows int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("DATAFLOW,FREQ,REF_AREA,COUNTERPART_AREA,FLOW,SERVICE_ITEM,TIME_PERIOD,OBS_VALUE,UNIT_MULT,UNIT_MEASURE,OBS_STATUS\n")
	items := []string{"SI", "SI1", "SI2", "SI21", "SI22", "SI3", "SI31", "SI32"}
	statuses := []string{"A", "A", "A", "P", "E"}
	n := len(sdmxCountries)
	var b []byte
	for i := range rows {
		block := i / (n * len(items) * 2) // distinct keys: 604 quarters (1950-2100) x 5 reporters
		q, ref := block%604, []string{"MN", "KZ", "KG", "UZ", "TJ"}[block/604%5]
		flow := "C"
		if (i/(n*len(items)))%2 == 1 {
			flow = "D"
		}
		b = append(b[:0], "ICTSTAT:SYNTHETIC_ICT_SERV(1.0),Q,"...)
		b = append(b, ref...)
		b = append(b, ',')
		b = append(b, sdmxCountries[i%n]...)
		b = append(b, ',')
		b = append(b, flow...)
		b = append(b, ',')
		b = append(b, items[(i/n)%len(items)]...)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(1950+q/4), 10)
		b = append(b, "-Q"...)
		b = strconv.AppendInt(b, int64(q%4+1), 10)
		b = append(b, ',')
		b = strconv.AppendFloat(b, float64(i%100000)/1000, 'f', 3, 64)
		b = append(b, ",6,USD,"...)
		b = append(b, statuses[i%len(statuses)]...)
		b = append(b, '\n')
		w.Write(b)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// timed runs f reps times and returns the median wall time.
func timed(reps int, f func() error) (time.Duration, error) {
	var ds []time.Duration
	for range reps {
		runtime.GC()
		start := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		ds = append(ds, time.Since(start))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2], nil
}

// benchSDMX measures ReadSDMXCSV against DuckDB's read_csv on the same
// file, both in this process.
func benchSDMX(rows, reps int, dir string) error {
	file := filepath.Join(dir, fmt.Sprintf("sdmx-%d.csv", rows))
	if err := writeSDMXBench(file, rows); err != nil {
		return err
	}
	defer os.Remove(file)
	st, _ := os.Stat(file)
	ours, err := timed(reps, func() error {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		ch, bad, _, err := ingest.ReadSDMXCSV(bufio.NewReaderSize(f, 1<<20), file)
		if err == nil && (len(ch) != rows || len(bad) != 0) {
			err = fmt.Errorf("read %d rows, %d bad: want %d", len(ch), len(bad), rows)
		}
		return err
	})
	if err != nil {
		return err
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := context.Background()
	count, err := timed(reps, func() error {
		var n int
		err := db.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM read_csv('%s')", file)).Scan(&n)
		if err == nil && n != rows {
			err = fmt.Errorf("DuckDB counted %d rows, want %d", n, rows)
		}
		return err
	})
	if err != nil {
		return err
	}
	table, err := timed(reps, func() error {
		_, err := db.ExecContext(ctx, fmt.Sprintf("CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv('%s')", file))
		return err
	})
	if err != nil {
		return err
	}
	var threads string
	db.QueryRowContext(ctx, "SELECT current_setting('threads')::VARCHAR").Scan(&threads)
	fmt.Printf("## SDMX-CSV parse (%s, %d cores, %s, DuckDB threads %s)\n\n", time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), runtime.Version(), threads)
	fmt.Println("| rows | file MB | ReadSDMXCSV s | rows/s | DuckDB count(*) s | DuckDB CREATE TABLE AS s | rows/s | ratio (ours ÷ DuckDB table, rows/s) | ratio (ours ÷ DuckDB count) |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	r := float64(rows)
	fmt.Printf("| %d | %.0f | %.2f | %.0f | %.2f | %.2f | %.0f | %.2f | %.2f |\n", rows, float64(st.Size())/1e6,
		ours.Seconds(), r/ours.Seconds(), count.Seconds(), table.Seconds(), r/table.Seconds(),
		table.Seconds()/ours.Seconds(), count.Seconds()/ours.Seconds())
	return nil
}
