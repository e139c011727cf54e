package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/publish"
	"github.com/npit-mn/ictstat/serve"
	"github.com/npit-mn/ictstat/warehouse"
)

// loadConfig reads --config, or the defaults; the warehouse is the
// configuration's unless --warehouse was given.
func (a *app) loadConfig(cmd *cobra.Command, path string) (Config, error) {
	cfg := DefaultConfig()
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return cfg, fmt.Errorf("%w: --config: %v", ictstat.ErrUsage, err)
		}
		defer f.Close()
		if cfg, err = ParseConfig(f, os.Getenv); err != nil {
			return cfg, err
		}
		if cmd.Flags().Changed("warehouse") || os.Getenv("ICTSTAT_WAREHOUSE") != "" {
			cfg.Warehouse = a.warehouse
		}
		a.warehouse = cfg.Warehouse
		return cfg, nil
	}
	cfg.Warehouse = a.warehouse
	return cfg, nil
}

// releaseFor returns release id from the calendar, or, for an id the
// calendar does not list, a release of every default table published now.
func releaseFor(cfg Config, id string, now time.Time) (publish.Release, publish.Calendar, error) {
	cal, err := cfg.calendar()
	if err != nil {
		return publish.Release{}, cal, err
	}
	if r, ok := cal.Find(id); ok {
		return r, cal, nil
	}
	p, err := publish.ParsePeriod(id)
	if err != nil {
		return publish.Release{}, cal, err
	}
	if now.Before(p.End) {
		return publish.Release{}, cal, fmt.Errorf("%w: release %s: the period has not ended yet (it ends %s)", ictstat.ErrUsage, id, p.End.Format(time.DateOnly))
	}
	return publish.Release{ID: id, Period: p, PublishAt: now, Tables: cfg.Releases.Tables}, cal, nil
}

func (a *app) publishCommand() *cobra.Command {
	var out, config string
	cmd := &cobra.Command{
		Use:   "publish ID [--out DIR] [--config FILE]",
		Short: "Build the statistical release ID (2026Q3, 2026-10 or 2026) now, with disclosure control",
		Long: `Build the statistical release ID now: pin the current snapshot, compute
every release table from it with disclosure control, and write the
artifacts (CSV, JSON-stat, SDMX-CSV, PC-Axis, the workbook, the bulletins in
Mongolian and English, revisions.csv, manifest.json with every file's
sha256, and the administrator's audit.json) into --out (default
releases/ID beside the warehouse's tables). A release in the calendar of
--config keeps its publication time and stays under embargo until then; any
other period is published at once.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.loadConfig(cmd, config)
			if err != nil {
				return err
			}
			now := time.Now()
			rel, cal, err := releaseFor(cfg, args[0], now)
			if err != nil {
				return err
			}
			if out == "" {
				out = filepath.Join(cfg.releasesFolder(), rel.ID)
			}
			if out, err = filepath.Abs(out); err != nil {
				return err
			}
			wh, err := a.openWarehouse()
			if err != nil {
				return err
			}
			defer wh.Close()
			opts := publish.Options{Rules: cfg.Disclosure.Rules(), Target: cfg.targetPath()}
			if next, ok := cal.Next(rel.PublishAt); ok {
				opts.Next = &next
			}
			rec, err := publish.Publish(cmd.Context(), wh, rel, out, now, opts)
			if err != nil {
				return err
			}
			m, err := publish.ReadManifest(out)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "release %s: %d tables from snapshot %d (pinned), %d files in %s\n", rec.ID, len(rec.Tables), rec.Snapshot, len(m.Files), out)
			if rec.Status == ictstat.ReleasePrepared {
				fmt.Fprintf(a.stdout, "under embargo until %s (Asia/Ulaanbaatar)\n", rec.PublishAt.In(publish.Ulaanbaatar).Format("2006-01-02 15:04"))
			} else {
				fmt.Fprintln(a.stdout, "published")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "folder of the release (default releases/ID beside the warehouse's tables)")
	cmd.Flags().StringVar(&config, "config", "", "configuration with the release calendar and disclosure rules (see `ictstat config example`)")
	return cmd
}

func (a *app) releasesCommand() *cobra.Command {
	var config string
	cmd := &cobra.Command{
		Use:   "releases [--config FILE]",
		Short: "List the releases: the calendar's and those built (scheduled, prepared, published)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig(cmd, config)
			if err != nil {
				return err
			}
			cal, err := cfg.calendar()
			if err != nil {
				return err
			}
			wh, err := a.openWarehouse()
			if err != nil {
				return err
			}
			defer wh.Close()
			recs, err := wh.Releases()
			if err != nil {
				return err
			}
			return writeReleases(a.stdout, cal, recs, time.Now())
		},
	}
	cmd.Flags().StringVar(&config, "config", "", "configuration with the release calendar (see `ictstat config example`)")
	return cmd
}

// writeReleases prints the calendar and the built releases, by publication
// time.
func writeReleases(w io.Writer, cal publish.Calendar, recs []ictstat.ReleaseRecord, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tPUBLISH_AT (UB)\tSNAPSHOT\tBUILT_AT (UTC)\tFOLDER")
	built := map[string]bool{}
	ub := func(t time.Time) string { return t.In(publish.Ulaanbaatar).Format("2006-01-02 15:04") }
	for _, r := range recs {
		built[r.ID] = true
		status := r.Status
		if status == ictstat.ReleasePrepared && !now.Before(r.PublishAt) {
			status = ictstat.ReleasePublished
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", r.ID, status, ub(r.PublishAt), r.Snapshot, r.BuiltAt.UTC().Format("2006-01-02 15:04"), r.Folder)
	}
	for _, r := range cal.Releases {
		if !built[r.ID] {
			fmt.Fprintf(tw, "%s\t%s\t%s\t-\t-\t-\n", r.ID, ictstat.ReleaseScheduled, ub(r.PublishAt))
		}
	}
	return tw.Flush()
}

// releaseJob prepares and publishes the calendar's releases on time.
func releaseJob(wh *warehouse.Warehouse, cfg Config, cal publish.Calendar, now func() time.Time) jobs.Job {
	opts := publish.Options{Rules: cfg.Disclosure.Rules(), Target: cfg.targetPath()}
	folder := func(id string) string { return filepath.Join(cfg.releasesFolder(), id) }
	return jobs.Job{Name: "releases", Source: "publish", Schedule: publish.Schedule{Calendar: cal}, Spec: "release calendar",
		Task: func(ctx context.Context, run *ictstat.JobRun) error {
			recs, err := cal.Step(ctx, wh, now(), folder, opts)
			for _, r := range recs {
				run.RowsCommitted++
				run.Snapshot = r.Snapshot
			}
			return err
		}}
}

// embargoLog appends each read of a release under embargo to
// runs/embargo_access.jsonl in the warehouse (who, when, which file).
func embargoLog(root string) func(serve.EmbargoAccess) error {
	path := filepath.Join(root, "runs", "embargo_access.jsonl")
	return func(a serve.EmbargoAccess) error {
		line, err := json.Marshal(a)
		if err != nil {
			return err
		}
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		if _, err := f.Write(append(line, '\n')); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
}
