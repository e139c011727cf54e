package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/simulate"
	"github.com/npit-mn/ictstat/warehouse"
)

func TestIngestNationalAccountsCommand(t *testing.T) {
	dir := t.TempDir()
	wh := filepath.Join(dir, "wh")
	sample := filepath.Join("..", "..", "testdata", "national_accounts")
	good, err := os.ReadFile(filepath.Join(sample, "DT_NSO_0500_001V1.json"))
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(strings.Replace(string(good), `"6": 6`, `"6": 7`, 1)), 0o644)
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		want     string // in stdout, or stderr when code != 0
		snapshot int
	}{
		{"malformed file", []string{"--file", bad}, 2, bad + ": dimension.Он.category.index: position 7", 0},
		{"missing file", []string{"--file", filepath.Join(dir, "none.json")}, 2, "none.json", 0},
		{"no flags", nil, 2, "--file PATH", 0},
		{"earlier vintage", []string{"--file", filepath.Join(sample, "DT_NSO_0500_001V1.vintage-2024-03-20.json")}, 0, "264 cells read, 264 committed, 0 already held, 0 quarantined; committed snapshot 1", 1},
		{"current vintage", []string{"--file", filepath.Join(sample, "DT_NSO_0500_001V1.json")}, 0, "308 cells read, 308 committed, 0 already held, 0 quarantined; committed snapshot 2", 2},
		{"again", []string{"--file", filepath.Join(sample, "DT_NSO_0500_001V1.json")}, 0, "nothing new (vintage already held); the warehouse stays at snapshot 2", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--warehouse", wh, "--log-level", "error", "ingest", "national_accounts"}, tc.args...)
			code, stdout, stderr := run(t, args...)
			out := stdout
			if tc.code != 0 {
				out = stderr
			}
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Errorf("got exit %d, stdout %q, stderr %q; want exit %d and %q", code, stdout, stderr, tc.code, tc.want)
			}
			if ids := testutil.ManifestIDs(t, wh); len(ids) != tc.snapshot {
				t.Errorf("got snapshots %v, want %d", ids, tc.snapshot)
			}
			if files := testutil.TableFolderFiles(t, wh); tc.snapshot == 0 && len(files) > 0 {
				t.Errorf("got files %v under tables/, want none", files)
			}
		})
	}
	code, stdout, _ := run(t, "--warehouse", wh, "sql", "--format", "csv",
		"SELECT period, value_mn_mnt FROM national_accounts WHERE current_prices AND activity_role = 'total' AND period = '2023' ORDER BY vintage")
	if code != 0 || !strings.Contains(stdout, "2023,68900000") || !strings.Contains(stdout, "2023,70441516") {
		t.Errorf("got %d %q, want both vintages of 2023", code, stdout)
	}
}

func TestIngestNationalAccountsURL(t *testing.T) {
	sim := simulate.NewPXWeb(simulate.PXWebOptions{NoCookie: true, MinGap: -1})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go sim.Serve(ctx, ln)
	base := "http://" + ln.Addr().String()
	wh := filepath.Join(t.TempDir(), "wh")
	code, stdout, stderr := run(t, "--warehouse", wh, "--log-level", "error", "ingest", "national_accounts", "--url", sim.TableURL(base, simulate.NSOTableQuarterly))
	if code != 0 || !strings.Contains(stdout, "176 cells read, 176 committed") {
		t.Errorf("got %d %q %q, want the quarterly table's 176 cells", code, stdout, stderr)
	}
	// The scheduled source, with a selection from its mapping.
	w, err := warehouse.Open(filepath.Join(t.TempDir(), "wh2"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	pull, err := sourceTasks["national_accounts"](w, "national_accounts", SourceConfig{URL: sim.TableURL(base, simulate.NSOTableAnnual),
		MinInterval: Duration{time.Millisecond}, Mapping: &NationalAccountsMapping{Selection: map[string][]string{"Үзүүлэлт": {"0"}}, TableID: "GDP"}}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if st, err := pull(ctx); err != nil || st.Committed != 22*7 || !st.Changed {
		t.Errorf("got %+v, %v; want the 154 cells of indicator 0", st, err)
	}
	if n := testutil.Count(t, w, "SELECT count(*) FROM national_accounts WHERE table_id = 'GDP' AND current_prices"); n != 154 {
		t.Errorf("got %d rows of table GDP at current prices, want 154", n)
	}
	if _, err := sourceTasks["national_accounts"](w, "national_accounts", SourceConfig{URL: "http://x/T.px", MinInterval: Duration{-time.Second}}, zerolog.Nop()); err == nil || !strings.Contains(err.Error(), "min_interval") {
		t.Errorf("got %v, want a negative min_interval refused", err)
	}
	moved := sim.TableURL(base, "DT_NSO_0500_001V7")
	code, _, stderr = run(t, "--warehouse", wh, "--log-level", "error", "ingest", "national_accounts", "--url", moved)
	if code != 1 || !strings.Contains(stderr, "table DT_NSO_0500_001V7 not found at "+moved+": NSO may have moved it; update sources.national_accounts.url") {
		t.Errorf("got %d %q, want exit 1 and the moved-table message", code, stderr)
	}
}

func TestConfigNationalAccountsMapping(t *testing.T) {
	c, err := ParseConfig(strings.NewReader(exampleConfig), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	s := c.Sources["national_accounts"]
	o := s.Mapping.options()
	if s.MinInterval.Milliseconds() != 600 || o.IndicatorDim != "Үзүүлэлт" || o.ActivityDim != "Эдийн засгийн салбар" || o.TimeDim != "Он" ||
		o.CurrentPrices != "0" || o.TotalCode != "0" || o.ICTLabel != "Information and communication" || o.YTD {
		t.Errorf("got %+v (min_interval %v), want the documented defaults", o, s.MinInterval)
	}
	_, err = ParseConfig(strings.NewReader("sources:\n  filings:\n    url: http://x\n    schedule: '@hourly'\n    mapping:\n      total: '1'\n"), func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "sources.filings.mapping") {
		t.Errorf("got %v, want a mapping on filings refused", err)
	}
}

func TestSimulatePXWebFlags(t *testing.T) {
	code, _, stderr := run(t, "simulate", "pxweb", "--vintage", "3", "--log-level", "error")
	if code != 2 || !strings.Contains(stderr, "--vintage 3") {
		t.Errorf("got %d %q, want exit 2 naming --vintage", code, stderr)
	}
}
