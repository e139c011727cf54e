package warehouse

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// flushPart hands a partition's held input to a background write to its
// scratch file, after the write before it, and lets it go. Reading goes
// on while it is written: the input is counted out of the bound at once,
// and at most one write runs, so the bound is passed by one partition's
// input at most.
func (m *FilingsMerge) flushPart(p string, sp *spillPart) error {
	if sp.held == 0 {
		return nil
	}
	if sp.path == "" {
		m.files++
		sp.path = filepath.Join(m.dir, fmt.Sprintf("%s-%d.bin", strings.NewReplacer("/", "_", "=", "").Replace(p), m.files))
	}
	if m.writing != nil {
		<-m.writing
	}
	if err := m.failed(); err != nil {
		return err
	}
	done, path, held := make(chan struct{}), sp.path, sp.pieces
	m.writing, sp.written = done, done
	m.tx.bg.Add(1)
	go func() {
		defer m.tx.bg.Done()
		defer close(done)
		if err := m.writeSpill(path, held); err != nil {
			m.fail(fmt.Errorf("spill %s: %w", p, err))
		}
	}()
	m.buffered -= sp.held
	m.spilled += sp.held
	sp.pieces, sp.held = nil, 0
	return nil
}

// writeSpill appends the pieces to the scratch file at path and gives them
// back to the pool.
func (m *FilingsMerge) writeSpill(path string, held []*partInput) error {
	defer func() {
		for _, in := range held {
			pieces.put(in)
		}
	}()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	for _, in := range held {
		if err == nil {
			m.scratch = appendRecord(m.scratch[:0], in)
			_, err = f.Write(m.scratch)
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// load returns the input of the segment in input order: what was spilled
// to its scratch file, then what is held in memory.
func (seg segment) load() (*partInput, error) {
	if seg.path == "" && len(seg.pieces) == 1 {
		return seg.pieces[0], nil // a partition fed by one batch
	}
	in := mergeInputs.get()
	defer func() { // the pieces not appended yet, on failure
		for _, p := range seg.pieces {
			if p != nil {
				pieces.put(p)
			}
		}
	}()
	fail := func(err error) (*partInput, error) {
		mergeInputs.put(in)
		return nil, fmt.Errorf("read spilled filings: %w", err)
	}
	if seg.path != "" {
		if err := in.readSpill(seg.path, seg.rows); err != nil {
			return fail(err)
		}
	}
	for i, p := range seg.pieces {
		in.reserveFor(p, seg.rows)
		in.append(p)
		pieces.put(p) // at once: the merge holds the partition once, not twice
		seg.pieces[i] = nil
	}
	if in.filings.Rows() != seg.rows {
		return fail(fmt.Errorf("%d of %d rows: %w", in.filings.Rows(), seg.rows, errSpillCorrupt))
	}
	return in, nil
}

// appendRecord appends in to b as a record of a scratch file: its length
// in 4 bytes, then what appendBinary writes.
func appendRecord(b []byte, in *partInput) []byte {
	at := len(b)
	b = in.appendBinary(append(b, 0, 0, 0, 0))
	binary.LittleEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	return b
}

// readSpill appends every record of the scratch file at path, one at a
// time through a reused buffer, and removes the file; the first record
// makes room in in for rows rows like its own.
func (in *partInput) readSpill(path string, rows int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer os.Remove(path)
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	buf := <-spillBufs
	defer func() { spillBufs <- buf }()
	for left := fi.Size(); left > 0; {
		var head [4]byte
		if _, err := io.ReadFull(f, head[:]); err != nil {
			return fmt.Errorf("%w: %w", errSpillCorrupt, err)
		}
		n := int64(binary.LittleEndian.Uint32(head[:]))
		if left -= 4 + n; left < 0 {
			return fmt.Errorf("%w: a record runs past the end", errSpillCorrupt)
		}
		buf = slices.Grow(buf[:0], int(n))[:n]
		if _, err := io.ReadFull(f, buf); err != nil {
			return err
		}
		rest, err := in.readBinary(buf, rows)
		if err != nil {
			return err
		}
		if len(rest) > 0 {
			return fmt.Errorf("%w: %d bytes after a record", errSpillCorrupt, len(rest))
		}
	}
	return nil
}

// spillBufs holds the buffers scratch files are read through, one per
// merge that may run at once (see mergeSlots).
var spillBufs = func() chan []byte {
	c := make(chan []byte, mergeSlots)
	for range mergeSlots {
		c <- nil
	}
	return c
}()

var errSpillCorrupt = errors.New("spilled filings corrupt")

// appendBinary appends the input to b for a scratch file.
func (in *partInput) appendBinary(b []byte) []byte {
	b = in.filings.AppendBinary(b)
	b = in.exports.AppendBinary(b)
	b = binary.AppendUvarint(b, uint64(len(in.parent)))
	for _, p := range in.parent {
		b = binary.AppendUvarint(b, uint64(p))
	}
	return b
}

// readBinary appends the input that appendBinary wrote at the start of b
// and returns the bytes after it. When in is empty, it first makes room for
// rows rows like those read.
func (in *partInput) readBinary(b []byte, rows int) ([]byte, error) {
	// Straight into in: on an error in is left half-appended, and the
	// merge that reads it fails.
	shift, from, exFrom := int32(in.filings.Rows()), in.filings.Rows(), in.exports.Rows()
	b, err := in.filings.ReadBinaryReserve(b, rows)
	if err == nil {
		b, err = in.exports.ReadBinary(b)
	}
	if err != nil {
		return nil, err
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n != uint64(in.exports.Rows()-exFrom) {
		return nil, errSpillCorrupt
	}
	b = b[k:]
	for range n {
		p, k := binary.Uvarint(b)
		if k <= 0 || p >= uint64(in.filings.Rows()-from) {
			return nil, errSpillCorrupt
		}
		in.parent, b = append(in.parent, int32(p)+shift), b[k:]
	}
	return b, nil
}
