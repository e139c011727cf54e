package warehouse

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SchemaVersion is the version of the table schemas written by this build.
// It is recorded in every manifest so that a reader can refuse files it does
// not understand.
const SchemaVersion = 1

// File is one committed Parquet data file of a table.
type File struct {
	Path      string `json:"path"`      // relative to the warehouse root, forward slashes
	Partition string `json:"partition"` // hive partition path, e.g. "year=2026/month=10"
	Rows      int64  `json:"rows"`
	Bytes     int64  `json:"bytes"`
}

// Manifest is one immutable snapshot of the warehouse: the files of every
// table, the cursors of the sources, and who committed it and why.
type Manifest struct {
	ID            int64             `json:"id"`
	Parent        int64             `json:"parent"`
	CreatedAt     time.Time         `json:"created_at"`
	Operation     string            `json:"operation"` // e.g. "ingest filings", "compact", "gc"
	Message       string            `json:"message,omitempty"`
	SchemaVersion int               `json:"schema_version"`
	Tables        map[string][]File `json:"tables"`
	Cursors       map[string]string `json:"cursors,omitempty"`
	Stats         map[string]int64  `json:"stats,omitempty"`
}

// Rows returns the number of rows table holds in the snapshot.
func (m *Manifest) Rows(table string) int64 {
	var n int64
	for _, f := range m.Tables[table] {
		n += f.Rows
	}
	return n
}

// clone returns a deep copy of m's table lists and cursors, ready to be
// edited as the next snapshot.
func (m *Manifest) clone() *Manifest {
	c := &Manifest{Parent: m.ID, SchemaVersion: SchemaVersion, Tables: map[string][]File{}, Cursors: map[string]string{}}
	for t, fs := range m.Tables {
		c.Tables[t] = append([]File(nil), fs...)
	}
	for k, v := range m.Cursors {
		c.Cursors[k] = v
	}
	return c
}

// emptyManifest is snapshot 0: the warehouse before any commit.
func emptyManifest() *Manifest {
	return &Manifest{SchemaVersion: SchemaVersion, Tables: map[string][]File{}, Cursors: map[string]string{}}
}

const catalogDir = "catalog"

func manifestName(id int64) string { return fmt.Sprintf("%08d.json", id) }

// listManifestIDs returns the snapshot ids present in the catalog, ascending.
func listManifestIDs(root string) ([]int64, error) {
	ents, err := os.ReadDir(filepath.Join(root, catalogDir))
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || e.IsDir() {
			continue
		}
		id, err := strconv.ParseInt(name, 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids, nil
}

// marshalManifest encodes m as its catalog file holds it.
func marshalManifest(m *Manifest) ([]byte, error) { return json.MarshalIndent(m, "", " ") }

func readManifest(root string, id int64) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(root, catalogDir, manifestName(id)))
	if err != nil {
		return nil, err
	}
	m := &Manifest{}
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("snapshot %d manifest: %w", id, err)
	}
	if m.SchemaVersion > SchemaVersion {
		return nil, fmt.Errorf("snapshot %d has schema version %d; this build reads up to %d: upgrade ictstat", id, m.SchemaVersion, SchemaVersion)
	}
	if m.Tables == nil {
		m.Tables = map[string][]File{}
	}
	return m, nil
}
