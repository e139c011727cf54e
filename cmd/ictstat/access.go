package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/queries"
	"github.com/npit-mn/ictstat/serve"
	"github.com/npit-mn/ictstat/warehouse"
)

// accessFiles are where tokens, the secret and the audit log live: beside
// the warehouse's tables by default, never among them; and the Flight SQL
// address of a serving command.
type accessFiles struct {
	tokens string // --tokens; default <warehouse>/tokens.json
	flight string // --flight-addr; "" none
}

func (f *accessFiles) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.tokens, "tokens", "", "token file (default <warehouse>/tokens.json; the secret and audit.log go beside it)")
	cmd.Flags().StringVar(&f.flight, "flight-addr", "", "also serve Arrow Flight SQL on HOST:PORT (researcher and admin tokens)")
}

func (f accessFiles) paths(warehouseDir string) (tokens, secret, audit string) {
	tokens = f.tokens
	if tokens == "" {
		tokens = filepath.Join(warehouseDir, "tokens.json")
	}
	dir := filepath.Dir(tokens)
	return tokens, filepath.Join(dir, "secret.key"), filepath.Join(dir, "audit.log")
}

// open reads the secret and the token file (creating the secret if
// missing).
func (f accessFiles) open(warehouseDir string) (*serve.Tokens, *serve.Secret, *serve.Audit, error) {
	tp, sp, ap := f.paths(warehouseDir)
	secret, err := serve.LoadSecret(sp)
	if err != nil {
		return nil, nil, nil, err
	}
	tokens, err := serve.OpenTokens(tp, secret.TokenKey())
	if err != nil {
		return nil, nil, nil, err
	}
	return tokens, secret, serve.OpenAudit(ap), nil
}

func (a *app) tokenCommand() *cobra.Command {
	var files accessFiles
	cmd := &cobra.Command{
		Use:   "token add|list|revoke",
		Short: "API tokens: add (printed once, stored hashed), list, revoke",
		Long: `API tokens for the HTTP API and Flight SQL, sent as
"Authorization: Bearer TOKEN". Roles: public (published figures), researcher
(also current analytics and SQL over pseudonymised views), admin
(everything). A token is printed once when added; the token file
(<warehouse>/tokens.json, mode 0600) keeps only a keyed hash of it.
Running servers see additions and revocations at once.`,
	}
	cmd.PersistentFlags().StringVar(&files.tokens, "tokens", "", "token file (default <warehouse>/tokens.json; the secret and audit.log go beside it)")
	var role, name, expires string
	add := &cobra.Command{
		Use:   "add --role public|researcher|admin --name NAME [--expires YYYY-MM-DD]",
		Short: "Add a token and print it (the only time it is shown)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if name == "" {
				return fmt.Errorf("%w: token add needs --name NAME (who holds the token)", ictstat.ErrUsage)
			}
			r, err := serve.ParseRole(role)
			if err != nil {
				return err
			}
			var until time.Time
			if expires != "" {
				if until, err = time.Parse(time.DateOnly, expires); err != nil {
					return fmt.Errorf("%w: --expires %q: want YYYY-MM-DD", ictstat.ErrUsage, expires)
				}
			}
			tokens, _, _, err := files.open(a.warehouse)
			if err != nil {
				return err
			}
			tok, err := tokens.Add(name, r, until, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, tok)
			return nil
		},
	}
	add.Flags().StringVar(&role, "role", "", "public, researcher or admin (required)")
	add.Flags().StringVar(&name, "name", "", "who holds the token, e.g. a person's e-mail (required)")
	add.Flags().StringVar(&expires, "expires", "", "last day the token works (UTC), YYYY-MM-DD; default never")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the tokens: name, role, created, expires, last used (never the token)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tokens, _, audit, err := files.open(a.warehouse)
			if err != nil {
				return err
			}
			all, err := tokens.List()
			if err != nil {
				return err
			}
			last, err := audit.LastUsed()
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tROLE\tCREATED\tEXPIRES\tLAST USED")
			for _, t := range all {
				exp, used := "never", "never"
				if t.Expires != nil {
					exp = t.Expires.Format(time.DateOnly)
				}
				if u, ok := last[t.Name]; ok {
					used = u.Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Name, t.Role, t.Created.Format(time.RFC3339), exp, used)
			}
			return tw.Flush()
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke NAME",
		Short: "Revoke the token named NAME",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			tokens, _, _, err := files.open(a.warehouse)
			if err != nil {
				return err
			}
			if err := tokens.Revoke(args[0]); err != nil {
				if errors.Is(err, ictstat.ErrNotFound) {
					return fmt.Errorf("%w: %w", ictstat.ErrUsage, err)
				}
				return err
			}
			fmt.Fprintf(a.stdout, "revoked %s\n", args[0])
			return nil
		},
	}
	for _, c := range []*cobra.Command{add, list, revoke} {
		c.Args = wrapArgs(c.Args)
		cmd.AddCommand(c)
	}
	return cmd
}

// newServer builds the HTTP server over wh with the tokens, audit log and
// secret of files (beside the warehouse dir by default), the SQL sandbox,
// and public as the public's way to the analytics (nil: refused); close the
// returned sandbox when done.
func (a *app) newServer(wh *warehouse.Warehouse, dir string, files accessFiles, so serve.Options) (*serve.Server, *warehouse.Sandbox, error) {
	tokens, secret, audit, err := files.open(dir)
	if err != nil {
		return nil, nil, err
	}
	sb, err := wh.NewSandbox(warehouse.SandboxOptions{PseudonymKey: secret.PseudonymKey()})
	if err != nil {
		return nil, nil, err
	}
	so.Logger, so.Tokens, so.Audit, so.SQL = a.log, tokens, audit, sb
	srv := serve.New(wh, so)
	return srv, sb, nil
}

// demoPublic answers the public's analytics as a researcher's, which only
// the demo may do: its data is synthetic, so there is nothing to disclose.
// A real warehouse's public goes through disclosure control (publish).
func demoPublic(wh *warehouse.Warehouse) serve.PublicFunc {
	return func(ctx context.Context, name string, params map[string]string, snapshot int64) (*warehouse.Result, error) {
		q, err := queries.Get(name)
		if err != nil {
			return nil, err
		}
		sql, args, err := q.Bind(params)
		if err != nil {
			return nil, err
		}
		return wh.Query(ctx, snapshot, sql, args...)
	}
}

// listen opens addr (named by flag), warning when it is reachable beyond
// this machine; an address in use is a usage error.
func (a *app) listen(flag, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s: %v (is another ictstat running? choose another address)", ictstat.ErrUsage, flag, addr, err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		a.log.Warn().Str("addr", ln.Addr().String()).Msg("listening beyond loopback: anyone who reaches this address gets the public role; give researchers tokens (ictstat token add) and put TLS in front")
	}
	return ln, nil
}

func (a *app) serveCommand() *cobra.Command {
	var addr string
	var files accessFiles
	cmd := &cobra.Command{
		Use:   "serve [--addr HOST:PORT]",
		Short: "Serve a warehouse as it stands, read-only, with no schedules",
		Long: `Serve a warehouse as it stands: the HTTP API with tokens and roles and
the SQL sandbox, read-only and with no schedules, until SIGINT or SIGTERM.
Several servers may serve one warehouse beside its single writer (ictstat
run); they share the token file and the secret, so tokens and pseudonyms
agree.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, _, _, err := files.open(a.warehouse); err != nil {
				return err // a bad token file before anything else
			}
			wh, err := a.openReadOnly()
			if err != nil {
				return err
			}
			defer wh.Close()
			// The default KPIs (ictstat config example); ictstat run serves
			// its configuration's.
			srv, sb, err := a.newServer(wh, a.warehouse, files, serve.Options{Releases: wh, KPIs: DefaultConfig().KPIs})
			if err != nil {
				return err
			}
			defer sb.Close()
			ln, fln, err := a.bind(addr, files.flight)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "ictstat is serving the dashboard at http://%s/ read-only; warehouse %s\n", ln.Addr(), wh.Root())
			return a.serveAll(cmd.Context(), srv, ln, fln, nil)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "HTTP listen address")
	files.add(cmd)
	return cmd
}

// bind opens the HTTP address and, if given, the Flight SQL address, so
// that a busy port fails before anything else happens.
func (a *app) bind(addr, flight string) (ln, fln net.Listener, err error) {
	if ln, err = a.listen("--addr", addr); err != nil {
		return nil, nil, err
	}
	if flight != "" {
		if fln, err = a.listen("--flight-addr", flight); err != nil {
			ln.Close()
			return nil, nil, err
		}
	}
	return ln, fln, nil
}

// serveAll runs the HTTP server on ln, Flight SQL on fln if not nil, and
// more (the scheduler) until ctx ends or one of them fails.
func (a *app) serveAll(ctx context.Context, srv *serve.Server, ln, fln net.Listener, more func(context.Context) error) error {
	if fln != nil {
		fmt.Fprintf(a.stdout, "Flight SQL on grpc://%s (Authorization: Bearer TOKEN)\n", fln.Addr())
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	parts := []func(context.Context) error{func(ctx context.Context) error { return srv.Run(ctx, ln) }}
	if fln != nil {
		parts = append(parts, func(ctx context.Context) error { return srv.RunFlight(ctx, fln) })
	}
	if more != nil {
		parts = append(parts, more)
	}
	errc := make(chan error, len(parts))
	for _, p := range parts {
		go func() { errc <- p(ctx) }()
	}
	err := <-errc
	cancel()
	for range parts[1:] {
		if e := <-errc; err == nil {
			err = e
		}
	}
	return err
}
