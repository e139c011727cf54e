package warehouse

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"time"

	"github.com/klauspost/compress/zstd"
)

// Raw payloads (feed pages as received) are kept compressed under
// raw/<source>/<snapshot id>/<seq>.json.zst, so that every committed row can
// be traced to the bytes it came from: a row's source column names its raw
// file. They are staged with the transaction and renamed into place at
// commit; a folder whose snapshot id was never committed is debris.
const rawDir = "raw"

// StageRaw compresses payload and stages it as the next raw file of source;
// it returns the path the file will have, relative to the warehouse root.
func (tx *Tx) StageRaw(source string, payload []byte) (string, error) {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return "", err
	}
	data := enc.EncodeAll(payload, nil)
	enc.Close()
	tx.mu.Lock()
	tx.seq++
	seq := tx.seq
	tx.mu.Unlock()
	tmp := filepath.Join(tx.dir, fmt.Sprintf("raw-%05d.json.zst", seq))
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return "", err
	}
	f, err := os.Open(tmp)
	if err == nil {
		err = f.Sync()
		f.Close()
	}
	if err != nil {
		return "", err
	}
	final := path.Join(rawDir, source, strconv.FormatInt(tx.next.ID, 10), fmt.Sprintf("%05d.json.zst", seq))
	tx.mu.Lock()
	tx.raw = append(tx.raw, staged{tmp: tmp, file: File{Path: final, Bytes: int64(len(data))}})
	tx.mu.Unlock()
	return final, nil
}

// removeUncommittedRaw deletes raw folders of snapshots newer than the
// newest manifest: payloads of a commit that never happened.
func (w *Warehouse) removeUncommittedRaw(current int64) error {
	sources, err := os.ReadDir(filepath.Join(w.root, rawDir))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, s := range sources {
		snaps, err := os.ReadDir(filepath.Join(w.root, rawDir, s.Name()))
		if err != nil {
			continue
		}
		for _, d := range snaps {
			if id, err := strconv.ParseInt(d.Name(), 10, 64); err == nil && id > current {
				if err := os.RemoveAll(filepath.Join(w.root, rawDir, s.Name(), d.Name())); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// GCRaw removes raw payload folders of snapshots older than maxAge; it
// stops between folders when ctx ends.
func (w *Warehouse) GCRaw(ctx context.Context, maxAge time.Duration) (int, error) {
	if err := w.errReadOnly(); err != nil {
		return 0, err
	}
	removed := 0
	sources, err := os.ReadDir(filepath.Join(w.root, rawDir))
	if os.IsNotExist(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	cutoff := w.opts.Now().Add(-maxAge)
	for _, s := range sources {
		if err := ctx.Err(); err != nil {
			return removed, err
		}
		snaps, _ := os.ReadDir(filepath.Join(w.root, rawDir, s.Name()))
		for _, d := range snaps {
			info, err := d.Info()
			if err == nil && info.ModTime().Before(cutoff) {
				if os.RemoveAll(filepath.Join(w.root, rawDir, s.Name(), d.Name())) == nil {
					removed++
				}
			}
		}
	}
	return removed, nil
}
