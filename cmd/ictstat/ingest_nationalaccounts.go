package main

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/simulate"
	"github.com/npit-mn/ictstat/transform"
	"github.com/npit-mn/ictstat/warehouse"
)

// NationalAccountsMapping is the `mapping` block of the national_accounts
// source: which dimension and which category codes of the PX-Web table
// mean what. Empty keys take the defaults of NSO's DT_NSO_0500_001V1.
type NationalAccountsMapping struct {
	TableID            string              `yaml:"table_id"`
	IndicatorDimension string              `yaml:"indicator_dimension"`
	CurrentPrices      string              `yaml:"current_prices"`
	ActivityDimension  string              `yaml:"activity_dimension"`
	Total              string              `yaml:"total"`
	ICT                string              `yaml:"ict"`
	ICTLabel           string              `yaml:"ict_label"`
	TimeDimension      string              `yaml:"time_dimension"`
	YTD                bool                `yaml:"ytd"`
	Selection          map[string][]string `yaml:"selection"`
}

// options returns the mapping as the transform's options.
func (m *NationalAccountsMapping) options() transform.NationalAccountsOptions {
	if m == nil {
		return transform.NationalAccountsOptions{}
	}
	return transform.NationalAccountsOptions{TableID: m.TableID, IndicatorDim: m.IndicatorDimension, CurrentPrices: m.CurrentPrices,
		ActivityDim: m.ActivityDimension, TotalCode: m.Total, ICTCode: m.ICT, ICTLabel: m.ICTLabel, TimeDim: m.TimeDimension, YTD: m.YTD}
}

// ingestNationalAccounts is ingest national_accounts: a saved JSON-stat
// file (--file) or a PX-Web table (--url), with the default mapping.
func (a *app) ingestNationalAccounts(cmd *cobra.Command, in ingestArgs) error {
	if (in.file == "") == (in.url == "") {
		return fmt.Errorf("%w: ingest national_accounts needs one of --file PATH (a JSON-stat 2.0 file) or --url URL (a PX-Web table, e.g. https://…/api/v1/en/NSO/Economy/DT_NSO_0500_001V1.px)", ictstat.ErrUsage)
	}
	log := a.log.With().Str(ictstat.LogSource, jobs.SourceNationalAccounts).Logger()
	opts := jobs.NationalAccountsOptions{Logger: log}
	var pull func(ctx context.Context, wh *warehouse.Warehouse) (jobs.PullStats, error)
	origin := in.file
	if in.file != "" {
		data, err := readWhole(cmd.Context(), in.file)
		if err != nil {
			return err
		}
		pull = func(ctx context.Context, wh *warehouse.Warehouse) (jobs.PullStats, error) {
			return jobs.IngestNationalAccounts(ctx, wh, data, in.file, opts)
		}
	} else {
		px, err := newPXWeb(in.url, 0, nil, log)
		if err != nil {
			return err
		}
		origin = in.url
		pull = func(ctx context.Context, wh *warehouse.Warehouse) (jobs.PullStats, error) {
			return jobs.PullNationalAccounts(ctx, wh, px, opts)
		}
	}
	res, err := a.pullInto(cmd.Context(), pull)
	if err != nil {
		return err
	}
	countRun(in.run, res)
	state := commitState(res)
	if !res.Changed {
		state = fmt.Sprintf("nothing new (vintage already held); the warehouse stays at snapshot %d", res.Snapshot)
	}
	fmt.Fprintf(a.stdout, "%s %s: %d cells read, %d committed, %d already held, %d quarantined; %s\n",
		jobs.SourceNationalAccounts, origin, res.Read, res.Committed, res.Superseded, res.Quarantined, state)
	return nil
}

// readWhole reads a JSON file of at most ingest.MaxJSONDocumentBytes (NSO's
// tables are kilobytes to a few megabytes); a missing or unreadable file is
// bad input.
func readWhole(ctx context.Context, path string) ([]byte, error) {
	f, err := openInput(ctx, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ingest.ReadDocument(f, path, ingest.MaxJSONDocumentBytes)
}

// newPXWeb returns a PX-Web client that logs its retries.
func newPXWeb(url string, minInterval time.Duration, selection map[string][]string, log zerolog.Logger) (*ingest.PXWeb, error) {
	px, err := ingest.NewPXWeb(url, ingest.PXWebOptions{MinInterval: minInterval, Selection: selection,
		RetryOptions: ingest.RetryOptions{OnRetry: logRetries(log, "PX-Web")}})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ictstat.ErrUsage, err)
	}
	return px, nil
}

// nationalAccountsTask pulls the configured PX-Web table on schedule.
func nationalAccountsTask(wh *warehouse.Warehouse, name string, s SourceConfig, log zerolog.Logger) (sourcePull, error) {
	if s.MinInterval.Duration < 0 {
		return nil, fmt.Errorf("%w: sources.%s.min_interval: %s is negative; want a duration such as 600ms", ictstat.ErrUsage, name, s.MinInterval.Duration)
	}
	var sel map[string][]string
	if s.Mapping != nil {
		sel = s.Mapping.Selection
	}
	px, err := newPXWeb(s.URL, s.MinInterval.Duration, sel, log)
	if err != nil {
		return nil, fmt.Errorf("sources.%s: %w", name, err)
	}
	opts := jobs.NationalAccountsOptions{Mapping: s.Mapping.options(), Logger: log}
	return func(ctx context.Context) (jobs.PullStats, error) {
		return jobs.PullNationalAccounts(ctx, wh, px, opts)
	}, nil
}

// The demo's PX-Web simulator publishes NSO's earlier release first and the
// current one after demoPXWebRelease, so that the warehouse shows a revision.
const (
	demoPXWebRelease  = 45 * time.Second
	demoPXWebSchedule = "@every 30s"
)

// startDemoPXWeb serves the simulated NSO tables on a free loopback port and
// returns the annual table's URL.
func (a *app) startDemoPXWeb(ctx context.Context) (string, error) {
	sim := simulate.NewPXWeb(simulate.PXWebOptions{Tables: simulate.NSOVintage(1)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go sim.Serve(ctx, ln)
	go func() {
		select {
		case <-ctx.Done():
		case <-time.After(demoPXWebRelease):
			sim.SetTables(simulate.NSOVintage(2))
			a.log.Info().Msg("demo: the PX-Web simulator published NSO's current release (2023 revised, 2024 added)")
		}
	}()
	return sim.TableURL("http://"+ln.Addr().String(), simulate.NSOTableAnnual), nil
}
