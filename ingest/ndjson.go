package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"

	"github.com/npit-mn/ictstat"
)

// MaxLineBytes is the longest record line accepted; a longer line is handed
// on as a record too long to read, so that it can be quarantined.
const MaxLineBytes = 1 << 20

// bufSize holds a line of MaxLineBytes and its newline, so that only a line
// longer than MaxLineBytes overflows the buffer.
const bufSize = MaxLineBytes + 1

// maxChunkBytes bounds the data of one chunk, so that long lines cannot
// make a chunk overflow its int32 offsets or hold gigabytes in memory.
const maxChunkBytes = 64 << 20

// Chunk is a block of consecutive input lines.
type Chunk struct {
	Seq     int     // 0, 1, 2, ... in input order
	Data    []byte  // the lines, without their newlines
	Ends    []int32 // end offset in Data of each line
	Numbers []int64 // 1-based line number of each line in the input
	TooLong []int   // indexes of lines cut at MaxLineBytes
}

// Line returns the i-th line of the chunk.
func (c *Chunk) Line(i int) []byte {
	start := int32(0)
	if i > 0 {
		start = c.Ends[i-1]
	}
	return c.Data[start:c.Ends[i]]
}

// Len returns the number of lines in the chunk.
func (c *Chunk) Len() int { return len(c.Ends) }

// NDJSON reads newline-delimited JSON records from a plain, gzip or zstd
// stream, recognised by its first bytes. It refuses input that is not
// NDJSON at all (binary data, a truncated or corrupt compressed stream) with
// an *ictstat.InputError.
type NDJSON struct {
	name   string
	br     *bufio.Reader
	closer func()
	line   int64
	seq    int
	seen   bool // a non-blank line has been read
}

// OpenNDJSON starts reading r; name is used in error messages.
func OpenNDJSON(r io.Reader, name string) (*NDJSON, error) {
	br := bufio.NewReaderSize(r, bufSize)
	magic, err := br.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	n := &NDJSON{name: name, closer: func() {}}
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, &ictstat.InputError{File: name, Reason: "gzip header unreadable: " + err.Error()}
		}
		gz.Multistream(true)
		n.br = bufio.NewReaderSize(gz, bufSize)
	case bytes.Equal(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30))
		if err != nil {
			return nil, &ictstat.InputError{File: name, Reason: "zstd header unreadable: " + err.Error()}
		}
		n.br = bufio.NewReaderSize(zr, bufSize)
		n.closer = zr.Close
	default:
		n.br = br
	}
	return n, nil
}

// Close releases the decompressor.
func (n *NDJSON) Close() { n.closer() }

// Lines returns the number of lines read so far.
func (n *NDJSON) Lines() int64 { return n.line }

// Next returns up to maxLines further non-blank lines, or io.EOF at the end.
func (n *NDJSON) Next(maxLines int) (*Chunk, error) {
	return n.NextInto(nil, maxLines)
}

// NextInto is Next filling c's buffers, when c is not nil, instead of
// allocating new ones: a caller that is done with a chunk hands it back.
func (n *NDJSON) NextInto(c *Chunk, maxLines int) (*Chunk, error) {
	if c == nil {
		c = &Chunk{Data: make([]byte, 0, maxLines*512)}
	}
	c.Seq, c.Data, c.Ends, c.Numbers, c.TooLong = n.seq, c.Data[:0], c.Ends[:0], c.Numbers[:0], c.TooLong[:0]
	for len(c.Ends) < maxLines && len(c.Data) < maxChunkBytes {
		line, tooLong, err := n.readLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if n.line == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf")) // UTF-8 byte order mark
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if err := n.check(line); err != nil {
			return nil, err
		}
		if tooLong {
			c.TooLong = append(c.TooLong, len(c.Ends))
		}
		c.Data = append(c.Data, line...)
		c.Ends = append(c.Ends, int32(len(c.Data)))
		c.Numbers = append(c.Numbers, n.line)
	}
	if len(c.Ends) == 0 {
		return nil, io.EOF
	}
	n.seq++
	return c, nil
}

// check refuses a whole input that is not NDJSON: binary bytes anywhere, or
// a first record that is not a JSON object.
func (n *NDJSON) check(line []byte) error {
	if bytes.IndexByte(line, 0) >= 0 {
		return &ictstat.InputError{File: n.name, Line: n.line, Reason: "binary data (NUL byte): not an NDJSON file"}
	}
	if !n.seen {
		n.seen = true
		if line[0] != '{' {
			return &ictstat.InputError{File: n.name, Line: n.line, Reason: fmt.Sprintf("not NDJSON: the first record starts with %q, want a JSON object '{'", truncate(line, 20))}
		}
	}
	return nil
}

// readLine returns the next line without its newline; a line longer than
// MaxLineBytes is cut there and the rest skipped.
func (n *NDJSON) readLine() (line []byte, tooLong bool, err error) {
	n.line++
	line, err = n.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		// The full buffer holds more than MaxLineBytes: keep it, skip the
		// rest, unless it is binary (/dev/zero has no newline to skip to).
		if bytes.IndexByte(line, 0) >= 0 {
			return nil, false, &ictstat.InputError{File: n.name, Line: n.line, Reason: "binary data (NUL byte): not an NDJSON file"}
		}
		line = append([]byte(nil), line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = n.br.ReadSlice('\n')
		}
	}
	switch {
	case err == io.EOF && len(line) == 0:
		n.line--
		return nil, false, io.EOF
	case err != nil && err != io.EOF:
		return nil, false, &ictstat.InputError{File: n.name, Line: n.line, Reason: "input unreadable (truncated or corrupt compressed stream?): " + err.Error()}
	}
	// A last line without newline can fill the buffer exactly when the
	// reader returns its final bytes together with io.EOF.
	line = bytes.TrimSuffix(line, []byte("\n"))
	if len(line) > MaxLineBytes {
		return line[:MaxLineBytes], true, nil
	}
	return line, false, nil
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
