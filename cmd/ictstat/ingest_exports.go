package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/simulate"
	"github.com/npit-mn/ictstat/warehouse"
)

// ingestExports pulls the balance-of-payments ICT services exports once,
// from an SDMX-CSV file or an SDMX REST data URL.
func (a *app) ingestExports(cmd *cobra.Command, in ingestArgs) error {
	if (in.file == "") == (in.url == "") {
		return fmt.Errorf("%w: ingest exports needs one of --file PATH or --url URL (SDMX-CSV 1.0 or 2.0)", ictstat.ErrUsage)
	}
	wh, err := a.openWarehouse()
	if err != nil {
		return err
	}
	defer wh.Close()
	var res jobs.ExportStats
	from := in.file
	if in.file != "" {
		f, err := openInput(cmd.Context(), in.file)
		if err != nil {
			return err
		}
		defer f.Close()
		res, err = jobs.IngestExportsFile(cmd.Context(), wh, f, in.file)
		if err != nil {
			return err
		}
	} else {
		from = in.url
		res, err = jobs.PullExports(cmd.Context(), wh, in.url, exportsFetchOptions(tokenOr(in.token), 0, a.log))
		if err != nil {
			return err
		}
	}
	countRun(in.run, res.PullStats)
	fmt.Fprintf(a.stdout, "exports %s: %d rows read, %d committed (%d inserted, %d updated, %d deleted), %d unchanged, %d quarantined; %s\n",
		from, res.Read, res.Committed, res.Inserted, res.Updated, res.Deleted, res.Superseded, res.Quarantined, commitState(res.PullStats))
	return nil
}

func exportsFetchOptions(token string, timeout time.Duration, log zerolog.Logger) ingest.FetchOptions {
	return ingest.FetchOptions{Token: token,
		RetryOptions: ingest.RetryOptions{Timeout: timeout,
			OnRetry: logRetries(log.With().Str(ictstat.LogSource, jobs.SourceExports).Logger(), "exports")}}
}

// exportsTask pulls the configured SDMX REST data URL (or file: path).
func exportsTask(wh *warehouse.Warehouse, name string, s SourceConfig, log zerolog.Logger) (sourcePull, error) {
	token, err := s.token(os.Getenv)
	if err != nil {
		return nil, err
	}
	opts := exportsFetchOptions(token, s.Timeout.Duration, log)
	return func(ctx context.Context) (jobs.PullStats, error) {
		st, err := jobs.PullExports(ctx, wh, s.URL, opts)
		return st.PullStats, err
	}, nil
}

// loadDemoExports loads the demo world's synthetic balance of payments: a
// first SDMX-CSV 1.0 release, then the SDMX-CSV 2.0 update that revises
// its last quarters (R), withdraws some figures (D) and adds the newest
// quarter (I), as simulate writes testdata/exports for its own world.
func (a *app) loadDemoExports(ctx context.Context, wh *warehouse.Warehouse, world *simulate.World, run *ictstat.JobRun) error {
	first, update := simulate.BopRevision(world.BopQuarterly(), 1)
	var v1, v2 bytes.Buffer
	if err := simulate.WriteSDMXCSV1(&v1, first); err != nil {
		return err
	}
	if err := simulate.WriteSDMXCSV2(&v2, update, ';'); err != nil {
		return err
	}
	for _, m := range []struct {
		name string
		data *bytes.Buffer
	}{{"demo: synthetic BoP first release (SDMX-CSV 1.0)", &v1}, {"demo: synthetic BoP update (SDMX-CSV 2.0)", &v2}} {
		st, err := jobs.IngestExportsFile(ctx, wh, m.data, m.name)
		countRun(run, st.PullStats)
		if err != nil {
			return err
		}
		a.log.Info().Int64("rows", st.Read).Str(ictstat.LogSource, jobs.SourceExports).Msg(m.name + " loaded")
	}
	return nil
}
