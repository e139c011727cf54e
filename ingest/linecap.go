package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/npit-mn/ictstat"
)

// MaxCSVLineBytes is the longest line the CSV readers (exchange rates,
// Kobo survey exports, SDMX-CSV) accept: far above any real row, and low
// enough that one line cannot exhaust memory. A longer line refuses the
// file with an *ictstat.InputError naming the line and the limit.
const MaxCSVLineBytes = 1 << 20

// MaxJSONDocumentBytes is the largest JSON document a file reader reads
// whole (a Kobo JSON export, a JSON-stat table): a file beyond it is
// refused with an *ictstat.InputError naming the limit.
const MaxJSONDocumentBytes = 64 << 20

// lineCap passes its reader's bytes through until a line runs past max
// bytes, then fails with an *ictstat.InputError.
type lineCap struct {
	r    io.Reader
	name string
	max  int
	run  int   // bytes since the last newline
	line int64 // 1-based number of the current line
	err  error
}

// capLines returns r, failing once a line is longer than max bytes.
func capLines(r io.Reader, name string, max int) io.Reader {
	return &lineCap{r: r, name: name, max: max, line: 1}
}

func (c *lineCap) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	b := p[:n]
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			c.run += len(b)
			break
		}
		if c.run+i > c.max {
			c.run += i
			break
		}
		c.run, c.line, b = 0, c.line+1, b[i+1:]
	}
	if c.run > c.max {
		c.err = &ictstat.InputError{File: c.name, Line: c.line, Reason: fmt.Sprintf("line longer than %d bytes, the most a line may hold: not a CSV of this source", c.max)}
		return 0, c.err
	}
	return n, err
}

// ReadDocument reads r whole, refusing more than max bytes with an
// *ictstat.InputError naming the limit (see MaxJSONDocumentBytes).
func ReadDocument(r io.Reader, name string, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(data)) > max {
		return nil, &ictstat.InputError{File: name, Reason: fmt.Sprintf("larger than %d bytes, the most this reader takes in one document", max)}
	}
	return data, nil
}

// asInputError returns err's *ictstat.InputError when it holds one.
func asInputError(err error) (*ictstat.InputError, bool) {
	var ie *ictstat.InputError
	ok := errors.As(err, &ie)
	return ie, ok
}
