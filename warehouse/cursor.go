package warehouse

import (
	"context"
	"fmt"
	"sort"

	"github.com/npit-mn/ictstat"
)

// Cursor is where a pulled source's next pull resumes, as of a snapshot.
type Cursor struct {
	Source string
	Cursor string
}

// Cursors returns the cursors recorded in the current snapshot, by source,
// and that snapshot.
func (w *Warehouse) Cursors() ([]Cursor, *Manifest, error) {
	m, err := w.Current()
	if err != nil {
		return nil, nil, err
	}
	out := make([]Cursor, 0, len(m.Cursors))
	for s, c := range m.Cursors {
		out = append(out, Cursor{Source: s, Cursor: c})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	return out, m, nil
}

// ResetCursor commits a snapshot that forgets source's cursor, so that its
// next pull starts from the beginning of the feed (safe: records already
// committed change nothing). The tables are unchanged. A source without a
// cursor is an error wrapping ictstat.ErrNotFound.
func (w *Warehouse) ResetCursor(ctx context.Context, source string) (*Manifest, error) {
	tx, err := w.Begin(ctx, "cursor reset")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	old, ok := tx.next.Cursors[source]
	if !ok {
		return nil, fmt.Errorf("source %q has no cursor in snapshot %d: %w", source, tx.base.ID, ictstat.ErrNotFound)
	}
	delete(tx.next.Cursors, source)
	if len(old) > 80 {
		old = old[:80] + "..."
	}
	return tx.Commit(ctx, fmt.Sprintf("reset the cursor of %s (was %q): its next pull starts from the beginning", source, old))
}
