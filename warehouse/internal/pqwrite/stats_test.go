package pqwrite

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// chunkStats are the statistics a column chunk should carry: bounds PLAIN
// encoded (strings without a length prefix), absent when it holds no
// value other than NaN.
type chunkStats struct {
	min, max []byte
	bounded  bool
	nulls    int64
}

// intStats returns the statistics of integers, PLAIN encoded by put.
func intStats[V int32 | int64](vs []V, put func(V) []byte) chunkStats {
	if len(vs) == 0 {
		return chunkStats{}
	}
	lo, hi := vs[0], vs[0]
	for _, v := range vs {
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	return chunkStats{min: put(lo), max: put(hi), bounded: true}
}

func put32(v int32) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(v)) }
func put64(v int64) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(v)) }

// doubleStats returns the statistics of doubles: NaN is left out, and a
// zero bound is -0 for the min and +0 for the max, as the format asks.
func doubleStats(vs []float64) chunkStats {
	var s chunkStats
	var lo, hi float64
	for _, v := range vs {
		switch {
		case math.IsNaN(v):
			continue
		case !s.bounded:
			lo, hi, s.bounded = v, v, true
		case v < lo:
			lo = v
		case v > hi:
			hi = v
		}
	}
	if !s.bounded {
		return s
	}
	if lo == 0 {
		lo = math.Copysign(0, -1)
	}
	if hi == 0 {
		hi = math.Copysign(0, 1)
	}
	s.min = binary.LittleEndian.AppendUint64(nil, math.Float64bits(lo))
	s.max = binary.LittleEndian.AppendUint64(nil, math.Float64bits(hi))
	return s
}

// stringStats returns the statistics of strings, compared bytewise.
func stringStats(vs []string) chunkStats {
	if len(vs) == 0 {
		return chunkStats{}
	}
	return chunkStats{min: []byte(slices.Min(vs)), max: []byte(slices.Max(vs)), bounded: true}
}

// boolStats returns the statistics of booleans: false before true, a byte each.
func boolStats(vs []bool) chunkStats {
	if len(vs) == 0 {
		return chunkStats{}
	}
	s := chunkStats{min: []byte{1}, max: []byte{0}, bounded: true}
	for _, v := range vs {
		if v {
			s.max = []byte{1}
		} else {
			s.min = []byte{0}
		}
	}
	return s
}

// wantStatistics returns the statistics of each column of rows, in schema
// order. Nulls are the level entries without a value: nil opts, and empty
// lists, as parquet-go and parquet-mr count them.
func wantStatistics(rows []row) []chunkStats {
	var (
		ids, ds, ls []string
		n32s, days  []int32
		n64s        []int64
		fs, opts    []float64
		bs          []bool
		nullOpts    int64
		emptyLists  int64
	)
	for _, r := range rows {
		ids, n32s, days, n64s = append(ids, r.ID), append(n32s, r.N32), append(days, r.Day), append(n64s, r.N64)
		fs, bs, ds = append(fs, r.F), append(bs, r.B), append(ds, r.D)
		if r.Opt == nil {
			nullOpts++
		} else {
			opts = append(opts, *r.Opt)
		}
		if len(r.L) == 0 {
			emptyLists++
		}
		ls = append(ls, r.L...)
	}
	opt, list := doubleStats(opts), stringStats(ls)
	opt.nulls, list.nulls = nullOpts, emptyLists
	return []chunkStats{stringStats(ids), intStats(n32s, put32), intStats(days, put32), intStats(n64s, put64),
		doubleStats(fs), opt, boolStats(bs), stringStats(ds), list}
}

// checkStatistics requires file to have rows in row groups of groupRows
// rows, each column chunk with the statistics of its rows.
func checkStatistics(t *testing.T, file []byte, rows []row, groupRows int) {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	md := f.Metadata()
	if md.NumRows != int64(len(rows)) {
		t.Errorf("groups of %d: footer has %d rows, want %d", groupRows, md.NumRows, len(rows))
	}
	if groupRows <= 0 {
		groupRows = max(len(rows), 1)
	}
	if want := (len(rows) + groupRows - 1) / groupRows; len(md.RowGroups) != want {
		t.Fatalf("groups of %d: %d row groups for %d rows, want %d", groupRows, len(md.RowGroups), len(rows), want)
	}
	for g, rg := range md.RowGroups {
		group := rows[g*groupRows : min((g+1)*groupRows, len(rows))]
		if rg.NumRows != int64(len(group)) {
			t.Errorf("groups of %d: row group %d has %d rows, want %d", groupRows, g, rg.NumRows, len(group))
		}
		want := wantStatistics(group)
		if len(rg.Columns) != len(want) {
			t.Fatalf("row group %d has %d columns, want %d", g, len(rg.Columns), len(want))
		}
		for c, cc := range rg.Columns {
			st, w := cc.MetaData.Statistics, want[c]
			name := strings.Join(cc.MetaData.PathInSchema, ".")
			if st.NullCount != w.nulls {
				t.Errorf("groups of %d: row group %d column %s: null count %d, want %d", groupRows, g, name, st.NullCount, w.nulls)
			}
			if (st.MinValue != nil) != w.bounded || (st.MaxValue != nil) != w.bounded ||
				!bytes.Equal(st.MinValue, w.min) || !bytes.Equal(st.MaxValue, w.max) {
				t.Errorf("groups of %d: row group %d column %s: min %x max %x, want min %x max %x (bounded %v)",
					groupRows, g, name, st.MinValue, st.MaxValue, w.min, w.max, w.bounded)
			}
		}
	}
}

// TestStatisticsFormat pins the bounds of doubles around zero, which a
// reader must not take for a range that leaves out the other zero.
func TestStatisticsFormat(t *testing.T) {
	neg := math.Copysign(0, -1)
	for _, c := range []struct {
		vals     []float64
		min, max float64
	}{
		{[]float64{0}, neg, 0},
		{[]float64{neg}, neg, 0},
		{[]float64{neg, 0, neg}, neg, 0},
		{[]float64{-1, 0}, -1, 0},
		{[]float64{neg, 1}, neg, 1},
		{[]float64{math.NaN(), 2, math.NaN()}, 2, 2},
	} {
		rows := make([]row, len(c.vals))
		for i, v := range c.vals {
			rows[i].F = v
		}
		file := write(t, rows, 0)
		f, err := parquet.OpenFile(bytes.NewReader(file), int64(len(file)))
		if err != nil {
			t.Fatal(err)
		}
		st := f.Metadata().RowGroups[0].Columns[4].MetaData.Statistics
		lo := math.Float64frombits(binary.LittleEndian.Uint64(st.MinValue))
		hi := math.Float64frombits(binary.LittleEndian.Uint64(st.MaxValue))
		if !sameFloat(lo, c.min) || !sameFloat(hi, c.max) {
			t.Errorf("%v: bounds %v %v (sign %v %v), want %v %v", c.vals, lo, hi, math.Signbit(lo), math.Signbit(hi), c.min, c.max)
		}
	}
}

// TestStringBounds checks the bounds of strings that share their first 8
// bytes, are shorter than 8, hold zero bytes or bytes from 0x80 on, in
// every order, against a plain bytewise comparison.
func TestStringBounds(t *testing.T) {
	vs := []string{"abcdefgh1", "abcdefgh0", "abcdefgh", "ab", "ab\x00", "ab\x00\x00", "", "\xff", "\xff\x00", "a", "abcdefgi", "abcdefg"}
	rng := rand.New(rand.NewPCG(37, 1))
	for range 200 {
		rng.Shuffle(len(vs), func(i, j int) { vs[i], vs[j] = vs[j], vs[i] })
		n := 1 + rng.IntN(len(vs))
		var plain []byte
		lo, hi := vs[0], vs[0]
		for _, v := range vs[:n] {
			plain = appendBytes4(plain, v)
			lo, hi = min(lo, v), max(hi, v)
		}
		st := statistics(kind{phys: format.ByteArray}, plain)
		if string(st.MinValue) != lo || string(st.MaxValue) != hi {
			t.Fatalf("%q: bounds %q and %q, want %q and %q", vs[:n], st.MinValue, st.MaxValue, lo, hi)
		}
	}
}

// appendBytes4 appends s PLAIN: its length in 4 bytes, then its bytes.
func appendBytes4(b []byte, s string) []byte {
	return append(binary.LittleEndian.AppendUint32(b, uint32(len(s))), s...)
}
