package warehouse

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/parquet-go/parquet-go"
)

// rowGroupRows bounds the rows per Parquet row group, so that readers can
// skip groups by their statistics and writers keep bounded buffers.
const rowGroupRows = 32 * 1024

// writerOptions are shared by every data file: snappy, the codec every
// engine reads and the cheapest to write; column chunk statistics and the
// page index (min and max of every page), which readers skip by. The same
// bounds in each page header as well (DataPageStatistics) would cost a
// fifth of the encoding time and tell readers nothing the page index does
// not.
func writerOptions() []parquet.WriterOption {
	return []parquet.WriterOption{
		parquet.Compression(snappyCodec{}),
		parquet.DataPageStatistics(false),
		parquet.MaxRowsPerRowGroup(rowGroupRows),
		parquet.PageBufferSize(256 * 1024),
		parquet.CreatedBy("ictstat", "1", ""),
	}
}

// stageRows writes rows as one Parquet file of table's partition into the
// transaction's staging folder and records it in the next snapshot.
func stageRows[T any](tx *Tx, table, partition string, rows []T) (File, error) {
	return stageFile(tx, table, partition, func(w io.Writer) (int64, error) { return int64(len(rows)), encodeRows(w, rows) })
}

// stageKept writes the rows of files that keep accepts as one file of
// table's partition, reading and writing a batch of rows at a time, so that
// a partition of any size is copied in bounded memory. It stages nothing
// when no row is kept.
func stageKept[T any](tx *Tx, table, partition string, files []File, keep func(*T) bool) error {
	_, err := stageFile(tx, table, partition, func(w io.Writer) (int64, error) {
		pw := parquet.NewGenericWriter[T](w, writerOptions()...)
		var n int64
		err := readBatches(tx.w.root, files, func(rows []T) error {
			kept := rows[:0]
			for i := range rows {
				if keep(&rows[i]) {
					kept = append(kept, rows[i])
				}
			}
			n += int64(len(kept))
			_, err := pw.Write(kept)
			return err
		})
		if err != nil {
			return 0, err
		}
		if n == 0 {
			return 0, errNoRows
		}
		return n, pw.Close()
	})
	if errors.Is(err, errNoRows) {
		return nil
	}
	return err
}

// errNoRows is what stageFile's encode returns when it wrote no rows.
var errNoRows = errors.New("no rows")

// stageFile writes a Parquet file with encode, which returns the rows it
// wrote, into the transaction's staging folder and records it in the next
// snapshot. An encode that returns errNoRows leaves the file out.
func stageFile(tx *Tx, table, partition string, encode func(io.Writer) (int64, error)) (File, error) {
	tmp, final := tx.newStagedPath(table, partition)
	var rows int64
	size, err := writeParquet(tmp, func(w io.Writer) (err error) {
		rows, err = encode(w)
		return err
	}, tx.syncLater)
	if errors.Is(err, errNoRows) {
		return File{}, err
	}
	if err != nil {
		return File{}, fmt.Errorf("write %s %s: %w", table, partition, err)
	}
	f := File{Path: final, Partition: partition, Rows: rows, Bytes: size}
	tx.addStaged(table, tmp, f)
	return f, nil
}

// stageLink stages src, a file already staged for another table, as a file
// of table too, through a hard link: the same bytes under both tables'
// folders, written once.
func stageLink(tx *Tx, table, partition string, src File) (File, error) {
	tx.mu.Lock()
	var from string
	for _, s := range tx.staged {
		if s.file.Path == src.Path {
			from = s.tmp
		}
	}
	tx.mu.Unlock()
	if from == "" {
		return File{}, fmt.Errorf("link %s: not staged in this transaction", src.Path)
	}
	tmp, final := tx.newStagedPath(table, partition)
	if err := os.Link(from, tmp); err != nil {
		return File{}, err
	}
	f := File{Path: final, Partition: partition, Rows: src.Rows, Bytes: src.Bytes}
	tx.addStaged(table, tmp, f)
	return f, nil
}

// fileBuffers holds 1 MiB write buffers, reused from file to file.
var fileBuffers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 1<<20) }}

// encodeRows writes rows as a Parquet file to w.
func encodeRows[T any](w io.Writer, rows []T) error {
	pw := parquet.NewGenericWriter[T](w, writerOptions()...)
	for i := 0; i < len(rows); i += 8192 {
		if _, err := pw.Write(rows[i:min(i+8192, len(rows))]); err != nil {
			return err
		}
	}
	return pw.Close()
}

// writeParquet creates path and writes it with encode, then hands the open
// file to done, which makes it durable and closes it (see Tx.syncLater);
// nil done does both at once. It returns the file's size.
func writeParquet(path string, encode func(io.Writer) error, done func(*os.File)) (size int64, err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(path)
		}
	}()
	bw := fileBuffers.Get().(*bufio.Writer) // the writers write page by page
	bw.Reset(f)
	defer func() { bw.Reset(nil); fileBuffers.Put(bw) }()
	if err := encode(bw); err != nil {
		return 0, err
	}
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if done != nil {
		done(f)
		return st.Size(), nil
	}
	if err := f.Sync(); err != nil {
		return 0, err
	}
	return st.Size(), f.Close()
}

// readParquet reads every row of the files into a slice; a relative path is
// a committed file under root, an absolute one a staged file.
func readParquet[T any](root string, files []File) ([]T, error) {
	var out []T
	err := readBatches(root, files, func(rows []T) error {
		out = append(out, rows...)
		return nil
	})
	return out, err
}

// readBatches hands the rows of the files to fn a batch at a time; the
// batch is fn's until it returns. A relative path is a committed file under
// root, an absolute one a staged file.
func readBatches[T any](root string, files []File, fn func([]T) error) error {
	for _, fl := range files {
		path := fl.Path
		if !filepath.IsAbs(path) {
			path = filepath.Join(root, filepath.FromSlash(path))
		}
		if err := readFileBatches(path, fn); err != nil {
			return fmt.Errorf("read %s: %w", fl.Path, err)
		}
	}
	return nil
}

func readFileBatches[T any](path string, fn func([]T) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := parquet.NewGenericReader[T](f)
	defer r.Close()
	for {
		// Fresh elements each time: the reader may reuse slices it finds
		// in the destination, which would alias rows handed over before.
		batch := make([]T, 4096)
		n, err := r.Read(batch)
		if n > 0 {
			if ferr := fn(batch[:n]); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
