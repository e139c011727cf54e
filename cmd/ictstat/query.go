package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/kpi"
	"github.com/npit-mn/ictstat/output"
	"github.com/npit-mn/ictstat/queries"
)

// resultFlags are the flags every reading command shares.
type resultFlags struct {
	format   string
	snapshot int64
	out      string
	timeout  time.Duration
	maxRows  int64
}

func (r *resultFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&r.format, "format", "", "table, csv, json, parquet, arrow or xlsx (default: table on a terminal, csv otherwise)")
	cmd.Flags().Int64Var(&r.snapshot, "snapshot", -1, "read this snapshot instead of the current one (see `ictstat snapshots`)")
	cmd.Flags().StringVarP(&r.out, "out", "o", "", "write to this file instead of standard output")
	cmd.Flags().DurationVar(&r.timeout, "timeout", 5*time.Minute, "give up on the query after this long")
	cmd.Flags().Int64Var(&r.maxRows, "max-rows", 100_000, "refuse results longer than this in the json and table formats (0: no limit; csv, parquet and arrow stream)")
}

// format is the output format rf asks for: --format, else a table on a
// terminal and csv otherwise.
func (a *app) format(rf resultFlags) string {
	if rf.format != "" {
		return rf.format
	}
	if rf.out == "" && isTerminal(a.stdout) {
		return "table"
	}
	return "csv"
}

// write runs query on the warehouse and writes the result.
func (a *app) write(cmd *cobra.Command, rf resultFlags, meta output.Meta, query string, args ...any) error {
	format := a.format(rf)
	if err := output.CheckFormat(format); err != nil {
		return err
	}
	if rf.snapshot < -1 {
		return fmt.Errorf("%w: --snapshot %d: want a snapshot's id (see `ictstat snapshots`), or leave it out for the current one", ictstat.ErrUsage, rf.snapshot)
	}
	if output.Binary(format) && rf.out == "" && isTerminal(a.stdout) {
		return fmt.Errorf("%w: --format %s is binary: add --out FILE or redirect standard output", ictstat.ErrUsage, format)
	}
	wh, err := a.openReadOnly()
	if err != nil {
		return err
	}
	defer wh.Close()
	ctx, cancel := context.WithTimeout(cmd.Context(), rf.timeout)
	defer cancel()
	res, err := wh.Query(ctx, rf.snapshot, query, args...)
	if err != nil {
		switch {
		case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
			return fmt.Errorf("query stopped after --timeout %s: %w", rf.timeout, err)
		case rf.snapshot >= 0 && errors.Is(err, ictstat.ErrNotFound):
			return fmt.Errorf("%w: --snapshot: %w", ictstat.ErrUsage, err)
		}
		return err
	}
	defer res.Release()
	meta.Snapshot, meta.MaxRows = res.Snapshot.ID, rf.maxRows
	w := bufio.NewWriterSize(a.stdout, 1<<16)
	var out interface{ CloseAtomicallyReplace() error }
	if rf.out != "" {
		f, err := createOut(rf.out)
		if err != nil {
			return err
		}
		defer f.Cleanup()
		w, out = bufio.NewWriterSize(f, 1<<16), f
	}
	if _, err := output.Write(w, format, res, meta); err != nil {
		if errors.Is(err, output.ErrTooManyRows) {
			return fmt.Errorf("%w: %w", ictstat.ErrUsage, err)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("query stopped after --timeout %s: %w", rf.timeout, err)
		}
		return err
	}
	if err := w.Flush(); err != nil || out == nil {
		return err
	}
	return out.CloseAtomicallyReplace()
}

func (a *app) queryCommand() *cobra.Command {
	var rf resultFlags
	var params []string
	var config string
	var release string
	cmd := &cobra.Command{
		Use:   "query NAME [--param k=v ...] [--snapshot N | --release ID]",
		Short: "Run a named analytic (ictstat query --list shows them)",
		Long: `Run a named analytic (ictstat query without a name lists them).

ictstat query kpis reports the key performance indicators of the
configuration given by --config (its kpis or kpis_file), or the default
KPIs that ictstat config example shows.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return a.listQueries()
			}
			var q *queries.Query
			var err error
			// A release answers from the snapshot it pinned: the KPIs too.
			if release != "" {
				if cmd.Flags().Changed("snapshot") {
					return fmt.Errorf("%w: give --snapshot or --release, not both", ictstat.ErrUsage)
				}
				if rf.snapshot, err = a.releaseSnapshot(release); err != nil {
					return err
				}
			}
			if args[0] == kpi.Name {
				q, err = a.kpiQuery(cmd.Context(), config, rf.snapshot)
				if err != nil {
					return err
				}
			} else if q, err = queries.Get(args[0]); err != nil {
				return fmt.Errorf("%w: %w", ictstat.ErrUsage, err)
			}
			given, err := parseParams(params)
			if err != nil {
				return err
			}
			queries.DefaultDigits(given, a.format(rf))
			sql, qargs, err := q.Bind(given)
			if err != nil {
				return err
			}
			return a.write(cmd, rf, output.QueryMeta(q, given), sql, qargs...)
		},
	}
	rf.add(cmd)
	cmd.Flags().StringArrayVarP(&params, "param", "p", nil, "parameter name=value (repeatable)")
	cmd.Flags().StringVar(&config, "config", "", "configuration file whose kpis the kpis analytic reports (default: the KPIs of ictstat config example)")
	cmd.Flags().StringVar(&release, "release", "", "answer from the snapshot release ID pinned (see `ictstat releases`)")
	return cmd
}

// releaseSnapshot returns the snapshot release id pinned.
func (a *app) releaseSnapshot(id string) (int64, error) {
	wh, err := a.openWarehouse()
	if err != nil {
		return 0, err
	}
	defer wh.Close()
	recs, err := wh.Releases()
	if err != nil {
		return 0, err
	}
	for _, r := range recs {
		if r.ID == id {
			return r.Snapshot, nil
		}
	}
	return 0, fmt.Errorf("%w: --release %s: no such release (see ictstat releases)", ictstat.ErrUsage, id)
}

// kpiQuery returns the kpis analytic of the configuration file (or the
// default KPIs), after checking each KPI's SQL on the snapshot.
func (a *app) kpiQuery(ctx context.Context, config string, snap int64) (*queries.Query, error) {
	defs := DefaultConfig().KPIs
	if config != "" {
		f, err := os.Open(config)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ictstat.ErrUsage, err)
		}
		defer f.Close()
		c, err := ParseConfig(f, os.Getenv)
		if err != nil {
			return nil, err
		}
		defs = c.KPIs
	}
	wh, err := a.openWarehouse()
	if err != nil {
		return nil, err
	}
	defer wh.Close()
	if err := kpi.Check(ctx, wh, snap, defs); err != nil {
		return nil, err
	}
	return kpi.Query(defs)
}

// listQueries prints the named analytics with their parameters.
func (a *app) listQueries() error {
	all, err := queries.All()
	if err != nil {
		return err
	}
	for _, q := range all {
		fmt.Fprintf(a.stdout, "%s: %s\n  %s\n", q.Name, q.Title, q.Answers)
		for _, p := range q.Params {
			typ := p.Type
			if len(p.Choices) > 0 {
				typ = fmt.Sprint(p.Choices)
			}
			def := p.Default
			if p.Required {
				def = "(required)"
			}
			if p.Min != nil {
				typ += fmt.Sprintf(" %v..%v", *p.Min, *p.Max)
			}
			fmt.Fprintf(a.stdout, "  --param %s=%s  (%s) %s\n", p.Name, def, typ, p.Doc)
		}
	}
	return nil
}

func (a *app) sqlCommand() *cobra.Command {
	var rf resultFlags
	cmd := &cobra.Command{
		Use:   `sql "SELECT ..."`,
		Short: "Run one read-only SQL query over the warehouse tables",
		Long: `Run one read-only SQL query over the warehouse tables of a snapshot:
filings, filing_revisions, filing_exports, registrations, companies,
survey_responses, survey_strata, bop_exports, national_accounts, fx_rates, quarantine,
job_runs, snapshots, releases, the reference table regions, and the view zone_filings
(the filings virtual-zone statistics count: those of companies registered in the zone
in the filing's month; docs/warehouse.md documents every column and its unit).
Only SELECT is accepted; the engine reads nothing but the warehouse tables.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.write(cmd, rf, output.Meta{}, args[0])
		},
	}
	rf.add(cmd)
	cmd.Flags().Lookup("timeout").DefValue = "5s"
	rf.timeout = 5 * time.Second
	return cmd
}

func (a *app) snapshotsCommand() *cobra.Command {
	var rf resultFlags
	cmd := &cobra.Command{
		Use:   "snapshots",
		Short: "List the warehouse's snapshots (commits)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.write(cmd, rf, output.Meta{Units: map[string]string{"filings_rows": "rows", "quarantine_rows": "rows"}},
				"SELECT id, parent, created_at, operation, filings_rows, quarantine_rows, message FROM snapshots ORDER BY id")
		},
	}
	rf.add(cmd)
	return cmd
}

func (a *app) quarantineCommand() *cobra.Command {
	var rf resultFlags
	var source string
	cmd := &cobra.Command{
		Use:   "quarantine [--source S]",
		Short: "List rejected records with their reasons",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := "SELECT source, origin, line, reason, raw, received_at FROM quarantine WHERE ($1 = '' OR source = $1) ORDER BY source, origin, line"
			return a.write(cmd, rf, output.Meta{}, q, source)
		},
	}
	rf.add(cmd)
	cmd.Flags().StringVar(&source, "source", "", "only this source (fx, registrations, filings, exports, survey, national_accounts)")
	cmd.AddCommand(a.replayCommand())
	return cmd
}

func (a *app) replayCommand() *cobra.Command {
	var source, wave string
	cmd := &cobra.Command{
		Use:   "replay [--source S] [--wave FILE]",
		Short: "Re-validate quarantined records after a fix; those that pass are committed",
		Long: `Re-validate quarantined records after a fix: new reference data (the
exchange rates a USD filing lacked), a newer ictstat whose code lists have
a code an older one refused, or a corrected survey wave. The records that now
pass are committed and leave quarantine in one snapshot; the others stay,
with the reason they fail for now. A replay that changes nothing commits
nothing.

Sources, in the order a replay of all takes them:
  fx             the rate rows
  registrations  the feed's records (registrations and companies)
  filings        the filings, converted with the rates held now
  exports        the SDMX-CSV rows, applied by their ACTION in the order
                 they were received (line order within a file)
  survey         the responses of the wave given by --wave (required): a
                 corrected wave file, e.g. with the population total of a
                 stratum or a choice code added. Only records quarantined
                 under the same wave id are replayed.
Without --source every source is replayed, survey only when --wave is given.

national_accounts cannot be replayed (exit 2): a quarantined cell is kept as
its text, without the table it came from. Correct the mapping in the config
and pull the table again (ictstat ingest national_accounts): a pull is a new
vintage anyway.

Records quarantined by an older ictstat, before their raw text was kept in a
form a replay reads (survey rows as text, SDMX rows without their header),
stay, their reason saying that they cannot be replayed: ingest the file again.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o := jobs.ReplayOptions{Source: source}
			if source == jobs.SourceNationalAccounts {
				return jobs.ErrNationalAccountsReplay
			}
			if wave != "" {
				so, err := readWave(wave)
				if err != nil {
					return err
				}
				o.Survey = &so
			} else if source == jobs.SourceSurvey {
				return fmt.Errorf("%w: quarantine replay --source survey needs --wave FILE (the corrected wave: questions, strata, population)", ictstat.ErrUsage)
			}
			wh, err := a.openWarehouse()
			if err != nil {
				return err
			}
			defer wh.Close()
			st, err := jobs.Replay(cmd.Context(), wh, o)
			if err != nil {
				return err
			}
			for _, s := range st.Sources {
				fmt.Fprintf(a.stdout, "%s: %d records committed, %d still quarantined\n", s.Source, s.Replayed, s.Remaining)
			}
			for _, n := range st.Notes {
				fmt.Fprintln(a.stdout, n)
			}
			fmt.Fprintf(a.stdout, "quarantine replay: %d records committed, %d still quarantined; snapshot %d\n", st.Replayed, st.Remaining, st.Snapshot)
			return nil
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "only this source: fx, registrations, filings, exports or survey (default all; survey needs --wave)")
	cmd.Flags().StringVar(&wave, "wave", "", "survey: the corrected wave file (YAML, as for ingest survey)")
	return cmd
}

func (a *app) jobsCommand() *cobra.Command {
	var rf resultFlags
	var job string
	cmd := &cobra.Command{
		Use:   "jobs [--job NAME]",
		Short: "List job runs, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := "SELECT job, trigger, started_at, ended_at, status, attempts, rows_read, rows_committed, rows_quarantined, snapshot, error FROM job_runs WHERE ($1 = '' OR job = $1) ORDER BY started_at DESC"
			return a.write(cmd, rf, output.Meta{Units: map[string]string{"rows_read": "rows", "rows_committed": "rows", "rows_quarantined": "rows"}}, q, job)
		},
	}
	rf.add(cmd)
	cmd.Flags().StringVar(&job, "job", "", "only this job")
	return cmd
}
