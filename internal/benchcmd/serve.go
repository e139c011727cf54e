package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// child starts a long-running ictstat command and returns it with the first
// line it printed.
func child(bin string, args ...string) (*exec.Cmd, string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		return nil, "", fmt.Errorf("%s %v printed %q: %w", bin, args, line, err)
	}
	return cmd, line, nil
}

// urlIn returns the scheme, host and port of the first http:// URL in a line.
func urlIn(line string) string {
	i := strings.Index(line, "http://")
	if i < 0 {
		return ""
	}
	rest := line[i+len("http://"):]
	end := strings.IndexAny(rest, "/ \n")
	if end < 0 {
		end = len(rest)
	}
	return "http://" + rest[:end]
}

// benchPull measures `ictstat ingest filings --url` against the simulator
// over loopback.
func benchPull(bin, dir string) error {
	sim, line, err := child(bin, "simulate", "registry", "--addr", "127.0.0.1:0", "--companies", "4000", "--months", "60", "--start-months", "60", "--token", "t")
	if err != nil {
		return err
	}
	defer func() { sim.Process.Kill(); sim.Wait() }()
	url := urlIn(line)
	wh := filepath.Join(dir, "wh-pull")
	os.RemoveAll(wh)
	start := time.Now()
	out, err := exec.Command(bin, "ingest", "filings", "--url", url, "--token", "t", "--warehouse", wh, "--log-level", "warn").Output()
	if err != nil {
		return fmt.Errorf("pull: %w: %s", err, out)
	}
	wall := time.Since(start)
	var rows int64
	fmt.Sscanf(strings.SplitN(string(out), ": ", 2)[1], "%d rows read", &rows)
	fmt.Printf("\n## Pull from the registry simulator over loopback\n\n")
	fmt.Printf("| filings | wall s | filings/s |\n|---:|---:|---:|\n| %d | %.2f | %.0f |\n", rows, wall.Seconds(), float64(rows)/wall.Seconds())
	os.RemoveAll(wh)
	return nil
}

// benchServe starts `ictstat serve` over 200,000 simulated filings and
// measures a cached named query with concurrent keep-alive clients, then 50
// concurrent uncached analytics with /healthz polled meanwhile.
func benchServe(bin, dir string, d time.Duration, clients int) error {
	wh := filepath.Join(dir, "wh-serve")
	os.RemoveAll(wh)
	file := filepath.Join(dir, "serve.ndjson")
	if out, err := exec.Command(bin, "simulate", "filings", "--rows", "200000", "--out", file).CombinedOutput(); err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	if out, err := exec.Command(bin, "ingest", "filings", "--file", file, "--warehouse", wh, "--log-level", "warn").CombinedOutput(); err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	out, err := exec.Command(bin, "token", "add", "--role", "researcher", "--name", "bench", "--warehouse", wh).Output()
	if err != nil {
		return fmt.Errorf("token add: %w", err)
	}
	token := strings.TrimSpace(string(out))
	srv, line, err := child(bin, "serve", "--addr", "127.0.0.1:0", "--warehouse", wh, "--log-level", "warn")
	if err != nil {
		return err
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	base := urlIn(line)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	get := func(url string) (int, error) {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	url := base + "/api/v1/queries/sector_size?grain=quarter&subsector=division"
	start := time.Now()
	if st, err := get(url); err != nil || st != 200 { // the miss that fills the cache
		return fmt.Errorf("first request: %d %v", st, err)
	}
	uncached := time.Since(start)
	lat, errs := load(d, clients, func() error {
		st, err := get(url)
		if err == nil && st != 200 {
			err = fmt.Errorf("status %d", st)
		}
		return err
	})
	fmt.Printf("\n## Cached named query over HTTP (sector_size, %d clients, %s, Go load generator in the same machine)\n\n", clients, d)
	fmt.Printf("| requests | errors | req/s | p50 ms | p99 ms | first (uncached) ms |\n|---:|---:|---:|---:|---:|---:|\n")
	fmt.Printf("| %d | %d | %.0f | %.3f | %.3f | %.1f |\n", len(lat), errs, float64(len(lat))/d.Seconds(),
		millis(quantile(lat, 0.5)), millis(quantile(lat, 0.99)), millis(uncached))

	// 50 uncached analytics at once (distinct parameters: no cache, no
	// sharing), /healthz every 10 ms meanwhile, the server's peak RSS.
	var health []time.Duration
	stop := make(chan struct{})
	hdone := make(chan struct{})
	go func() {
		defer close(hdone)
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			t := time.Now()
			if st, err := get(base + "/healthz"); err == nil && st == 200 {
				health = append(health, time.Since(t))
			}
		}
	}()
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	start = time.Now()
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := get(fmt.Sprintf("%s/api/v1/queries/gdp_share?base_share=%.2f", base, 1.5+float64(i)/100))
			if err != nil {
				st = -1
			}
			mu.Lock()
			codes[st]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	close(stop)
	<-hdone
	sort.Slice(health, func(i, j int) bool { return health[i] < health[j] })
	fmt.Printf("\n## 50 concurrent uncached analytics (gdp_share, distinct parameters) with /healthz polled every 10 ms\n\n")
	fmt.Printf("| answers by status | wall s | server peak RSS MB | /healthz polls | /healthz p50 ms | /healthz p99 ms |\n|---|---:|---:|---:|---:|---:|\n")
	fmt.Printf("| %v | %.2f | %.0f | %d | %.3f | %.3f |\n", codes, wall.Seconds(), peakRSS(srv.Process.Pid), len(health), millis(quantile(health, 0.5)), millis(quantile(health, 0.99)))
	return nil
}

// load runs fn from clients goroutines for d and returns the sorted
// latencies of the calls that succeeded and the count that failed.
func load(d time.Duration, clients int, fn func() error) ([]time.Duration, int) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	errs := 0
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			bad := 0
			for ctx.Err() == nil {
				t := time.Now()
				if fn() != nil {
					bad++
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat, errs
}

func quantile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(p*float64(len(sorted)-1))]
}

func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// peakRSS reads a running process's peak resident memory (VmHWM) in MB.
func peakRSS(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(rest), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}
