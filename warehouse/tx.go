package warehouse

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"sync"

	"golang.org/x/sync/errgroup"
)

const stagingDir = "_staging"

// Tx is a write transaction: files are staged outside the table folders and
// become visible together, with the source cursors, in one new snapshot at
// Commit. Only one Tx is open at a time across all processes.
type Tx struct {
	w       *Warehouse
	lock    *writerLock
	base    *Manifest
	next    *Manifest
	dir     string // staging folder of this transaction
	staged  []staged
	raw     []staged // raw payloads, moved into raw/ at commit
	moved   []string // files already renamed into table folders by Commit
	seq     int
	done    bool
	mu      sync.Mutex      // guards staged, seq, next.Tables and folders for parallel staging
	folders map[string]bool // table folders known to exist

	syncs   sync.WaitGroup // fsyncs of staged files, awaited by Commit
	syncSem chan struct{}  // bounds the fsyncs at once
	syncMu  sync.Mutex
	syncErr error
}

// syncLater fsyncs and closes f, a staged file just written, in the
// background: the disk writes it back while the transaction goes on, and
// Commit waits for every such fsync before it publishes anything.
func (tx *Tx) syncLater(f *os.File) {
	tx.syncs.Add(1)
	go func() {
		defer tx.syncs.Done()
		tx.syncSem <- struct{}{}
		err := f.Sync()
		<-tx.syncSem
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			tx.syncMu.Lock()
			if tx.syncErr == nil {
				tx.syncErr = fmt.Errorf("sync %s: %w", f.Name(), err)
			}
			tx.syncMu.Unlock()
		}
	}()
}

// waitSyncs waits for the fsyncs syncLater started and returns the first
// error.
func (tx *Tx) waitSyncs() error {
	tx.syncs.Wait()
	tx.syncMu.Lock()
	defer tx.syncMu.Unlock()
	return tx.syncErr
}

type staged struct {
	tmp   string // path in the staging folder
	table string
	file  File
}

func newTx(w *Warehouse, l *writerLock, base *Manifest, operation string) (*Tx, error) {
	var rnd [4]byte
	rand.Read(rnd[:])
	dir := filepath.Join(w.root, stagingDir, fmt.Sprintf("tx-%d-%s", base.ID+1, hex.EncodeToString(rnd[:])))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		l.unlock()
		return nil, err
	}
	next := base.clone()
	next.ID = base.ID + 1
	next.Operation = operation
	return &Tx{w: w, lock: l, base: base, next: next, dir: dir, syncSem: make(chan struct{}, 4), folders: map[string]bool{}}, nil
}

// Base returns the snapshot the transaction started from.
func (tx *Tx) Base() *Manifest { return tx.base }

// ID returns the id the snapshot will have when committed.
func (tx *Tx) ID() int64 { return tx.next.ID }

// TempDir returns a folder for the transaction's scratch files; it is
// removed with the transaction.
func (tx *Tx) TempDir() string { return tx.dir }

// newStagedPath returns a fresh staging path and the final relative path of
// a data file of table in partition ("" for an unpartitioned table).
func (tx *Tx) newStagedPath(table, partition string) (tmp, final string) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	tx.seq++
	var rnd [4]byte
	rand.Read(rnd[:])
	name := fmt.Sprintf("part-%08d-%05d-%s.parquet", tx.next.ID, tx.seq, hex.EncodeToString(rnd[:]))
	final = path.Join(filesDir, table, partition, name)
	return filepath.Join(tx.dir, fmt.Sprintf("%05d.parquet", tx.seq)), final
}

// addStaged records a written, fsynced staging file as part of table. It
// creates the file's table folder if need be: creating hundreds of folders
// at commit would hold the commit up, and an empty folder shows nothing to
// any reader, who reads the files a snapshot lists.
func (tx *Tx) addStaged(table, tmp string, f File) {
	dir := filepath.Join(tx.w.root, filepath.FromSlash(path.Dir(f.Path)))
	tx.mu.Lock()
	made := tx.folders[dir]
	tx.mu.Unlock()
	if !made && os.MkdirAll(dir, 0o755) == nil {
		tx.mu.Lock()
		tx.folders[dir] = true
		tx.mu.Unlock()
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	tx.staged = append(tx.staged, staged{tmp: tmp, table: table, file: f})
	tx.next.Tables[table] = append(tx.next.Tables[table], f)
}

// Files returns the files of table in partition as the transaction now
// stands (base snapshot plus staged changes).
func (tx *Tx) Files(table, partition string) []File {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	var out []File
	for _, f := range tx.next.Tables[table] {
		if f.Partition == partition {
			out = append(out, f)
		}
	}
	return out
}

// readable returns files with the paths of those staged by this
// transaction replaced by their absolute staging paths, so that the
// transaction can read what it wrote before committing it.
func (tx *Tx) readable(files []File) []File {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	out := make([]File, len(files))
	for i, f := range files {
		out[i] = f
		for _, s := range tx.staged {
			if s.file.Path == f.Path {
				out[i].Path = s.tmp
			}
		}
	}
	return out
}

// DropPartition removes every file of table in partition from the next
// snapshot (the files stay on disk for older snapshots until gc). Files this
// transaction staged there are deleted at once: no snapshot holds them.
func (tx *Tx) DropPartition(table, partition string) {
	tx.dropFiles(table, pathsOf(tx.Files(table, partition)))
}

// dropFiles removes the files of table whose paths are given from the next
// snapshot; those this transaction staged are deleted at once.
func (tx *Tx) dropFiles(table string, paths map[string]bool) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	fs := tx.next.Tables[table][:0:0]
	for _, f := range tx.next.Tables[table] {
		if !paths[f.Path] {
			fs = append(fs, f)
		}
	}
	tx.next.Tables[table] = fs
	kept := tx.staged[:0]
	for _, s := range tx.staged {
		if s.table == table && paths[s.file.Path] {
			os.Remove(s.tmp)
			continue
		}
		kept = append(kept, s)
	}
	tx.staged = kept
}

// pathsOf returns the paths of files as a set.
func pathsOf(files []File) map[string]bool {
	paths := make(map[string]bool, len(files))
	for _, f := range files {
		paths[f.Path] = true
	}
	return paths
}

// SetCursor records source's cursor in the snapshot being built.
func (tx *Tx) SetCursor(source, cursor string) { tx.next.Cursors[source] = cursor }

// AddStat adds n to the named counter recorded in the manifest.
func (tx *Tx) AddStat(name string, n int64) {
	if tx.next.Stats == nil {
		tx.next.Stats = map[string]int64{}
	}
	tx.next.Stats[name] += n
}

// Changed reports whether the transaction would change any table or cursor.
// Raw payloads alone are no change: they only explain rows.
func (tx *Tx) Changed() bool {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if len(tx.staged) > 0 || len(tx.base.Cursors) != len(tx.next.Cursors) {
		return true
	}
	for k, v := range tx.next.Cursors {
		if bv, ok := tx.base.Cursors[k]; !ok || bv != v {
			return true
		}
	}
	for _, t := range tableDefs() {
		a, b := tx.base.Tables[t.name], tx.next.Tables[t.name]
		if len(a) != len(b) {
			return true
		}
		paths := make(map[string]bool, len(a))
		for _, f := range a {
			paths[f.Path] = true
		}
		for _, f := range b {
			if !paths[f.Path] {
				return true
			}
		}
	}
	return false
}

// Commit makes the staged files visible as one new snapshot and releases the
// lock. The new snapshot is durable when Commit returns.
func (tx *Tx) Commit(ctx context.Context, message string) (*Manifest, error) {
	if tx.done {
		return nil, fmt.Errorf("commit: transaction already ended")
	}
	defer tx.Rollback()
	if err := tx.waitSyncs(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("commit abandoned: %w", err)
	}
	keys, err := tx.moveStaged()
	if err != nil {
		return nil, err
	}
	if err := syncDirs(keys); err != nil {
		return nil, err
	}
	for t, fs := range tx.next.Tables {
		sort.Slice(fs, func(i, j int) bool { return fs[i].Path < fs[j].Path })
		if len(fs) == 0 {
			delete(tx.next.Tables, t)
		}
	}
	tx.next.Message = message
	tx.next.CreatedAt = tx.w.opts.Now().UTC()
	data, err := marshalManifest(tx.next)
	if err != nil {
		return nil, err
	}
	dst := filepath.Join(tx.w.root, catalogDir, manifestName(tx.next.ID))
	if _, err := os.Stat(dst); err == nil {
		return nil, fmt.Errorf("commit: snapshot %d already exists (two writers?)", tx.next.ID)
	}
	if err := writeFileAtomic(tx.dir, dst, data); err != nil {
		return nil, fmt.Errorf("commit snapshot %d: %w", tx.next.ID, err)
	}
	tx.staged, tx.moved = nil, nil
	tx.w.log.Info().Int64("snapshot", tx.next.ID).Str("operation", tx.next.Operation).Msg("committed")
	// The snapshot is committed; tables/ follows it. Until Rollback below
	// empties the staging folder, a crash leaves recovery to do this again.
	dirs, err := tx.w.updateTables(tx.base, tx.next)
	if err == nil {
		err = syncDirs(dirs)
	}
	if err != nil {
		// Keep a staging entry, so that the next writer brings tables/ in line.
		os.MkdirTemp(filepath.Join(tx.w.root, stagingDir), "tables-")
		tx.w.log.Error().Err(err).Int64("snapshot", tx.next.ID).Msg("committed, but tables/ still shows the previous snapshot until the next writer opens the warehouse")
	}
	return tx.next, nil
}

// moveStaged moves the staged files into their folders and returns the
// folders, sorted. addStaged made the table folders already, so MkdirAll
// most often only finds them; it makes the raw files' folders, and any
// addStaged failed to make (its error shows here).
func (tx *Tx) moveStaged() ([]string, error) {
	dirs := map[string]bool{}
	for _, s := range slices.Concat(tx.staged, tx.raw) {
		dst := filepath.Join(tx.w.root, filepath.FromSlash(s.file.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, err
		}
		if err := os.Rename(s.tmp, dst); err != nil {
			return nil, fmt.Errorf("commit: move %s into place: %w", s.file.Path, err)
		}
		tx.moved = append(tx.moved, dst)
		dirs[filepath.Dir(dst)] = true
	}
	keys := make([]string, 0, len(dirs))
	for d := range dirs {
		keys = append(keys, d)
	}
	sort.Strings(keys)
	return keys, nil
}

// syncDirs makes the entries of the folders durable, several at a time:
// a bulk pull moves files into hundreds of folders, and each fsync mostly
// waits for the disk.
func syncDirs(dirs []string) error {
	var g errgroup.Group
	g.SetLimit(16)
	for _, d := range dirs {
		g.Go(func() error { return syncDir(d) })
	}
	return g.Wait()
}

// Rollback abandons the transaction: staged files are removed and the lock is
// released. It is a no-op after Commit.
func (tx *Tx) Rollback() error {
	if tx.done {
		return nil
	}
	tx.syncs.Wait()
	tx.done = true
	for _, p := range tx.moved { // a failed commit: these were never published
		os.Remove(p)
	}
	err := os.RemoveAll(tx.dir)
	if uerr := tx.lock.unlock(); err == nil {
		err = uerr
	}
	return err
}
