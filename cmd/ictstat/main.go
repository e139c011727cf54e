// Command ictstat is the statistics pipeline and analytics warehouse for
// Mongolia's ICT sector: it pulls the sources, keeps them in a warehouse of
// Parquet snapshots, answers the named analytics and publishes releases.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/queries"
	"github.com/npit-mn/ictstat/warehouse"
)

func main() { os.Exit(mainWithSignals(os.Args[1:])) }

// mainWithSignals runs the command line until it ends or SIGINT/SIGTERM
// cancels it, and returns the exit code.
func mainWithSignals(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return execute(ctx, args, os.Stdout, os.Stderr)
}

// app holds the global flags and what they open.
type app struct {
	warehouse string
	logLevel  string
	logFormat string
	cpuProf   string
	memProf   string
	stdout    io.Writer
	stderr    io.Writer
	log       zerolog.Logger
}

// execute runs the command line and returns the exit code: 0 done, 1
// failed, 2 bad usage or bad input.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "ictstat: stopped by SIGINT or SIGTERM before the command finished; what it had not committed was discarded")
		return 1
	}
	fmt.Fprintf(stderr, "ictstat: %v\n", err)
	var usage usageError
	switch {
	case errors.As(err, &usage), errors.Is(err, ictstat.ErrUsage), errors.Is(err, ictstat.ErrBadInput):
		return 2
	}
	return 1
}

// usageError marks errors cobra reports about flags and arguments.
type usageError struct{ error }

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "ictstat",
		Short:         "Statistics pipeline and analytics warehouse for Mongolia's ICT sector",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if a.cpuProf != "" {
				f, err := os.Create(a.cpuProf)
				if err != nil {
					return err
				}
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
			}
			return a.setupLogging()
		},
		PersistentPostRun: func(*cobra.Command, []string) {
			if a.cpuProf != "" {
				pprof.StopCPUProfile()
			}
			if a.memProf != "" {
				if f, err := os.Create(a.memProf); err == nil {
					pprof.Lookup("allocs").WriteTo(f, 0)
					f.Close()
				}
			}
		},
	}
	def := os.Getenv("ICTSTAT_WAREHOUSE")
	if def == "" {
		def = "./data"
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.warehouse, "warehouse", def, "warehouse folder (env ICTSTAT_WAREHOUSE)")
	pf.StringVar(&a.logLevel, "log-level", "info", "debug, info, warn or error")
	pf.StringVar(&a.logFormat, "log-format", "", "json or console (default: console on a terminal, json otherwise)")
	pf.StringVar(&a.cpuProf, "cpuprofile", "", "write a CPU profile to this file (for developers)")
	pf.MarkHidden("cpuprofile")
	pf.StringVar(&a.memProf, "memprofile", "", "write an allocation profile to this file (for developers)")
	pf.MarkHidden("memprofile")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{plainFlagError(err)} })
	// An unknown command is bad usage (exit 2); without one, the help.
	root.Args = wrapArgs(cobra.NoArgs)
	root.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	root.AddCommand(a.ingestCommand(), a.simulateCommand(), a.queryCommand(), a.sqlCommand(),
		a.snapshotsCommand(), a.quarantineCommand(), a.compactCommand(), a.gcCommand(), a.runCommand(),
		a.configCommand(), a.jobsCommand(), a.tokenCommand(), a.serveCommand(), a.publishCommand(), a.releasesCommand(), a.cursorCommand())
	for _, c := range root.Commands() {
		c.Args = wrapArgs(c.Args)
	}
	return root
}

// flagValueError matches pflag's message for a value that does not parse,
// which quotes Go's strconv error.
var flagValueError = regexp.MustCompile(`^(invalid argument ".*" for ".*" flag): strconv\.Parse(\w+): .*$`)

// plainFlagError rewrites a flag's parse error as a sentence without Go's
// internals.
func plainFlagError(err error) error {
	m := flagValueError.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	want := map[string]string{"Int": "a whole number", "Uint": "a whole number", "Float": "a number", "Bool": "true or false"}[m[2]]
	if want == "" {
		want = "a value of the flag's type"
	}
	return fmt.Errorf("%s: want %s", m[1], want)
}

// wrapArgs marks argument-count errors as usage errors (exit 2).
func wrapArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	if v == nil {
		return nil
	}
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

func (a *app) setupLogging() error {
	lvl, err := zerolog.ParseLevel(a.logLevel)
	if err != nil || a.logLevel == "" {
		return usageError{fmt.Errorf("--log-level %q: want debug, info, warn or error", a.logLevel)}
	}
	var w io.Writer = a.stderr
	format := a.logFormat
	if format == "" {
		format = "json"
		if isTerminal(a.stderr) {
			format = "console"
		}
	}
	switch format {
	case "console":
		w = zerolog.ConsoleWriter{Out: a.stderr, TimeFormat: time.TimeOnly, NoColor: !isTerminal(a.stderr)}
	case "json":
	default:
		return usageError{fmt.Errorf("--log-format %q: want json or console", a.logFormat)}
	}
	a.log = zerolog.New(w).Level(lvl).With().Timestamp().Logger()
	return nil
}

// openWarehouse opens the warehouse of the --warehouse flag.
func (a *app) openWarehouse() (*warehouse.Warehouse, error) {
	return warehouse.Open(a.warehouse, warehouse.Options{Logger: &a.log, Reference: queries.Reference()})
}

// openReadOnly opens the warehouse of the --warehouse flag for reading
// only: no lock, no folder created, nothing cleaned up; a folder that holds
// no warehouse is a usage error.
func (a *app) openReadOnly() (*warehouse.Warehouse, error) {
	return warehouse.OpenReadOnly(a.warehouse, warehouse.Options{Logger: &a.log, Reference: queries.Reference()})
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// parseParams turns k=v flags into a map.
func parseParams(kvs []string) (map[string]string, error) {
	m := map[string]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%w: --param %q: want name=value", ictstat.ErrUsage, kv)
		}
		m[k] = v
	}
	return m, nil
}
