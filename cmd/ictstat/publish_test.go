package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/publish"
	"github.com/npit-mn/ictstat/simulate"
)

func TestReleaseConfigErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"no period", "releases:\n  calendar:\n    - tables: [gdp_share]\n", "releases.calendar[0].id"},
		{"bad period", "releases:\n  calendar:\n    - id: 2026Q5\n", "releases.calendar[0].id"},
		{"twice", "releases:\n  calendar:\n    - id: '2026'\n    - id: '2026'\n", "releases.calendar[1].id"},
		{"unknown table", "releases:\n  calendar:\n    - id: 2026Q3\n      tables: [sector_size]\n", "releases.calendar[0].tables"},
		{"unknown default table", "releases:\n  tables: [gdp]\n", "releases.tables"},
		{"publication before the period ends", "releases:\n  calendar:\n    - id: 2026Q3\n      publish_at: '2026-09-01 09:30'\n", "releases.calendar[0].publish_at"},
		{"bad publication time", "releases:\n  calendar:\n    - id: 2026Q3\n      publish_at: 'soon'\n", "releases.calendar[0].publish_at"},
		{"bad time of day", "releases:\n  publish_time: '25:00'\n", "releases.publish_time"},
		{"bad holiday", "releases:\n  holidays: [christmas]\n", "releases.holidays[0]"},
		{"k above 100", "disclosure:\n  dominance_k: 120\n", "disclosure.dominance_k"},
		{"k below 0", "disclosure:\n  dominance_k: -5\n", "disclosure.dominance_k"},
		{"min companies", "disclosure:\n  min_companies: 0\n", "disclosure.min_companies"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig(strings.NewReader(tc.yaml), func(string) string { return "" })
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ictstat.ErrUsage) {
				t.Errorf("got %v, want a usage error naming %q", err, tc.want)
			}
		})
	}
}

// TestPublishCommand publishes a calendar release under embargo from the
// command line, lists it, answers a query from its pinned snapshot after
// newer data came in, and keeps that snapshot through gc.
func TestPublishCommand(t *testing.T) {
	dir := t.TempDir()
	wh := filepath.Join(dir, "wh")
	var nd bytes.Buffer
	if _, err := simulate.WriteNDJSON(&nd, simulate.Options{Seed: 2, Companies: 60, Months: 24, EndPeriod: "2025-12"}, 1500, 0); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "f.ndjson")
	lines := bytes.SplitAfter(nd.Bytes(), []byte("\n"))
	os.WriteFile(data, bytes.Join(lines[:1000], nil), 0o644)
	if code, _, stderr := run(t, "ingest", "filings", "--file", data, "--warehouse", wh); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, stderr)
	}
	cfg := filepath.Join(dir, "cfg.yaml")
	os.WriteFile(cfg, []byte("warehouse: "+wh+"\nreleases:\n  calendar:\n    - id: '2025'\n      publish_at: '2099-01-05 09:30'\n      tables: [sector_size_year, market_entry]\n"), 0o644)
	code, stdout, stderr := run(t, "publish", "2025", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, "snapshot 1 (pinned)") || !strings.Contains(stdout, "under embargo until 2099-01-05 09:30") {
		t.Fatalf("publish: exit %d, %q, %q", code, stdout, stderr)
	}
	m, err := publish.ReadManifest(filepath.Join(wh, "releases", "2025"))
	if err != nil || m.Snapshot != 1 || len(m.Tables) != 2 {
		t.Fatalf("manifest: %+v, %v", m, err)
	}
	// More filings: snapshot 2. The release still answers from snapshot 1.
	os.WriteFile(data, bytes.Join(lines[1000:], nil), 0o644)
	if code, _, stderr := run(t, "ingest", "filings", "--file", data, "--warehouse", wh); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, stderr)
	}
	_, pinned, _ := run(t, "sql", "SELECT count(*) FROM filings", "--snapshot", "1", "--warehouse", wh)
	_, viaRelease, stderr := run(t, "query", "data_quality", "--release", "2025", "--warehouse", wh, "--format", "csv")
	if viaRelease == "" {
		t.Fatalf("query --release: %s", stderr)
	}
	_, current, _ := run(t, "sql", "SELECT count(*) FROM filings", "--warehouse", wh)
	if pinned == current {
		t.Fatalf("the second ingest added nothing: %q", current)
	}
	_, snapOut, _ := run(t, "sql", "SELECT snapshot, status FROM releases", "--warehouse", wh, "--format", "csv")
	if !strings.Contains(snapOut, "1,prepared") {
		t.Errorf("releases table: got %q, want snapshot 1 prepared", snapOut)
	}
	code, stdout, _ = run(t, "releases", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, "2025") || !strings.Contains(stdout, "prepared") || !strings.Contains(stdout, "2099-01-05 09:30") {
		t.Errorf("releases: exit %d, %q", code, stdout)
	}
	if code, _, stderr := run(t, "gc", "--keep-last", "1", "--keep-age", "1ns", "--warehouse", wh); code != 0 {
		t.Fatalf("gc: %s", stderr)
	}
	if code, after, stderr := run(t, "sql", "SELECT count(*) FROM filings", "--snapshot", "1", "--warehouse", wh); code != 0 || after != pinned {
		t.Errorf("the pinned snapshot after gc: exit %d, %q (%s), want %q", code, after, stderr, pinned)
	}
	for _, bad := range [][]string{
		{"publish", "2025Q5", "--warehouse", wh},
		{"publish", "2099", "--warehouse", wh},
		{"query", "data_quality", "--release", "1999", "--warehouse", wh},
	} {
		if code, _, stderr := run(t, bad...); code != 2 {
			t.Errorf("%v: got exit %d (%s), want 2", bad, code, stderr)
		}
	}
}
