package pqwrite

import (
	"bytes"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/parquet-go/parquet-go"
)

// duckRows returns the rows DuckDB reads from a Parquet file, in the
// file's order, each printed with %v, which prints NaN and -0 as they are,
// so that rows compare as strings.
func duckRows(t *testing.T, db *sql.DB, path string) []string {
	t.Helper()
	q := fmt.Sprintf("SELECT * EXCLUDE (file_row_number) FROM read_parquet('%s', file_row_number = true) ORDER BY file_row_number", path)
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%v", vals))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDuckDBReadsAlike requires DuckDB to read from pqwrite's files the
// rows it reads from parquet-go's files of the same rows, for sets at the
// edges of the encoding: empty and single-row files, small row groups,
// null and empty columns, long lists, wide dictionaries and special
// doubles.
func TestDuckDBReadsAlike(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir := t.TempDir()
	sets := []struct {
		gen    gen
		groups int
	}{
		{gen{rows: 0, distinct: 1}, 0},
		{gen{rows: 1, distinct: 1, nullRate: 1}, 0},
		{gen{rows: 1030, distinct: 5, nullRate: 0.3, maxList: 3, order: orderMixed}, 7},
		{gen{rows: 700, distinct: 17, cycle: true, nullRate: 1, maxList: 0}, 256},
		{gen{rows: 700, distinct: 300, cycle: true, nullRate: 0, maxList: 3, order: orderRuns}, 300},
		{gen{rows: 60, distinct: 2, nullRate: 0.5, maxList: 1000, order: orderAlternate}, 0},
		{gen{rows: 70001, distinct: 70000, cycle: true, nullRate: 0.5, maxList: 1}, 0},
		{gen{rows: 1000, distinct: 3, nullRate: 0.2, maxList: 2, floats: specialFloats}, 100},
	}
	for i, s := range sets {
		rows := s.gen.make(rand.New(rand.NewPCG(uint64(i), 2)))
		fast, generic := filepath.Join(dir, fmt.Sprintf("%d-fast.parquet", i)), filepath.Join(dir, fmt.Sprintf("%d-generic.parquet", i))
		if err := os.WriteFile(fast, write(t, rows, s.groups), 0o644); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		w := parquet.NewGenericWriter[row](&buf)
		if _, err := w.Write(rows); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(generic, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		got, want := duckRows(t, db, fast), duckRows(t, db, generic)
		if len(got) != len(want) {
			t.Fatalf("set %d (%+v): DuckDB reads %d rows from pqwrite's file, %d from parquet-go's", i, s.gen, len(got), len(want))
		}
		for j := range want {
			if got[j] != want[j] {
				t.Fatalf("set %d (%+v): row %d:\npqwrite    %.300s\nparquet-go %.300s", i, s.gen, j, got[j], want[j])
			}
		}
	}
}
