package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/npit-mn/ictstat/ingest"
)

// benchJSONStat measures the JSON-stat 2.0 reader on a generated dataset of
// 10 indicators × 100 activities × 1,000 months (1M cells, NSO's dimension
// codes, every 97th value null, a sparse status object), in process: read
// and iterate every cell, against encoding/json decoding the same document
// into a plain struct (values as []*float64), which is what a reader
// without its own value parser does. Then the whole
// `ictstat ingest national_accounts --file` of that file, as a process.
func benchJSONStat(bin string, reps int, dir string) error {
	file := filepath.Join(dir, "jsonstat-1m.json")
	cells, err := writeJSONStat(file, 10, 100, 1000)
	if err != nil {
		return err
	}
	if os.Getenv("BENCH_KEEP") == "" {
		defer os.Remove(file)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	read := func() (time.Duration, uint64, error) {
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		start := time.Now()
		d, err := ingest.ReadJSONStat(data, file)
		if err != nil {
			return 0, 0, err
		}
		var n int64
		var sum float64
		for c := range d.Cells() {
			n++
			if c.Value != nil {
				sum += *c.Value
			}
		}
		wall := time.Since(start)
		runtime.ReadMemStats(&m1)
		if n != int64(cells) || sum == 0 {
			return 0, 0, fmt.Errorf("read %d cells, want %d", n, cells)
		}
		return wall, m1.TotalAlloc - m0.TotalAlloc, nil
	}
	plain := func() (time.Duration, uint64, error) {
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		start := time.Now()
		var v struct {
			ID        []string                   `json:"id"`
			Size      []int                      `json:"size"`
			Dimension map[string]json.RawMessage `json:"dimension"`
			Value     []*float64                 `json:"value"`
			Status    map[string]string          `json:"status"`
		}
		if err := json.Unmarshal(data, &v); err != nil {
			return 0, 0, err
		}
		wall := time.Since(start)
		runtime.ReadMemStats(&m1)
		if len(v.Value) != cells {
			return 0, 0, fmt.Errorf("decoded %d values, want %d", len(v.Value), cells)
		}
		return wall, m1.TotalAlloc - m0.TotalAlloc, nil
	}
	fmt.Printf("## JSON-stat 2.0 reader (%s, %d cores, %s)\n\n", time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), runtime.Version())
	fmt.Printf("File: %d cells, %.1f MB. Median of %d runs.\n\n", cells, float64(len(data))/1e6, reps)
	fmt.Println("| what | s | cells/s | MB/s | allocated MB |")
	fmt.Println("|---|---:|---:|---:|---:|")
	for _, c := range []struct {
		name string
		f    func() (time.Duration, uint64, error)
	}{{"ingest.ReadJSONStat + iterate every cell", read}, {"encoding/json into a struct (no iteration)", plain}} {
		var walls []time.Duration
		var alloc uint64
		for range reps {
			w, a, err := c.f()
			if err != nil {
				return err
			}
			walls, alloc = append(walls, w), a
		}
		sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
		w := walls[len(walls)/2].Seconds()
		fmt.Printf("| %s | %.3f | %.0f | %.0f | %.0f |\n", c.name, w, float64(cells)/w, float64(len(data))/1e6/w, float64(alloc)/1e6)
	}
	wh := filepath.Join(dir, "wh-jsonstat")
	ing, err := median(reps, func() { os.RemoveAll(wh) }, func() (measurement, error) {
		return measure(bin, "ingest", "national_accounts", "--file", file, "--warehouse", wh, "--log-level", "warn")
	})
	if err != nil {
		return err
	}
	os.RemoveAll(wh)
	fmt.Printf("\n`ictstat ingest national_accounts --file` of the same file (read, map, one vintage of %d rows written, commit): %.2f s, %.0f cells/s, peak RSS %.0f MB\n\n",
		cells, ing.wall.Seconds(), float64(cells)/ing.wall.Seconds(), ing.rssMB)
	return nil
}

// writeJSONStat writes a dataset shaped like NSO's answers: Cyrillic
// dimension codes, indented labels, index objects, months newest first.
func writeJSONStat(path string, inds, acts, months int) (int, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	cat := func(n int, label func(i int) string) string {
		var idx, lab []string
		for i := range n {
			idx = append(idx, fmt.Sprintf(`"%d":%d`, i, i))
			lab = append(lab, fmt.Sprintf(`"%d":%q`, i, label(i)))
		}
		return fmt.Sprintf(`{"category":{"index":{%s},"label":{%s}}}`, strings.Join(idx, ","), strings.Join(lab, ","))
	}
	fmt.Fprintf(w, `{"version":"2.0","class":"dataset","label":"SYNTHETIC benchmark dataset","updated":"2025-03-14T09:00:00Z",`)
	fmt.Fprintf(w, `"id":["Үзүүлэлт","Эдийн засгийн салбар","Он"],"size":[%d,%d,%d],"dimension":{`, inds, acts, months)
	fmt.Fprintf(w, `"Үзүүлэлт":%s,`, cat(inds, func(i int) string { return fmt.Sprintf(" Indicator %d", i) }))
	fmt.Fprintf(w, `"Эдийн засгийн салбар":%s,`, cat(acts, func(i int) string { return fmt.Sprintf("   Activity %d", i) }))
	fmt.Fprintf(w, `"Он":%s},"value":[`, cat(months, func(i int) string { m := 2024*12 + 11 - i; return fmt.Sprintf("%dM%d", m/12, m%12+1) }))
	n := inds * acts * months
	for i := range n {
		if i > 0 {
			w.WriteByte(',')
		}
		if i%97 == 0 {
			w.WriteString("null")
		} else {
			fmt.Fprintf(w, "%.1f", float64(i%100000)*12.3+1)
		}
	}
	w.WriteString(`],"status":{`)
	for i := 0; i < n; i += 97 {
		if i > 0 {
			w.WriteByte(',')
		}
		fmt.Fprintf(w, `"%d":".."`, i)
	}
	w.WriteString("}}\n")
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, err
	}
	return n, f.Close()
}
