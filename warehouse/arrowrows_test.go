package warehouse_test

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/warehouse"
)

// TestQueryArrowTypes checks the Arrow type and value of every DuckDB type
// a result can carry against values worked out by hand.
func TestQueryArrowTypes(t *testing.T) {
	wh := open(t, t.TempDir(), warehouse.Options{})
	res, err := wh.Query(context.Background(), -1, `SELECT
		true AS b, 7::TINYINT AS i8, -300::SMALLINT AS i16, 70000::INTEGER AS i32, 5000000000::BIGINT AS i64,
		200::UTINYINT AS u8, 4000000000::UINTEGER AS u32, 1.5::FLOAT AS f32, 2.25::DOUBLE AS f64,
		'Улаанбаатар' AS s, '\xAB'::BLOB AS blob, DATE '2024-03-01' AS d,
		TIMESTAMP '2024-03-01 12:30:00.000001' AS ts, TIMESTAMPTZ '2024-03-01 12:30:00+08' AS tstz,
		TIME '01:02:03.5' AS tm, 1234.56::DECIMAL(10, 2) AS dec, 170141183460469231731687303715884105727::HUGEINT AS huge,
		INTERVAL 1 MONTH + INTERVAL 2 DAY + INTERVAL 3 SECOND AS iv, '00000000-0000-0000-0000-00000000002a'::UUID AS u,
		[1, NULL, 3] AS list, {'a': 1, 'b': 'x'} AS st, NULL AS n, NULL::VARCHAR AS ns, [[1], []] AS nested`)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Release()
	if !res.Next() {
		t.Fatalf("no batch: %v", res.Err())
	}
	rec := res.RecordBatch()
	col := func(name string) arrow.Array {
		idx := rec.Schema().FieldIndices(name)
		if len(idx) != 1 {
			t.Fatalf("no column %s in %s", name, rec.Schema())
		}
		return rec.Column(idx[0])
	}
	want := map[string]struct{ typ, val string }{
		"b": {"bool", "true"}, "i8": {"int8", "7"}, "i16": {"int16", "-300"}, "i32": {"int32", "70000"},
		"i64": {"int64", "5000000000"}, "u8": {"uint8", "200"}, "u32": {"uint32", "4000000000"},
		"f32": {"float32", "1.5"}, "f64": {"float64", "2.25"}, "s": {"utf8", "Улаанбаатар"},
		"blob": {"binary", "qw=="}, // base64 of 0xAB
		"d":    {"date32", "2024-03-01"},
		"ts":   {"timestamp[us]", "2024-03-01T12:30:00.000001"}, "tstz": {"timestamp[us, tz=UTC]", "2024-03-01T04:30:00Z"},
		"tm": {"time64[us]", "01:02:03.500000"}, "dec": {"decimal(10, 2)", "1234.56"},
		"huge": {"decimal(38, 0)", "1.7014118346046923173168730371588410573e+38"},
		"iv":   {"month_day_nano_interval", `{"months":1,"days":2,"nanoseconds":3000000000}`}, "u": {"utf8", "00000000-0000-0000-0000-00000000002a"},
		"list": {"list<item: int32, nullable>", "[1,null,3]"}, "st": {"struct<a: int32 nullable, b: utf8 nullable>", `{"a":1,"b":"x"}`},
		"n": {"int32", "(null)"}, "ns": {"utf8", "(null)"}, "nested": {"list<item: list<item: int32, nullable>, nullable>", "[[1],[]]"},
	}
	if int(rec.NumCols()) != len(want) {
		t.Errorf("%d columns, want %d", rec.NumCols(), len(want))
	}
	for name, w := range want {
		a := col(name)
		if got := a.DataType().String(); got != w.typ {
			t.Errorf("%s: type %s, want %s", name, got, w.typ)
		}
		if got := a.ValueStr(0); got != w.val {
			t.Errorf("%s: value %q, want %q", name, got, w.val)
		}
	}
	if got := col("huge").(*array.Decimal128).Value(0).BigInt().String(); got != "170141183460469231731687303715884105727" {
		t.Errorf("huge: %s", got)
	}
	if res.Next() {
		t.Error("a second batch for one row")
	}
	if err := res.Err(); err != nil {
		t.Error(err)
	}
}

// TestQueryArrowBatches reads 10,000 rows, more than one batch, with
// positional and named parameters, and checks every value.
func TestQueryArrowBatches(t *testing.T) {
	wh := open(t, t.TempDir(), warehouse.Options{})
	res, err := wh.Query(context.Background(), -1, `SELECT i, i % 2 = 0 AS even, CASE WHEN i % 3 = 0 THEN NULL ELSE 'v' || i END AS s, ?::VARCHAR AS p
		FROM range(?, 10000) t(i)`, "param", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Release()
	next, batches := int64(0), 0
	for res.Next() {
		batches++
		rec := res.RecordBatch()
		ids, even, s, p := rec.Column(0).(*array.Int64), rec.Column(1).(*array.Boolean), rec.Column(2).(*array.String), rec.Column(3).(*array.String)
		for r := 0; r < int(rec.NumRows()); r++ {
			if ids.Value(r) != next || even.Value(r) != (next%2 == 0) || s.IsNull(r) != (next%3 == 0) || p.Value(r) != "param" {
				t.Fatalf("row %d: %v %v %v %v", next, ids.Value(r), even.Value(r), s.ValueStr(r), p.Value(r))
			}
			if next%3 != 0 && s.Value(r) != "v"+strconv.FormatInt(next, 10) {
				t.Fatalf("row %d: s %q", next, s.Value(r))
			}
			next++
		}
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if next != 10000 || batches < 2 {
		t.Errorf("%d rows in %d batches, want 10000 in more than one", next, batches)
	}
}

// TestQueryArrowNamedAndCancel checks named parameters, and that a
// cancelled context ends the reading between batches with its error.
func TestQueryArrowNamedAndCancel(t *testing.T) {
	wh := open(t, t.TempDir(), warehouse.Options{})
	rows := testutil.Rows(t, wh, -1, "SELECT $lo::INTEGER + 1 AS x", sql.Named("lo", 41))
	if len(rows) != 1 || rows[0][0] != int64(42) {
		t.Errorf("named parameter: %v, want [[42]]", rows)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := wh.Query(ctx, -1, "SELECT i FROM range(100000) t(i)")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Release()
	if !res.Next() {
		t.Fatal(res.Err())
	}
	cancel()
	if res.Next() {
		t.Error("a batch after the context was cancelled")
	}
	if !errors.Is(res.Err(), context.Canceled) {
		t.Errorf("error %v, want context.Canceled", res.Err())
	}
	if _, err := wh.Query(context.Background(), -1, "CREATE TABLE x (i INTEGER)"); !errors.Is(err, ictstat.ErrUsage) {
		t.Errorf("DDL: %v, want a usage error", err)
	}
}
