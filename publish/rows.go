package publish

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/npit-mn/ictstat/warehouse"
)

// Querier answers SQL over one snapshot of the warehouse
// (*warehouse.Warehouse).
type Querier interface {
	Query(ctx context.Context, id int64, query string, args ...any) (*warehouse.Result, error)
}

// row is one result row: float64 for numbers, string for text, bool, nil
// for NULL.
type row []any

func (r row) str(i int) string {
	s, _ := r[i].(string)
	return s
}

func (r row) num(i int) float64 {
	switch v := r[i].(type) {
	case float64:
		return v
	case int64:
		return float64(v)
	}
	return 0
}

func (r row) null(i int) bool { return r[i] == nil }

// queryRows runs query on snapshot snap and returns its rows. The release
// tables' queries return a few hundred thousand rows at most (one per company
// and period), so they are read whole.
func queryRows(ctx context.Context, q Querier, snap int64, query string, args ...any) ([]row, error) {
	res, err := q.Query(ctx, snap, query, args...)
	if err != nil {
		return nil, err
	}
	defer res.Release()
	var out []row
	for res.Next() {
		rec := res.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			r := make(row, rec.NumCols())
			for c := range r {
				r[c] = cellValue(rec.Column(c), i)
			}
			out = append(out, r)
		}
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("snapshot %d: %w", snap, err)
	}
	return out, nil
}

func cellValue(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.Int64:
		return float64(a.Value(i))
	case *array.Int32:
		return float64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	case *array.String:
		return strings.Clone(a.Value(i))
	case *array.Boolean:
		return a.Value(i)
	}
	return strings.Clone(a.ValueStr(i))
}
