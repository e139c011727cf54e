package dashboard_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/queries"
	"github.com/npit-mn/ictstat/serve"
	"github.com/npit-mn/ictstat/simulate"
	"github.com/npit-mn/ictstat/warehouse"
)

// fixtureNow is the fixed clock of the fixture: its runs end two hours
// before, and the dashboard judges freshness then.
func fixtureNow() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) }

// newFixture builds a warehouse with every source the dashboard draws, from
// the simulator (filings and registry feeds, NSO's PX-Web tables, the BoP
// SDMX files, exchange rates) and a small survey, and serves it on
// loopback.
func newFixture(t testing.TB, companies int) (*httptest.Server, *warehouse.Warehouse) {
	t.Helper()
	ctx := context.Background()
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{Reference: queries.Reference()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	world := simulate.NewWorld(simulate.Options{Seed: 1, Companies: companies, Months: 36, USDShare: 0.1})
	record := func(source string, st jobs.PullStats, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("fixture %s: %v", source, err)
		}
		end := fixtureNow().Add(-2 * time.Hour)
		if err := wh.RecordRun(ctx, ictstat.JobRun{Job: source, Source: source, Trigger: "manual", StartedAt: end.Add(-time.Minute), EndedAt: end,
			Status: "ok", Attempts: 1, RowsRead: st.Read, RowsCommitted: st.Committed, Snapshot: st.Snapshot,
			Schedule: "@every 24h", NextDue: end.Add(24 * time.Hour), IntervalS: 86400}); err != nil {
			t.Fatal(err)
		}
	}
	var rates bytes.Buffer
	if err := world.WriteFXRatesCSV(&rates); err != nil {
		t.Fatal(err)
	}
	st, err := jobs.IngestFXFile(ctx, wh, &rates, "fixture rates")
	record(jobs.SourceFX, st, err)

	first, update := simulate.BopRevision(world.BopQuarterly(), 1)
	var v1, v2 bytes.Buffer
	if err := simulate.WriteSDMXCSV1(&v1, first); err != nil {
		t.Fatal(err)
	}
	if err := simulate.WriteSDMXCSV2(&v2, update, ';'); err != nil {
		t.Fatal(err)
	}
	for _, b := range []*bytes.Buffer{&v1, &v2} {
		est, err := jobs.IngestExportsFile(ctx, wh, b, "fixture bop")
		record(jobs.SourceExports, est.PullStats, err)
	}

	reg := httptest.NewServer(simulate.NewRegistry(world, simulate.RegistryOptions{Token: "fixture"}))
	defer reg.Close()
	for _, kind := range []string{ingest.FeedFilings, ingest.FeedRegistrations} {
		feed, err := ingest.NewFeed(reg.URL, kind, ingest.FeedOptions{Token: "fixture", Limit: 5000})
		if err != nil {
			t.Fatal(err)
		}
		pull := jobs.PullFilings
		if kind == ingest.FeedRegistrations {
			pull = jobs.PullRegistrations
		}
		st, err := pull(ctx, wh, feed, jobs.PullOptions{})
		feed.Close()
		record(kind, st, err)
	}

	px := simulate.NewPXWeb(simulate.PXWebOptions{NoCookie: true, MinGap: -1})
	pxs := httptest.NewServer(px)
	defer pxs.Close()
	client, err := ingest.NewPXWeb(px.TableURL(pxs.URL, simulate.NSOTableAnnual), ingest.PXWebOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st, err = jobs.PullNationalAccounts(ctx, wh, client, jobs.NationalAccountsOptions{Now: func() time.Time { return fixtureNow() }})
	record(jobs.SourceNationalAccounts, st, err)

	st, err = addSurvey(ctx, wh)
	record(jobs.SourceSurvey, st, err)

	ts := httptest.NewServer(serve.New(wh, fixtureOptions(wh)).Handler())
	t.Cleanup(ts.Close)
	return ts, wh
}

// addSurvey commits a survey wave of 60 answers to two questions in two
// strata, with bilingual labels as the wave configuration has them.
func addSurvey(ctx context.Context, wh *warehouse.Warehouse) (jobs.PullStats, error) {
	tx, err := wh.Begin(ctx, "fixture survey")
	if err != nil {
		return jobs.PullStats{}, err
	}
	defer tx.Rollback()
	var answers []ictstat.SurveyResponse
	for i := 0; i < 60; i++ {
		stratum := []string{"62/micro", "61/small"}[i%2]
		yes, emp := float64(i%3/2), float64(3+i%7)
		no := 1 - yes
		id := fmt.Sprint(i)
		base := ictstat.SurveyResponse{Wave: "startup-2026", ResponseID: id, SubmittedAt: fixtureNow().UnixMicro(), Stratum: stratum, StratumPopulation: 150}
		a, b, c := base, base, base
		a.Question, a.QuestionLabel, a.QuestionType, a.Choice, a.Value = "uses_ai", "Хиймэл оюун ухаан ашигладаг уу / uses artificial intelligence", ictstat.QuestionSingle, "yes", &yes
		b.Question, b.QuestionLabel, b.QuestionType, b.Choice, b.Value = "uses_ai", a.QuestionLabel, ictstat.QuestionSingle, "no", &no
		c.Question, c.QuestionLabel, c.QuestionType, c.Value = "employees", "Ажилтны тоо / employees (persons)", ictstat.QuestionNumeric, &emp
		answers = append(answers, a, b, c)
	}
	if err := warehouse.AppendRows(tx, warehouse.TableSurveyResponses, answers); err != nil {
		return jobs.PullStats{}, err
	}
	snap, err := tx.Commit(ctx, "fixture survey")
	if err != nil {
		return jobs.PullStats{}, err
	}
	return jobs.PullStats{Read: int64(len(answers)), Committed: int64(len(answers)), Snapshot: snap.ID}, nil
}

// fixtureOptions serve the named analytics to the public as they stand
// (as the demo does), so that the dashboard and the public API answer from
// the same source; the injected clock judges freshness.
func fixtureOptions(wh *warehouse.Warehouse) serve.Options {
	return serve.Options{Now: fixtureNow, Public: func(ctx context.Context, name string, params map[string]string, snap int64) (*warehouse.Result, error) {
		q, err := queries.Get(name)
		if err != nil {
			return nil, err
		}
		sql, args, err := q.Bind(params)
		if err != nil {
			return nil, err
		}
		return wh.Query(ctx, snap, sql, args...)
	}}
}
