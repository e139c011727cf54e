package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMarketEntryCommand runs market_entry and exports_by_destination
// through the CLI on the market_entry fixture, in every text format, with
// time travel and a bad parameter.
func TestMarketEntryCommand(t *testing.T) {
	wh := filepath.Join(t.TempDir(), "wh")
	for _, f := range []string{"filings.ndjson", "amendments.ndjson"} {
		if code, _, stderr := run(t, "ingest", "filings", "--file", filepath.Join("../../testdata/market_entry", f), "--warehouse", wh, "--log-level", "error"); code != 0 {
			t.Fatalf("ingest %s: exit %d: %s", f, code, stderr)
		}
	}
	golden := func(name string) string {
		b, err := os.ReadFile(filepath.Join("../../testdata/market_entry", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"csv", []string{"query", "market_entry", "--format", "csv"}, 0, []string{golden("expected_year_region.csv")}},
		{"csv at snapshot 1", []string{"query", "market_entry", "--format", "csv", "--snapshot", "1"}, 0, []string{golden("expected_year_region_snapshot1.csv")}},
		{"table", []string{"query", "market_entry", "--format", "table", "-p", "by=all", "-p", "grain=quarter"}, 0, []string{"new_entrants [companies]", "2026Q1", "all foreign markets", "(6 rows, snapshot 2)"}},
		{"json", []string{"query", "market_entry", "--format", "json", "-p", "by=programme"}, 0, []string{`"category":"Digital Nomad"`}},
		{"destination csv", []string{"query", "exports_by_destination", "--format", "csv", "-p", "currency=MNT"}, 0, []string{"2026,2026-01-01,total,W1,World,World,MNT,15000000,4,"}},
		{"bad parameter", []string{"query", "market_entry", "-p", "by=continent"}, 2, []string{"parameter by", "continent"}},
		{"bad service item", []string{"query", "exports_by_destination", "-p", "service_item=SZ9"}, 2, []string{"parameter service_item"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := run(t, append(tc.args, "--warehouse", wh, "--log-level", "error")...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(out+stderr, w) {
					t.Errorf("got %q, want it to contain %q", out+stderr, w)
				}
			}
			if tc.name == "json" {
				var v any
				if err := json.Unmarshal([]byte(out), &v); err != nil {
					t.Errorf("json output does not parse: %v", err)
				}
			}
		})
	}
}
