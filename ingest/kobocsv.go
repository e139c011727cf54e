package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/npit-mn/ictstat"
)

// koboMeta reports whether a `_` column is Kobo metadata that a Submission
// keeps; the other `_` columns (_status, _validation_status, _notes,
// _submitted_by, __version__, ...) are dropped.
func koboMeta(name string) bool {
	switch name {
	case ictstat.KoboID, ictstat.KoboUUID, ictstat.KoboSubmissionTime, ictstat.KoboIndex:
		return true
	}
	return false
}

// koboKeep reports whether a field of a Kobo record is kept.
func koboKeep(name string) bool { return !strings.HasPrefix(name, "_") || koboMeta(name) }

// ReadKoboCSV reads a KoboToolbox CSV export ("XML values and headers",
// group names included): the first row holds the field paths
// (`group_company/employees`), the delimiter is `;` or `,` (the one the
// header row uses most, outside quotes), a UTF-8 BOM is dropped and text
// must be UTF-8 (Mongolian Cyrillic is kept as it is). Multi-select
// questions may come as their space-separated column, as 0/1 columns per
// choice (`barriers/finance`), or both: the columns are passed on as they
// are, and the survey transform reconciles them.
//
// A record whose number of columns differs from the header comes back in
// bad; a file that is not such a CSV (no `_uuid` column, a duplicate or
// empty column name, broken quoting, text that is not UTF-8) is refused
// with an *ictstat.InputError naming the line and column.
func ReadKoboCSV(r io.Reader, name string) (subs []ictstat.Submission, bad []ictstat.Quarantined, err error) {
	br := bufio.NewReaderSize(capLines(r, name, MaxCSVLineBytes), 256<<10)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\ufeff")) {
		br.Discard(3)
	}
	head, err := br.ReadSlice('\n')
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, nil, &ictstat.InputError{File: name, Line: 1, Reason: "cannot read the header row: " + err.Error()}
	}
	head = append([]byte(nil), head...)
	if len(bytes.TrimSpace(head)) == 0 {
		return nil, nil, &ictstat.InputError{File: name, Line: 1, Reason: "empty file: want a header row of field paths (_uuid, group/question, ...)"}
	}
	cr := csv.NewReader(io.MultiReader(bytes.NewReader(head), br))
	cr.Comma = koboDelimiter(head)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, nil, csvInputError(name, err)
	}
	cols := make([]string, len(header))
	seen := make(map[string]int, len(header))
	hasUUID := false
	for i, h := range header {
		h = strings.TrimSpace(h)
		switch {
		case !utf8.ValidString(h):
			return nil, nil, &ictstat.InputError{File: name, Line: 1, Field: fmt.Sprintf("column %d", i+1), Reason: "the header is not UTF-8: export the CSV as UTF-8"}
		case h == "":
			return nil, nil, &ictstat.InputError{File: name, Line: 1, Field: fmt.Sprintf("column %d", i+1), Reason: "empty column name in the header row"}
		case seen[h] > 0:
			return nil, nil, &ictstat.InputError{File: name, Line: 1, Field: clipText(h), Reason: fmt.Sprintf("column %d repeats the name of column %d", i+1, seen[h])}
		}
		seen[h] = i + 1
		hasUUID = hasUUID || h == ictstat.KoboUUID
		if koboKeep(h) {
			cols[i] = h
		}
	}
	if !hasUUID {
		return nil, nil, &ictstat.InputError{File: name, Line: 1, Field: ictstat.KoboUUID,
			Reason: "no _uuid column: export the CSV with its metadata columns (_id, _uuid, _submission_time, _index)"}
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return subs, bad, nil
		}
		if err != nil {
			return nil, nil, csvInputError(name, err)
		}
		line, _ := cr.FieldPos(0)
		for i, v := range rec {
			if !utf8.ValidString(v) {
				_, col := cr.FieldPos(i)
				f := fmt.Sprintf("column %d", i+1)
				if i < len(header) {
					f = header[i]
				}
				return nil, nil, &ictstat.InputError{File: name, Line: int64(line), Field: f,
					Reason: fmt.Sprintf("text at column %d (byte %d) is not UTF-8: export the CSV as UTF-8", i+1, col)}
			}
		}
		if len(rec) == 1 && rec[0] == "" {
			continue // a blank line
		}
		if len(rec) != len(header) {
			bad = append(bad, ictstat.Quarantined{Origin: name, Line: int64(line), Raw: strings.Join(rec, string(cr.Comma)),
				Reason: fmt.Sprintf("%d columns: the header has %d (the row is kept as its text, which a quarantine replay cannot split into fields: fix the row and ingest the file again)", len(rec), len(header))})
			continue
		}
		fields := make(map[string]string, len(cols))
		for i, v := range rec {
			if cols[i] != "" {
				fields[cols[i]] = v
			}
		}
		subs = append(subs, ictstat.Submission{Origin: name, Line: int64(line), Fields: fields, Raw: strings.Join(rec, string(cr.Comma))})
	}
}

// koboDelimiter returns ';' or ',', whichever the header row uses more
// often outside quotes; ',' on a tie.
func koboDelimiter(head []byte) rune {
	semi, comma, quoted := 0, 0, false
	for _, b := range head {
		switch {
		case b == '"':
			quoted = !quoted
		case quoted:
		case b == ';':
			semi++
		case b == ',':
			comma++
		}
	}
	if semi > comma {
		return ';'
	}
	return ','
}

// csvInputError turns an encoding/csv error into an InputError with the
// line and column.
func csvInputError(name string, err error) error {
	if ie, ok := asInputError(err); ok {
		return ie
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ictstat.InputError{File: name, Line: int64(pe.Line), Field: fmt.Sprintf("column %d", pe.Column),
			Reason: "not CSV: " + pe.Err.Error() + " (quote a field that holds the delimiter, a quote or a line break)"}
	}
	return &ictstat.InputError{File: name, Reason: err.Error()}
}
