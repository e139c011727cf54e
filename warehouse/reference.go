package warehouse

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/npit-mn/ictstat"
)

// refSchema is the engine schema that holds the reference tables; every
// snapshot schema has a view of the same name over each of them.
const refSchema = "ref"

var identRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// refTable is a parsed reference table: column names and rows of text.
type refTable struct {
	name string
	cols []string
	rows [][]string
}

// parseReference reads one reference CSV: lines starting with '#' are
// comments, the first other line is the header (lower-case identifiers),
// every row has as many fields as the header. name is the table name.
func parseReference(name string, data []byte) (refTable, error) {
	t := refTable{name: name}
	file := name + ".csv"
	if !identRe.MatchString(name) {
		return t, fmt.Errorf("%w: reference table %q: the name must be a lower-case SQL identifier", ictstat.ErrBadInput, name)
	}
	for _, d := range tableDefs() {
		if d.name == name {
			return t, fmt.Errorf("%w: reference table %q has the name of a warehouse table", ictstat.ErrBadInput, name)
		}
	}
	if name == "snapshots" || name == "job_runs" {
		return t, fmt.Errorf("%w: reference table %q has the name of a warehouse view", ictstat.ErrBadInput, name)
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if err != nil {
		return t, &ictstat.InputError{File: file, Line: 1, Reason: "no CSV header: " + err.Error()}
	}
	seen := map[string]bool{}
	for _, h := range head {
		line, _ := cr.FieldPos(0)
		if !identRe.MatchString(h) || seen[h] {
			return t, &ictstat.InputError{File: file, Line: int64(line), Field: h, Reason: "a column name must be a distinct lower-case SQL identifier"}
		}
		seen[h] = true
	}
	t.cols = append([]string(nil), head...)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return t, &ictstat.InputError{File: file, Line: int64(pe.Line), Reason: "not CSV: " + pe.Err.Error()}
			}
			return t, &ictstat.InputError{File: file, Reason: err.Error()}
		}
		for i, v := range rec {
			if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				line, _ := cr.FieldPos(i)
				return t, &ictstat.InputError{File: file, Line: int64(line), Field: t.cols[i], Reason: "not UTF-8 text"}
			}
		}
		t.rows = append(t.rows, rec)
	}
}

// createSQL is the DDL that loads the table into the engine's ref schema,
// every column VARCHAR.
func (t refTable) createSQL() string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE OR REPLACE TABLE %s.%s (", refSchema, t.name)
	for i, c := range t.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s VARCHAR", c)
	}
	b.WriteString(");\n")
	for start := 0; start < len(t.rows); start += 500 {
		end := min(start+500, len(t.rows))
		fmt.Fprintf(&b, "INSERT INTO %s.%s VALUES ", refSchema, t.name)
		for i, r := range t.rows[start:end] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j, v := range r {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(sqlString(v))
			}
			b.WriteByte(')')
		}
		b.WriteString(";\n")
	}
	return b.String()
}

// parseReferences parses every reference table of opts, sorted by name.
func parseReferences(ref map[string][]byte) ([]refTable, error) {
	names := make([]string, 0, len(ref))
	for n := range ref {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]refTable, 0, len(names))
	for _, n := range names {
		t, err := parseReference(n, ref[n])
		if err != nil {
			return nil, fmt.Errorf("warehouse.Options.Reference: %w", err)
		}
		out = append(out, t)
	}
	return out, nil
}

// LoadReferences loads reference tables as the query engine holds them
// into another DuckDB database, so that plain DuckDB can run the named
// analytics too (the benchmarks' peer).
func LoadReferences(ctx context.Context, db *sql.DB, ref map[string][]byte) error {
	tables, err := parseReferences(ref)
	if err != nil {
		return err
	}
	return loadReferences(ctx, db, tables)
}

// loadReferences creates the ref schema and its tables in db.
func loadReferences(ctx context.Context, db *sql.DB, tables []refTable) error {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE SCHEMA IF NOT EXISTS %s;\n", refSchema)
	for _, t := range tables {
		b.WriteString(t.createSQL())
	}
	if _, err := db.ExecContext(ctx, b.String()); err != nil {
		return fmt.Errorf("load reference tables: %w", err)
	}
	return nil
}
