package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// benchBackfill measures `ictstat ingest filings --file` on a lifetime of
// filings: 3,000 companies over ten years, about 360,000 rows.
func benchBackfill(bin string, reps int, dir string) error {
	file := filepath.Join(dir, "backfill.ndjson")
	if out, err := exec.Command(bin, "simulate", "filings", "--rows", "360000", "--companies", "3000", "--months", "120", "--out", file).CombinedOutput(); err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	defer os.Remove(file)
	rows, err := countLines(file)
	if err != nil {
		return err
	}
	wh := filepath.Join(dir, "wh-backfill")
	defer os.RemoveAll(wh)
	m, err := median(reps, func() { os.RemoveAll(wh) }, func() (measurement, error) {
		return measure(bin, "ingest", "filings", "--file", file, "--warehouse", wh, "--log-level", "warn")
	})
	if err != nil {
		return err
	}
	fmt.Printf("\n## Backfill of a lifetime of filings (3,000 companies, 120 months)\n\n")
	fmt.Printf("| filings | committed in s | CPU s | filings/s | peak RSS MB |\n|---:|---:|---:|---:|---:|\n")
	fmt.Printf("| %d | %.2f | %.2f | %.0f | %.0f |\n", rows, m.wall.Seconds(), m.cpu.Seconds(), float64(rows)/m.wall.Seconds(), m.rssMB)
	return nil
}

func countLines(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strings.Count(string(b), "\n"), nil
}

// periodStart matches the period_start values of sector_size's JSON.
var periodStart = regexp.MustCompile(`\d{4}-\d{2}-01`)

// latestPeriod returns the latest period_start sector_size shows over HTTP.
func latestPeriod(client *http.Client, url string) (string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	latest := ""
	for _, p := range periodStart.FindAllString(string(body), -1) {
		latest = max(latest, p)
	}
	return latest, nil
}

// benchFreshness measures how long a new month takes from the registry to
// the HTTP API: a warehouse holds ten years of 3,000 companies pulled from
// the registry simulator; when the simulator publishes the next month
// (about 3,000 filings and the amendments sent with it), `ictstat ingest
// filings --url` pulls it into the warehouse while `ictstat run` serves
// it, and the clock runs from the start of the pull until sector_size over
// HTTP shows the new month.
func benchFreshness(bin string, reps int, dir string) error {
	const every = 20 * time.Second
	sim, line, err := child(bin, "simulate", "registry", "--addr", "127.0.0.1:0", "--companies", "3000", "--months", "120",
		"--start-months", strconv.Itoa(120-reps), "--month-every", every.String(), "--token", "t")
	if err != nil {
		return err
	}
	published := time.Now()
	defer func() { sim.Process.Kill(); sim.Wait() }()
	feed := urlIn(line)
	wh := filepath.Join(dir, "wh-fresh")
	os.RemoveAll(wh)
	defer os.RemoveAll(wh)
	pull := func() (time.Duration, string, error) {
		start := time.Now()
		out, err := exec.Command(bin, "ingest", "filings", "--url", feed, "--token", "t", "--warehouse", wh, "--log-level", "warn").Output()
		if err != nil {
			return 0, "", fmt.Errorf("pull: %w: %s", err, out)
		}
		return time.Since(start), strings.TrimSpace(string(out)), nil
	}
	backfill, what, err := pull()
	if err != nil {
		return err
	}
	cfg := filepath.Join(dir, "fresh.yaml")
	if err := os.WriteFile(cfg, []byte("warehouse: "+wh+"\nserver:\n  addr: 127.0.0.1:0\n"), 0o644); err != nil {
		return err
	}
	srv, line, err := child(bin, "run", "--config", cfg, "--log-level", "warn")
	if err != nil {
		return err
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	api := urlIn(line) + "/api/v1/queries/sector_size?grain=month&subsector=all&format=json"
	client := &http.Client{}
	fmt.Printf("\n## Freshness: a new month from the registry simulator to sector_size over HTTP\n\n")
	fmt.Printf("Backfill over the feed first: %s in %.2f s.\n\n", what, backfill.Seconds())
	fmt.Printf("| month | filings pulled | pull committed s | visible in sector_size s |\n|---|---:|---:|---:|\n")
	for k := 1; k <= reps; k++ {
		before, err := latestPeriod(client, api)
		if err != nil {
			return err
		}
		time.Sleep(time.Until(published.Add(time.Duration(k)*every + time.Second))) // the simulator publishes the month
		start := time.Now()
		took, what, err := pull()
		if err != nil {
			return err
		}
		var rows int64
		if _, rest, ok := strings.Cut(what, ": "); ok {
			fmt.Sscanf(rest, "%d rows read", &rows)
		}
		var seen string
		for seen <= before {
			if seen, err = latestPeriod(client, api); err != nil {
				return err
			}
			if time.Since(start) > time.Minute {
				return fmt.Errorf("the new month did not show in a minute (latest %s)", seen)
			}
			time.Sleep(5 * time.Millisecond)
		}
		fmt.Printf("| %s | %d | %.3f | %.3f |\n", seen[:7], rows, took.Seconds(), time.Since(start).Seconds())
	}
	return nil
}
