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

// GCStats reports what gc removed, and what it kept and why.
type GCStats struct {
	SnapshotsRemoved int
	FilesRemoved     int
	BytesRemoved     int64
	SnapshotsKept    int
	Removed          []int64 // the snapshots removed, ascending
	Kept             []Kept  // the snapshots kept, ascending
}

// Kept is a snapshot gc kept and the clauses of the rule that kept it.
type Kept struct {
	ID      int64
	Reasons []string // e.g. "current", "one of the newest 10 (keep-last)"
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
		var why []string
		if i == len(all)-1 {
			why = append(why, "current")
		}
		if i >= len(all)-r.Last {
			why = append(why, fmt.Sprintf("one of the newest %d (keep-last)", r.Last))
		}
		if age := now.Sub(m.CreatedAt); age < r.MaxAge {
			why = append(why, fmt.Sprintf("%s old, younger than %s (keep-age)", age.Round(time.Second), r.MaxAge))
		}
		if pinned[m.ID] {
			why = append(why, "pinned by a release")
		}
		if len(why) == 0 {
			drop = append(drop, m)
			st.Removed = append(st.Removed, m.ID)
			continue
		}
		st.SnapshotsKept++
		st.Kept = append(st.Kept, Kept{ID: m.ID, Reasons: why})
		w.log.Info().Int64("snapshot", m.ID).Strs("why", why).Msg("gc keeps")
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
	w.log.Info().Ints64("removed", st.Removed).Int("files_removed", st.FilesRemoved).Int64("bytes_removed", st.BytesRemoved).Msg("gc")
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
	type job struct {
		t     tableDef
		part  string
		files []File
	}
	var todo []job
	var total int64
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
			todo = append(todo, job{t, p, byPart[p]})
			for _, f := range byPart[p] {
				total += f.Rows
			}
		}
	}
	w.log.Info().Int("partitions", len(todo)).Int64("rows", total).Msg("compact: merging partitions of more than one file")
	var st CompactStats
	var done int64
	start := w.opts.Now()
	for i, j := range todo {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		if err := j.t.compact(tx, j.t.name, j.part, j.files); err != nil {
			return st, fmt.Errorf("compact %s %s: %w", j.t.name, j.part, err)
		}
		st.Partitions++
		st.FilesBefore += len(j.files)
		rows := int64(0)
		for _, f := range j.files {
			rows += f.Rows
		}
		done += rows
		w.log.Info().Str("table", j.t.name).Str("partition", j.part).Int("files", len(j.files)).Int64("rows", rows).
			Str("done", fmt.Sprintf("%d/%d partitions, %d/%d rows", i+1, len(todo), done, total)).
			Dur("elapsed", w.opts.Now().Sub(start)).Msg("compact: merged")
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
