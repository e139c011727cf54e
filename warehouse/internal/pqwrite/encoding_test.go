package pqwrite

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAppendHybrid decodes appendHybrid's output with a decoder written
// from the format's description, for runs of every length around a group
// of eight at every offset and for every bit width.
func TestAppendHybrid(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for width := 1; width <= 32; width++ {
		for range 200 {
			var vs []uint32
			for len(vs) < 100 {
				v := uint32(rng.Uint64N(1 << width))
				n := 1 + rng.IntN(20)
				if rng.IntN(2) == 0 {
					n = 1
				}
				for range n {
					vs = append(vs, v)
				}
			}
			vs = vs[:rng.IntN(len(vs)+1)]
			b := appendHybrid(nil, vs, width)
			got, err := decodeHybrid(b, width, len(vs))
			if err != nil {
				t.Fatalf("width %d, %v: %v", width, vs, err)
			}
			if !slices.Equal(got, vs) {
				t.Fatalf("width %d: decoded %v, want %v", width, got, vs)
			}
		}
	}
}

// decodeHybrid decodes n values of the RLE/bit-packing hybrid encoding
// with the given bit width, and requires b to hold nothing more.
func decodeHybrid(b []byte, width, n int) ([]uint32, error) {
	var out []uint32
	for len(b) > 0 {
		h, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, errors.New("bad run header")
		}
		b = b[k:]
		if h&1 == 0 { // RLE run
			nb := (width + 7) / 8
			if len(b) < nb || h>>1 == 0 {
				return nil, fmt.Errorf("bad RLE run of %d", h>>1)
			}
			var v uint32
			for i := range nb {
				v |= uint32(b[i]) << (8 * i)
			}
			if width < 32 && v>>width != 0 {
				return nil, fmt.Errorf("RLE value %d wider than %d bits", v, width)
			}
			for range h >> 1 {
				out = append(out, v)
			}
			b = b[nb:]
			continue
		}
		count := int(h>>1) * 8
		nb := count * width / 8
		if count == 0 || len(b) < nb {
			return nil, fmt.Errorf("bad bit-packed run of %d values, %d bytes left", count, len(b))
		}
		for i := range count {
			var v uint64
			for k := range width {
				bit := i*width + k
				v |= uint64(b[bit/8]>>(bit%8)&1) << k
			}
			out = append(out, uint32(v))
		}
		b = b[nb:]
	}
	if len(out) < n {
		return nil, fmt.Errorf("%d values, want %d", len(out), n)
	}
	if len(out)-n >= 8 {
		return nil, fmt.Errorf("%d values, want %d and less than a group of padding", len(out), n)
	}
	for _, v := range out[n:] {
		if v != 0 {
			return nil, fmt.Errorf("padding %v is not zeros", out[n:])
		}
	}
	return out[:n], nil
}

// TestDictionary requires a dictionary to give each distinct string one
// index, the same every time, on either side of its switch to a map and
// after a reset.
func TestDictionary(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	var d dictionary
	for _, distinct := range []int{1, 2, 15, 16, 17, 18, 100, 1000, 16, 3} {
		d.reset()
		want := map[string]uint32{}
		for range 20 * distinct {
			s := dictValue(rng.IntN(distinct))
			if len(d.values) > 0 && rng.IntN(4) == 0 { // the value looked up last again
				s = d.values[d.last]
			}
			i := d.index(s)
			if j, ok := want[s]; ok && i != j {
				t.Fatalf("%d distinct: %q has index %d, was %d", distinct, s, i, j)
			}
			want[s] = i
			if int(i) >= len(d.values) || d.values[i] != s {
				t.Fatalf("%d distinct: index %d of %q is out of the dictionary or holds another value", distinct, i, s)
			}
		}
		if len(d.values) != len(want) {
			t.Fatalf("%d distinct: %d dictionary values for %d distinct strings", distinct, len(d.values), len(want))
		}
	}
}

// TestAppendSplit checks BYTE_STREAM_SPLIT against its definition, byte k
// of value i at k*n+i, for every count of values around the eight that are
// split at once, after bytes already in the buffer.
func TestAppendSplit(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 1))
	for n := range 42 {
		values := make([]byte, 8*n)
		for i := range values {
			values[i] = byte(rng.Uint32())
		}
		got := appendSplit([]byte("head"), values)
		if string(got[:4]) != "head" || len(got) != 4+len(values) {
			t.Fatalf("%d values: the bytes before changed, or %d bytes appended", n, len(got)-4)
		}
		for i := range n {
			for k := range 8 {
				if got[4+k*n+i] != values[8*i+k] {
					t.Fatalf("%d values: byte %d of value %d is %#x in its stream, want %#x", n, k, i, got[4+k*n+i], values[8*i+k])
				}
			}
		}
	}
}

// BenchmarkAppendSplit splits a row group's worth of doubles (32,768).
func BenchmarkAppendSplit(b *testing.B) {
	values := make([]byte, 8*32768)
	for i := range values {
		values[i] = byte(i * 7)
	}
	var buf []byte
	b.SetBytes(int64(len(values)))
	for b.Loop() {
		buf = appendSplit(buf[:0], values)
	}
}
