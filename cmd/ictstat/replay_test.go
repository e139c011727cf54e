package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReplayCLI walks the survey fix through the command line: a stratum
// without a population total, the wave corrected, quarantine replay.
func TestReplayCLI(t *testing.T) {
	dir := t.TempDir()
	wh := filepath.Join(dir, "wh")
	const wave = "id: w1\nstrata: {fields: [div]}\nquestions:\n  - {name: employees, label: Employees, type: numeric}\npopulation:\n  totals:\n    '62': 10\n"
	files := map[string]string{
		"s.csv": "_uuid,_submission_time,g/div,g/employees\n" +
			"u1,2026-03-01T10:00:00,62,5\n" + // passes
			"u2,2026-03-02T10:00:00,63,7\n" + // 63 has no total in w1.yaml
			"u3,2026-03-03T10:00:00,64,1\n", // 64 has none in either
		"w1.yaml":    wave,
		"fixed.yaml": wave + "    '63': 4\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := func(name string) string { return filepath.Join(dir, name) }
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string // in standard output or error
	}{
		{"ingest", []string{"ingest", "survey", "--file", p("s.csv"), "--wave", p("w1.yaml")}, 0, []string{"2 quarantined"}},
		{"survey without wave", []string{"quarantine", "replay", "--source", "survey"}, 2, []string{"--wave"}},
		{"national accounts", []string{"quarantine", "replay", "--source", "national_accounts"}, 2, []string{"pull the table again"}},
		{"unknown source", []string{"quarantine", "replay", "--source", "weather"}, 2, []string{"replayable: fx, registrations, filings, exports, survey"}},
		{"wave for another source", []string{"quarantine", "replay", "--source", "fx", "--wave", p("fixed.yaml")}, 2, []string{"not fx"}},
		{"all without wave", []string{"quarantine", "replay"}, 0, []string{"survey: 2 records not replayed", "--wave", "0 records committed"}},
		{"survey with the fixed wave", []string{"quarantine", "replay", "--source", "survey", "--wave", p("fixed.yaml")}, 0,
			[]string{"survey: 1 records committed, 1 still quarantined", "snapshot 2"}},
		{"again", []string{"quarantine", "replay", "--wave", p("fixed.yaml")}, 0,
			[]string{"survey: 0 records committed, 1 still quarantined", "snapshot 2"}},
		{"u2 committed", []string{"sql", "SELECT response_id, stratum, stratum_population, value FROM survey_responses ORDER BY response_id", "--format", "csv"}, 0,
			[]string{"response_id,stratum,stratum_population,value\nu1,62,10,5\nu2,63,4,7\n"}},
		{"u3 stays", []string{"sql", "SELECT origin, line, reason FROM quarantine", "--format", "csv"}, 0,
			[]string{`s.csv,4,"stratum ""64"" has no population total in wave w1`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, append(tc.args, "--warehouse", wh)...)
			for _, w := range tc.want {
				if code != tc.code || !strings.Contains(out+errOut, w) {
					t.Errorf("got exit %d, %q %q; want %d with %q", code, out, errOut, tc.code, w)
				}
			}
		})
	}
}
