package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/warehouse"
)

// emptyWarehouse creates a warehouse with no snapshot yet, as a writing
// command would, and returns its folder: reading commands need one.
func emptyWarehouse(t *testing.T) string {
	t.Helper()
	wh := filepath.Join(t.TempDir(), "wh")
	w, err := warehouse.Open(wh, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	return wh
}

// TestReadingCommandsOpenReadOnly runs every reading command on a folder
// that holds no warehouse (exit 2 naming it, nothing created) and on a
// warehouse whose writer lock is held (it reads without waiting, and
// changes nothing in the folder).
func TestReadingCommandsOpenReadOnly(t *testing.T) {
	reads := [][]string{{"sql", "SELECT 1"}, {"query", "sector_size"}, {"snapshots"}, {"quarantine"}, {"jobs"}}
	missing := filepath.Join(t.TempDir(), "nowh")
	for _, args := range reads {
		code, _, stderr := run(t, append(args, "--warehouse", missing)...)
		want := "no warehouse at " + missing + "; run an ingest first or pass --warehouse"
		if code != 2 || !strings.Contains(stderr, want) {
			t.Errorf("%v on a missing warehouse: exit %d, %q; want exit 2 and %q", args, code, stderr, want)
		}
		if _, err := os.Stat(missing); !os.IsNotExist(err) {
			t.Fatalf("%v created %s", args, missing)
		}
	}
	wh := emptyWarehouse(t)
	w, err := warehouse.Open(wh, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	tx, err := w.Begin(context.Background(), "hold the writer lock")
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	before := testutil.Tree(t, wh)
	for _, args := range reads {
		if code, _, stderr := run(t, append(args, "--warehouse", wh, "--format", "csv")...); code != 0 {
			t.Errorf("%v with the writer lock held: exit %d, %s", args, code, stderr)
		}
	}
	if after := testutil.Tree(t, wh); after != before {
		t.Errorf("reading commands changed the warehouse:\nbefore %s\nafter  %s", before, after)
	}
}

func TestSQLLimits(t *testing.T) {
	wh := emptyWarehouse(t)
	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"small result", []string{"sql", "SELECT * FROM range(3)", "--format", "json"}, 0, ""},
		{"row limit", []string{"sql", "SELECT * FROM range(5)", "--format", "json", "--max-rows", "2"}, 2, "more rows than allowed"},
		{"row limit does not bind csv", []string{"sql", "SELECT * FROM range(5)", "--format", "csv", "--max-rows", "2"}, 0, ""},
		{"time limit", []string{"sql", "SELECT sum(a.range * b.range) FROM range(300000) a, range(300000) b", "--timeout", "300ms"}, 1, "--timeout 300ms"},
		{"no writes outside", []string{"sql", "COPY (SELECT 1) TO 'x.csv'"}, 2, "only SELECT"},
		{"no writes into the tables", []string{"sql", "COPY (SELECT 1) TO '" + filepath.Join(wh, "tables", "x.csv") + "'"}, 2, "only SELECT"},
		{"no files", []string{"sql", "SELECT * FROM read_csv('/etc/passwd')"}, 2, ""},
		{"bad SQL", []string{"sql", "SELEKT 1"}, 2, "syntax"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := run(t, append(tc.args, "--warehouse", wh)...)
			if code != tc.wantCode || !strings.Contains(stderr, tc.wantErr) {
				t.Errorf("got exit %d, %q; want exit %d and %q", code, stderr, tc.wantCode, tc.wantErr)
			}
		})
	}
}

// TestSQLHelpListsEveryTable keeps `ictstat sql --help` in step with the
// views the engine builds for each snapshot.
func TestSQLHelpListsEveryTable(t *testing.T) {
	wh := emptyWarehouse(t)
	code, out, stderr := run(t, "sql", "SELECT view_name FROM duckdb_views() WHERE schema_name = current_schema() ORDER BY 1",
		"--format", "csv", "--warehouse", wh, "--log-level", "error")
	if code != 0 {
		t.Fatalf("got exit code %d, want 0: %s", code, stderr)
	}
	views := strings.Fields(strings.TrimPrefix(out, "view_name\n"))
	if len(views) < 10 {
		t.Fatalf("got views %v, want the warehouse's tables", views)
	}
	_, help, _ := run(t, "sql", "--help")
	for _, v := range views {
		if !strings.Contains(help, v) {
			t.Errorf("sql --help does not name table %s", v)
		}
	}
}

// TestOutFileWholeOrNothing writes --out files: a command that fails part
// way (here the row limit, met after two rows are written) leaves no file
// and no temporary one, and an older file of that name as it was; one that
// succeeds leaves exactly the file.
func TestOutFileWholeOrNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	wh := emptyWarehouse(t)
	outDir := filepath.Join(dir, "out")
	if err := os.Mkdir(outDir, 0o755); err != nil {
		t.Fatal(err)
	}
	older := filepath.Join(outDir, "older.json")
	if err := os.WriteFile(older, []byte("older"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"new.json", "older.json"} {
		code, _, stderr := run(t, "sql", "SELECT * FROM range(5)", "--format", "json", "--max-rows", "2",
			"--out", filepath.Join(outDir, name), "--warehouse", wh, "--log-level", "error")
		if code != 2 {
			t.Errorf("%s: got exit %d (%s), want 2", name, code, stderr)
		}
	}
	if got := dirNames(t, outDir); got != "older.json" {
		t.Errorf("got files %q after failed writes, want only older.json", got)
	}
	if b, _ := os.ReadFile(older); string(b) != "older" {
		t.Errorf("got older.json %q, want it untouched", b)
	}
	code, _, stderr := run(t, "sql", "SELECT * FROM range(5)", "--format", "csv", "--out", filepath.Join(outDir, "new.csv"), "--warehouse", wh, "--log-level", "error")
	if code != 0 {
		t.Fatalf("got exit %d (%s), want 0", code, stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(outDir, "new.csv")); string(b) != "range\n0\n1\n2\n3\n4\n" {
		t.Errorf("got new.csv %q, want the five rows", b)
	}
	if got := dirNames(t, outDir); got != "new.csv older.json" {
		t.Errorf("got files %q, want new.csv and older.json", got)
	}
}

// dirNames lists a folder's entries, space-separated, sorted.
func dirNames(t *testing.T, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}
