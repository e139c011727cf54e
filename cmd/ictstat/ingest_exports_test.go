package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIngestExportsCommand drives ingest exports through the command line:
// a malformed file exits 2 naming its line and commits nothing; the
// samples commit (the update: 48 new 2025-Q4 rows, 96 R rows of which the
// 8 missing (M) ones stay as they were, 4 deletes); the same file again
// changes nothing.
func TestIngestExportsCommand(t *testing.T) {
	dir := t.TempDir()
	wh := filepath.Join(dir, "wh")
	bad := filepath.Join(dir, "bad.csv")
	good, update := filepath.Join("..", "..", "testdata", "exports", "bop_2019q1_2025q3.csv"), filepath.Join("..", "..", "testdata", "exports", "bop_update_2025q4.csv")
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	lines[40] = strings.Replace(lines[40], ",C,", `,"C"x,`, 1) // broken quoting on line 41
	if err := os.WriteFile(bad, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	noHeader := filepath.Join(dir, "noheader.csv")
	if err := os.WriteFile(noHeader, []byte(strings.Join(lines[1:], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file string
		want []string
	}{{bad, []string{bad + ":41:", "character"}}, {noHeader, []string{noHeader + ":1:", "DATAFLOW"}}} {
		code, _, stderr := run(t, "ingest", "exports", "--file", c.file, "--warehouse", wh)
		if code != 2 {
			t.Errorf("%s: got exit %d, want 2; %s", c.file, code, stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s: stderr %q does not name %q", c.file, stderr, w)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(wh, "catalog", "00000001.json")); !os.IsNotExist(err) {
		t.Fatalf("a snapshot exists after refused files: %v", err)
	}
	if code, _, stderr := run(t, "ingest", "exports", "--warehouse", wh); code != 2 || !strings.Contains(stderr, "--file") {
		t.Errorf("without --file or --url: got exit %d %q, want 2 naming --file", code, stderr)
	}
	for i, want := range []string{"1296 rows read, 1296 committed (1296 inserted, 0 updated, 0 deleted)", "148 rows read, 140 committed (48 inserted, 88 updated, 4 deleted), 8 unchanged", "nothing new"} {
		f := []string{good, update, update}[i]
		code, stdout, stderr := run(t, "ingest", "exports", "--file", f, "--warehouse", wh)
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("ingest %s: got exit %d %q %q, want %q", f, code, stdout, stderr, want)
		}
	}
	code, stdout, _ := run(t, "sql", "SELECT count(*) AS n FROM bop_exports", "--format", "csv", "--warehouse", wh)
	if code != 0 || !strings.Contains(stdout, "1340") {
		t.Errorf("got %d %q, want 1340 observations", code, stdout)
	}
}
