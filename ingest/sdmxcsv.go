package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/npit-mn/ictstat"
)

// SDMX-CSV column IDs this reader uses. Other columns (further dimensions
// and attributes, SERIES_KEY, custom columns, the name columns of
// labels=name) are ignored.
const (
	sdmxDataflow    = "DATAFLOW"
	sdmxStructure   = "STRUCTURE"
	sdmxStructureID = "STRUCTURE_ID"
	sdmxAction      = "ACTION"
	sdmxFreq        = "FREQ"
	sdmxRefArea     = "REF_AREA"
	sdmxCounterpart = "COUNTERPART_AREA"
	sdmxFlow        = "FLOW"
	sdmxServiceItem = "SERVICE_ITEM"
	sdmxTimePeriod  = "TIME_PERIOD"
	sdmxObsValue    = "OBS_VALUE"
	sdmxUnitMult    = "UNIT_MULT"
	sdmxUnitMeasure = "UNIT_MEASURE"
	sdmxObsStatus   = "OBS_STATUS"
)

// sdmxKeyColumns are the dimensions every observation needs, in key order.
var sdmxKeyColumns = [...]string{sdmxFreq, sdmxRefArea, sdmxCounterpart, sdmxFlow, sdmxServiceItem, sdmxTimePeriod}

// SDMXVersion is the SDMX-CSV version of a file: 1 (first column
// DATAFLOW) or 2 (first column STRUCTURE).
type SDMXVersion int

// SDMXFile describes a file ReadSDMXCSV read.
type SDMXFile struct {
	Version   SDMXVersion
	Separator byte // field separator: ',', ';', '\t' or '|'
	Labels    bool // the header carries "ID: name" labels (labels=both)
}

// sdmxColumns holds the position of each used column (-1 when absent).
type sdmxColumns struct {
	kind, id, action  int
	key               [len(sdmxKeyColumns)]int
	value, mult, unit int
	status, fields    int
}

// ReadSDMXCSV reads an SDMX-CSV 1.0 or 2.0 data message of balance-of-
// payments services trade, as RFC 4180 CSV (a UTF-8 BOM and CRLF line ends
// are accepted). Columns are found by their header ID in any order.
// Each valid row comes back as a change, in file order; a row that breaks a
// rule comes back in bad with its line, the reason and, as raw text, the
// header and the row as two CSV lines with the file's separator: a small
// SDMX-CSV message of its own that ReadSDMXCSV reads again on a quarantine
// replay. A file that is not
// SDMX-CSV (no DATAFLOW or STRUCTURE first column, a required column
// missing or doubled, broken quoting) is refused with an
// *ictstat.InputError naming the line and column.
func ReadSDMXCSV(r io.Reader, name string) (changes []ictstat.BopChange, bad []ictstat.Quarantined, info SDMXFile, err error) {
	br := bufio.NewReaderSize(capLines(r, name, MaxCSVLineBytes), 64<<10)
	info, err = sniffSDMX(br, name)
	if err != nil {
		return nil, nil, info, err
	}
	cr := csv.NewReader(br)
	cr.Comma = rune(info.Separator)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, nil, info, sdmxCSVError(name, err)
	}
	cols, labels, err := sdmxHeader(head, info.Version, name)
	if err != nil {
		return nil, nil, info, err
	}
	info.Labels = labels
	headLine := sdmxLine(head, info.Separator)
	p := sdmxRowParser{cols: cols, labels: labels, version: info.Version, sep: info.Separator, source: name, intern: map[string]string{}}
	// Rows gather in chunks, copied once at the end, rather than in one
	// slice that grows by copying its large, pointer-rich elements.
	const chunkRows = 8192
	var chunks [][]ictstat.BopChange
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			n := len(changes)
			for _, c := range chunks {
				n += len(c)
			}
			all := make([]ictstat.BopChange, 0, n)
			for _, c := range chunks {
				all = append(all, c...)
			}
			return append(all, changes...), bad, info, nil
		}
		if err != nil {
			return nil, nil, info, sdmxCSVError(name, err)
		}
		line, _ := cr.FieldPos(0)
		ch, reason := p.row(rec, int64(line))
		if reason != "" {
			bad = append(bad, ictstat.Quarantined{Origin: name, Line: int64(line), Reason: reason,
				Raw: strings.ToValidUTF8(headLine+strings.TrimSuffix(sdmxLine(rec, info.Separator), "\n"), "\uFFFD")})
			continue
		}
		if len(changes) == cap(changes) && len(changes) > 0 {
			chunks, changes = append(chunks, changes), nil
		}
		if changes == nil {
			changes = make([]ictstat.BopChange, 0, chunkRows)
		}
		changes = append(changes, ch)
	}
}

// sniffSDMX skips a UTF-8 BOM and reads the first header field to tell the
// version and the separator: the character after DATAFLOW, or after
// STRUCTURE and its optional sub-field term ("STRUCTURE[;]").
func sniffSDMX(br *bufio.Reader, name string) (SDMXFile, error) {
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xEF\xBB\xBF")) {
		br.Discard(3)
	}
	head, _ := br.Peek(256)
	notSDMX := func(reason string) error {
		return &ictstat.InputError{File: name, Line: 1, Field: "column 1", Reason: reason +
			": an SDMX-CSV file starts with the header DATAFLOW (version 1.0) or STRUCTURE (version 2.0)"}
	}
	if len(head) == 0 {
		return SDMXFile{}, notSDMX("the file is empty")
	}
	h := head
	quoted := h[0] == '"'
	if quoted {
		h = h[1:]
	}
	var f SDMXFile
	switch {
	case hasPrefixFold(h, sdmxStructure) && !hasPrefixFold(h, sdmxStructureID):
		f.Version, h = 2, h[len(sdmxStructure):]
		if len(h) > 0 && h[0] == '[' {
			end := bytes.IndexByte(h, ']')
			if end < 0 {
				return f, notSDMX("STRUCTURE[ has no closing ]")
			}
			h = h[end+1:]
		}
	case hasPrefixFold(h, sdmxDataflow):
		f.Version, h = 1, h[len(sdmxDataflow):]
	default:
		return f, notSDMX(fmt.Sprintf("the first field is %q", clipText(firstLine(head))))
	}
	if quoted {
		if len(h) == 0 || h[0] != '"' {
			return f, notSDMX("the quoted first header field does not end after its name")
		}
		h = h[1:]
	}
	if len(h) == 0 {
		return f, notSDMX("the header has a single column")
	}
	switch c := h[0]; c {
	case ',', ';', '\t', '|':
		f.Separator = c
	case '\r', '\n':
		return f, notSDMX("the header has a single column")
	default:
		return f, notSDMX(fmt.Sprintf("%q follows the first header word; want the separator , ; tab or |", string(rune(c))))
	}
	return f, nil
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && strings.EqualFold(string(b[:len(prefix)]), prefix)
}

func firstLine(b []byte) string {
	if i := bytes.IndexAny(b, "\r\n"); i >= 0 {
		b = b[:i]
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// sdmxCSVError turns a CSV syntax error into an InputError at its line and
// column.
func sdmxCSVError(name string, err error) error {
	if ie, ok := asInputError(err); ok {
		return ie
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		where := ""
		if pe.StartLine != pe.Line && pe.StartLine > 0 {
			where = fmt.Sprintf(" at line %d, in the record that starts at line %d", pe.Line, pe.StartLine)
		}
		return &ictstat.InputError{File: name, Line: int64(max(pe.StartLine, 1)), Field: fmt.Sprintf("character %d", pe.Column),
			Reason: "not RFC 4180 CSV: " + pe.Err.Error() + where + " (a field holding a quote, separator or line break must be quoted, its quotes doubled)"}
	}
	return &ictstat.InputError{File: name, Reason: "read: " + err.Error()}
}

// sdmxColumnID returns the component ID of a header field: without a BOM,
// surrounding spaces, the ": name" of labels=both and the "[...]" of a
// multi-valued or multi-lingual component, in upper case.
func sdmxColumnID(h string) (id string, labelled bool) {
	h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
	if i := strings.Index(h, ": "); i >= 0 {
		h, labelled = h[:i], true
	}
	if i := strings.IndexByte(h, '['); i >= 0 {
		h = h[:i]
	}
	return strings.ToUpper(strings.TrimSpace(h)), labelled
}

// sdmxHeader locates the used columns and checks that the required ones
// are there, once each.
func sdmxHeader(head []string, v SDMXVersion, name string) (sdmxColumns, bool, error) {
	c := sdmxColumns{kind: -1, id: -1, action: -1, value: -1, mult: -1, unit: -1, status: -1, fields: len(head)}
	for i := range c.key {
		c.key[i] = -1
	}
	slots := map[string]*int{sdmxAction: &c.action, sdmxObsValue: &c.value, sdmxUnitMult: &c.mult,
		sdmxUnitMeasure: &c.unit, sdmxObsStatus: &c.status}
	if v == 1 {
		slots[sdmxDataflow] = &c.id
	} else {
		slots[sdmxStructure] = &c.kind
		slots[sdmxStructureID] = &c.id
	}
	for i, k := range sdmxKeyColumns {
		slots[k] = &c.key[i]
	}
	labels := false
	for i, h := range head {
		id, l := sdmxColumnID(h)
		labels = labels || l
		slot, ok := slots[id]
		if !ok {
			continue
		}
		if *slot >= 0 {
			return c, false, &ictstat.InputError{File: name, Line: 1, Field: id,
				Reason: fmt.Sprintf("the column appears twice, as columns %d and %d: keep one", *slot+1, i+1)}
		}
		*slot = i
	}
	required := []string{sdmxDataflow}
	if v == 2 {
		required = []string{sdmxStructure, sdmxStructureID}
	} else {
		required = append(required, sdmxObsValue)
	}
	required = append(required, sdmxKeyColumns[:]...)
	for _, id := range required {
		if *slots[id] < 0 {
			return c, false, &ictstat.InputError{File: name, Line: 1, Field: id,
				Reason: fmt.Sprintf("the header has no %s column (SDMX-CSV %d.0 of services trade needs %s)", id, v, strings.Join(required, ", "))}
		}
	}
	return c, labels, nil
}

// sdmxLine writes one record as a line of CSV with separator sep, quoting
// the fields that need it, and the line end.
func sdmxLine(rec []string, sep byte) string {
	if len(rec) == 1 && rec[0] == "" {
		return "\"\"\n" // unquoted, a blank line, which CSV readers skip
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Comma = rune(sep)
	w.Write(rec) // a strings.Builder does not fail, and sep is a valid separator
	w.Flush()
	return b.String()
}
