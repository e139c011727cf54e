package serve

import (
	"context"
	"path"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/queries"
	"github.com/npit-mn/ictstat/serve/dashboard"
	"github.com/npit-mn/ictstat/warehouse"
)

// dashSource answers the dashboard's analytics as the public API does:
// through Options.Public (disclosure-controlled) when it is set, else from
// the warehouse; the dashboard applies its own threshold on top either way
// (see dashboard.MinCompanies). The server's query timeout bounds each.
type dashSource struct{ s *Server }

func (d dashSource) Current() (int64, error) {
	m, err := d.s.wh.Current()
	if err != nil {
		return 0, err
	}
	return m.ID, nil
}

func (d dashSource) Analytic(ctx context.Context, snap int64, name string, params map[string]string) (*dashboard.Table, error) {
	ctx, cancel := context.WithTimeout(ctx, d.s.opts.QueryTimeout)
	defer cancel()
	var res *warehouse.Result
	if d.s.opts.Public != nil {
		r, err := d.s.opts.Public(ctx, name, params, snap)
		if err != nil {
			return nil, err
		}
		res = r
	} else {
		q, err := queries.Get(name)
		if err != nil {
			return nil, err
		}
		sql, args, err := q.Bind(params)
		if err != nil {
			return nil, err
		}
		if res, err = d.s.wh.Query(ctx, snap, sql, args...); err != nil {
			return nil, err
		}
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

// dashReleases tells the dashboard the latest published release, with its
// files, and the next on the calendar.
type dashReleases struct{ s *Server }

func (d dashReleases) Calendar(ctx context.Context) (latest, next *dashboard.Release, err error) {
	recs, err := d.s.releaseRecords()
	if err != nil {
		return nil, nil, err
	}
	for _, rec := range recs {
		if rec.Status != ictstat.ReleasePublished || latest != nil && !rec.PublishAt.After(latest.At) {
			continue
		}
		latest = &dashboard.Release{ID: rec.ID, At: rec.PublishAt}
		for _, f := range d.s.view(rec, true).Files {
			latest.Files = append(latest.Files, dashboard.Link{Label: path.Base(f), URL: f})
		}
	}
	if c, ok := d.s.opts.Calendar.Next(d.s.opts.Now()); ok {
		next = &dashboard.Release{ID: c.ID, At: c.PublishAt}
	}
	return latest, next, nil
}
