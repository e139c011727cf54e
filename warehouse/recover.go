package warehouse

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// recover removes what a crashed writer left behind; the caller holds the
// writer lock. A writer that died leaves its staging folder, so the table
// folders are scanned for unpublished files only when staging is not empty.
func (w *Warehouse) recover() error {
	stage := filepath.Join(w.root, stagingDir)
	ents, err := os.ReadDir(stage)
	if err != nil {
		return err
	}
	if len(ents) == 0 {
		return nil
	}
	// Remove the files no manifest names first and the staging entries
	// last: a recovery that is itself interrupted must leave staging not
	// empty, or the next one would not look at the table folders.
	referenced, err := w.referencedFiles()
	if err != nil {
		return err
	}
	removed := 0
	err = filepath.WalkDir(filepath.Join(w.root, tablesDir), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(w.root, p)
		if !referenced[filepath.ToSlash(rel)] {
			removed++
			return os.Remove(p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if removed > 0 {
		w.log.Warn().Int("files", removed).Msg("removed files of an interrupted commit")
	}
	if err := removeEmptyDirs(filepath.Join(w.root, tablesDir)); err != nil {
		return err
	}
	ids, err := listManifestIDs(w.root)
	if err != nil {
		return err
	}
	current := int64(0)
	if len(ids) > 0 {
		current = ids[len(ids)-1]
	}
	if err := w.removeUncommittedRaw(current); err != nil {
		return err
	}
	for _, e := range ents {
		if err := os.RemoveAll(filepath.Join(stage, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// referencedFiles returns every data file named by any retained manifest.
func (w *Warehouse) referencedFiles() (map[string]bool, error) {
	ids, err := listManifestIDs(w.root)
	if err != nil {
		return nil, err
	}
	ref := map[string]bool{}
	for _, id := range ids {
		m, err := readManifest(w.root, id)
		if err != nil {
			return nil, err
		}
		for _, fs := range m.Tables {
			for _, f := range fs {
				ref[f.Path] = true
			}
		}
	}
	return ref, nil
}

// removeEmptyDirs removes empty partition folders below dir (not dir itself).
func removeEmptyDirs(dir string) error {
	var dirs []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && p != dir {
			dirs = append(dirs, p)
		}
		return nil
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if ents, err := os.ReadDir(dirs[i]); err == nil && len(ents) == 0 && !strings.HasPrefix(filepath.Base(dirs[i]), ".") {
			os.Remove(dirs[i])
		}
	}
	return nil
}
