package main

import (
	"bufio"
	"fmt"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/simulate"
)

func (a *app) simulateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Synthetic data from a seeded world of virtual-zone companies",
	}
	cmd.AddCommand(a.simulateFilingsCommand(), a.simulateRegistryCommand(), a.simulatePXWebCommand())
	return cmd
}

func (a *app) simulateRegistryCommand() *cobra.Command {
	var (
		addr, token       string
		companies, months int
		seed              int64
		o                 simulate.RegistryOptions
	)
	cmd := &cobra.Command{
		Use:   "registry [--addr A] [--companies N] [--months M] [--seed S] [--token T]",
		Short: "Serve the filings and registrations feeds from a synthetic world, with optional faults",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Token, o.Seed = token, seed
			if err := o.Validate(); err != nil {
				return fmt.Errorf("%w: %w", ictstat.ErrUsage, err)
			}
			wo := simulate.Options{Seed: seed, Companies: companies, Months: months}
			if err := wo.Validate(); err != nil {
				return fmt.Errorf("%w: %w", ictstat.ErrUsage, err)
			}
			reg := simulate.NewRegistry(simulate.NewWorld(wo), o)
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", addr, err)
			}
			fmt.Fprintf(a.stdout, "registry simulator (synthetic data) at http://%s/v1/filings and /v1/registrations; token %q\n", ln.Addr(), token)
			return reg.Serve(cmd.Context(), ln)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&addr, "addr", "127.0.0.1:9090", "listen address (loopback by default)")
	fl.StringVar(&token, "token", "demo-token", "bearer token the feed requires (\"\" for none)")
	fl.IntVar(&companies, "companies", 0, "companies in the world (default 800)")
	fl.IntVar(&months, "months", 0, "monthly periods (default 24)")
	fl.Int64Var(&seed, "seed", 1, "random seed of the world and of the faults")
	fl.IntVar(&o.StartMonths, "start-months", 0, "months published at start (default all but the last 2)")
	fl.DurationVar(&o.MonthEvery, "month-every", 0, "publish the next month after this much time (0: never)")
	fl.Float64Var(&o.ErrorRate, "error-rate", 0, "share of requests answered 500/502/503")
	fl.Float64Var(&o.SlowRate, "slow-rate", 0, "share of requests answered slowly")
	fl.DurationVar(&o.Slow, "slow", time.Second, "delay of a slow answer")
	fl.Float64Var(&o.RepeatRate, "repeat-rate", 0, "share of pages that repeat records already served")
	fl.Float64Var(&o.MalformedRate, "malformed-rate", 0, "share of records preceded by a malformed extra record")
	fl.IntVar(&o.RateLimitEvery, "rate-limit-every", 0, "answer every Nth request with 429 and Retry-After")
	fl.BoolVar(&o.WrongToken, "wrong-token", false, "reject every token with 401")
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
			f, err := createOut(out)
			if err != nil {
				return err
			}
			defer f.Cleanup()
			w := bufio.NewWriterSize(f, 1<<20)
			st, err := simulate.WriteNDJSON(w, simulate.Options{Seed: seed, Companies: companies, Months: months}, rows, invalidRate)
			if err != nil {
				return fmt.Errorf("%w: %w", ictstat.ErrUsage, err)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			if err := f.CloseAtomicallyReplace(); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "wrote %s: %d rows (%d valid, %d invalid, %d amendments); synthetic data, seed %d\n",
				out, st.Rows, st.Valid, st.Invalid, st.Amendments, seed)
			return nil
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
