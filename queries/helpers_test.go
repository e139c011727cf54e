package queries_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/output"
	"github.com/npit-mn/ictstat/queries"
	"github.com/npit-mn/ictstat/warehouse"
)

// Helpers shared by the tests of the named queries. A snapshot of -1 is the
// latest.

// bindQuery returns the named query and its SQL and arguments for params.
func bindQuery(t *testing.T, name string, params map[string]string) (*queries.Query, string, []any) {
	t.Helper()
	q, err := queries.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	sql, args, err := q.Bind(params)
	if err != nil {
		t.Fatal(err)
	}
	return q, sql, args
}

// runFormat runs a named query on snapshot snap and returns the result as
// format writes it (units and the query's header from output.QueryMeta),
// and the number of rows.
func runFormat(t *testing.T, wh *warehouse.Warehouse, snap int64, name string, params map[string]string, format string) ([]byte, int64) {
	t.Helper()
	q, sql, args := bindQuery(t, name, params)
	res, err := wh.Query(context.Background(), snap, sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Release()
	var buf bytes.Buffer
	n, err := output.Write(&buf, format, res, output.QueryMeta(q, params))
	if err != nil {
		t.Fatalf("%s as %s: %v", name, format, err)
	}
	return buf.Bytes(), n
}

// runCSVAt runs a named query on snapshot snap and returns its CSV.
func runCSVAt(t *testing.T, wh *warehouse.Warehouse, snap int64, name string, params map[string]string) []byte {
	t.Helper()
	b, _ := runFormat(t, wh, snap, name, params, "csv")
	return b
}

// runCSV runs a named query on the latest snapshot and returns its CSV.
func runCSV(t *testing.T, wh *warehouse.Warehouse, name string, params map[string]string) []byte {
	t.Helper()
	return runCSVAt(t, wh, -1, name, params)
}

// runRows runs a named query on a snapshot and returns its rows as the json
// format writes them (numbers as float64, dates and times as text).
func runRows(t *testing.T, wh *warehouse.Warehouse, snapshot int64, name string, params map[string]string) []map[string]any {
	t.Helper()
	b, _ := runFormat(t, wh, snapshot, name, params, "json")
	var doc struct {
		Rows []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	return doc.Rows
}

// runNamed runs a named query and returns its rows by column name, as Go
// values (testutil.Rows), checking that it has the documented columns.
func runNamed(t *testing.T, wh *warehouse.Warehouse, snap int64, name string, params map[string]string) []map[string]any {
	t.Helper()
	q, sql, args := bindQuery(t, name, params)
	rows := testutil.Rows(t, wh, snap, sql, args...)
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		if len(r) != len(q.Columns) {
			t.Fatalf("got %d columns, want the %d documented", len(r), len(q.Columns))
		}
		out[i] = map[string]any{}
		for j, c := range q.Columns {
			out[i][c.Name] = r[j]
		}
	}
	return out
}

// badParams is a case of checkBadParams: params that Bind must refuse with
// an error containing want (the parameter's name).
type badParams struct {
	params map[string]string
	want   string
}

// checkBadParams checks that the named query refuses each case's params
// with ictstat.ErrUsage naming the parameter, before any SQL runs.
func checkBadParams(t *testing.T, name string, cases []badParams) {
	t.Helper()
	q, err := queries.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		_, _, err := q.Bind(tc.params)
		if !errors.Is(err, ictstat.ErrUsage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %v: got %v, want ErrUsage naming %q", name, tc.params, err, tc.want)
		}
	}
}

// ingestFile ingests an NDJSON filings file into wh and returns the counts.
func ingestFile(t *testing.T, wh *warehouse.Warehouse, path string) jobs.PullStats {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := jobs.IngestFilingsFile(context.Background(), wh, f, path, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}
