package ingest_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/ingest"
)

const bom = "\xef\xbb\xbf"

func gzipBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zstdBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := zstd.NewWriter(&b, zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// chunk is a Chunk in a form that compares and prints well.
type chunk struct {
	Seq     int
	Lines   []string
	Numbers []int64
	TooLong []int
}

func summarize(c *ingest.Chunk) chunk {
	s := chunk{Seq: c.Seq, Numbers: c.Numbers, TooLong: c.TooLong}
	for i := range c.Len() {
		s.Lines = append(s.Lines, string(c.Line(i)))
	}
	if len(c.Numbers) != c.Len() {
		panic(fmt.Sprintf("chunk %d: %d numbers for %d lines", c.Seq, len(c.Numbers), c.Len()))
	}
	return s
}

// readAll reads data to the end in chunks of maxLines lines. The error is
// the first one other than io.EOF.
func readAll(t testing.TB, data []byte, maxLines int) ([]chunk, *ingest.NDJSON, error) {
	t.Helper()
	nd, err := ingest.OpenNDJSON(bytes.NewReader(data), "in.ndjson")
	if err != nil {
		return nil, nil, err
	}
	t.Cleanup(nd.Close)
	var out []chunk
	for {
		c, err := nd.Next(maxLines)
		if err == io.EOF {
			return out, nd, nil
		}
		if err != nil {
			return out, nd, err
		}
		if c == nil {
			t.Fatalf("Next: got nil chunk and nil error, want a chunk or an error")
		}
		out = append(out, summarize(c))
	}
}

// mustInputError checks that err is an *ictstat.InputError that matches
// ErrBadInput and names the input, and returns it.
func mustInputError(t *testing.T, err error) *ictstat.InputError {
	t.Helper()
	if err == nil {
		t.Fatal("got no error, want an *ictstat.InputError")
	}
	var ie *ictstat.InputError
	if !errors.As(err, &ie) {
		t.Fatalf("got %T (%v), want an *ictstat.InputError", err, err)
	}
	if !errors.Is(err, ictstat.ErrBadInput) {
		t.Errorf("errors.Is(%v, ErrBadInput) = false, want true", err)
	}
	if ie.File != "in.ndjson" {
		t.Errorf("got File %q, want %q", ie.File, "in.ndjson")
	}
	if ie.Reason == "" {
		t.Error("got empty Reason, want one")
	}
	return ie
}

func TestNDJSONCompressions(t *testing.T) {
	plain := []byte(bom + "{\"a\":1}\n\n  {\"b\":2}  \r\n\r\n\t\n{\"c\":\"x\\ny\"}\r\n{\"d\":4}")
	want := []chunk{
		{Seq: 0, Lines: []string{`{"a":1}`, `{"b":2}`}, Numbers: []int64{1, 3}},
		{Seq: 1, Lines: []string{`{"c":"x\ny"}`, `{"d":4}`}, Numbers: []int64{6, 7}},
	}
	half := bytes.Index(plain, []byte(`{"b"`)) + 2 // split a record between two gzip members
	inputs := []struct {
		name string
		data []byte
	}{
		{"plain", plain},
		{"gzip", gzipBytes(t, plain)},
		{"gzip multistream", append(gzipBytes(t, plain[:half]), gzipBytes(t, plain[half:])...)},
		{"zstd", zstdBytes(t, plain)},
		{"zstd two frames", append(zstdBytes(t, plain[:half]), zstdBytes(t, plain[half:])...)},
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			got, nd, err := readAll(t, in.data, 2)
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got chunks\n%+v\nwant\n%+v", got, want)
			}
			if n := nd.Lines(); n != 7 {
				t.Errorf("got Lines() %d, want 7", n)
			}
		})
	}
}

func TestNDJSONLines(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		lines   []string
		numbers []int64
		read    int64 // Lines() at the end
	}{
		{"one record", "{}\n", []string{"{}"}, []int64{1}, 1},
		{"no final newline", "{}\n{\"a\":1}", []string{"{}", `{"a":1}`}, []int64{1, 2}, 2},
		{"blank lines skipped, numbers kept", "\n\n{}\n\n\n{}\n\n", []string{"{}", "{}"}, []int64{3, 6}, 7},
		{"CRLF", "{\"a\":1}\r\n\r\n{\"b\":2}\r\n", []string{`{"a":1}`, `{"b":2}`}, []int64{1, 3}, 3},
		{"whitespace around records", " \t{} \t\r\n   \n\v{}\f\n", []string{"{}", "{}"}, []int64{1, 3}, 3},
		{"CR inside a line kept", "{\"a\":\"x\ry\"}\n", []string{"{\"a\":\"x\ry\"}"}, []int64{1}, 1},
		{"byte order mark removed", bom + "{\"a\":1}\n{}\n", []string{`{"a":1}`, "{}"}, []int64{1, 2}, 2},
		{"byte order mark on a blank first line", bom + "\r\n{}\n", []string{"{}"}, []int64{2}, 2},
		{"later records handed on whatever they hold", "{}\n[1]\nnot json\n\"x\"\n", []string{"{}", "[1]", "not json", `"x"`}, []int64{1, 2, 3, 4}, 4},
		{"empty", "", nil, nil, 0},
		{"blank lines only", "\n \n\r\n\t\n", nil, nil, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, nd, err := readAll(t, []byte(tt.in), 100)
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			var lines []string
			var numbers []int64
			for _, c := range got {
				lines = append(lines, c.Lines...)
				numbers = append(numbers, c.Numbers...)
			}
			if !reflect.DeepEqual(lines, tt.lines) {
				t.Errorf("got lines %q, want %q", lines, tt.lines)
			}
			if !reflect.DeepEqual(numbers, tt.numbers) {
				t.Errorf("got numbers %v, want %v", numbers, tt.numbers)
			}
			if n := nd.Lines(); n != tt.read {
				t.Errorf("got Lines() %d, want %d", n, tt.read)
			}
		})
	}
}

func TestNDJSONChunks(t *testing.T) {
	nd, err := ingest.OpenNDJSON(strings.NewReader("{}\n{}\n\n{}\n{}\n{}\n"), "in.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer nd.Close()
	want := []struct {
		seq     int
		numbers []int64
	}{{0, []int64{1, 2}}, {1, []int64{4, 5}}, {2, []int64{6}}}
	for _, w := range want {
		c, err := nd.Next(2)
		if err != nil {
			t.Fatalf("chunk %d: got error %v, want nil", w.seq, err)
		}
		if c.Seq != w.seq || !reflect.DeepEqual(c.Numbers, w.numbers) {
			t.Errorf("got chunk %d with lines %v, want chunk %d with lines %v", c.Seq, c.Numbers, w.seq, w.numbers)
		}
	}
	for i := range 2 {
		if c, err := nd.Next(2); c != nil || err != io.EOF {
			t.Errorf("call %d after the end: got %v, %v, want nil, io.EOF", i+1, c, err)
		}
	}
}

func TestNDJSONTooLong(t *testing.T) {
	tests := []struct {
		name    string
		length  int  // bytes of the long record, without its newline
		final   bool // the long record is the last line, without a newline
		tooLong bool
	}{
		{"one byte under the limit", ingest.MaxLineBytes - 1, false, false},
		{"at the limit", ingest.MaxLineBytes, false, false},
		{"one byte over the limit", ingest.MaxLineBytes + 1, false, true},
		{"three times the limit", 3*ingest.MaxLineBytes + 5, false, true},
		{"at the limit, last line", ingest.MaxLineBytes, true, false},
		{"over the limit, last line", ingest.MaxLineBytes + 1, true, true},
	}
	for _, tt := range tests {
		long := append(append([]byte(`{"x":"`), bytes.Repeat([]byte("a"), tt.length-8)...), `"}`...)
		var in bytes.Buffer
		in.WriteString("{\"a\":1}\n\n")
		in.Write(long)
		if !tt.final {
			in.WriteString("\n{\"c\":3}\n")
		}
		wantNumbers := []int64{1, 3}
		if !tt.final {
			wantNumbers = append(wantNumbers, 4)
		}
		for _, enc := range []struct {
			name string
			f    func(testing.TB, []byte) []byte
		}{
			{"plain", func(_ testing.TB, b []byte) []byte { return b }},
			{"gzip", gzipBytes},
			{"zstd", zstdBytes},
		} {
			t.Run(tt.name+"/"+enc.name, func(t *testing.T) {
				got, _, err := readAll(t, enc.f(t, in.Bytes()), 100)
				if err != nil {
					t.Fatalf("got error %v, want nil", err)
				}
				if len(got) != 1 {
					t.Fatalf("got %d chunks, want 1", len(got))
				}
				c := got[0]
				if !reflect.DeepEqual(c.Numbers, wantNumbers) {
					t.Errorf("got numbers %v, want %v", c.Numbers, wantNumbers)
				}
				var wantTooLong []int
				if tt.tooLong {
					wantTooLong = []int{1}
				}
				if !reflect.DeepEqual(c.TooLong, wantTooLong) {
					t.Errorf("got TooLong %v, want %v", c.TooLong, wantTooLong)
				}
				wantLong := long[:min(len(long), ingest.MaxLineBytes)]
				if c.Lines[1] != string(wantLong) {
					t.Errorf("got long line of %d bytes, want its first %d bytes", len(c.Lines[1]), len(wantLong))
				}
				if c.Lines[0] != `{"a":1}` || (!tt.final && c.Lines[2] != `{"c":3}`) {
					t.Errorf("got lines around the long one %q, %q, want {\"a\":1}, {\"c\":3}", c.Lines[0], c.Lines[len(c.Lines)-1])
				}
			})
		}
	}
}

// TestNDJSONChunkBytes checks that long lines end a chunk early rather than
// piling up gigabytes (and overflowing the int32 offsets) in one chunk.
func TestNDJSONChunkBytes(t *testing.T) {
	const lines = 80
	line := append(bytes.Repeat([]byte("a"), ingest.MaxLineBytes), '\n')
	line[0] = '{'
	readers := make([]io.Reader, lines)
	for i := range readers {
		readers[i] = bytes.NewReader(line)
	}
	nd, err := ingest.OpenNDJSON(io.MultiReader(readers...), "in.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer nd.Close()
	var next int64 = 1
	chunks := 0
	for {
		c, err := nd.Next(10_000)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("got error %v, want nil", err)
		}
		chunks++
		if len(c.Data) > 65<<20 {
			t.Errorf("chunk %d: got %d bytes, want at most 65 MiB", c.Seq, len(c.Data))
		}
		for i, n := range c.Numbers {
			if n != next || c.Len() != len(c.Numbers) || len(c.Line(i)) != ingest.MaxLineBytes {
				t.Fatalf("chunk %d line %d: got number %d (%d bytes), want %d (%d bytes)", c.Seq, i, n, len(c.Line(i)), next, ingest.MaxLineBytes)
			}
			next++
		}
	}
	if next-1 != lines || chunks < 2 {
		t.Errorf("got %d lines in %d chunks, want %d lines in 2 or more", next-1, chunks, lines)
	}
}

// manyLines returns n short records, enough to fill several compressed
// blocks.
func manyLines(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "{\"filing_id\":\"VZ-%07d\",\"revision\":%d}\n", i*7919%10_000_000, i%5+1)
	}
	return b.Bytes()
}

func TestNDJSONCorrupt(t *testing.T) {
	data := manyLines(20_000)
	gz := gzipBytes(t, data)
	zs := zstdBytes(t, data)
	badCRC := bytes.Clone(gz)
	badCRC[len(badCRC)-8] ^= 0xff // CRC-32 in the gzip trailer
	tests := []struct {
		name string
		in   []byte
	}{
		{"gzip truncated in the middle", gz[:len(gz)/2]},
		{"gzip truncated before the trailer", gz[:len(gz)-4]},
		{"gzip bad checksum", badCRC},
		{"gzip header only", gz[:5]},
		{"gzip with trailing garbage", append(bytes.Clone(gz), "garbage"...)},
		{"zstd truncated in the middle", zs[:len(zs)/2]},
		{"zstd truncated at the end", zs[:len(zs)-3]},
		{"zstd magic then garbage", append([]byte{0x28, 0xb5, 0x2f, 0xfd}, bytes.Repeat([]byte{0xaa}, 64)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readAll(t, tt.in, 1000)
			mustInputError(t, err)
		})
	}
}

func TestNDJSONRefused(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		line int64
		says string // part of the reason
	}{
		{"NUL in the first record", []byte("{\"a\":\"\x00\"}\n"), 1, "NUL"},
		{"NUL in a later record", []byte("{}\n\n{\"a\":\"\x00\"}\n{}\n"), 3, "NUL"},
		{"NUL beyond the first chunk", append(manyLines(5000), "{\x00}\n"...), 5001, "NUL"},
		{"PNG image", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), 1, "first record"},
		{"UTF-16 text", []byte("\xff\xfe{\x00}\x00\n\x00"), 1, "NUL"},
		{"first record not an object", []byte("hello\n{}\n"), 1, "first record"},
		{"first record an array after blank lines", []byte("\n\r\n[{}]\n"), 3, "first record"},
		{"CSV", []byte("DATAFLOW,FREQ,REF_AREA\nBOM:ICT_SERV(1.0),Q,MN\n"), 1, "first record"},
		{"byte order mark then text", []byte(bom + "x\n"), 1, "first record"},
		{"two byte order marks", []byte(bom + bom + "{}\n"), 1, "first record"},
		{"gzip of text", gzipBytes(t, []byte("\n<html>\n")), 2, "first record"},
		{"zstd of binary", zstdBytes(t, []byte("{}\n\x00\x01\x02\n")), 2, "NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readAll(t, tt.in, 1000)
			e := mustInputError(t, err)
			if e.Line != tt.line {
				t.Errorf("got Line %d, want %d (%v)", e.Line, tt.line, e)
			}
			if !strings.Contains(e.Reason, tt.says) {
				t.Errorf("got Reason %q, want it to contain %q", e.Reason, tt.says)
			}
		})
	}
}

func TestNDJSONEmpty(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"nothing", nil},
		{"blank lines", []byte("\n\n  \r\n")},
		{"byte order mark only", []byte(bom)},
		{"gzip of nothing", gzipBytes(t, nil)},
		{"zstd of nothing", zstdBytes(t, nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nd, err := ingest.OpenNDJSON(bytes.NewReader(tt.in), "in.ndjson")
			if err != nil {
				t.Fatalf("OpenNDJSON: got error %v, want nil", err)
			}
			defer nd.Close()
			if c, err := nd.Next(10); c != nil || err != io.EOF {
				t.Errorf("got %v, %v, want nil, io.EOF", c, err)
			}
		})
	}
}

// FuzzNDJSON feeds arbitrary bytes, plain or compressed as the first byte
// says, and compares what comes out with a plain reading of the lines.
func FuzzNDJSON(f *testing.F) {
	f.Add(byte(0), byte(2), []byte("{\"a\":1}\n\n{\"b\":2}\r\n"))
	f.Add(byte(1), byte(1), []byte("{}\n{}\n{}"))
	f.Add(byte(2), byte(3), []byte(bom+"{}\r\n \n{\"x\":\"\xff\"}\n"))
	f.Add(byte(0), byte(0), []byte("\x00\x01\x02"))
	f.Add(byte(0), byte(1), []byte("\n\n[1]\n"))
	f.Add(byte(0), byte(4), []byte{0x1f, 0x8b, 0x08, 0x00})
	f.Add(byte(0), byte(4), []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00})
	f.Add(byte(1), byte(7), []byte("{\"a\":1}\n\u0085{}\u00a0\n"))
	zenc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1)) // one encoder: a new one per input is slow
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { zenc.Close() })
	f.Fuzz(func(t *testing.T, mode, maxLines byte, raw []byte) {
		in := raw
		switch mode % 4 {
		case 1:
			in = gzipBytes(t, raw)
		case 2:
			in = zenc.EncodeAll(raw, nil)
		case 3: // a compressed stream cut short
			in = gzipBytes(t, raw)
			in = in[:len(in)-1-int(maxLines)%(len(in)-2)] // keep at least the magic bytes
		}
		chunks, _, err := readAll(t, in, int(maxLines%16)+1)
		var got []string
		var numbers []int64
		last := int64(0)
		for i, c := range chunks {
			if c.Seq != i {
				t.Errorf("got chunk Seq %d, want %d", c.Seq, i)
			}
			if len(c.Lines) == 0 || len(c.Lines) > int(maxLines%16)+1 {
				t.Errorf("chunk %d: got %d lines, want 1 to %d", i, len(c.Lines), maxLines%16+1)
			}
			for j, line := range c.Lines {
				if strings.ContainsRune(line, '\n') {
					t.Errorf("got line %q with a newline", line)
				}
				if c.Numbers[j] <= last {
					t.Errorf("got line number %d after %d, want increasing", c.Numbers[j], last)
				}
				last = c.Numbers[j]
			}
			got = append(got, c.Lines...)
			numbers = append(numbers, c.Numbers...)
		}
		if n := bytes.Count(raw, []byte("\n")) + 1; len(got) > n || int(last) > n {
			t.Errorf("got %d lines up to number %d from %d newlines", len(got), last, n-1)
		}
		if mode%4 == 3 {
			mustInputError(t, err)
			return
		}
		if len(raw) > ingest.MaxLineBytes {
			return // the reference below does not cut long lines
		}
		if mode%4 == 0 && (bytes.HasPrefix(raw, []byte{0x1f, 0x8b}) || bytes.HasPrefix(raw, []byte{0x28, 0xb5, 0x2f, 0xfd})) {
			if err != nil {
				mustInputError(t, err) // read as a compressed stream
			}
			return
		}

		// Reference: split on '\n', drop the byte order mark of line 1,
		// trim, skip blank lines; refuse NUL bytes and a first record that
		// is not an object.
		var want []string
		var wantNumbers []int64
		var wantErrLine int64
		for i, l := range bytes.Split(raw, []byte("\n")) {
			if i == 0 {
				l = bytes.TrimPrefix(l, []byte(bom))
			}
			l = bytes.TrimSpace(l)
			if len(l) == 0 {
				continue
			}
			if bytes.IndexByte(l, 0) >= 0 || (len(want) == 0 && l[0] != '{') {
				wantErrLine = int64(i + 1)
				break
			}
			want = append(want, string(l))
			wantNumbers = append(wantNumbers, int64(i+1))
		}
		if wantErrLine > 0 {
			e := mustInputError(t, err)
			if e.Line != wantErrLine {
				t.Errorf("got error on line %d, want line %d: %v", e.Line, wantErrLine, e)
			}
			return
		}
		if err != nil {
			t.Fatalf("got error %v, want nil", err)
		}
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(numbers, wantNumbers) {
			t.Errorf("got lines %q at %v, want %q at %v", got, numbers, want, wantNumbers)
		}
	})
}

// zeros is an endless stream of NUL bytes, as /dev/zero is, that counts
// what was read from it.
type zeros struct{ read int64 }

func (z *zeros) Read(p []byte) (int, error) {
	clear(p)
	z.read += int64(len(p))
	return len(p), nil
}

// TestNDJSONEndlessBinary checks that a binary input without any newline
// (ictstat ingest filings --file /dev/zero) is refused after its first
// line's worth of bytes instead of being read for ever.
func TestNDJSONEndlessBinary(t *testing.T) {
	z := &zeros{}
	nd, err := ingest.OpenNDJSON(z, "in.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer nd.Close()
	for z.read < 64<<20 {
		if _, err = nd.Next(1000); err != nil {
			break
		}
	}
	e := mustInputError(t, err)
	if !strings.Contains(e.Reason, "NUL") || e.Line != 1 {
		t.Errorf("got %v, want line 1 refused as binary", e)
	}
	if z.read > 4<<20 {
		t.Errorf("read %d bytes before refusing, want about one line's worth (%d)", z.read, ingest.MaxLineBytes)
	}
}
