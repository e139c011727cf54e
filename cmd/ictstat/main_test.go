package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/simulate"
)

// envTestMain makes the test binary run as ictstat itself, so that tests
// can start it as a child process (see crash_test.go).
const envTestMain = "ICTSTAT_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(envTestMain) == "1" {
		os.Exit(mainWithSignals(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// run runs the command line in this process and returns the exit code,
// standard output and standard error.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := execute(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	wh := filepath.Join(dir, "wh")
	var nd bytes.Buffer
	if _, err := simulate.WriteNDJSON(&nd, simulate.Options{Seed: 2}, 2000, 0); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(nd.Bytes())
	zw.Close()
	files := map[string][]byte{
		"bad.gz":       gz.Bytes()[:gz.Len()/2],
		"binary.bin":   append([]byte{0, 1, 2, 0xff, 0}, bytes.Repeat([]byte{0x00, 0x7f, 0xfe}, 1000)...),
		"empty.csv":    []byte("a,b\n1,2\n"),
		"notyaml.yaml": []byte("foo: [\n"),
		"scalar.yaml":  []byte("hello\n"),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := func(name string) string { return filepath.Join(dir, name) }
	cases := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  []string // in standard error
	}{
		{"truncated gzip", []string{"ingest", "filings", "--file", path("bad.gz")}, 2, []string{path("bad.gz"), "truncated or corrupt"}},
		{"binary file", []string{"ingest", "filings", "--file", path("binary.bin")}, 2, []string{path("binary.bin"), "binary"}},
		{"CSV file", []string{"ingest", "filings", "--file", path("empty.csv")}, 2, []string{path("empty.csv"), "not NDJSON"}},
		{"missing file", []string{"ingest", "filings", "--file", path("nosuch.ndjson")}, 2, []string{path("nosuch.ndjson")}},
		{"ingest without --file", []string{"ingest", "filings"}, 2, []string{"--file"}},
		{"unknown source", []string{"ingest", "weather", "--file", path("bad.gz")}, 2, []string{"weather"}},
		{"bad enum parameter", []string{"query", "sector_size", "--param", "grain=decade"}, 2, []string{"grain", "decade"}},
		{"unknown parameter", []string{"query", "sector_size", "--param", "colour=red"}, 2, []string{"colour"}},
		{"parameter without value", []string{"query", "sector_size", "--param", "grain"}, 2, []string{"grain"}},
		{"unknown query", []string{"query", "nosuch"}, 2, []string{"nosuch", "sector_size"}},
		{"SQL that writes", []string{"sql", "CREATE TABLE x(i int)"}, 2, []string{"only SELECT"}},
		{"unknown flag", []string{"query", "--colour"}, 2, []string{"colour"}},
		{"too many arguments", []string{"query", "a", "b"}, 2, nil},
		{"bad log level", []string{"--log-level", "loud", "snapshots"}, 2, []string{"loud"}},
		{"snapshot that does not exist", []string{"sql", "SELECT 1", "--snapshot", "9999"}, 2, []string{"snapshot 9999 does not exist"}},
		{"negative snapshot", []string{"sql", "SELECT 1", "--snapshot", "-5"}, 2, []string{"--snapshot -5"}},
		{"snapshot not a number", []string{"sql", "SELECT 1", "--snapshot", "abc"}, 2, []string{`"abc"`, "want a whole number"}},
		{"two SQL statements", []string{"sql", "SELECT 1; SELECT 2"}, 2, []string{"exactly one SELECT statement"}},
		{"unknown command", []string{"nosuchcmd"}, 2, []string{"nosuchcmd"}},
		{"run without config or demo", []string{"run"}, 2, []string{"--config", "--demo"}},
		{"run with config and demo", []string{"run", "--demo", "--config", path("scalar.yaml")}, 2, []string{"not both"}},
		{"wave not YAML", []string{"ingest", "survey", "--file", "../../testdata/survey/responses.csv", "--wave", path("notyaml.yaml")}, 2, []string{"notyaml.yaml", "not YAML", "line 1"}},
		{"survey of another wave", []string{"ingest", "survey", "--file", "../../testdata/survey/responses.csv", "--wave", "../../testdata/survey/edge/wave.yaml"}, 2,
			[]string{"responses.csv", "none of the 400 responses fits wave edge-2026", "no column for its fields sector, size"}},
		{"wave not a mapping", []string{"ingest", "survey", "--file", "../../testdata/survey/responses.csv", "--wave", path("scalar.yaml")}, 2, []string{"scalar.yaml", "not the shape of a wave file"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--warehouse", wh}, tc.args...)
			if !slices.Contains(args, "--log-level") {
				args = append(args, "--log-level", "error")
			}
			code, _, stderr := run(t, args...)
			if code != tc.wantCode {
				t.Errorf("got exit code %d, want %d; stderr: %s", code, tc.wantCode, stderr)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(stderr, w) {
					t.Errorf("got stderr %q, want it to name %q", stderr, w)
				}
			}
			for _, internal := range []string{"strconv.", "main.", "PrepareContext", "yaml: unmarshal"} {
				if strings.Contains(stderr, internal) {
					t.Errorf("got stderr %q, want a sentence without Go internals (%q)", stderr, internal)
				}
			}
			if ids := testutil.ManifestIDs(t, wh); len(ids) > 0 {
				t.Errorf("got snapshots %v, want nothing committed", ids)
			}
			if files := testutil.TableFolderFiles(t, wh); len(files) > 0 {
				t.Errorf("got files %v under tables/, want none", files)
			}
		})
	}
}

func TestIngestAndQuery(t *testing.T) {
	dir := t.TempDir()
	wh := filepath.Join(dir, "wh")
	in := filepath.Join(dir, "filings.ndjson")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	st, err := simulate.WriteNDJSON(f, simulate.Options{Seed: 4}, 3000, 0.01)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		args    []string
		wantOut []string
	}{
		{[]string{"ingest", "filings", "--file", in}, []string{"3000 rows read", "committed snapshot 1"}},
		{[]string{"ingest", "filings", "--file", in}, []string{"0 committed", "nothing new; the warehouse stays at snapshot 1"}},
		{[]string{"sql", "SELECT count(*) AS n FROM quarantine", "--format", "csv"}, []string{"n\n" + strconv.Itoa(distinctInvalid(t, in, st.Invalid)) + "\n"}},
		{[]string{"query", "sector_size", "--param", "grain=year", "--format", "csv"}, []string{"period [label],", "\n2024,2024-01-01,62,"}},
		{[]string{"snapshots", "--format", "csv"}, []string{"ingest filings"}},
		{[]string{"sql", "SELECT count(*) AS n FROM filings", "--snapshot", "0", "--format", "csv"}, []string{"n\n0\n"}},
		// Both manual pulls are in the run log, with their counts.
		{[]string{"sql", "SELECT job, trigger, status, rows_read, rows_committed, snapshot FROM job_runs ORDER BY started_at", "--format", "csv"},
			[]string{"filings,manual,ok,3000," + strconv.Itoa(3000-st.Invalid) + ",1\nfilings,manual,ok,3000,0,1\n"}},
	}
	for _, s := range steps {
		code, out, stderr := run(t, append(s.args, "--warehouse", wh, "--log-level", "error")...)
		if code != 0 {
			t.Fatalf("%v: got exit code %d, want 0; stderr: %s", s.args, code, stderr)
		}
		for _, w := range s.wantOut {
			if !strings.Contains(out, w) {
				t.Errorf("%v: got output %q, want it to contain %q", s.args, out, w)
			}
		}
	}
}

// distinctInvalid counts the distinct invalid lines of a simulated file
// (the quarantine keeps one row per distinct record), checking that there
// are n invalid lines in all.
func distinctInvalid(t *testing.T, path string, n int) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	_, valid := testutil.SimLines(t, simulate.Options{Seed: 4}, len(lines), 0.01)
	tr := testutil.NewTruth()
	tr.AddLines(t, lines, valid)
	if tr.Invalid != n {
		t.Fatalf("got %d invalid lines, want %d", tr.Invalid, n)
	}
	return tr.Quarantine()
}
