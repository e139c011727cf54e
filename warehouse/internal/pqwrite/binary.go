package pqwrite

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/parquet-go/parquet-go/format"
)

// ErrCorrupt is returned by ReadBinary for bytes AppendBinary did not
// write.
var ErrCorrupt = errors.New("pqwrite: columns corrupt")

// AppendBinary appends the columns to b in a private, versionless form,
// for a scratch file that does not outlive the process: ReadBinary reads
// it back.
func (c *Columns) AppendBinary(b []byte) []byte {
	b = binary.AppendUvarint(b, uint64(c.rows))
	b = binary.AppendUvarint(b, uint64(len(c.cols)))
	for i := range c.cols {
		d := &c.cols[i]
		b = appendBytes(b, d.values)
		b = appendBytes(b, d.defs)
		b = appendBytes(b, d.reps)
		for _, u := range [...][]uint32{d.starts, d.lstart, d.idx} {
			b = binary.AppendUvarint(b, uint64(len(u)))
			for _, x := range u {
				b = binary.LittleEndian.AppendUint32(b, x)
			}
		}
		b = binary.AppendUvarint(b, uint64(len(d.dict.values)))
		for _, s := range d.dict.values {
			b = appendBytes(b, []byte(s))
		}
	}
	return b
}

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// ReadBinary appends to c the rows that AppendBinary wrote in b, for
// columns of the same table, and returns the bytes after them.
func (c *Columns) ReadBinary(b []byte) ([]byte, error) { return c.ReadBinaryReserve(b, 0) }

// ReadBinaryReserve is ReadBinary that first makes room in an empty c for
// reserve rows like those read (see Reserve), when that is more than those.
func (c *Columns) ReadBinaryReserve(b []byte, reserve int) ([]byte, error) {
	r := reader{b: b}
	rows := int(r.uvarint())
	if n := r.uvarint(); r.err == nil && n != uint64(len(c.cols)) {
		return nil, fmt.Errorf("%w: %d columns, not %d", ErrCorrupt, n, len(c.cols))
	}
	// The columns read share b's bytes; their offsets and indexes are kept
	// in c.read for the next call.
	if c.read == nil {
		c.read = &Columns{cols: make([]colData, len(c.cols))}
	}
	src := c.read
	src.rows = rows
	for i := range src.cols {
		d := &src.cols[i]
		d.kind = c.cols[i].kind
		d.values, d.defs, d.reps = r.bytes(), r.bytes(), r.bytes()
		d.starts, d.lstart, d.idx = r.uint32s(d.starts), r.uint32s(d.lstart), r.uint32s(d.idx)
		d.dict.values = d.dict.values[:0]
		for n := r.uvarint(); n > 0 && r.err == nil; n-- {
			d.dict.values = append(d.dict.values, string(r.bytes()))
		}
		if r.err == nil {
			r.err = d.check(rows)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if c.rows == 0 && reserve > src.rows {
		c.Reserve(src, reserve)
	}
	c.Append(src)
	for i := range src.cols { // let b go
		src.cols[i].values, src.cols[i].defs, src.cols[i].reps = nil, nil, nil
	}
	return r.b, nil
}

// check reports whether d is a consistent column of rows rows, so that
// reading it cannot go out of bounds, holding nothing but what the typed
// appends write, so that the file written holds the rows it reads as.
func (d *colData) check(rows int) error {
	k := d.kind
	bad := func() error { return fmt.Errorf("%w: a column does not hold %d rows", ErrCorrupt, rows) }
	switch {
	case k.dict:
		if len(d.idx) != rows {
			return bad()
		}
		for _, x := range d.idx {
			if int(x) >= len(d.dict.values) {
				return bad()
			}
		}
		return nil
	case k.width() > 0:
		// The values' length is all that tells their rows: rows times the
		// width could wrap around.
		if w := k.width(); len(d.values)%w != 0 || len(d.values)/w != rows {
			return bad()
		}
		if k.phys == format.Boolean {
			// A boolean is 0 or 1: another would set the next one's bit.
			for _, v := range d.values {
				if v > 1 {
					return bad()
				}
			}
		}
		return nil
	}
	if len(d.starts) != rows || k.maxDef > 0 && k.maxRep == 0 && len(d.defs) != rows ||
		k.maxRep > 0 && (len(d.lstart) != rows || len(d.reps) != len(d.defs)) {
		return bad()
	}
	// Walk the values row by row, as the writer and StringAt will.
	pos, lpos := 0, 0
	for r := range rows {
		if int(d.starts[r]) != pos {
			return bad()
		}
		entries := []byte{1} // a required value
		switch {
		case k.maxRep > 0:
			end := len(d.defs)
			if r+1 < rows {
				end = int(d.lstart[r+1])
			}
			if int(d.lstart[r]) != lpos || end <= lpos || end > len(d.defs) {
				return bad()
			}
			// A row's entries are at repetition level 0, then 1 (another
			// 0 would start a row); an empty list is a lone entry at
			// definition level 0.
			entries = d.defs[lpos:end]
			for j, rep := range d.reps[lpos:end] {
				if rep != byte(min(j, 1)) || len(entries) > 1 && entries[j] == 0 {
					return bad()
				}
			}
			lpos = end
		case k.maxDef > 0:
			entries = d.defs[r : r+1]
		}
		for _, def := range entries {
			switch {
			case def > 1: // the levels are 0 or 1, encoded in one bit
				return bad()
			case def == 0:
			case k.phys == format.Double:
				pos += 8
			case len(d.values)-pos >= 4:
				pos += 4 + int(binary.LittleEndian.Uint32(d.values[pos:]))
			default:
				return bad()
			}
			if pos > len(d.values) {
				return bad()
			}
		}
	}
	if pos != len(d.values) || k.maxRep > 0 && lpos != len(d.defs) {
		return bad()
	}
	return nil
}

// reader decodes what AppendBinary wrote; the first error sticks.
type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = ErrCorrupt
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil || uint64(len(r.b)) < n {
		r.err = ErrCorrupt
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// uint32s reads a list of uint32 into buf, reused.
func (r *reader) uint32s(buf []uint32) []uint32 {
	n := r.uvarint()
	if r.err != nil || uint64(len(r.b))/4 < n {
		r.err = ErrCorrupt
		return nil
	}
	v := slices.Grow(buf[:0], int(n))[:n]
	for i := range v {
		v[i] = binary.LittleEndian.Uint32(r.b[4*i:])
	}
	r.b = r.b[4*n:]
	return v
}
