package warehouse

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/npit-mn/ictstat"
)

// The release log records what publish built and when each release became
// public. Like the run log it is not versioned data: one append-only
// JSON-lines file (runs/releases.jsonl) whose latest line per release is a
// row of the releases table, whatever the snapshot.
const releasesFile = "releases.jsonl"

func (w *Warehouse) releasesPath() string { return filepath.Join(w.root, runsDir, releasesFile) }

// RecordRelease appends a release's state to the release log and fsyncs it.
func (w *Warehouse) RecordRelease(r ictstat.ReleaseRecord) error {
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	w.runsMu.Lock()
	defer w.runsMu.Unlock()
	if err := os.MkdirAll(filepath.Join(w.root, runsDir), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(w.releasesPath(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("record release %s: %w", r.ID, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Releases returns the latest state of every recorded release, in the order
// they were first recorded. A torn last line (a crash mid-write) is skipped.
func (w *Warehouse) Releases() ([]ictstat.ReleaseRecord, error) {
	f, err := os.Open(w.releasesPath())
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []ictstat.ReleaseRecord
	at := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var r ictstat.ReleaseRecord
		if json.Unmarshal(sc.Bytes(), &r) != nil || r.ID == "" {
			continue
		}
		if i, ok := at[r.ID]; ok {
			out[i] = r
			continue
		}
		at[r.ID] = len(out)
		out = append(out, r)
	}
	return out, sc.Err()
}

// PinnedSnapshots returns the snapshots that recorded releases were built
// from, for Retention.Pinned: gc must keep them so that every published
// figure can be recomputed.
func (w *Warehouse) PinnedSnapshots() ([]int64, error) {
	rs, err := w.Releases()
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, r := range rs {
		if !slices.Contains(ids, r.Snapshot) {
			ids = append(ids, r.Snapshot)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// releasesColumns is the releases schema for DuckDB's JSON reader.
const releasesColumns = `{id: 'VARCHAR', period_start: 'DATE', period_end: 'DATE', status: 'VARCHAR', snapshot: 'BIGINT',
	publish_at: 'TIMESTAMPTZ', built_at: 'TIMESTAMPTZ', recorded_at: 'TIMESTAMPTZ', folder: 'VARCHAR', tables: 'VARCHAR[]',
	manifest_sha256: 'VARCHAR'}`

// releasesSQL is the SELECT behind the releases view: the latest line of
// each release in the log at path.
func releasesSQL(path string) string {
	return fmt.Sprintf("SELECT * FROM read_json(%s, format='newline_delimited', ignore_errors=true, columns=%s) "+
		"QUALIFY row_number() OVER (PARTITION BY id ORDER BY recorded_at DESC) = 1", sqlString(path), releasesColumns)
}

// ensureReleaseLog creates an empty release log, so that the view has a
// file to read.
func ensureReleaseLog(root string) error {
	f, err := os.OpenFile(filepath.Join(root, runsDir, releasesFile), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}
