package pqwrite

import (
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/klauspost/compress/s2"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// pageBuf is the content of one column chunk as a column encodes it:
// levels, values and bounds, not yet assembled into pages.
type pageBuf struct {
	kind    kind
	entries int    // level entries: rows, or list elements and empty lists
	nulls   int    // entries without a value
	reps    []byte // repetition level of each entry, when kind.maxRep > 0
	defs    []byte // definition level of each entry, when kind.maxDef > 0
	values  []byte // PLAIN values
	idx     []uint32
	dict    dictionary

	// The bounds of the values so far, by physical type: ilo and ihi for
	// integers and booleans, flo and fhi for doubles (NaN left out), slo
	// and shi for strings (those of a dictionary come from its values).
	bounded  bool
	ilo, ihi int64
	flo, fhi float64
	slo, shi string
}

func (pg *pageBuf) reset(c kind) {
	*pg = pageBuf{kind: c, reps: pg.reps[:0], defs: pg.defs[:0], values: pg.values[:0], idx: pg.idx[:0], dict: pg.dict}
	pg.dict.reset()
}

// grow extends values by n bytes and returns them.
func (pg *pageBuf) grow(n int) []byte {
	l := len(pg.values)
	if cap(pg.values)-l < n {
		v := make([]byte, l, 2*cap(pg.values)+n)
		copy(v, pg.values)
		pg.values = v
	}
	pg.values = pg.values[:l+n]
	return pg.values[l:]
}

func (pg *pageBuf) appendString(s string) {
	pg.values = binary.LittleEndian.AppendUint32(pg.values, uint32(len(s)))
	pg.values = append(pg.values, s...)
}

func (pg *pageBuf) addInt(x int64) {
	if !pg.bounded {
		pg.ilo, pg.ihi, pg.bounded = x, x, true
	}
	pg.ilo, pg.ihi = min(pg.ilo, x), max(pg.ihi, x)
}

func (pg *pageBuf) addDouble(x float64) {
	if x != x {
		return
	}
	if !pg.bounded {
		pg.flo, pg.fhi, pg.bounded = x, x, true
	}
	pg.flo, pg.fhi = min(pg.flo, x), max(pg.fhi, x)
}

func (pg *pageBuf) addString(s string) {
	if !pg.bounded {
		pg.slo, pg.shi, pg.bounded = s, s, true
	}
	if s < pg.slo {
		pg.slo = s
	} else if s > pg.shi {
		pg.shi = s
	}
}

// statistics returns the chunk's null count and bounds, PLAIN encoded
// without a length prefix. A zero double bound is written as -0 for a min
// and +0 for a max, as the format asks.
func (pg *pageBuf) statistics() format.Statistics {
	st := format.Statistics{NullCount: int64(pg.nulls)}
	if pg.kind.dict {
		for _, s := range pg.dict.values {
			pg.addString(s)
		}
	}
	if !pg.bounded {
		return st
	}
	le := binary.LittleEndian
	switch pg.kind.phys {
	case format.Boolean:
		st.MinValue, st.MaxValue = []byte{byte(pg.ilo)}, []byte{byte(pg.ihi)}
	case format.Int32:
		st.MinValue, st.MaxValue = le.AppendUint32(nil, uint32(pg.ilo)), le.AppendUint32(nil, uint32(pg.ihi))
	case format.Int64:
		st.MinValue, st.MaxValue = le.AppendUint64(nil, uint64(pg.ilo)), le.AppendUint64(nil, uint64(pg.ihi))
	case format.Double:
		lo, hi := pg.flo, pg.fhi
		if lo == 0 {
			lo = math.Copysign(0, -1)
		}
		if hi == 0 {
			hi = 0
		}
		st.MinValue, st.MaxValue = le.AppendUint64(nil, math.Float64bits(lo)), le.AppendUint64(nil, math.Float64bits(hi))
	case format.ByteArray:
		st.MinValue, st.MaxValue = []byte(pg.slo), []byte(pg.shi)
	}
	return st
}

// dictionary maps the distinct strings of a column chunk to their indexes.
type dictionary struct {
	values  []string
	byValue map[string]uint32
	last    int // index of the last value looked up, the likeliest next one
}

func (d *dictionary) reset() {
	d.values, d.last = d.values[:0], 0
	clear(d.byValue)
}

// index returns the index of s, adding it when new. A few values are
// searched in turn, more through a map.
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
	if d.byValue == nil {
		d.byValue = map[string]uint32{}
	}
	if len(d.values) == 16 { // switching to the map
		for i, v := range d.values {
			d.byValue[v] = uint32(i)
		}
	}
	d.values = append(d.values, s)
	d.last = len(d.values) - 1
	if len(d.values) > 16 {
		d.byValue[s] = uint32(d.last)
	}
	return uint32(d.last)
}

// chunkEncoder assembles, compresses and writes the pages of column
// chunks, reusing its buffers from chunk to chunk.
type chunkEncoder struct {
	pages []pageBuf // one for each leaf column
	body  []byte
	comp  []byte
	proto thrift.CompactProtocol
}

// writeChunk writes the chunk held by pg at the writer's offset and
// returns its metadata.
func (e *chunkEncoder) writeChunk(w *countingWriter, path []string, pg *pageBuf) (format.ColumnChunk, error) {
	start := w.n
	md := format.ColumnMetaData{Type: pg.kind.phys, PathInSchema: path, Codec: format.Snappy, NumValues: int64(pg.entries)}
	if pg.kind.dict {
		md.DictionaryPageOffset = w.n
		e.body = e.body[:0]
		for _, s := range pg.dict.values {
			e.body = binary.LittleEndian.AppendUint32(e.body, uint32(len(s)))
			e.body = append(e.body, s...)
		}
		h := format.PageHeader{Type: format.DictionaryPage}
		h.DictionaryPageHeader.Set(format.DictionaryPageHeader{NumValues: int32(len(pg.dict.values)), Encoding: format.Plain})
		if err := e.writePage(w, &h, &md); err != nil {
			return format.ColumnChunk{}, err
		}
	}
	md.DataPageOffset = w.n
	e.body = e.body[:0]
	if pg.kind.maxRep > 0 {
		e.body = appendLevels(e.body, pg.reps, pg.kind.maxRep)
	}
	if pg.kind.maxDef > 0 {
		e.body = appendLevels(e.body, pg.defs, pg.kind.maxDef)
	}
	enc := format.Plain
	if pg.kind.dict {
		enc = format.RLEDictionary
		width := max(1, bits.Len(uint(len(pg.dict.values)-1)))
		e.body = append(e.body, byte(width))
		e.body = appendHybrid(e.body, pg.idx, width)
	} else {
		e.body = append(e.body, pg.values...)
	}
	h := format.PageHeader{Type: format.DataPage}
	h.DataPageHeader.Set(format.DataPageHeader{NumValues: int32(pg.entries), Encoding: enc,
		DefinitionLevelEncoding: format.RLE, RepetitionLevelEncoding: format.RLE})
	if err := e.writePage(w, &h, &md); err != nil {
		return format.ColumnChunk{}, err
	}
	md.Encoding = []format.Encoding{format.Plain}
	if pg.kind.maxRep > 0 || pg.kind.maxDef > 0 {
		md.Encoding = append(md.Encoding, format.RLE)
	}
	if pg.kind.dict {
		md.Encoding = append(md.Encoding, format.RLEDictionary)
	}
	md.Statistics = pg.statistics()
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
