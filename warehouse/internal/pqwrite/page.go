package pqwrite

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"

	"github.com/klauspost/compress/s2"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// dictionary maps the distinct strings of a column to their indexes.
type dictionary struct {
	values  []string
	byValue map[string]uint32 // once there are more than a few values
	last    int               // index of the last value looked up, the likeliest next one
}

func (d *dictionary) reset() {
	d.values, d.last = d.values[:0], 0
	clear(d.byValue)
}

// index returns the index of s, adding a copy of it when new. A few values
// are searched in turn, more through a map.
func (d *dictionary) index(s string) uint32 {
	if d.last < len(d.values) && d.values[d.last] == s {
		return uint32(d.last)
	}
	if len(d.values) <= 16 {
		for i, v := range d.values {
			if v == s {
				d.last = i
				return uint32(i)
			}
		}
	} else if i, ok := d.byValue[s]; ok {
		d.last = int(i)
		return i
	}
	s = string([]byte(s)) // s may point into memory that is reused
	d.values = append(d.values, s)
	d.last = len(d.values) - 1
	if len(d.values) == 17 { // from now on through the map
		if d.byValue == nil {
			d.byValue = map[string]uint32{}
		}
		for i, v := range d.values {
			d.byValue[v] = uint32(i)
		}
	} else if len(d.values) > 17 {
		d.byValue[s] = uint32(d.last)
	}
	return uint32(d.last)
}

// remapTo adds the values of d to dst and returns, for each index of d,
// the index of the same value in dst.
func (d *dictionary) remapTo(dst *dictionary) []uint32 {
	if len(d.values) == 0 {
		return nil
	}
	m := make([]uint32, len(d.values))
	for i, v := range d.values {
		m[i] = dst.index(v)
	}
	return m
}

// chunkEncoder assembles, compresses and writes the pages of column
// chunks, reusing its buffers from chunk to chunk.
type chunkEncoder struct {
	body  []byte
	comp  []byte
	reps  []byte   // levels of the chunk's rows, gathered
	defs  []byte   // ...
	idx   []uint32 // dictionary indexes of the chunk's rows, gathered
	bools []byte   // booleans (a byte each) or doubles of the chunk's rows, gathered
	used  []bool
	group []run
	proto thrift.CompactProtocol
}

// writeChunk writes the rows in runs of column d, of a Columns of rows
// rows, as one column chunk at the writer's offset and returns its
// metadata.
func (e *chunkEncoder) writeChunk(w *countingWriter, path []string, d *colData, runs []run, rows int) (format.ColumnChunk, error) {
	k := d.kind
	start := w.n
	e.reps, e.defs, e.idx, e.bools = e.reps[:0], e.defs[:0], e.idx[:0], e.bools[:0]
	entries := 0
	for _, r := range runs {
		la, lb := d.levelRange(r.a, r.b, rows)
		if k.maxRep > 0 {
			e.reps = append(e.reps, d.reps[la:lb]...)
		}
		if k.maxDef > 0 {
			e.defs = append(e.defs, d.defs[la:lb]...)
		}
		if k.dict {
			e.idx = append(e.idx, d.idx[r.a:r.b]...)
		}
		entries += lb - la
	}
	md := format.ColumnMetaData{Type: k.phys, PathInSchema: path, Codec: format.Snappy, NumValues: int64(entries)}
	md.Encoding = []format.Encoding{format.Plain}
	if k.phys == format.Double {
		md.Encoding[0] = format.ByteStreamSplit
	}
	if k.maxDef > 0 {
		md.Encoding = append(md.Encoding, format.RLE)
	}
	if k.dict {
		md.Encoding = append(md.Encoding, format.RLEDictionary)
		md.DictionaryPageOffset = w.n
		e.body = e.body[:0]
		for _, s := range d.dict.values {
			e.body = binary.LittleEndian.AppendUint32(e.body, uint32(len(s)))
			e.body = append(e.body, s...)
		}
		h := format.PageHeader{Type: format.DictionaryPage}
		h.DictionaryPageHeader.Set(format.DictionaryPageHeader{NumValues: int32(len(d.dict.values)), Encoding: format.Plain})
		if err := e.writePage(w, &h, &md); err != nil {
			return format.ColumnChunk{}, err
		}
	}
	md.DataPageOffset = w.n
	e.body = e.body[:0]
	if k.maxRep > 0 {
		e.body = appendLevels(e.body, e.reps, k.maxRep)
	}
	nulls := 0
	if k.maxDef > 0 {
		e.body = appendLevels(e.body, e.defs, k.maxDef)
		for _, l := range e.defs {
			if int(l) < k.maxDef {
				nulls++
			}
		}
	}
	enc := format.Plain
	switch {
	case k.dict:
		enc = format.RLEDictionary
		width := max(1, bits.Len(uint(len(d.dict.values)-1)))
		e.body = append(e.body, byte(width))
		e.body = appendHybrid(e.body, e.idx, width)
		md.Statistics = e.dictStatistics(d)
	case k.phys == format.Boolean:
		for _, r := range runs {
			e.bools = append(e.bools, d.values[r.a:r.b]...)
		}
		// PLAIN booleans are bits, the first value in the lowest bit.
		at := len(e.body)
		e.body = append(e.body, make([]byte, (len(e.bools)+7)/8)...)
		for i, v := range e.bools {
			e.body[at+i/8] |= v << (i % 8)
		}
		md.Statistics = statistics(k, e.bools)
	case k.phys == format.Double:
		// BYTE_STREAM_SPLIT: the first bytes of every value, then the
		// second ones, and so on. Amounts in whole thousands have long
		// runs of equal bytes that way, which snappy compresses to a
		// third, and faster than the values side by side.
		enc = format.ByteStreamSplit
		e.bools = e.bools[:0] // the values, gathered
		for _, r := range runs {
			va, vb := d.valueRange(r.a, r.b, rows)
			e.bools = append(e.bools, d.values[va:vb]...)
		}
		md.Statistics = statistics(k, e.bools)
		e.body = appendSplit(e.body, e.bools)
	default:
		at := len(e.body)
		for _, r := range runs {
			va, vb := d.valueRange(r.a, r.b, rows)
			e.body = append(e.body, d.values[va:vb]...)
		}
		md.Statistics = statistics(k, e.body[at:])
	}
	md.Statistics.NullCount = int64(nulls)
	h := format.PageHeader{Type: format.DataPage}
	h.DataPageHeader.Set(format.DataPageHeader{NumValues: int32(entries), Encoding: enc,
		DefinitionLevelEncoding: format.RLE, RepetitionLevelEncoding: format.RLE})
	if err := e.writePage(w, &h, &md); err != nil {
		return format.ColumnChunk{}, err
	}
	return format.ColumnChunk{FileOffset: start, MetaData: md}, nil
}

// writePage compresses e.body and writes it with its header h, counting
// both in md's sizes.
func (e *chunkEncoder) writePage(w *countingWriter, h *format.PageHeader, md *format.ColumnMetaData) error {
	e.comp = s2.EncodeSnappy(e.comp[:cap(e.comp)], e.body)
	h.UncompressedPageSize, h.CompressedPageSize = int32(len(e.body)), int32(len(e.comp))
	hdr, err := thrift.Marshal(&e.proto, h)
	if err != nil {
		return err
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	if _, err := w.Write(e.comp); err != nil {
		return err
	}
	md.TotalUncompressedSize += int64(len(hdr) + len(e.body))
	md.TotalCompressedSize += int64(len(hdr) + len(e.comp))
	return nil
}

// dictStatistics returns the bounds of the values of d's dictionary that
// the gathered indexes e.idx use.
func (e *chunkEncoder) dictStatistics(d *colData) format.Statistics {
	e.used = append(e.used[:0], make([]bool, len(d.dict.values))...)
	for _, x := range e.idx {
		e.used[x] = true
	}
	var lo, hi string
	seen := false
	for i, u := range e.used {
		if !u {
			continue
		}
		v := d.dict.values[i]
		if !seen || v < lo {
			lo = v
		}
		if !seen || v > hi {
			hi = v
		}
		seen = true
	}
	if !seen {
		return format.Statistics{}
	}
	return format.Statistics{MinValue: []byte(lo), MaxValue: []byte(hi)}
}

// statistics returns the bounds of PLAIN values of kind k (booleans a byte
// each), encoded PLAIN without a length prefix. NaN is left out; a zero
// double bound is written as -0 for a min and +0 for a max, as the format
// asks.
func statistics(k kind, values []byte) format.Statistics {
	var st format.Statistics
	if len(values) == 0 {
		return st
	}
	le := binary.LittleEndian
	switch k.phys {
	case format.Boolean:
		lo, hi := byte(1), byte(0)
		for _, v := range values {
			lo, hi = min(lo, v), max(hi, v)
		}
		st.MinValue, st.MaxValue = []byte{lo}, []byte{hi}
	case format.Int32:
		lo, hi := int32(math.MaxInt32), int32(math.MinInt32)
		for i := 0; i < len(values); i += 4 {
			x := int32(le.Uint32(values[i:]))
			lo, hi = min(lo, x), max(hi, x)
		}
		st.MinValue, st.MaxValue = le.AppendUint32(nil, uint32(lo)), le.AppendUint32(nil, uint32(hi))
	case format.Int64:
		lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
		for i := 0; i < len(values); i += 8 {
			x := int64(le.Uint64(values[i:]))
			lo, hi = min(lo, x), max(hi, x)
		}
		st.MinValue, st.MaxValue = le.AppendUint64(nil, uint64(lo)), le.AppendUint64(nil, uint64(hi))
	case format.Double:
		// NaNs compare false, so they are left out; if all values are
		// NaN, lo stays above hi.
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := 0; i < len(values); i += 8 {
			x := math.Float64frombits(le.Uint64(values[i:]))
			if x < lo {
				lo = x
			}
			if x > hi {
				hi = x
			}
		}
		if lo > hi {
			return st
		}
		if lo == 0 {
			lo = math.Copysign(0, -1)
		}
		if hi == 0 {
			hi = 0
		}
		st.MinValue, st.MaxValue = le.AppendUint64(nil, math.Float64bits(lo)), le.AppendUint64(nil, math.Float64bits(hi))
	case format.ByteArray:
		var lo, hi []byte
		for i := 0; i+4 <= len(values); {
			n := int(le.Uint32(values[i:]))
			v := values[i+4 : i+4+n]
			if lo == nil || string(v) < string(lo) {
				lo = v
			}
			if hi == nil || string(v) > string(hi) {
				hi = v
			}
			i += 4 + n
		}
		st.MinValue, st.MaxValue = append([]byte{}, lo...), append([]byte{}, hi...)
	}
	return st
}

// appendSplit appends values, doubles, split into 8 streams: byte 0 of
// each value, then byte 1, and so on. Eight values at a time are one 8×8
// matrix of bytes, transposed in three rounds of block swaps, whose rows are
// then eight bytes of each stream.
func appendSplit(b, values []byte) []byte {
	n := len(values) / 8
	at := len(b)
	b = slices.Grow(b, len(values))[:at+len(values)] // every byte is written below
	out := b[at:]
	le := binary.LittleEndian
	i := 0
	const m4, m2, m1 = 0x00000000FFFFFFFF, 0x0000FFFF0000FFFF, 0x00FF00FF00FF00FF
	for ; i+8 <= n; i += 8 {
		v := values[8*i : 8*i+64]
		x0, x1, x2, x3 := le.Uint64(v[0:]), le.Uint64(v[8:]), le.Uint64(v[16:]), le.Uint64(v[24:])
		x4, x5, x6, x7 := le.Uint64(v[32:]), le.Uint64(v[40:]), le.Uint64(v[48:]), le.Uint64(v[56:])
		// Swap the blocks of 4, 2, then 1 bytes above the diagonal with
		// those below it.
		x0, x4 = x0&m4|x4<<32, x4&^m4|x0>>32
		x1, x5 = x1&m4|x5<<32, x5&^m4|x1>>32
		x2, x6 = x2&m4|x6<<32, x6&^m4|x2>>32
		x3, x7 = x3&m4|x7<<32, x7&^m4|x3>>32
		x0, x2 = x0&m2|x2<<16&^m2, x2&^m2|x0>>16&m2
		x1, x3 = x1&m2|x3<<16&^m2, x3&^m2|x1>>16&m2
		x4, x6 = x4&m2|x6<<16&^m2, x6&^m2|x4>>16&m2
		x5, x7 = x5&m2|x7<<16&^m2, x7&^m2|x5>>16&m2
		x0, x1 = x0&m1|x1<<8&^m1, x1&^m1|x0>>8&m1
		x2, x3 = x2&m1|x3<<8&^m1, x3&^m1|x2>>8&m1
		x4, x5 = x4&m1|x5<<8&^m1, x5&^m1|x4>>8&m1
		x6, x7 = x6&m1|x7<<8&^m1, x7&^m1|x6>>8&m1
		le.PutUint64(out[i:], x0)
		le.PutUint64(out[n+i:], x1)
		le.PutUint64(out[2*n+i:], x2)
		le.PutUint64(out[3*n+i:], x3)
		le.PutUint64(out[4*n+i:], x4)
		le.PutUint64(out[5*n+i:], x5)
		le.PutUint64(out[6*n+i:], x6)
		le.PutUint64(out[7*n+i:], x7)
	}
	for ; i < n; i++ {
		x := le.Uint64(values[8*i:])
		for r := range 8 {
			out[r*n+i] = byte(x >> (8 * r))
		}
	}
	return b
}

// appendLevels appends levels RLE-encoded with the 4-byte length prefix of
// data page v1.
func appendLevels(b []byte, levels []byte, maxLevel int) []byte {
	at := len(b)
	b = append(b, 0, 0, 0, 0)
	b = appendHybrid(b, levels, bits.Len(uint(maxLevel)))
	binary.LittleEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	return b
}

// appendHybrid appends vs in the RLE/bit-packing hybrid encoding with the
// given bit width: runs of eight equal values or more as RLE runs, the rest
// bit-packed in groups of eight (the last group padded with zeros). A run
// is looked for at the start of each group only, so that the bit-packed
// values before it are whole groups.
func appendHybrid[V byte | uint32](b []byte, vs []V, width int) []byte {
	rleBytes := (width + 7) / 8
	from := 0 // vs[from:i] wait to be bit-packed; a multiple of 8 long but at the end
	flushPacked := func(to int) {
		if to == from {
			return
		}
		groups := (to - from + 7) / 8
		b = binary.AppendUvarint(b, uint64(groups)<<1|1)
		var acc uint64
		n := 0
		for k := range groups * 8 {
			var v uint64
			if from+k < to {
				v = uint64(vs[from+k])
			}
			acc |= v << n
			n += width
			for n >= 8 {
				b = append(b, byte(acc))
				acc >>= 8
				n -= 8
			}
		}
	}
	i := 0
	for i < len(vs) {
		j := i + 1
		for j < len(vs) && vs[j] == vs[i] {
			j++
		}
		if j-i < 8 {
			// Too short a run: take values up to the end of the group.
			i = min(i+8, len(vs))
			continue
		}
		flushPacked(i)
		b = binary.AppendUvarint(b, uint64(j-i)<<1)
		v := uint64(vs[i])
		for range rleBytes {
			b = append(b, byte(v))
			v >>= 8
		}
		i, from = j, j
	}
	flushPacked(len(vs))
	return b
}
