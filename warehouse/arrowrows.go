package warehouse

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/duckdb/duckdb-go/v2"
)

// batchRows is the number of rows of each Arrow batch a query returns.
const batchRows = 4096

// arrowType maps a DuckDB column type to the Arrow type DuckDB's own Arrow
// export uses, except that ENUM, UUID, BIT, BIGNUM, UNION and JSON come as
// text.
func arrowType(info duckdb.TypeInfo) (arrow.DataType, error) {
	if info.Alias() == "JSON" {
		return arrow.BinaryTypes.String, nil
	}
	switch info.InternalType() {
	case duckdb.TYPE_BOOLEAN:
		return arrow.FixedWidthTypes.Boolean, nil
	case duckdb.TYPE_TINYINT:
		return arrow.PrimitiveTypes.Int8, nil
	case duckdb.TYPE_SMALLINT:
		return arrow.PrimitiveTypes.Int16, nil
	case duckdb.TYPE_INTEGER:
		return arrow.PrimitiveTypes.Int32, nil
	case duckdb.TYPE_BIGINT:
		return arrow.PrimitiveTypes.Int64, nil
	case duckdb.TYPE_UTINYINT:
		return arrow.PrimitiveTypes.Uint8, nil
	case duckdb.TYPE_USMALLINT:
		return arrow.PrimitiveTypes.Uint16, nil
	case duckdb.TYPE_UINTEGER:
		return arrow.PrimitiveTypes.Uint32, nil
	case duckdb.TYPE_UBIGINT:
		return arrow.PrimitiveTypes.Uint64, nil
	case duckdb.TYPE_FLOAT:
		return arrow.PrimitiveTypes.Float32, nil
	case duckdb.TYPE_DOUBLE:
		return arrow.PrimitiveTypes.Float64, nil
	case duckdb.TYPE_VARCHAR, duckdb.TYPE_ENUM, duckdb.TYPE_UUID, duckdb.TYPE_BIT, duckdb.TYPE_BIGNUM, duckdb.TYPE_UNION:
		return arrow.BinaryTypes.String, nil
	case duckdb.TYPE_BLOB, duckdb.TYPE_GEOMETRY:
		return arrow.BinaryTypes.Binary, nil
	case duckdb.TYPE_DATE:
		return arrow.FixedWidthTypes.Date32, nil
	case duckdb.TYPE_TIME, duckdb.TYPE_TIME_TZ:
		return arrow.FixedWidthTypes.Time64us, nil
	case duckdb.TYPE_TIMESTAMP:
		return &arrow.TimestampType{Unit: arrow.Microsecond}, nil
	case duckdb.TYPE_TIMESTAMP_S:
		return &arrow.TimestampType{Unit: arrow.Second}, nil
	case duckdb.TYPE_TIMESTAMP_MS:
		return &arrow.TimestampType{Unit: arrow.Millisecond}, nil
	case duckdb.TYPE_TIMESTAMP_NS:
		return &arrow.TimestampType{Unit: arrow.Nanosecond}, nil
	case duckdb.TYPE_TIMESTAMP_TZ:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, nil
	case duckdb.TYPE_INTERVAL:
		return arrow.FixedWidthTypes.MonthDayNanoInterval, nil
	case duckdb.TYPE_HUGEINT, duckdb.TYPE_UHUGEINT:
		return &arrow.Decimal128Type{Precision: 38}, nil
	case duckdb.TYPE_DECIMAL:
		d := info.Details().(*duckdb.DecimalDetails)
		return &arrow.Decimal128Type{Precision: int32(d.Width), Scale: int32(d.Scale)}, nil
	case duckdb.TYPE_SQLNULL:
		return arrow.Null, nil
	case duckdb.TYPE_LIST:
		child, err := arrowType(info.Details().(*duckdb.ListDetails).Child)
		if err != nil {
			return nil, err
		}
		return arrow.ListOf(child), nil
	case duckdb.TYPE_ARRAY:
		d := info.Details().(*duckdb.ArrayDetails)
		child, err := arrowType(d.Child)
		if err != nil {
			return nil, err
		}
		return arrow.FixedSizeListOf(int32(d.Size), child), nil
	case duckdb.TYPE_MAP:
		d := info.Details().(*duckdb.MapDetails)
		k, err := arrowType(d.Key)
		if err != nil {
			return nil, err
		}
		v, err := arrowType(d.Value)
		if err != nil {
			return nil, err
		}
		return arrow.MapOf(k, v), nil
	case duckdb.TYPE_STRUCT:
		entries := info.Details().(*duckdb.StructDetails).Entries
		fields := make([]arrow.Field, len(entries))
		for i, e := range entries {
			t, err := arrowType(e.Info())
			if err != nil {
				return nil, err
			}
			fields[i] = arrow.Field{Name: e.Name(), Type: t, Nullable: true}
		}
		return arrow.StructOf(fields...), nil
	}
	return nil, fmt.Errorf("a result column of DuckDB type %d cannot be returned: cast it, e.g. to VARCHAR", info.InternalType())
}

// columnTypes returns the DuckDB types of a result's n columns: the
// prepared statement's, or when parameters left them open until the
// statement ran (DuckDB then reports INVALID), the types the result names,
// nested ones as text.
func columnTypes(ds *duckdb.Stmt, rows driver.Rows, n int) ([]duckdb.TypeInfo, error) {
	types := make([]duckdb.TypeInfo, n)
	if c, err := ds.ColumnCount(); err == nil && c == n {
		open := false
		for i := range n {
			if t, err := ds.ColumnType(i); err != nil || t == duckdb.TYPE_INVALID {
				open = true
				break
			}
		}
		if !open {
			for i := range n {
				var err error
				if types[i], err = ds.ColumnTypeInfo(i); err != nil {
					return nil, err
				}
			}
			return types, nil
		}
	}
	named, ok := rows.(driver.RowsColumnTypeDatabaseTypeName)
	if !ok {
		return nil, fmt.Errorf("unexpected rows type %T", rows)
	}
	for i := range n {
		name := named.ColumnTypeDatabaseTypeName(i)
		var w, s uint8
		var err error
		if _, serr := fmt.Sscanf(name, "DECIMAL(%d,%d)", &w, &s); serr == nil {
			types[i], err = duckdb.NewDecimalInfo(w, s)
		} else if t, ok := scalarType(name); ok {
			types[i], err = duckdb.NewTypeInfo(t)
		} else {
			types[i], err = duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
		}
		if err != nil {
			return nil, err
		}
	}
	return types, nil
}

// scalarType returns the DuckDB type of a scalar type's name.
func scalarType(name string) (duckdb.Type, bool) {
	switch name {
	case "BOOLEAN":
		return duckdb.TYPE_BOOLEAN, true
	case "TINYINT":
		return duckdb.TYPE_TINYINT, true
	case "SMALLINT":
		return duckdb.TYPE_SMALLINT, true
	case "INTEGER":
		return duckdb.TYPE_INTEGER, true
	case "BIGINT":
		return duckdb.TYPE_BIGINT, true
	case "UTINYINT":
		return duckdb.TYPE_UTINYINT, true
	case "USMALLINT":
		return duckdb.TYPE_USMALLINT, true
	case "UINTEGER":
		return duckdb.TYPE_UINTEGER, true
	case "UBIGINT":
		return duckdb.TYPE_UBIGINT, true
	case "FLOAT":
		return duckdb.TYPE_FLOAT, true
	case "DOUBLE":
		return duckdb.TYPE_DOUBLE, true
	case "TIMESTAMP":
		return duckdb.TYPE_TIMESTAMP, true
	case "DATE":
		return duckdb.TYPE_DATE, true
	case "TIME":
		return duckdb.TYPE_TIME, true
	case "INTERVAL":
		return duckdb.TYPE_INTERVAL, true
	case "HUGEINT":
		return duckdb.TYPE_HUGEINT, true
	case "UHUGEINT":
		return duckdb.TYPE_UHUGEINT, true
	case "VARCHAR":
		return duckdb.TYPE_VARCHAR, true
	case "BLOB":
		return duckdb.TYPE_BLOB, true
	case "TIMESTAMP_S":
		return duckdb.TYPE_TIMESTAMP_S, true
	case "TIMESTAMP_MS":
		return duckdb.TYPE_TIMESTAMP_MS, true
	case "TIMESTAMP_NS":
		return duckdb.TYPE_TIMESTAMP_NS, true
	case "UUID":
		return duckdb.TYPE_UUID, true
	case "TIMESTAMPTZ":
		return duckdb.TYPE_TIMESTAMP_TZ, true
	case "TIMETZ":
		return duckdb.TYPE_TIME_TZ, true
	}
	return duckdb.TYPE_INVALID, false
}

// appender returns the function that appends one driver value (nil for
// NULL) to b, for the value types duckdb-go's rows return for the DuckDB
// type arrowType mapped to b's type.
func appender(b array.Builder) func(v any) error {
	bad := func(v any) error { return fmt.Errorf("unexpected %T for Arrow %s", v, b.Type()) }
	switch b := b.(type) {
	case *array.BooleanBuilder:
		return typed(b, b.Append, bad)
	case *array.Int8Builder:
		return typed(b, b.Append, bad)
	case *array.Int16Builder:
		return typed(b, b.Append, bad)
	case *array.Int32Builder:
		return typed(b, b.Append, bad)
	case *array.Int64Builder:
		return typed(b, b.Append, bad)
	case *array.Uint8Builder:
		return typed(b, b.Append, bad)
	case *array.Uint16Builder:
		return typed(b, b.Append, bad)
	case *array.Uint32Builder:
		return typed(b, b.Append, bad)
	case *array.Uint64Builder:
		return typed(b, b.Append, bad)
	case *array.Float32Builder:
		return typed(b, b.Append, bad)
	case *array.Float64Builder:
		return typed(b, b.Append, bad)
	case *array.BinaryBuilder:
		return typed(b, b.Append, bad)
	case *array.StringBuilder:
		return func(v any) error {
			switch v := v.(type) {
			case nil:
				b.AppendNull()
			case string:
				b.Append(v)
			case []byte: // UUID
				if len(v) != 16 {
					return bad(v)
				}
				u := duckdb.UUID(v)
				b.Append(u.String())
			case *big.Int:
				b.Append(v.String())
			default: // JSON and UNION
				j, err := json.Marshal(v)
				if err != nil {
					return err
				}
				b.BinaryBuilder.Append(j)
			}
			return nil
		}
	case *array.Date32Builder:
		return typed(b, func(t time.Time) { b.Append(arrow.Date32FromTime(t)) }, bad)
	case *array.Time64Builder:
		return typed(b, func(t time.Time) {
			h, m, s := t.Clock()
			b.Append(arrow.Time64((int64(h*3600+m*60+s)*1e9 + int64(t.Nanosecond())) / 1e3))
		}, bad)
	case *array.TimestampBuilder:
		unit := b.Type().(*arrow.TimestampType).Unit
		return typed(b, func(t time.Time) {
			switch unit {
			case arrow.Second:
				b.Append(arrow.Timestamp(t.Unix()))
			case arrow.Millisecond:
				b.Append(arrow.Timestamp(t.UnixMilli()))
			case arrow.Nanosecond:
				b.Append(arrow.Timestamp(t.UnixNano()))
			default:
				b.Append(arrow.Timestamp(t.UnixMicro()))
			}
		}, bad)
	case *array.MonthDayNanoIntervalBuilder:
		return typed(b, func(i duckdb.Interval) {
			b.Append(arrow.MonthDayNanoInterval{Months: i.Months, Days: i.Days, Nanoseconds: i.Micros * 1000})
		}, bad)
	case *array.Decimal128Builder:
		return func(v any) error {
			switch v := v.(type) {
			case nil:
				b.AppendNull()
			case duckdb.Decimal:
				b.Append(decimal128.FromBigInt(v.Value))
			case *big.Int: // HUGEINT
				b.Append(decimal128.FromBigInt(v))
			default:
				return bad(v)
			}
			return nil
		}
	case *array.NullBuilder:
		return func(any) error { b.AppendNull(); return nil }
	case *array.ListBuilder:
		child := appender(b.ValueBuilder())
		return typedErr(b, func(l []any) error {
			b.Append(true)
			return appendAll(child, l)
		}, bad)
	case *array.FixedSizeListBuilder:
		child := appender(b.ValueBuilder())
		return typedErr(b, func(l []any) error {
			b.Append(true)
			return appendAll(child, l)
		}, bad)
	case *array.MapBuilder:
		key, item := appender(b.KeyBuilder()), appender(b.ItemBuilder())
		return typedErr(b, func(m duckdb.OrderedMap) error {
			b.Append(true)
			if err := appendAll(key, m.Keys()); err != nil {
				return err
			}
			return appendAll(item, m.Values())
		}, bad)
	case *array.StructBuilder:
		st := b.Type().(*arrow.StructType)
		fields := make([]func(any) error, b.NumField())
		for i := range fields {
			fields[i] = appender(b.FieldBuilder(i))
		}
		return typedErr(b, func(m map[string]any) error {
			b.Append(true)
			for i, f := range fields {
				if err := f(m[st.Field(i).Name]); err != nil {
					return err
				}
			}
			return nil
		}, bad)
	}
	return func(v any) error { return bad(v) }
}

// typed adapts add to an appender of driver values that appends NULL for
// nil and refuses values that are not a T.
func typed[T any](b array.Builder, add func(T), bad func(any) error) func(any) error {
	return func(v any) error {
		if v == nil {
			b.AppendNull()
			return nil
		}
		t, ok := v.(T)
		if !ok {
			return bad(v)
		}
		add(t)
		return nil
	}
}

// typedErr is typed for an add that can fail.
func typedErr[T any](b array.Builder, add func(T) error, bad func(any) error) func(any) error {
	return func(v any) error {
		if v == nil {
			b.AppendNull()
			return nil
		}
		t, ok := v.(T)
		if !ok {
			return bad(v)
		}
		return add(t)
	}
}

func appendAll(add func(any) error, vs []any) error {
	for _, v := range vs {
		if err := add(v); err != nil {
			return err
		}
	}
	return nil
}

// rowsReader reads a DuckDB result into Arrow batches of batchRows rows,
// appending each row's values to builders kept from batch to batch.
type rowsReader struct {
	refs   atomic.Int64
	ctx    context.Context
	rows   driver.Rows
	close  func() error // closes rows and their statement
	schema *arrow.Schema
	build  *array.RecordBuilder
	adds   []func(any) error
	vals   []driver.Value
	cur    arrow.RecordBatch
	err    error
	done   bool
}

// newRowsReader reads rows, whose columns have the given names and DuckDB
// types. close is called once, when the rows are read or the reader released.
func newRowsReader(ctx context.Context, rows driver.Rows, close func() error, names []string, types []duckdb.TypeInfo) (*rowsReader, error) {
	fields := make([]arrow.Field, len(names))
	for i, n := range names {
		t, err := arrowType(types[i])
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", n, err)
		}
		fields[i] = arrow.Field{Name: n, Type: t, Nullable: true}
	}
	r := &rowsReader{ctx: ctx, rows: rows, close: close, schema: arrow.NewSchema(fields, nil), vals: make([]driver.Value, len(names))}
	r.build = array.NewRecordBuilder(memory.DefaultAllocator, r.schema)
	for _, f := range r.build.Fields() {
		r.adds = append(r.adds, appender(f))
	}
	r.refs.Store(1)
	return r, nil
}

// Retain adds a reference.
func (r *rowsReader) Retain() { r.refs.Add(1) }

// Release drops a reference; the last one frees the batch and the result.
func (r *rowsReader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	r.build.Release()
	r.finish()
}

// finish closes the result once.
func (r *rowsReader) finish() {
	r.done = true
	if r.close != nil {
		if err := r.close(); err != nil && r.err == nil {
			r.err = err
		}
		r.close = nil
	}
}

// Schema returns the result's schema.
func (r *rowsReader) Schema() *arrow.Schema { return r.schema }

// Next reads the next batch; false at the end or on an error (see Err).
func (r *rowsReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.done {
		return false
	}
	if err := r.ctx.Err(); err != nil {
		r.err = err
		r.finish()
		return false
	}
	r.build.Reserve(batchRows)
	n := 0
	for ; n < batchRows; n++ {
		err := r.rows.Next(r.vals)
		if errors.Is(err, io.EOF) {
			r.finish()
			break
		}
		if err == nil {
			err = r.appendRow()
		}
		if err != nil {
			r.err = classify(err)
			r.finish()
			return false
		}
	}
	if n == 0 {
		return false
	}
	r.cur = r.build.NewRecordBatch()
	return true
}

func (r *rowsReader) appendRow() error {
	for i, v := range r.vals {
		if err := r.adds[i](v); err != nil {
			return fmt.Errorf("column %q: %w", r.schema.Field(i).Name, err)
		}
	}
	return nil
}

// RecordBatch returns the current batch, valid until the next call of Next.
func (r *rowsReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record returns the current batch.
//
// Deprecated: use RecordBatch.
func (r *rowsReader) Record() arrow.RecordBatch { return r.cur }

// Err returns the error that ended the reading, if any.
func (r *rowsReader) Err() error { return r.err }
