package publish_test

import (
	"bytes"
	"context"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/publish"
	"github.com/npit-mn/ictstat/queries"
	"github.com/npit-mn/ictstat/simulate"
	"github.com/npit-mn/ictstat/warehouse"
)

// simOptions is the simulated world of the release tests: 150 companies
// filing from 2023-07 to 2026-06.
var simOptions = simulate.Options{Seed: 11, Companies: 150, Months: 36, EndPeriod: "2026-06", USDShare: 0.1}

// simRelease is the release the tests build: the second quarter of 2026,
// published on 2026-08-14 at 09:30 in Ulaanbaatar.
func simRelease(t testing.TB) publish.Release {
	p, err := publish.ParsePeriod("2026Q2")
	if err != nil {
		t.Fatal(err)
	}
	return publish.Release{ID: "2026Q2", Period: p, PublishAt: time.Date(2026, 8, 14, 9, 30, 0, 0, publish.Ulaanbaatar), Tables: publish.TableNames()}
}

var (
	simOnce sync.Once
	simDir  string
)

// simWarehouse returns a warehouse of the simulated world (filings, exchange
// rates, the register pulled from the registry simulator on loopback,
// national accounts and a survey), built once per test binary into a folder
// that each test copies, so tests may write to theirs.
func simWarehouse(t testing.TB) *warehouse.Warehouse {
	t.Helper()
	simOnce.Do(func() { simDir = buildSim(t) })
	if simDir == "" {
		t.Fatal("the simulated warehouse could not be built")
	}
	dir := t.TempDir()
	copyDir(t, simDir, dir)
	wh, err := warehouse.Open(dir, warehouse.Options{Reference: queries.Reference()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	return wh
}

func buildSim(t testing.TB) string {
	ctx := context.Background()
	dir, err := osMkdirTemp()
	if err != nil {
		t.Fatal(err)
	}
	wh, err := warehouse.Open(dir, warehouse.Options{Reference: queries.Reference()})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	world := simulate.NewWorld(simOptions)
	var fx bytes.Buffer
	if err := world.WriteFXRatesCSV(&fx); err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.IngestFXFile(ctx, wh, &fx, "sim fx"); err != nil {
		t.Fatal(err)
	}
	var nd bytes.Buffer
	if _, err := simulate.WriteNDJSON(&nd, simOptions, world.FilingCount(), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.IngestFilingsFile(ctx, wh, &nd, "sim filings", jobs.Options{}); err != nil {
		t.Fatal(err)
	}
	reg := simulate.NewRegistry(world, simulate.RegistryOptions{Seed: 1, StartMonths: simOptions.Months})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { reg.Serve(sctx, ln); close(done) }()
	defer func() { cancel(); <-done }()
	feed, err := ingest.NewFeed("http://"+ln.Addr().String(), "registrations", ingest.FeedOptions{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.PullRegistrations(ctx, wh, feed, jobs.PullOptions{}); err != nil {
		t.Fatal(err)
	}
	tx, err := wh.Begin(ctx, "fixture")
	if err != nil {
		t.Fatal(err)
	}
	if err := warehouse.AppendRows(tx, warehouse.TableNationalAccount, nationalAccounts()); err != nil {
		t.Fatal(err)
	}
	if err := warehouse.AppendRows(tx, warehouse.TableSurveyResponses, surveyResponses()); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(ctx, "national accounts and survey"); err != nil {
		t.Fatal(err)
	}
	return dir
}

// nationalAccounts are GDP and ICT value added at current prices for 2023
// and 2024 (million MNT), so that 2025 and 2026 are nowcast.
func nationalAccounts() []ictstat.NationalAccount {
	vintage := time.Date(2025, 3, 20, 0, 0, 0, 0, time.UTC).UnixMicro()
	var out []ictstat.NationalAccount
	for _, c := range []struct {
		year  int
		role  string
		value float64
	}{{2023, "total", 70441516}, {2023, "ict", 1150000}, {2024, "total", 80663051}, {2024, "ict", 1300000}} {
		v := c.value
		activity := "TOTAL"
		if c.role == "ict" {
			activity = "J"
		}
		out = append(out, ictstat.NationalAccount{TableID: "DT_NSO_0500_001V1", Vintage: vintage, PulledAt: vintage,
			Indicator: "GDP_CP", IndicatorLabel: "GDP at current prices", CurrentPrices: true, Activity: activity, ActivityLabel: activity,
			ActivityRole: c.role, Freq: "A", Period: strconv.Itoa(c.year), PeriodLabel: strconv.Itoa(c.year),
			PeriodStart: ictstat.MonthDate(c.year, 1), Year: int32(c.year), Value: &v, Source: "fixture"})
	}
	return out
}

// surveyResponses are one numeric question answered in three strata of 30,
// 12 and 4 respondents: the last is below the survey minimum.
func surveyResponses() []ictstat.SurveyResponse {
	var out []ictstat.SurveyResponse
	for _, s := range []struct {
		name string
		n    int
		pop  int64
	}{{"62/small", 30, 90}, {"62/large", 12, 20}, {"61/all", 4, 8}} {
		for i := 0; i < s.n; i++ {
			v := float64(3 + (i*7)%11)
			out = append(out, ictstat.SurveyResponse{Wave: "startup-2026", ResponseID: s.name + strconv.Itoa(i),
				SubmittedAt: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC).UnixMicro(), Stratum: s.name, StratumPopulation: s.pop,
				Question: "it_staff", QuestionLabel: "IT staff", QuestionType: ictstat.QuestionNumeric, Value: &v,
				RegistryNo: "R" + s.name + strconv.Itoa(i), Source: "fixture"})
		}
	}
	return out
}

func TestMain(m *testing.M) {
	code := m.Run()
	if simDir != "" {
		os.RemoveAll(simDir)
	}
	os.Exit(code)
}
