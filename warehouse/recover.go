package warehouse

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// recover removes what a crashed writer left behind; the caller holds the
// writer lock. A writer that died leaves its staging folder, so the data
// folders are scanned only when staging is not empty. It also finishes
// what a crash interrupted: a migration from an older layout, and the
// update of tables/ to the current snapshot.
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
	// empty, or the next one would not look at the data folders.
	if err := w.migrate(); err != nil {
		return err
	}
	referenced, err := w.referencedFiles()
	if err != nil {
		return err
	}
	removed := 0
	var emptied []string
	files := filepath.Join(w.root, filesDir)
	err = filepath.WalkDir(files, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == files {
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
		if !referenced[filepath.ToSlash(rel)] {
			removed++
			emptied = append(emptied, filepath.Dir(p))
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
	removeEmptyParents(files, emptied)
	ids, err := listManifestIDs(w.root)
	if err != nil {
		return err
	}
	cur := emptyManifest()
	if len(ids) > 0 {
		if cur, err = readManifest(w.root, ids[len(ids)-1]); err != nil {
			return err
		}
	}
	if err := w.syncTables(cur); err != nil {
		return err
	}
	if err := w.removeUncommittedRaw(cur.ID); err != nil {
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
