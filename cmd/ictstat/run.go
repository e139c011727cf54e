package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/output"
	"github.com/npit-mn/ictstat/queries"
	"github.com/npit-mn/ictstat/simulate"
)

// demoRows is the size of the embedded demo's bulk backfill.
const demoRows = 50_000

func (a *app) runCommand() *cobra.Command {
	var config, addr string
	cmd := &cobra.Command{
		Use:   "run [--config FILE] [--addr HOST:PORT]",
		Short: "The main job; without --config, the embedded demo",
		Long: `The main job. Without --config it runs the embedded demo: a synthetic
backfill of filings from the simulator's seeded world is ingested into the
warehouse (default ./data) and the sector size is shown.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			wh, err := a.openWarehouse()
			if err != nil {
				return err
			}
			defer wh.Close()
			path := filepath.Join(wh.Root(), "demo-filings.ndjson")
			f, err := os.Create(path)
			if err != nil {
				return err
			}
			w := bufio.NewWriter(f)
			if _, err := simulate.WriteNDJSON(w, simulate.Options{Seed: 1}, demoRows, 0.002); err != nil {
				f.Close()
				return err
			}
			if err := w.Flush(); err != nil {
				return err
			}
			f.Close()
			in, err := os.Open(path)
			if err != nil {
				return err
			}
			defer in.Close()
			st, err := jobs.IngestFilingsFile(cmd.Context(), wh, in, path, jobs.Options{})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "demo backfill (synthetic): %d read, %d committed, %d superseded, %d quarantined; snapshot %d\n\n",
				st.Read, st.Committed, st.Superseded, st.Quarantined, st.Snapshot)
			q, err := queries.Get("sector_size")
			if err != nil {
				return err
			}
			sql, args, err := q.Bind(map[string]string{"grain": "year", "subsector": "all"})
			if err != nil {
				return err
			}
			res, err := wh.Query(cmd.Context(), -1, sql, args...)
			if err != nil {
				return err
			}
			defer res.Release()
			units := map[string]string{}
			for _, c := range q.Columns {
				units[c.Name] = c.Unit
			}
			_, err = output.Write(a.stdout, "table", res, output.Meta{Query: q.Name, Snapshot: res.Snapshot.ID, Units: units})
			return err
		},
	}
	cmd.Flags().StringVar(&config, "config", "", "configuration file (YAML)")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "HTTP listen address")
	return cmd
}
