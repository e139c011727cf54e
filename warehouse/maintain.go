package warehouse

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Retention is gc's rule for which snapshots stay readable. A snapshot is
// kept when any clause keeps it; the current snapshot is always kept.
type Retention struct {
	// Last keeps the newest Last snapshots; default 10.
	Last int
	// MaxAge keeps every snapshot younger than MaxAge; default 7 days.
	// Readers that hold a snapshot longer than this may lose its files.
	MaxAge time.Duration
	// Pinned keeps these snapshots whatever their age (releases pin theirs).
	Pinned []int64
}

func (r Retention) withDefaults() Retention {
	if r.Last <= 0 {
		r.Last = 10
	}
	if r.MaxAge <= 0 {
		r.MaxAge = 7 * 24 * time.Hour
	}
	return r
}

// GCStats reports what gc removed.
type GCStats struct {
	SnapshotsRemoved int
	FilesRemoved     int
	BytesRemoved     int64
	SnapshotsKept    int
}

// GC removes the snapshots the retention rule no longer keeps, then the data
// files no remaining snapshot names. Manifests go first, so a crash midway
// leaves only unreferenced files, which the next writer removes.
func (w *Warehouse) GC(ctx context.Context, r Retention) (GCStats, error) {
	r = r.withDefaults()
	if err := w.errReadOnly(); err != nil {
		return GCStats{}, err
	}
	l, err := lock(ctx, w.root)
	if err != nil {
		return GCStats{}, err
	}
	defer l.unlock()
	if err := w.recover(); err != nil {
		return GCStats{}, err
	}
	// Once manifests are gone, only a non-empty staging folder makes a
	// writer look for their files: the marker stays if gc does not finish.
	marker, err := os.MkdirTemp(filepath.Join(w.root, stagingDir), "gc-")
	if err != nil {
		return GCStats{}, err
	}
	if err := syncDir(filepath.Join(w.root, stagingDir)); err != nil {
		return GCStats{}, err
	}
	all, err := w.Snapshots()
	if err != nil {
		return GCStats{}, err
	}
	pinned := map[int64]bool{}
	for _, id := range r.Pinned {
		pinned[id] = true
	}
	now := w.opts.Now()
	var st GCStats
	keepFiles := map[string]bool{}
	var drop []*Manifest
	for i, m := range all {
		keep := i >= len(all)-r.Last || now.Sub(m.CreatedAt) < r.MaxAge || pinned[m.ID]
		if !keep {
			drop = append(drop, m)
			continue
		}
		st.SnapshotsKept++
		for _, fs := range m.Tables {
			for _, f := range fs {
				keepFiles[f.Path] = true
			}
		}
	}
	for _, m := range drop {
		if err := os.Remove(filepath.Join(w.root, catalogDir, manifestName(m.ID))); err != nil {
			return st, err
		}
		w.manMu.Lock()
		delete(w.manifests, m.ID)
		w.manMu.Unlock()
		st.SnapshotsRemoved++
	}
	if err := syncDir(filepath.Join(w.root, catalogDir)); err != nil {
		return st, err
	}
	seen := map[string]bool{}
	var emptied []string
	for _, m := range drop {
		for _, fs := range m.Tables {
			for _, f := range fs {
				if keepFiles[f.Path] || seen[f.Path] {
					continue
				}
				seen[f.Path] = true
				p := filepath.Join(w.root, filepath.FromSlash(f.Path))
				if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
					return st, err
				}
				emptied = append(emptied, filepath.Dir(p))
				st.FilesRemoved++
				st.BytesRemoved += f.Bytes
			}
		}
	}
	removeEmptyParents(filepath.Join(w.root, filesDir), emptied)
	os.Remove(marker)
	w.log.Info().Int("snapshots_removed", st.SnapshotsRemoved).Int("files_removed", st.FilesRemoved).Msg("gc")
	return st, nil
}

// CompactStats reports what compaction merged.
type CompactStats struct {
	Partitions  int   // partitions rewritten
	FilesBefore int   // files those partitions had
	Snapshot    int64 // the new snapshot, 0 when nothing needed merging
}

// Compact merges every partition that has more than one file into a single
// file, in one new snapshot. Older snapshots keep their files until gc.
func (w *Warehouse) Compact(ctx context.Context) (CompactStats, error) {
	tx, err := w.Begin(ctx, "compact")
	if err != nil {
		return CompactStats{}, err
	}
	defer tx.Rollback()
	var st CompactStats
	for _, t := range tableDefs() {
		byPart := map[string][]File{}
		for _, f := range tx.base.Tables[t.name] {
			byPart[f.Partition] = append(byPart[f.Partition], f)
		}
		parts := make([]string, 0, len(byPart))
		for p, fs := range byPart {
			if len(fs) > 1 {
				parts = append(parts, p)
			}
		}
		sort.Strings(parts)
		for _, p := range parts {
			if err := ctx.Err(); err != nil {
				return st, err
			}
			if err := t.compact(tx, t.name, p, byPart[p]); err != nil {
				return st, fmt.Errorf("compact %s %s: %w", t.name, p, err)
			}
			st.Partitions++
			st.FilesBefore += len(byPart[p])
		}
	}
	if st.Partitions == 0 {
		return st, nil
	}
	m, err := tx.Commit(ctx, fmt.Sprintf("merged %d files in %d partitions", st.FilesBefore, st.Partitions))
	if err != nil {
		return st, err
	}
	st.Snapshot = m.ID
	return st, nil
}
