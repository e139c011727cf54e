package main

import (
	"fmt"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/simulate"
)

// simulatePXWebCommand is simulate pxweb: NSO's PX-Web API on loopback.
func (a *app) simulatePXWebCommand() *cobra.Command {
	var (
		addr    string
		vintage int
		minGap  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "pxweb [--addr A] [--vintage 1|2] [--min-gap D]",
		Short: "Serve NSO's national-accounts tables like its PX-Web API (real GDP totals, the rest synthetic)",
		Long: `Serve NSO's PX-Web API v1 on loopback: GET a table for its metadata, POST a
query for JSON-stat 2.0, with NSO's quirks (Cyrillic dimension codes, labels
with leading spaces, years newest first, a session cookie, 429 to clients
without it or faster than --min-gap, 404 for an unknown table).

Tables: DT_NSO_0500_001V1 (GDP by activity, annual) and DT_NSO_0500_022V1
(quarterly). Only the GDP totals at current prices are NSO's real figures;
everything else is SYNTHETIC. --vintage 1 serves an earlier release (2023
preliminary), 2 the current one.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if vintage != 1 && vintage != 2 {
				return fmt.Errorf("%w: --vintage %d: want 1 or 2", ictstat.ErrUsage, vintage)
			}
			s := simulate.NewPXWeb(simulate.PXWebOptions{MinGap: minGap, Tables: simulate.NSOVintage(vintage)})
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", addr, err)
			}
			base := "http://" + ln.Addr().String()
			fmt.Fprintf(a.stdout, "PX-Web simulator (GDP totals real, the rest synthetic) at %s and %s\n",
				s.TableURL(base, simulate.NSOTableAnnual), s.TableURL(base, simulate.NSOTableQuarterly))
			return s.Serve(cmd.Context(), ln)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&addr, "addr", "127.0.0.1:9091", "listen address (loopback by default)")
	fl.IntVar(&vintage, "vintage", 2, "release served: 1 (earlier, 2023 preliminary) or 2 (current)")
	fl.DurationVar(&minGap, "min-gap", 0, "least time between two requests of a session, else 429 (default 500ms; negative: no limit)")
	return cmd
}
