package warehouse

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// The two trees of data files. files/ holds every data file a retained
// snapshot names; manifests name these paths, and the files never move.
// tables/ holds a hard link to each file of the current snapshot and
// nothing else, so that an engine that reads a table's folder
// (read_parquet('tables/filings/**/*.parquet')) reads exactly the current
// snapshot. A commit publishes its manifest first and then brings tables/
// in line; a writer that opens the warehouse after a crash in between does
// it again (syncTables is idempotent).
const (
	filesDir  = "files"
	tablesDir = "tables"
)

// tablePath returns the path under tables/ of a file stored at p under
// files/ (both relative to the root, forward slashes).
func tablePath(p string) string {
	return tablesDir + strings.TrimPrefix(p, filesDir)
}

// currentPaths returns the tables/ paths of m's files.
func currentPaths(m *Manifest) map[string]string {
	out := map[string]string{}
	for _, fs := range m.Tables {
		for _, f := range fs {
			if strings.HasPrefix(f.Path, filesDir+"/") {
				out[tablePath(f.Path)] = f.Path
			}
		}
	}
	return out
}

// updateTables changes tables/ from snapshot old's files to next's: links
// next's new files and unlinks the files old had and next has not. It
// returns the folders it changed.
func (w *Warehouse) updateTables(old, next *Manifest) ([]string, error) {
	was, now := currentPaths(old), currentPaths(next)
	dirs := map[string]bool{}
	for tp, fp := range now {
		if _, ok := was[tp]; ok {
			continue
		}
		if err := w.link(fp, tp); err != nil {
			return nil, err
		}
		dirs[filepath.Dir(filepath.Join(w.root, tp))] = true
	}
	var emptied []string
	for tp := range was {
		if _, ok := now[tp]; ok {
			continue
		}
		p := filepath.Join(w.root, filepath.FromSlash(tp))
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		dirs[filepath.Dir(p)] = true
		emptied = append(emptied, filepath.Dir(p))
	}
	removeEmptyParents(filepath.Join(w.root, tablesDir), emptied)
	return sortedKeys(dirs), nil
}

// link makes the tables/ path tp a hard link of the stored file fp; a link
// already there is kept.
func (w *Warehouse) link(fp, tp string) error {
	dst := filepath.Join(w.root, filepath.FromSlash(tp))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.Link(filepath.Join(w.root, filepath.FromSlash(fp)), dst); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("link %s into %s: %w", fp, tablesDir, err)
	}
	return nil
}

// syncTables makes tables/ hold exactly the current snapshot's files,
// whatever it holds now: it removes every other file and links the
// missing ones. Recovery runs it.
func (w *Warehouse) syncTables(cur *Manifest) error {
	want := currentPaths(cur)
	root := filepath.Join(w.root, tablesDir)
	have := map[string]bool{}
	var emptied []string
	removed := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == root {
			return fs.SkipDir
		}
		if err != nil {
			return err
		}
		if d.IsDir() {
			emptied = append(emptied, p) // removed below if it is empty
			return nil
		}
		rel, _ := filepath.Rel(w.root, p)
		rel = filepath.ToSlash(rel)
		if _, ok := want[rel]; ok {
			have[rel] = true
			return nil
		}
		removed++
		return os.Remove(p)
	})
	if err != nil {
		return err
	}
	dirs := map[string]bool{}
	for tp, fp := range want {
		if !have[tp] {
			if err := w.link(fp, tp); err != nil {
				return err
			}
			dirs[filepath.Dir(filepath.Join(w.root, tp))] = true
		}
	}
	removeEmptyParents(root, emptied)
	if removed > 0 || len(dirs) > 0 {
		w.log.Info().Int("removed", removed).Int("folders_linked", len(dirs)).Msg("brought tables/ in line with the current snapshot")
	}
	return syncDirs(sortedKeys(dirs))
}

// removeEmptyParents removes each of dirs that is empty, and its empty
// parents, up to but not including top.
func removeEmptyParents(top string, dirs []string) {
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		for d != top && strings.HasPrefix(d, top+string(filepath.Separator)) {
			if os.Remove(d) != nil { // not empty, or gone already
				break
			}
			d = filepath.Dir(d)
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// normPartition rewrites a partition path of an older build
// ("year=2026/month=01") as this build writes it ("year=2026/month=1").
func normPartition(p string) string {
	if p == "" {
		return p
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		k, v, ok := strings.Cut(s, "=")
		if !ok || len(v) < 2 || v[0] != '0' || strings.Trim(v, "0123456789") != "" {
			continue
		}
		if v = strings.TrimLeft(v, "0"); v == "" {
			v = "0"
		}
		segs[i] = k + "=" + v
	}
	return strings.Join(segs, "/")
}

// needsMigration reports whether m was written by a build that kept data
// files under tables/ or wrote partitions with leading zeros.
func needsMigration(m *Manifest) bool {
	for _, fs := range m.Tables {
		for _, f := range fs {
			if !strings.HasPrefix(f.Path, filesDir+"/") || normPartition(f.Partition) != f.Partition {
				return true
			}
		}
	}
	return false
}

// migrate moves a warehouse of an older layout (data files under tables/,
// partitions like month=01) to this one: each file named by a manifest is
// hard-linked to its place under files/ with its partition rewritten, and
// the manifest rewritten to name it there; syncTables then removes the old
// files from tables/. Each step can be repeated: a migration that stops
// midway (recovery runs it again, as the staging folder is not empty)
// finishes the next time.
func (w *Warehouse) migrate() error {
	ids, err := listManifestIDs(w.root)
	if err != nil {
		return err
	}
	for _, id := range ids {
		m, err := readManifest(w.root, id)
		if err != nil {
			return err
		}
		if !needsMigration(m) {
			continue
		}
		dirs := map[string]bool{}
		for table, files := range m.Tables {
			for i, f := range files {
				part := normPartition(f.Partition)
				np := path.Join(filesDir, table, part, path.Base(f.Path))
				if np == f.Path {
					continue
				}
				dst := filepath.Join(w.root, filepath.FromSlash(np))
				if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
					return err
				}
				err := os.Link(filepath.Join(w.root, filepath.FromSlash(f.Path)), dst)
				if err != nil && !errors.Is(err, fs.ErrExist) {
					return fmt.Errorf("migrate snapshot %d: %w", id, err)
				}
				dirs[filepath.Dir(dst)] = true
				files[i].Path, files[i].Partition = np, part
			}
		}
		if err := syncDirs(sortedKeys(dirs)); err != nil {
			return err
		}
		data, err := marshalManifest(m)
		if err != nil {
			return err
		}
		if err := writeFileAtomic(filepath.Join(w.root, stagingDir), filepath.Join(w.root, catalogDir, manifestName(id)), data); err != nil {
			return fmt.Errorf("migrate snapshot %d: %w", id, err)
		}
		w.manMu.Lock()
		delete(w.manifests, id)
		w.manMu.Unlock()
		w.log.Info().Int64("snapshot", id).Msg("moved the snapshot's files to files/ and its partitions to integer values")
	}
	return nil
}
