package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/warehouse"
)

func (a *app) ingestCommand() *cobra.Command {
	var file, url, token, wave string
	cmd := &cobra.Command{
		Use:   "ingest SOURCE [--file PATH | --url URL]",
		Short: "Pull one source now and commit it as one snapshot",
		Long: `Pull one source now and commit it as one snapshot; prints rows read,
committed, superseded and quarantined.

Sources: registrations (the registry feed, with --url); national_accounts
(NSO's PX-Web, JSON-stat 2.0: a saved file with --file or the table's URL
with --url; each pull is a vintage); fx (CSV date,currency,mnt_per_unit of official daily rates, with
--file); filings (NDJSON, plain, gzip or zstd, with --file; or the registry
feed with --url, pulled until it has no more, the cursor committed with the
rows it covers); exports (balance-of-payments services exports by partner,
SDMX-CSV 1.0 or 2.0, with --file or an SDMX REST data --url).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, ok := a.ingesters()[args[0]]
			if !ok {
				return fmt.Errorf("%w: unknown source %q (this build ingests: %s)", ictstat.ErrUsage, args[0], strings.Join(a.ingesterNames(), ", "))
			}
			run := &ictstat.JobRun{Job: args[0], Source: args[0], Trigger: "manual", StartedAt: time.Now().UTC(), Attempts: 1}
			err := src(cmd, ingestArgs{file: file, url: url, token: token, wave: wave, run: run})
			if !errors.Is(err, ictstat.ErrUsage) {
				a.recordManualRun(context.WithoutCancel(cmd.Context()), run, err)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "read the source from this file")
	cmd.Flags().StringVar(&url, "url", "", "pull the source from this URL")
	cmd.Flags().StringVar(&token, "token", "", "bearer token for --url (or env ICTSTAT_TOKEN)")
	cmd.Flags().StringVar(&wave, "wave", "", "survey: the wave file (YAML: questions, strata, population)")
	return cmd
}

// ingestArgs are the flags of ingest SOURCE, and the run it records.
type ingestArgs struct {
	file, url, token, wave string
	run                    *ictstat.JobRun // the ingester adds its counts with countRun
}

// countRun adds a pull's counts to its run record.
func countRun(run *ictstat.JobRun, st jobs.PullStats) {
	if run == nil {
		return
	}
	run.RowsRead += st.Read
	run.RowsCommitted += st.Committed
	run.RowsQuarantined += st.Quarantined
	run.Snapshot = st.Snapshot
}

// pullInto opens the warehouse, runs pull on it and closes it.
func (a *app) pullInto(ctx context.Context, pull func(context.Context, *warehouse.Warehouse) (jobs.PullStats, error)) (jobs.PullStats, error) {
	wh, err := a.openWarehouse()
	if err != nil {
		return jobs.PullStats{}, err
	}
	defer wh.Close()
	return pull(ctx, wh)
}

// tokenOr returns the token given by --token, else ICTSTAT_TOKEN.
func tokenOr(flag string) string {
	if flag != "" {
		return flag
	}
	return os.Getenv("ICTSTAT_TOKEN")
}

// commitState says what a pull did to the warehouse, for the line ingest
// prints: "committed snapshot N", or "nothing new; the warehouse stays at
// snapshot N".
func commitState(st jobs.PullStats) string {
	if !st.Changed {
		return fmt.Sprintf("nothing new; the warehouse stays at snapshot %d", st.Snapshot)
	}
	return fmt.Sprintf("committed snapshot %d", st.Snapshot)
}

// logRetries returns an ingest.RetryOptions.OnRetry that logs each failed
// request of what ("feed", "Kobo") as a warning before its retry.
func logRetries(log zerolog.Logger, what string) func(attempt int, wait time.Duration, err error) {
	return func(attempt int, wait time.Duration, err error) {
		log.Warn().Err(err).Int("attempt", attempt).Dur("wait", wait).Msg(what + " request failed; retrying")
	}
}

// finishRun sets the end, status and error of a run outside the scheduler.
func finishRun(run *ictstat.JobRun, err error) {
	run.EndedAt = time.Now().UTC()
	switch {
	case err == nil:
		run.Status = "ok"
	case errors.Is(err, context.Canceled):
		run.Status, run.Error = "cancelled", err.Error()
	default:
		run.Status, run.Error = "failed", err.Error()
	}
}

// recordManualRun writes the run of `ictstat ingest` to the run log, so
// that data_quality and `ictstat jobs` see manual pulls too. A failure to
// record is logged: the pull itself is done.
func (a *app) recordManualRun(ctx context.Context, run *ictstat.JobRun, err error) {
	finishRun(run, err)
	wh, werr := a.openWarehouse()
	if werr == nil {
		if m, cerr := wh.Current(); cerr == nil {
			run.Snapshot = m.ID
		}
		werr = wh.RecordRun(ctx, *run)
		wh.Close()
	}
	if werr != nil {
		a.log.Warn().Err(werr).Str(ictstat.LogSource, run.Source).Msg("could not record the run in the run log")
	}
}

// ingesters returns, for each source name, how ingest pulls it once. Each
// source checks its own flags so that its message names what it needs.
func (a *app) ingesters() map[string]func(*cobra.Command, ingestArgs) error {
	return map[string]func(*cobra.Command, ingestArgs) error{
		jobs.SourceFilings: func(cmd *cobra.Command, in ingestArgs) error {
			switch {
			case (in.file == "") == (in.url == ""):
				return fmt.Errorf("%w: ingest filings needs one of --file PATH or --url URL", ictstat.ErrUsage)
			case in.url != "":
				return a.ingestURL(cmd, jobs.SourceFilings, in)
			}
			return a.ingestFilingsFile(cmd, in.file, in.run)
		},
		jobs.SourceRegistrations: func(cmd *cobra.Command, in ingestArgs) error {
			if in.url == "" {
				return fmt.Errorf("%w: ingest registrations needs --url URL (the registry feed)", ictstat.ErrUsage)
			}
			return a.ingestURL(cmd, jobs.SourceRegistrations, in)
		},
		jobs.SourceFX: func(cmd *cobra.Command, in ingestArgs) error {
			if in.file == "" {
				return fmt.Errorf("%w: ingest fx needs --file PATH (CSV date,currency,mnt_per_unit)", ictstat.ErrUsage)
			}
			return a.ingestFXFile(cmd, in.file, in.run)
		},
		jobs.SourceExports:          a.ingestExports,
		jobs.SourceSurvey:           a.ingestSurvey,
		jobs.SourceNationalAccounts: a.ingestNationalAccounts,
	}
}

// ingesterNames lists the sources ingest knows, sorted.
func (a *app) ingesterNames() []string {
	names := slices.Collect(maps.Keys(a.ingesters()))
	slices.Sort(names)
	return names
}

func (a *app) ingestFilingsFile(cmd *cobra.Command, path string, run *ictstat.JobRun) error {
	f, err := openInput(cmd.Context(), path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, _ := f.Stat()
	cr := &countingReader{r: f}
	wh, err := a.openWarehouse()
	if err != nil {
		return err
	}
	defer wh.Close()
	opts := jobs.Options{Logger: a.log.With().Str(ictstat.LogSource, jobs.SourceFilings).Logger()}
	var prog *progress
	if isTerminal(a.stderr) {
		prog = &progress{w: a.stderr, total: st.Size(), read: &cr.n, start: time.Now()}
		opts.Progress = prog.show
	}
	res, err := jobs.IngestFilingsFile(cmd.Context(), wh, cr, path, opts)
	countRun(run, res)
	if prog != nil {
		prog.done()
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "filings %s: %d rows read, %d committed, %d superseded, %d quarantined; %s\n",
		path, res.Read, res.Committed, res.Superseded, res.Quarantined, commitState(res))
	return nil
}

// ingestFXFile loads official exchange rates.
func (a *app) ingestFXFile(cmd *cobra.Command, path string, run *ictstat.JobRun) error {
	f, err := openInput(cmd.Context(), path)
	if err != nil {
		return err
	}
	defer f.Close()
	wh, err := a.openWarehouse()
	if err != nil {
		return err
	}
	defer wh.Close()
	res, err := jobs.IngestFXFile(cmd.Context(), wh, f, path)
	countRun(run, res)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "fx %s: %d rows read, %d committed (new or corrected), %d unchanged, %d quarantined; snapshot %d\n",
		path, res.Read, res.Committed, res.Superseded, res.Quarantined, res.Snapshot)
	return nil
}

// ingestURL pulls a registry feed (filings or registrations) until it has
// no more.
func (a *app) ingestURL(cmd *cobra.Command, source string, in ingestArgs) error {
	url := in.url
	log := a.log.With().Str(ictstat.LogSource, source).Logger()
	feed, err := ingest.NewFeed(url, source, ingest.FeedOptions{Token: tokenOr(in.token), Limit: 10000,
		RetryOptions: ingest.RetryOptions{OnRetry: logRetries(log, "feed")}})
	if err != nil {
		return fmt.Errorf("%w: %v", ictstat.ErrUsage, err)
	}
	defer feed.Close()
	wh, err := a.openWarehouse()
	if err != nil {
		return err
	}
	defer wh.Close()
	opts := jobs.PullOptions{}
	var prog *progress
	if isTerminal(a.stderr) {
		prog = &progress{w: a.stderr, start: time.Now()}
		opts.Progress = prog.show
	}
	pull := jobs.PullFilings
	if source == jobs.SourceRegistrations {
		pull = jobs.PullRegistrations
	}
	res, err := pull(cmd.Context(), wh, feed, opts)
	countRun(in.run, res)
	if prog != nil {
		prog.done()
	}
	fmt.Fprintf(a.stdout, "%s %s: %d rows read, %d committed, %d superseded, %d quarantined; snapshot %d\n",
		source, url, res.Read, res.Committed, res.Superseded, res.Quarantined, res.Snapshot)
	return err
}

// countingReader counts the bytes read through it, for progress.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// progress shows rows, rate and ETA on one terminal line.
type progress struct {
	w     io.Writer
	total int64
	read  *atomic.Int64
	start time.Time
}

func (p *progress) show(lines int64) {
	el := time.Since(p.start).Seconds()
	rate := float64(lines) / max(el, 1e-3)
	s := fmt.Sprintf("\r%d rows  %.0f rows/s", lines, rate)
	if p.total > 0 && p.read != nil {
		frac := float64(p.read.Load()) / float64(p.total)
		s += fmt.Sprintf("  %3.0f%%", 100*frac)
		if frac > 0.01 {
			s += fmt.Sprintf("  ETA %s", time.Duration(el*(1-frac)/frac*float64(time.Second)).Round(time.Second))
		}
	}
	fmt.Fprintf(p.w, "%-70s", s)
}

func (p *progress) done() { fmt.Fprintf(p.w, "\r%-70s\r", "") }
