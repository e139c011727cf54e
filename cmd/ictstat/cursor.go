package main

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/output"
)

func (a *app) cursorCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cursor",
		Short: "List or reset where each pulled source's next pull resumes",
		Long: `Each pull records where its source's feed ended (the cursor) in the snapshot
it commits, and the next pull resumes there. A feed that no longer knows the
cursor (expired, or another feed at the same address) refuses it:
` + "`ictstat cursor reset SOURCE`" + ` commits a snapshot without that cursor, so the
next pull starts from the beginning; records already committed change nothing.`,
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "The cursor of each source in the current snapshot",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			wh, err := a.openWarehouse()
			if err != nil {
				return err
			}
			defer wh.Close()
			cs, m, err := wh.Cursors()
			if err != nil {
				return err
			}
			if len(cs) == 0 {
				fmt.Fprintf(a.stdout, "no source has a cursor in snapshot %d\n", m.ID)
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "source\tcursor (snapshot %d)\n", m.ID)
			for _, c := range cs {
				fmt.Fprintf(tw, "%s\t%s\n", c.Source, output.EscapeControl(c.Cursor))
			}
			return tw.Flush()
		},
	}
	reset := &cobra.Command{
		Use:   "reset SOURCE",
		Short: "Forget a source's cursor (a new snapshot): its next pull starts from the beginning",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			wh, err := a.openWarehouse()
			if err != nil {
				return err
			}
			defer wh.Close()
			m, err := wh.ResetCursor(cmd.Context(), args[0])
			if errors.Is(err, ictstat.ErrNotFound) {
				return fmt.Errorf("%w: %w (see `ictstat cursor list`)", ictstat.ErrUsage, err)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "reset the cursor of %s: committed snapshot %d; its next pull starts from the beginning\n", args[0], m.ID)
			return nil
		},
	}
	list.Args, reset.Args = wrapArgs(list.Args), wrapArgs(reset.Args)
	cmd.AddCommand(list, reset)
	return cmd
}
