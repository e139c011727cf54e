// Package warehouse stores the statistics as hive-partitioned Parquet tables
// under a catalog of immutable, numbered snapshots, and answers SQL over any
// snapshot with an in-memory DuckDB. It is the only package that touches
// Parquet files or DuckDB.
//
// Layout (see docs/warehouse.md):
//
//	LOCK                      advisory writer lock (flock)
//	catalog/00000042.json     snapshot 42's manifest: files of every table, cursors
//	files/<table>/<k>=<v>/…   every retained snapshot's Parquet files, never rewritten
//	tables/<table>/<k>=<v>/…  hard links to the current snapshot's files, and no others
//	_staging/<tx>/            files of a transaction not yet committed
//
// A commit stages and fsyncs its files, renames them into files/, publishes
// the manifest with one atomic rename, then links the new current files into
// tables/ and unlinks the superseded ones. The newest manifest is the current
// snapshot. Files that no manifest names are debris of a crash and are
// removed when a writer next opens the warehouse, which also brings tables/
// in line with the current snapshot.
package warehouse

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/npit-mn/ictstat"
)

// Options configures a Warehouse. The zero value is usable.
type Options struct {
	// Logger receives the warehouse's own events; default zerolog.Nop().
	Logger *zerolog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// MemoryLimit caps DuckDB's memory, e.g. "1GB"; default DuckDB's own.
	MemoryLimit string
	// Threads caps DuckDB's threads; default all cores.
	Threads int
	// ReadOnly opens the warehouse for reading only: no folder is created,
	// no lock taken, nothing cleaned up or migrated, and writes (Begin, GC,
	// Compact, RecordRun) are refused; a folder that holds no warehouse is
	// an error. Reading commands use it, so they work on a read-only copy.
	ReadOnly bool
	// Reference holds documented reference tables (e.g. "regions"): table
	// name → CSV bytes with a header of lower-case column names; lines that
	// start with '#' are comments. Each is loaded into the query engine
	// when it starts, every column VARCHAR, and every snapshot's schema
	// gets a view of that name over it. Reference data is not versioned
	// by snapshot: an old snapshot sees the reference tables of the
	// running binary.
	Reference map[string][]byte
}

// Warehouse is an open warehouse folder. It is safe for concurrent use.
type Warehouse struct {
	root string
	opts Options
	log  zerolog.Logger
	refs []refTable // parsed opts.Reference

	mu     sync.Mutex
	engine *engine    // lazily started query engine
	runsMu sync.Mutex // serialises run-log appends within this process

	manMu     sync.Mutex
	manifests map[int64]*Manifest // manifests are immutable: read each once
}

// manifest returns snapshot id's manifest, from the cache when it was read
// before. Callers must not modify it.
func (w *Warehouse) manifest(id int64) (*Manifest, error) {
	w.manMu.Lock()
	m, ok := w.manifests[id]
	w.manMu.Unlock()
	if ok {
		return m, nil
	}
	m, err := readManifest(w.root, id)
	if err != nil {
		return nil, err
	}
	w.manMu.Lock()
	if w.manifests == nil || len(w.manifests) > 1024 {
		w.manifests = map[int64]*Manifest{}
	}
	w.manifests[id] = m
	w.manMu.Unlock()
	return m, nil
}

// Open opens (creating if needed) the warehouse in dir. When no writer holds
// the lock, it first removes the debris a crashed writer may have left, so
// that the folders hold only committed files, and moves a warehouse of an
// older layout to this one. With opts.ReadOnly it does none of that (see
// OpenReadOnly).
func Open(dir string, opts Options) (*Warehouse, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := zerolog.Nop()
	if opts.Logger != nil {
		log = opts.Logger.With().Str(ictstat.LogComponent, "warehouse").Logger()
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	refs, err := parseReferences(opts.Reference)
	if err != nil {
		return nil, err
	}
	w := &Warehouse{root: root, opts: opts, log: log, refs: refs}
	if opts.ReadOnly {
		if st, err := os.Stat(filepath.Join(root, catalogDir)); err != nil || !st.IsDir() {
			return nil, noWarehouseError{dir}
		}
		return w, nil
	}
	for _, d := range []string{root, filepath.Join(root, catalogDir), filepath.Join(root, filesDir), filepath.Join(root, tablesDir), filepath.Join(root, stagingDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("open warehouse %s: %w", dir, err)
		}
	}
	l, err := tryLock(root)
	switch {
	case errors.Is(err, ictstat.ErrLocked):
		// A writer is at work; it recovered when it opened.
	case err != nil:
		return nil, err
	default:
		rerr := w.startMigration()
		if rerr == nil {
			rerr = w.recover()
		}
		l.unlock()
		if rerr != nil {
			return nil, fmt.Errorf("recover warehouse %s: %w", dir, rerr)
		}
	}
	return w, nil
}

// OpenReadOnly opens the existing warehouse in dir for reading only: see
// Options.ReadOnly.
func OpenReadOnly(dir string, opts Options) (*Warehouse, error) {
	opts.ReadOnly = true
	return Open(dir, opts)
}

// startMigration leaves a marker in the staging folder when the current
// snapshot has the layout of an older build, so that recovery migrates the
// warehouse, and does again if it is interrupted. The caller holds the lock.
func (w *Warehouse) startMigration() error {
	ids, err := listManifestIDs(w.root)
	if err != nil || len(ids) == 0 {
		return err
	}
	m, err := readManifest(w.root, ids[len(ids)-1])
	if err != nil || !needsMigration(m) {
		return err
	}
	if _, err := os.MkdirTemp(filepath.Join(w.root, stagingDir), "migrate-"); err != nil {
		return err
	}
	return syncDir(filepath.Join(w.root, stagingDir))
}

// noWarehouseError says that a folder opened read-only holds no warehouse.
// It is a usage error: the user named the wrong folder, or none.
type noWarehouseError struct{ dir string }

func (e noWarehouseError) Error() string {
	return fmt.Sprintf("no warehouse at %s; run an ingest first or pass --warehouse", e.dir)
}

func (e noWarehouseError) Unwrap() error { return ictstat.ErrUsage }

// errReadOnly refuses a write to a warehouse opened read-only.
func (w *Warehouse) errReadOnly() error {
	if w.opts.ReadOnly {
		return fmt.Errorf("warehouse %s is open read-only", w.root)
	}
	return nil
}

// Root returns the warehouse folder's absolute path.
func (w *Warehouse) Root() string { return w.root }

// Close releases the query engine.
func (w *Warehouse) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.engine != nil {
		err := w.engine.close()
		w.engine = nil
		return err
	}
	return nil
}

// Current returns the newest committed snapshot (snapshot 0, empty, before
// the first commit).
func (w *Warehouse) Current() (*Manifest, error) {
	for attempt := 0; ; attempt++ {
		ids, err := listManifestIDs(w.root)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			return emptyManifest(), nil
		}
		m, err := w.manifest(ids[len(ids)-1])
		if errors.Is(err, fs.ErrNotExist) && attempt < 3 {
			continue // removed by gc between listing and reading
		}
		return m, err
	}
}

// Snapshot returns snapshot id; id 0 is the empty warehouse, and a negative
// id means the current snapshot.
func (w *Warehouse) Snapshot(id int64) (*Manifest, error) {
	if id < 0 {
		return w.Current()
	}
	if id == 0 {
		return emptyManifest(), nil
	}
	// The cache outlives a gc by another process: the catalog decides.
	_, err := os.Stat(filepath.Join(w.root, catalogDir, manifestName(id)))
	if err == nil {
		var m *Manifest
		m, err = w.manifest(id)
		if err == nil {
			return m, nil
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("snapshot %d does not exist or was removed by gc (see `ictstat snapshots`): %w", id, ictstat.ErrNotFound)
	}
	return nil, err
}

// Snapshots returns every retained snapshot, oldest first.
func (w *Warehouse) Snapshots() ([]*Manifest, error) {
	ids, err := listManifestIDs(w.root)
	if err != nil {
		return nil, err
	}
	out := make([]*Manifest, 0, len(ids))
	for _, id := range ids {
		m, err := w.manifest(id)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// Begin starts a write transaction, waiting for the writer lock until ctx is
// done. The transaction starts from the current snapshot.
func (w *Warehouse) Begin(ctx context.Context, operation string) (*Tx, error) {
	if err := w.errReadOnly(); err != nil {
		return nil, err
	}
	l, err := lock(ctx, w.root)
	if err != nil {
		return nil, err
	}
	if err := w.recover(); err != nil {
		l.unlock()
		return nil, fmt.Errorf("recover before write: %w", err)
	}
	base, err := w.Current()
	if err != nil {
		l.unlock()
		return nil, err
	}
	return newTx(w, l, base, operation)
}
