package main

import (
	"bufio"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/simulate"
)

func (a *app) simulateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Synthetic data from a seeded world of virtual-zone companies",
	}
	cmd.AddCommand(a.simulateFilingsCommand())
	return cmd
}

func (a *app) simulateFilingsCommand() *cobra.Command {
	var (
		rows        int
		out         string
		seed        int64
		companies   int
		months      int
		invalidRate float64
	)
	cmd := &cobra.Command{
		Use:   "filings --rows N --out FILE",
		Short: "Write a bulk NDJSON filings file (synthetic) for backfills and benchmarks",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if rows <= 0 || out == "" {
				return fmt.Errorf("%w: simulate filings needs --rows N (> 0) and --out FILE", ictstat.ErrUsage)
			}
			f, err := os.Create(out)
			if err != nil {
				return err
			}
			defer f.Close()
			w := bufio.NewWriterSize(f, 1<<20)
			st, err := simulate.WriteNDJSON(w, simulate.Options{Seed: seed, Companies: companies, Months: months}, rows, invalidRate)
			if err != nil {
				return fmt.Errorf("%w: %w", ictstat.ErrUsage, err)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "wrote %s: %d rows (%d valid, %d invalid, %d amendments); synthetic data, seed %d\n",
				out, st.Rows, st.Valid, st.Invalid, st.Amendments, seed)
			return f.Close()
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&rows, "rows", 0, "number of lines to write")
	fl.StringVar(&out, "out", "", "output file")
	fl.Int64Var(&seed, "seed", 1, "random seed of the world")
	fl.IntVar(&companies, "companies", 0, "companies in the world (default: sized from --rows)")
	fl.IntVar(&months, "months", 0, "monthly periods (default: sized from --rows)")
	fl.Float64Var(&invalidRate, "invalid-rate", 0, "share of lines replaced by invalid records (0 to 1)")
	return cmd
}
