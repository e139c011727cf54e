package testutil

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TableFolderFiles returns every file under root/tables (the current
// snapshot's), as paths relative to root with forward slashes
// ("tables/filings/year=2026/month=10/x"), sorted.
func TableFolderFiles(t testing.TB, root string) []string {
	t.Helper()
	return folderFiles(t, root, "tables")
}

// StoredFiles returns every file under root/files (those of every retained
// snapshot), as paths relative to root with forward slashes, sorted.
func StoredFiles(t testing.TB, root string) []string {
	t.Helper()
	return folderFiles(t, root, "files")
}

func folderFiles(t testing.TB, root, folder string) []string {
	t.Helper()
	var out []string
	dir := filepath.Join(root, folder)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir && os.IsNotExist(err) {
				return fs.SkipDir
			}
			return err
		}
		if !d.IsDir() {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("list table folders: %v", err)
	}
	sort.Strings(out)
	return out
}

// manifestFile is the part of a catalog manifest the tests read. It is
// declared here, not taken from the warehouse package, so that a test
// checks the file format rather than the code that wrote it.
type manifestFile struct {
	ID     int64 `json:"id"`
	Tables map[string][]struct {
		Path      string `json:"path"`
		Partition string `json:"partition"`
		Rows      int64  `json:"rows"`
	} `json:"tables"`
}

// ManifestFiles returns every data file path named by any manifest in
// root/catalog (paths relative to root, forward slashes).
func ManifestFiles(t testing.TB, root string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, m := range readManifests(t, root) {
		for _, fs := range m.Tables {
			for _, f := range fs {
				out[f.Path] = true
			}
		}
	}
	return out
}

// ManifestIDs returns the ids of the manifests in root/catalog, ascending.
func ManifestIDs(t testing.TB, root string) []int64 {
	t.Helper()
	var ids []int64
	for _, m := range readManifests(t, root) {
		ids = append(ids, m.ID)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// SnapshotFiles returns, for snapshot id, the files of each table grouped
// by partition: table → partition → paths.
func SnapshotFiles(t testing.TB, root string, id int64) map[string]map[string][]string {
	t.Helper()
	for _, m := range readManifests(t, root) {
		if m.ID != id {
			continue
		}
		out := map[string]map[string][]string{}
		for table, fs := range m.Tables {
			out[table] = map[string][]string{}
			for _, f := range fs {
				out[table][f.Partition] = append(out[table][f.Partition], f.Path)
			}
		}
		return out
	}
	t.Fatalf("no manifest of snapshot %d in %s/catalog", id, root)
	return nil
}

func readManifests(t testing.TB, root string) []manifestFile {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(root, "catalog"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []manifestFile
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, "catalog", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		var m manifestFile
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("manifest %s: %v", e.Name(), err)
		}
		out = append(out, m)
	}
	return out
}

// StagingEntries returns the names in root/_staging.
func StagingEntries(t testing.TB, root string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(root, "_staging"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// CheckFolders fails the test unless every file under root/files is named
// by a manifest, every file a manifest names exists, root/tables holds
// exactly the current snapshot's files (the same files: hard links), and
// _staging is empty: the state the warehouse must be in whenever no writer
// is at work.
func CheckFolders(t testing.TB, root string) {
	t.Helper()
	named := ManifestFiles(t, root)
	onDisk := map[string]bool{}
	for _, p := range StoredFiles(t, root) {
		onDisk[p] = true
		if !named[p] {
			t.Errorf("file %s is in files/ but no manifest names it", p)
		}
	}
	current := map[string]string{} // tables/ path → files/ path
	if ids := ManifestIDs(t, root); len(ids) > 0 {
		for _, parts := range SnapshotFiles(t, root, ids[len(ids)-1]) {
			for _, paths := range parts {
				for _, p := range paths {
					current["tables/"+strings.TrimPrefix(p, "files/")] = p
				}
			}
		}
	}
	inTables := TableFolderFiles(t, root)
	for _, p := range inTables {
		stored, ok := current[p]
		if !ok {
			t.Errorf("file %s is in tables/ but not in the current snapshot", p)
			continue
		}
		a, aerr := os.Stat(filepath.Join(root, p))
		b, berr := os.Stat(filepath.Join(root, stored))
		if aerr != nil || berr != nil || !os.SameFile(a, b) {
			t.Errorf("%s is not the stored file %s (%v, %v)", p, stored, aerr, berr)
		}
	}
	if len(inTables) != len(current) {
		t.Errorf("tables/ holds %d files, want the current snapshot's %d", len(inTables), len(current))
	}
	for p := range named {
		if !onDisk[p] {
			t.Errorf("file %s is named by a manifest but missing", p)
		}
	}
	if s := StagingEntries(t, root); len(s) > 0 {
		t.Errorf("_staging holds %v, want nothing", s)
	}
}

// Tree describes every entry under root: path, kind, size and modification
// time, one a line, so that a test can tell whether anything was created,
// removed or written.
func Tree(t testing.TB, root string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(&b, "%s %v %d %d\n", filepath.ToSlash(rel), info.Mode(), info.Size(), info.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	return b.String()
}
