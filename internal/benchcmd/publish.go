package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/npit-mn/ictstat/simulate"
)

// benchPublish measures `ictstat publish`: every release table with
// disclosure control and every artifact, from the warehouse of 3,000
// companies over 10 years (360,000 filings) the analytics benchmark uses.
func benchPublish(bin, dir string, reps int) error {
	w := analyticsWorld{companies: 3000, months: 120, rows: 360_000}
	wh, err := buildWarehouse(bin, dir, "wh-publish", w)
	if err != nil {
		return err
	}
	root := wh.Root()
	wh.Close()
	defer os.RemoveAll(root)
	// The last quarter the world files in full.
	periods := simulate.NewWorld(simulate.Options{Seed: 1, Companies: w.companies, Months: w.months}).Periods()
	last := periods[len(periods)-1]
	y, _ := strconv.Atoi(last[:4])
	m, _ := strconv.Atoi(last[5:7])
	q := m / 3
	if q == 0 {
		y, q = y-1, 4
	}
	id := fmt.Sprintf("%dQ%d", y, q)
	out := filepath.Join(dir, "release-"+id)
	defer os.RemoveAll(out)
	run, err := median(reps, func() { os.RemoveAll(out) }, func() (measurement, error) {
		return measure(bin, "publish", id, "--warehouse", root, "--out", out, "--log-level", "warn")
	})
	if err != nil {
		return err
	}
	entries, _ := os.ReadDir(out)
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("## Release (%s, median of %d; load average %s)\n\n", time.Now().UTC().Format("2006-01-02"), reps, strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " "))
	fmt.Printf("`ictstat publish %s`: %d companies, %d months, %d filings; every release table with disclosure control (primary and secondary suppression), %d files.\n\n",
		id, w.companies, w.months, w.rows, len(entries))
	fmt.Println("| filings | publish wall s | CPU s (user + system, every thread) | peak RSS MB | goal s |")
	fmt.Println("|---:|---:|---:|---:|---:|")
	fmt.Printf("| %d | %.2f | %.2f | %.0f | 5 |\n\n", w.rows, run.wall.Seconds(), run.cpu.Seconds(), run.rssMB)
	return nil
}
