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

// benchServe loads a cached named query with concurrent clients on loopback.
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
	cfg := filepath.Join(dir, "serve.yaml")
	os.WriteFile(cfg, []byte("warehouse: "+wh+"\nserver:\n  addr: 127.0.0.1:0\n"), 0o644)
	srv, line, err := child(bin, "run", "--config", cfg, "--log-level", "warn")
	if err != nil {
		return err
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	url := urlIn(line) + "/api/v1/queries/sector_size?grain=quarter&subsector=division"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	get := func() error {
		resp, err := client.Get(url)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	start := time.Now()
	if err := get(); err != nil { // the miss that fills the cache
		return err
	}
	uncached := time.Since(start)
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
			for ctx.Err() == nil {
				t := time.Now()
				if get() != nil {
					mu.Lock()
					errs++
					mu.Unlock()
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	fmt.Printf("\n## Cached named query over HTTP (sector_size, %d clients, %s, Go load generator in the same machine)\n\n", clients, d)
	fmt.Printf("| requests | errors | req/s | p50 ms | p99 ms | first (uncached) ms |\n|---:|---:|---:|---:|---:|---:|\n")
	fmt.Printf("| %d | %d | %.0f | %.3f | %.3f | %.1f |\n", len(lat), errs, float64(len(lat))/d.Seconds(),
		float64(q(0.5).Microseconds())/1000, float64(q(0.99).Microseconds())/1000, float64(uncached.Microseconds())/1000)
	return nil
}
