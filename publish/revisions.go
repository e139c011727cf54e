package publish

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// prevRelease is the published cells of the release before this one.
type prevRelease struct {
	manifest *Manifest
	cells    map[string]map[string]string // table → obsKey → published value text
}

// maxCSVBytes bounds a previous release's table read back for revisions.
const maxCSVBytes = 64 << 20

// previousRelease finds, among the release folders in root (whatever their
// names), the one published last before rel, and reads its tables'
// published values.
func previousRelease(root string, rel Release) (*prevRelease, error) {
	entries, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var best *Manifest
	bestDir := ""
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || e.Name() == rel.ID {
			continue
		}
		m, err := ReadManifest(filepath.Join(root, e.Name()))
		if err != nil {
			continue // not a finished release
		}
		if m.Release != rel.ID && m.PublishAt.Before(rel.PublishAt) && (best == nil || m.PublishAt.After(best.PublishAt)) {
			best, bestDir = m, filepath.Join(root, e.Name())
		}
	}
	if best == nil {
		return nil, nil
	}
	p := &prevRelease{manifest: best, cells: map[string]map[string]string{}}
	for _, t := range best.Tables {
		cells, err := readPublishedCSV(filepath.Join(bestDir, t+".csv"))
		if errors.Is(err, os.ErrNotExist) {
			continue // a table the release did not keep: nothing to compare
		}
		if err != nil {
			return nil, fmt.Errorf("previous release %s: %w", best.Release, err)
		}
		p.cells[t] = cells
	}
	return p, nil
}

// readPublishedCSV reads a release table's long-form CSV: obsKey → value
// text of every published cell.
func readPublishedCSV(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(io.LimitReader(f, maxCSVBytes))
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	nd := len(head) - 4
	if nd < 1 || head[nd] != "measure" {
		return nil, fmt.Errorf("%s: not a release table (header %v)", path, head)
	}
	out := map[string]string{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if rec[nd+2] != "" {
			out[obsKey(rec[:nd], rec[nd])] = rec[nd+2]
		}
	}
}

// Revision is one published cell whose value changed since the previous
// release of its table.
type Revision struct {
	Release  string // the previous release
	Table    string
	Key      []string
	Measure  string
	Unit     string
	Old, New string
}

// revisions compares the tables with the previous release's.
func revisions(prev *prevRelease, tables []*Table) []Revision {
	if prev == nil {
		return nil
	}
	var out []Revision
	for _, t := range tables {
		old, ok := prev.cells[t.Name]
		if !ok {
			continue
		}
		for _, o := range t.Obs {
			if !o.Published() {
				continue
			}
			m := t.measure(o.Measure)
			was, ok := old[obsKey(o.Key, o.Measure)]
			if now := formatValue(o.Value, m.Decimals); ok && was != now {
				out = append(out, Revision{Release: prev.manifest.Release, Table: t.Name, Key: o.Key, Measure: o.Measure, Unit: m.Unit, Old: was, New: now})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Table < out[j].Table })
	return out
}

// writeRevisions writes revisions.csv: table, the previous release, the
// cell (dimension=code pairs), measure, unit, old and new value.
func writeRevisions(w io.Writer, revs []Revision) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"table", "previous_release", "period", "cell", "measure", "unit", "old_value", "new_value"})
	for _, r := range revs {
		cw.Write([]string{r.Table, r.Release, r.Key[0], strings.Join(r.Key[1:], "/"), r.Measure, r.Unit, r.Old, r.New})
	}
	cw.Flush()
	return cw.Error()
}
