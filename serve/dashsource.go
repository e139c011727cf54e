package serve

import (
	"context"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/npit-mn/ictstat/queries"
	"github.com/npit-mn/ictstat/serve/dashboard"
)

// dashSource answers the dashboard's analytics from the warehouse, with the
// server's query timeout. It applies no disclosure control of its own: the
// dashboard's threshold does (see dashboard.MinCompanies); a
// release-style disclosure-controlled source can replace it.
type dashSource struct{ s *Server }

func (d dashSource) Current() (int64, error) {
	m, err := d.s.wh.Current()
	if err != nil {
		return 0, err
	}
	return m.ID, nil
}

func (d dashSource) Analytic(ctx context.Context, snap int64, name string, params map[string]string) (*dashboard.Table, error) {
	q, err := queries.Get(name)
	if err != nil {
		return nil, err
	}
	sql, args, err := q.Bind(params)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, d.s.opts.QueryTimeout)
	defer cancel()
	res, err := d.s.wh.Query(ctx, snap, sql, args...)
	if err != nil {
		return nil, err
	}
	defer res.Release()
	t := &dashboard.Table{}
	for _, f := range res.Schema().Fields() {
		t.Columns = append(t.Columns, f.Name)
	}
	for res.Next() {
		rec := res.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]any, rec.NumCols())
			for c := range row {
				row[c] = goValue(rec.Column(c), i)
			}
			t.Rows = append(t.Rows, row)
		}
	}
	return t, res.Err()
}

// goValue is an Arrow cell as int64, float64, string, bool or nil; other
// types (dates, decimals, timestamps) as their text.
func goValue(a arrow.Array, i int) any {
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
