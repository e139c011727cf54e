package output

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Keys of the metadata that Parquet and Arrow outputs carry, so that what
// CSV headers and the xlsx "about" sheet say travels with the binary
// formats too. Each field has FieldUnit and FieldDescription where the
// query declares them; the schema (the Parquet file's key-value metadata)
// has the others.
const (
	FieldUnit        = "unit"
	FieldDescription = "description"
	KeyQuery         = "ictstat.query"    // the named query; "" for ad-hoc SQL
	KeyTitle         = "ictstat.title"    // the analytic's title
	KeyAnswers       = "ictstat.answers"  // the question it answers
	KeyMethod        = "ictstat.method"   // how it computes the answer
	KeySnapshot      = "ictstat.snapshot" // the snapshot it was computed from
	KeyParams        = "ictstat.params"   // JSON object: parameter -> value used
	KeyColumns       = "ictstat.columns"  // JSON array of {name, unit, description}
)

// describedSchema returns s with the units and meanings of meta in its
// fields' metadata and the rest of meta in its own.
func describedSchema(s *arrow.Schema, meta Meta) *arrow.Schema {
	type column struct {
		Name        string `json:"name"`
		Unit        string `json:"unit,omitempty"`
		Description string `json:"description,omitempty"`
	}
	fields := make([]arrow.Field, s.NumFields())
	cols := make([]column, s.NumFields())
	for i, f := range s.Fields() {
		unit, doc := meta.Units[f.Name], meta.Docs[f.Name]
		var keys, vals []string
		if unit != "" {
			keys, vals = append(keys, FieldUnit), append(vals, unit)
		}
		if doc != "" {
			keys, vals = append(keys, FieldDescription), append(vals, doc)
		}
		if len(keys) > 0 {
			f.Metadata = arrow.NewMetadata(keys, vals)
		}
		fields[i] = f
		cols[i] = column{f.Name, unit, doc}
	}
	params := map[string]string{}
	for _, p := range meta.Params {
		params[p.Name] = p.Value
	}
	pj, _ := json.Marshal(params)
	cj, _ := json.Marshal(cols)
	keys := []string{KeyQuery, KeySnapshot, KeyColumns, KeyParams}
	vals := []string{meta.Query, strconv.FormatInt(meta.Snapshot, 10), string(cj), string(pj)}
	for _, kv := range [][2]string{{KeyTitle, meta.Title}, {KeyAnswers, meta.Answers}, {KeyMethod, meta.Method}} {
		if kv[1] != "" {
			keys, vals = append(keys, kv[0]), append(vals, kv[1])
		}
	}
	md := arrow.NewMetadata(keys, vals)
	return arrow.NewSchema(fields, &md)
}

// withSchema returns rec's columns under schema s (the same types, with
// metadata); the caller releases it.
func withSchema(s *arrow.Schema, rec arrow.RecordBatch) arrow.RecordBatch {
	return array.NewRecordBatch(s, rec.Columns(), rec.NumRows())
}

// EscapeControl returns s with control characters and invalid UTF-8 shown
// as Go escapes (\x1b, \n, \u0085), so that text from outside input cannot
// drive a terminal.
func EscapeControl(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case unicode.IsControl(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
