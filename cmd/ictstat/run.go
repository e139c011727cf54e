package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/queries"
	"github.com/npit-mn/ictstat/serve"
	"github.com/npit-mn/ictstat/simulate"
	"github.com/npit-mn/ictstat/warehouse"
)

// The embedded demo: a simulated registry on loopback publishing a new month
// every demoMonthEvery, pulled every demoSchedule.
const (
	demoToken      = "demo-token"
	demoMonthEvery = 30 * time.Second
	demoSchedule   = "@every 15s"
)

// demoWarehouse is the demo's warehouse folder unless --warehouse names
// another: apart from ./data, so that the demo's synthetic data never mixes
// with real data.
const demoWarehouse = "./demo-data"

// demoMarker is the file the demo writes in its warehouse's root; the demo
// refuses a warehouse with snapshots and without it.
const demoMarker = "DEMO"

func (a *app) runCommand() *cobra.Command {
	var config, addr string
	var demo bool
	var files accessFiles
	cmd := &cobra.Command{
		Use:   "run (--config FILE | --demo) [--addr HOST:PORT] [--flight-addr HOST:PORT]",
		Short: "The main job: scheduled pulls and the HTTP API, until SIGINT/SIGTERM",
		Long: `The main job: the scheduler pulls the configured sources into the
warehouse while the HTTP API serves it, until SIGINT or SIGTERM (the pull in
flight is abandoned cleanly: its snapshot is never half written).

With --demo it runs the embedded demo instead: a warehouse in ./demo-data
(or --warehouse, which must be empty or hold an earlier demo) fed by the
built-in registry simulator on loopback, whose synthetic companies file a
new month every 30 seconds, and by a PX-Web simulator of NSO's national
accounts (real GDP totals, the rest synthetic), which publishes a revised
release after 45 seconds.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			switch {
			case config == "" && !demo:
				return usageError{errors.New("run needs --config FILE (`ictstat config example > ictstat.yaml` writes one) or --demo for the embedded demo on synthetic data")}
			case config != "" && demo:
				return usageError{errors.New("run takes --config or --demo, not both")}
			}
			cfg := DefaultConfig()
			cfg.Warehouse = demoWarehouse
			if config != "" {
				f, err := os.Open(config)
				if err != nil {
					return fmt.Errorf("%w: %v", ictstat.ErrUsage, err)
				}
				cfg, err = ParseConfig(f, os.Getenv)
				f.Close()
				if err != nil {
					return err
				}
			}
			if cmd.Flags().Changed("warehouse") {
				cfg.Warehouse = a.warehouse
			}
			if cmd.Flags().Changed("addr") {
				cfg.Server.Addr = addr
			}
			return a.run(ctx, cfg, demo, files)
		},
	}
	files.add(cmd)
	cmd.Flags().StringVar(&config, "config", "", "configuration file (YAML; see `ictstat config example`)")
	cmd.Flags().BoolVar(&demo, "demo", false, "run the embedded demo on synthetic data (warehouse ./demo-data unless --warehouse)")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "HTTP listen address")
	return cmd
}

// run binds the server's ports, then starts the scheduler and the servers
// and waits for them.
func (a *app) run(ctx context.Context, cfg Config, demo bool, files accessFiles) error {
	// Bind first: a busy port fails before anything is written.
	ln, fln, err := a.bind(cfg.Server.Addr, files.flight)
	if err != nil {
		return err
	}
	defer ln.Close()
	if fln != nil {
		defer fln.Close()
	}
	if demo {
		if err := checkDemoWarehouse(cfg.Warehouse); err != nil {
			return err
		}
	}
	// A server with no sources to pull only reads.
	readOnly := !demo && len(cfg.Sources) == 0
	wh, err := warehouse.Open(cfg.Warehouse, warehouse.Options{Logger: &a.log, Reference: queries.Reference(), ReadOnly: readOnly})
	if err != nil {
		return err
	}
	defer wh.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if demo {
		if err := os.WriteFile(filepath.Join(wh.Root(), demoMarker), []byte("This warehouse holds the synthetic data of `ictstat run --demo`.\n"), 0o644); err != nil {
			return err
		}
		url, err := a.startDemoRegistry(ctx, wh)
		if err != nil {
			return err
		}
		// The token goes to the demo's sources only, not to the process's
		// environment.
		cfg.Sources = map[string]SourceConfig{
			"filings":       {URL: url, Schedule: demoSchedule, Limit: 5000, Retries: 3, demoToken: demoToken},
			"registrations": {URL: url, Schedule: demoSchedule, Limit: 5000, Retries: 3, demoToken: demoToken},
		}
		pxURL, err := a.startDemoPXWeb(ctx)
		if err != nil {
			return err
		}
		cfg.Sources[jobs.SourceNationalAccounts] = SourceConfig{URL: pxURL, Schedule: demoPXWebSchedule, Retries: 3}
	}
	cal, err := cfg.calendar()
	if err != nil {
		return err
	}
	so := serve.Options{Releases: wh, Calendar: cal, KPIs: cfg.KPIs}
	if demo {
		so.Public = demoPublic(wh)
	}
	if !readOnly { // a read-only server logs reads under embargo but writes nothing into the warehouse
		so.OnEmbargoAccess = embargoLog(wh.Root())
	}
	srv, sb, err := a.newServer(wh, cfg.Warehouse, files, so)
	if err != nil {
		return err
	}
	defer sb.Close()
	hist := observedHistory{wh: wh, m: srv.Metrics()}
	var js []jobs.Job
	for name, s := range cfg.Sources {
		j, err := a.sourceJob(wh, name, s)
		if err != nil {
			return err
		}
		js = append(js, j)
	}
	if !readOnly {
		js = append(js, maintenanceJob(wh, cfg))
		if len(cal.Releases) > 0 {
			js = append(js, releaseJob(wh, cfg, cal, time.Now))
		}
	}
	sched := jobs.NewScheduler(js, hist, jobs.SchedulerOptions{Logger: a.log.With().Str(ictstat.LogComponent, "jobs").Logger()})
	fmt.Fprintf(a.stdout, "ictstat is serving the dashboard at http://%s/ (API: /api/v1/queries, metrics: /metrics); warehouse %s\n", ln.Addr(), wh.Root())
	if demo {
		fmt.Fprintln(a.stdout, "demo: synthetic filings from the built-in registry simulator; press Ctrl-C to stop")
	}
	err = a.serveAll(ctx, srv, ln, fln, sched.Run)
	a.log.Info().Msg("stopped")
	return err
}

// sourceJob builds the scheduled pull of one configured source.
func (a *app) sourceJob(wh *warehouse.Warehouse, name string, s SourceConfig) (jobs.Job, error) {
	sched, err := cron.ParseStandard(s.Schedule)
	if err != nil {
		return jobs.Job{}, fmt.Errorf("%w: sources.%s.schedule: %v", ictstat.ErrUsage, name, err)
	}
	build, ok := sourceTasks[name]
	if !ok {
		return jobs.Job{}, fmt.Errorf("%w: sources.%s: unknown source", ictstat.ErrUsage, name)
	}
	log := a.log.With().Str(ictstat.LogJob, name).Str(ictstat.LogSource, name).Logger()
	pull, err := build(wh, name, s, log)
	if err != nil {
		return jobs.Job{}, err
	}
	task := func(ctx context.Context, run *ictstat.JobRun) error {
		st, err := pull(ctx)
		countRun(run, st)
		return err
	}
	return jobs.Job{Name: name, Source: name, Schedule: sched, Spec: s.Schedule, Task: task, Retries: s.Retries, Backoff: 10 * time.Second}, nil
}

// sourcePull is one scheduled pull of a source.
type sourcePull func(ctx context.Context) (jobs.PullStats, error)

// sourceTasks builds, for each source a configuration may name, its
// scheduled pull from the source's configuration.
var sourceTasks = map[string]func(wh *warehouse.Warehouse, name string, s SourceConfig, log zerolog.Logger) (sourcePull, error){
	jobs.SourceFilings:          feedTask,
	jobs.SourceRegistrations:    feedTask,
	jobs.SourceExports:          exportsTask,
	jobs.SourceSurvey:           surveyTask,
	jobs.SourceNationalAccounts: nationalAccountsTask,
}

// feedTask pulls one of the registry's feeds (filings or registrations).
func feedTask(wh *warehouse.Warehouse, name string, s SourceConfig, log zerolog.Logger) (sourcePull, error) {
	token, err := s.token(os.Getenv)
	if err != nil {
		return nil, err
	}
	feed, err := ingest.NewFeed(s.URL, name, ingest.FeedOptions{Token: token, Limit: s.Limit,
		RetryOptions: ingest.RetryOptions{Timeout: s.Timeout.Duration, OnRetry: logRetries(log, "feed")}})
	if err != nil {
		return nil, fmt.Errorf("%w: sources.%s: %v", ictstat.ErrUsage, name, err)
	}
	pull := jobs.PullFilings
	if name == jobs.SourceRegistrations {
		pull = jobs.PullRegistrations
	}
	return func(ctx context.Context) (jobs.PullStats, error) {
		return pull(ctx, wh, feed, jobs.PullOptions{CommitRows: s.CommitRows})
	}, nil
}

// maintenanceJob compacts the warehouse and applies the retention rules
// once a day.
func maintenanceJob(wh *warehouse.Warehouse, cfg Config) jobs.Job {
	daily, _ := cron.ParseStandard("@daily")
	return jobs.Job{Name: "maintenance", Source: "warehouse", Schedule: daily, Spec: "@daily", Task: func(ctx context.Context, run *ictstat.JobRun) error {
		c, err := wh.Compact(ctx)
		if err != nil {
			return err
		}
		if c.Snapshot > 0 {
			run.Snapshot = c.Snapshot
		}
		pinned, err := wh.PinnedSnapshots()
		if err != nil {
			return err
		}
		if _, err := wh.GC(ctx, warehouse.Retention{Last: cfg.Retention.KeepLast, MaxAge: cfg.Retention.KeepAge.Duration, Pinned: pinned}); err != nil {
			return err
		}
		_, err = wh.GCRaw(ctx, cfg.RawRetention.Duration)
		return err
	}}
}

// checkDemoWarehouse refuses a warehouse folder that holds snapshots but
// not the demo's marker: the demo must not mix synthetic data into real.
func checkDemoWarehouse(root string) error {
	ents, err := os.ReadDir(filepath.Join(root, "catalog"))
	switch {
	case errors.Is(err, fs.ErrNotExist) || err == nil && len(ents) == 0:
		return nil
	case err != nil:
		return err
	}
	if _, err := os.Stat(filepath.Join(root, demoMarker)); err == nil {
		return nil
	}
	return fmt.Errorf("%w: warehouse %s holds data that is not the demo's; run the demo in an empty folder (by default %s, or --warehouse DIR)", ictstat.ErrUsage, root, demoWarehouse)
}

// startDemoRegistry loads the demo world's synthetic exchange rates,
// survey and balance of payments, and serves its registry feed on a free
// loopback port.
func (a *app) startDemoRegistry(ctx context.Context, wh *warehouse.Warehouse) (string, error) {
	world := simulate.NewWorld(simulate.Options{Seed: 1, Companies: 1500, Months: 60, USDShare: 0.1})
	var rates bytes.Buffer
	if err := world.WriteFXRatesCSV(&rates); err != nil {
		return "", err
	}
	loads := []struct {
		source string
		load   func(run *ictstat.JobRun) error
	}{
		{jobs.SourceFX, func(run *ictstat.JobRun) error {
			st, err := jobs.IngestFXFile(ctx, wh, &rates, "demo: synthetic MNT/USD rates")
			countRun(run, st)
			return err
		}},
		{jobs.SourceSurvey, func(run *ictstat.JobRun) error { return a.loadDemoSurvey(ctx, wh, world, run) }},
		{jobs.SourceExports, func(run *ictstat.JobRun) error { return a.loadDemoExports(ctx, wh, world, run) }},
	}
	for _, l := range loads {
		// Each load is in the run log (trigger demo), so that data_quality
		// and `ictstat jobs` show when the demo loaded its sources.
		run := &ictstat.JobRun{Job: l.source, Source: l.source, Trigger: "demo", StartedAt: time.Now().UTC(), Attempts: 1}
		err := l.load(run)
		finishRun(run, err)
		if rerr := wh.RecordRun(context.WithoutCancel(ctx), *run); rerr != nil {
			a.log.Warn().Err(rerr).Str(ictstat.LogSource, l.source).Msg("could not record the demo load in the run log")
		}
		if err != nil {
			return "", fmt.Errorf("demo %s: %w", l.source, err)
		}
	}
	reg := simulate.NewRegistry(world, simulate.RegistryOptions{Token: demoToken, MonthEvery: demoMonthEvery, StartMonths: 48, Seed: 1})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go reg.Serve(ctx, ln)
	return "http://" + ln.Addr().String(), nil
}

// observedHistory records runs in the warehouse's run log and metrics.
type observedHistory struct {
	wh *warehouse.Warehouse
	m  *serve.Metrics
}

func (h observedHistory) LastRun(job string) (ictstat.JobRun, bool, error) { return h.wh.LastRun(job) }

func (h observedHistory) Record(ctx context.Context, r ictstat.JobRun) error {
	h.m.ObserveRun(r)
	return h.wh.RecordRun(ctx, r)
}
