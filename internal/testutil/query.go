package testutil

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/npit-mn/ictstat/warehouse"
)

// Current is the snapshot argument of warehouse.Query that means the newest.
const Current = -1

// QueryRows runs query on snapshot snap of wh and returns its rows with Go
// values: int64 for integers, float64, string, bool, nil for NULL, and the
// string form (ValueStr) of any other type.
func QueryRows(ctx context.Context, wh *warehouse.Warehouse, snap int64, query string, args ...any) ([][]any, *warehouse.Manifest, error) {
	res, err := wh.Query(ctx, snap, query, args...)
	if err != nil {
		return nil, nil, err
	}
	rows, err := ResultRows(res)
	return rows, res.Snapshot, err
}

// ResultRows drains and releases res, returning its rows as QueryRows does.
func ResultRows(res *warehouse.Result) ([][]any, error) {
	defer res.Release()
	var rows [][]any
	for res.Next() {
		rec := res.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]any, rec.NumCols())
			for c := range row {
				row[c] = value(rec.Column(c), i)
			}
			rows = append(rows, row)
		}
	}
	return rows, res.Err()
}

func value(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.Int64:
		return a.Value(i)
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Uint64:
		return int64(a.Value(i))
	case *array.Uint32:
		return int64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	case *array.Float32:
		return float64(a.Value(i))
	case *array.String: // copied: the batch's memory goes with the result
		return strings.Clone(a.Value(i))
	case *array.LargeString:
		return strings.Clone(a.Value(i))
	case *array.Boolean:
		return a.Value(i)
	}
	return strings.Clone(a.ValueStr(i))
}

// Rows is QueryRows that fails the test on error.
func Rows(t testing.TB, wh *warehouse.Warehouse, snap int64, query string, args ...any) [][]any {
	t.Helper()
	rows, _, err := QueryRows(context.Background(), wh, snap, query, args...)
	if err != nil {
		t.Fatalf("query %q on snapshot %d: %v", query, snap, err)
	}
	return rows
}

// Count runs query, which must return one integer, on the current
// snapshot of wh.
func Count(t testing.TB, wh *warehouse.Warehouse, query string, args ...any) int64 {
	t.Helper()
	return CountAt(t, wh, Current, query, args...)
}

// CountAt is Count on snapshot snap.
func CountAt(t testing.TB, wh *warehouse.Warehouse, snap int64, query string, args ...any) int64 {
	t.Helper()
	rows := Rows(t, wh, snap, query, args...)
	if len(rows) != 1 || len(rows[0]) != 1 {
		t.Fatalf("query %q: got %d rows, want 1 row of 1 column", query, len(rows))
	}
	n, err := AsInt(rows[0][0])
	if err != nil {
		t.Fatalf("query %q: %v", query, err)
	}
	return n
}

// AsInt converts a value of QueryRows to an int64: integers, whole floats
// and the decimal text of wider types (HUGEINT, DECIMAL).
func AsInt(v any) (int64, error) {
	switch v := v.(type) {
	case int64:
		return v, nil
	case float64:
		if v == float64(int64(v)) {
			return int64(v), nil
		}
	case string:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n, nil
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil && f == float64(int64(f)) {
			return int64(f), nil
		}
	case nil:
		return 0, nil
	}
	return 0, fmt.Errorf("value %v (%T) is not an integer", v, v)
}
