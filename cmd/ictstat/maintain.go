package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/npit-mn/ictstat/warehouse"
)

func (a *app) compactCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "compact",
		Short: "Merge each partition's files into one, as a new snapshot",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			wh, err := a.openWarehouse()
			if err != nil {
				return err
			}
			defer wh.Close()
			st, err := wh.Compact(cmd.Context())
			if err != nil {
				return err
			}
			if st.Snapshot == 0 {
				fmt.Fprintln(a.stdout, "nothing to compact: every partition has one file")
				return nil
			}
			fmt.Fprintf(a.stdout, "compacted %d files in %d partitions into snapshot %d\n", st.FilesBefore, st.Partitions, st.Snapshot)
			return nil
		},
	}
}

func (a *app) gcCommand() *cobra.Command {
	var r warehouse.Retention
	var rawAge time.Duration
	cmd := &cobra.Command{
		Use:   "gc",
		Short: "Remove snapshots past retention and the files no kept snapshot needs",
		Long: `Remove snapshots past retention and the files no kept snapshot needs.
A snapshot is kept when it is one of the newest --keep-last, younger than
--keep-age, or pinned by a release; the current snapshot is always kept.
Raw feed pages older than --raw-age are removed too.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			wh, err := a.openWarehouse()
			if err != nil {
				return err
			}
			defer wh.Close()
			released, err := wh.PinnedSnapshots()
			if err != nil {
				return err
			}
			r.Pinned = append(r.Pinned, released...) // --pin and every release's snapshot
			st, err := wh.GC(cmd.Context(), r)
			if err != nil {
				return err
			}
			raw, err := wh.GCRaw(cmd.Context(), rawAge)
			if err != nil {
				return err
			}
			for _, k := range st.Kept {
				fmt.Fprintf(a.stdout, "kept snapshot %d: %s\n", k.ID, strings.Join(k.Reasons, "; "))
			}
			if len(st.Removed) > 0 {
				fmt.Fprintf(a.stdout, "removed snapshots %s: older than --keep-age %s, not among the newest --keep-last %d, not pinned\n",
					joinIDs(st.Removed), r.MaxAge, r.Last)
			}
			fmt.Fprintf(a.stdout, "gc: removed %d snapshots and %d files (%d bytes), and %d raw page folders older than %s; %d snapshots kept\n",
				st.SnapshotsRemoved, st.FilesRemoved, st.BytesRemoved, raw, rawAge, st.SnapshotsKept)
			return nil
		},
	}
	cmd.Flags().IntVar(&r.Last, "keep-last", 10, "keep the newest N snapshots")
	cmd.Flags().DurationVar(&r.MaxAge, "keep-age", 7*24*time.Hour, "keep snapshots younger than this")
	cmd.Flags().Int64SliceVar(&r.Pinned, "pin", nil, "also keep these snapshots (comma-separated ids), as releases do")
	cmd.Flags().DurationVar(&rawAge, "raw-age", 30*24*time.Hour, "remove raw feed pages older than this")
	return cmd
}

// joinIDs lists snapshot ids as "1, 2, 3".
func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}
