package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestSQLLimits(t *testing.T) {
	wh := filepath.Join(t.TempDir(), "wh")
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
	wh := filepath.Join(t.TempDir(), "wh")
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
