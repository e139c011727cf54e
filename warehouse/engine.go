package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"
	"github.com/parquet-go/parquet-go"

	"github.com/npit-mn/ictstat"
)

// maxSchemas bounds how many snapshots keep their views in the engine.
const maxSchemas = 16

// engine is the in-memory DuckDB that answers SQL over snapshots. Each
// snapshot N gets a schema sN of views over exactly its files; a query runs
// with search_path set to that schema. DuckDB can read only the table
// folders and the engine's own folder of empty-table files.
type engine struct {
	db    *sql.DB
	conn  *duckdb.Connector
	root  string
	empty string // folder of zero-row Parquet files, one per table

	mu      sync.Mutex
	schemas map[int64]bool
	order   []int64
	inUse   map[int64]int // queries running on each snapshot's views
	refs    []refTable    // reference tables, a view of each in every schema

	research map[int64]bool // snapshots with pseudonymised views (sandbox engines only)
}

func newEngine(root string, opts Options, refs []refTable) (*engine, error) {
	if !opts.ReadOnly {
		if err := ensureRunLog(root); err != nil {
			return nil, err
		}
		if err := ensureReleaseLog(root); err != nil {
			return nil, err
		}
	}
	empty, err := os.MkdirTemp("", "ictstat-schemas-")
	if err != nil {
		return nil, err
	}
	for _, log := range []string{"job_runs.jsonl", releasesFile} {
		if err := os.WriteFile(filepath.Join(empty, log), nil, 0o644); err != nil {
			os.RemoveAll(empty)
			return nil, err
		}
	}
	for _, t := range tableDefs() {
		if err := writeEmpty(filepath.Join(empty, t.name+".parquet"), t.schema); err != nil {
			return nil, err
		}
	}
	setup := []string{
		"SET autoinstall_known_extensions=false",
		"SET autoload_known_extensions=false",
		"SET TimeZone='UTC'",
		"SET temp_directory=" + sqlString(filepath.Join(empty, "spill")),
		// tables/ for a warehouse of an older layout opened read-only, whose manifests name files there
		fmt.Sprintf("SET allowed_directories=[%s, %s, %s, %s]", sqlString(filepath.Join(root, filesDir)+"/"), sqlString(filepath.Join(root, tablesDir)+"/"),
			sqlString(filepath.Join(root, runsDir)+"/"), sqlString(empty+"/")),
		"SET enable_external_access=false",
	}
	if opts.Threads > 0 {
		setup = append(setup, fmt.Sprintf("SET threads=%d", opts.Threads))
	}
	if opts.MemoryLimit != "" {
		setup = append(setup, "SET memory_limit="+sqlString(opts.MemoryLimit))
	}
	var (
		initMu sync.Mutex
		global bool // the database-wide settings are in place
	)
	c, err := duckdb.NewConnector("", func(ex driver.ExecerContext) error {
		initMu.Lock()
		defer initMu.Unlock()
		for _, s := range setup {
			// allowed_directories and temp_directory are database-wide and cannot change once
			// external access is off: only the first connection sets it.
			if global && (strings.HasPrefix(s, "SET allowed_directories") || strings.HasPrefix(s, "SET temp_directory")) {
				continue
			}
			if _, err := ex.ExecContext(context.Background(), s, nil); err != nil {
				return fmt.Errorf("duckdb %s: %w", s, err)
			}
		}
		global = true
		return nil
	})
	if err != nil {
		os.RemoveAll(empty)
		return nil, err
	}
	e := &engine{db: sql.OpenDB(c), conn: c, root: root, empty: empty, schemas: map[int64]bool{}, inUse: map[int64]int{}, refs: refs}
	if err := loadReferences(context.Background(), e.db, refs); err != nil {
		e.close()
		return nil, err
	}
	if err := registerFunctions(context.Background(), e.db); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func (e *engine) close() error {
	err := e.db.Close()
	e.conn.Close()
	os.RemoveAll(e.empty)
	return err
}

// writeEmpty writes a zero-row Parquet file with the given schema.
func writeEmpty(path string, schema *parquet.Schema) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := parquet.NewWriter(f, schema)
	if err := w.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// ensureSchema creates the views of snapshot m once and marks them in use
// until release(m.ID).
func (e *engine) ensureSchema(ctx context.Context, m *Manifest, history []*Manifest) (string, error) {
	name := fmt.Sprintf("s%d", m.ID)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.schemas[m.ID] {
		e.inUse[m.ID]++
		return name, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE SCHEMA IF NOT EXISTS %s;\n", name)
	for _, t := range tableDefs() {
		fmt.Fprintf(&b, "CREATE OR REPLACE VIEW %s.%s AS %s;\n", name, t.name, e.tableSQL(t, m.Tables[t.name]))
	}
	for _, r := range e.refs {
		fmt.Fprintf(&b, "CREATE OR REPLACE VIEW %s.%s AS SELECT * FROM %s.%s;\n", name, r.name, refSchema, r.name)
	}
	fmt.Fprintf(&b, "CREATE OR REPLACE VIEW %s.%s AS %s;\n", name, ViewZoneFilings, zoneFilingsSQL(name))
	b.WriteString(snapshotsSQL(name, history))
	runs := filepath.Join(e.root, runsDir, "job_runs.jsonl")
	if _, err := os.Stat(runs); err != nil { // a read-only warehouse that never ran a job
		runs = filepath.Join(e.empty, "job_runs.jsonl")
	}
	fmt.Fprintf(&b, "CREATE OR REPLACE VIEW %s.job_runs AS %s;\n", name, jobRunsSQL(runs))
	releases := filepath.Join(e.root, runsDir, releasesFile)
	if _, err := os.Stat(releases); err != nil { // a read-only warehouse that never published
		releases = filepath.Join(e.empty, releasesFile)
	}
	fmt.Fprintf(&b, "CREATE OR REPLACE VIEW %s.releases AS %s;\n", name, releasesSQL(releases))
	if _, err := e.db.ExecContext(ctx, b.String()); err != nil {
		return "", fmt.Errorf("create views of snapshot %d: %w", m.ID, err)
	}
	e.schemas[m.ID] = true
	e.inUse[m.ID]++
	e.order = append(e.order, m.ID)
	// Drop the oldest views beyond maxSchemas, but none a query is using.
	for i := 0; len(e.order) > maxSchemas && i < len(e.order); {
		old := e.order[i]
		if e.inUse[old] > 0 {
			i++
			continue
		}
		e.order = append(e.order[:i], e.order[i+1:]...)
		delete(e.schemas, old)
		delete(e.research, old)
		e.db.ExecContext(ctx, fmt.Sprintf("DROP SCHEMA IF EXISTS r%d CASCADE; DROP SCHEMA IF EXISTS s%d CASCADE", old, old))
	}
	return name, nil
}

// release ends a use of snapshot id's views begun by ensureSchema.
func (e *engine) release(id int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.inUse[id]--; e.inUse[id] <= 0 {
		delete(e.inUse, id)
	}
}

// tableSQL is the SELECT behind a table's view: the snapshot's files with
// their hive partition columns, or an empty relation of the same shape.
func (e *engine) tableSQL(t tableDef, files []File) string {
	if len(files) == 0 {
		cols := ""
		for _, h := range t.hive {
			cols += fmt.Sprintf(", CAST(NULL AS %s) AS %s", h[1], h[0])
		}
		return fmt.Sprintf("SELECT *%s FROM read_parquet(%s)", cols, sqlString(filepath.Join(e.empty, t.name+".parquet")))
	}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = sqlString(filepath.Join(e.root, filepath.FromSlash(f.Path)))
	}
	opts := ""
	if len(t.hive) > 0 {
		types := make([]string, len(t.hive))
		for i, h := range t.hive {
			types[i] = fmt.Sprintf("%s: %s", sqlString(h[0]), h[1])
		}
		opts = fmt.Sprintf(", hive_partitioning=true, hive_types={%s}", strings.Join(types, ", "))
	}
	return fmt.Sprintf("SELECT * FROM read_parquet([%s]%s)", strings.Join(paths, ", "), opts)
}

// snapshotsSQL builds the snapshots table of a schema from the catalog.
func snapshotsSQL(schema string, history []*Manifest) string {
	var rows []string
	for _, m := range history {
		rows = append(rows, fmt.Sprintf("(%d, %d, TIMESTAMPTZ %s, %s, %s, %d, %d)", m.ID, m.Parent,
			sqlString(m.CreatedAt.UTC().Format("2006-01-02 15:04:05.999999Z")), sqlString(m.Operation), sqlString(m.Message),
			m.Rows(TableFilings), m.Rows(TableQuarantine)))
	}
	q := "SELECT * FROM (VALUES (0::BIGINT, 0::BIGINT, NULL::TIMESTAMPTZ, '', '', 0::BIGINT, 0::BIGINT)) t(id, parent, created_at, operation, message, filings_rows, quarantine_rows) WHERE false"
	if len(rows) > 0 {
		q = "SELECT * FROM (VALUES " + strings.Join(rows, ", ") + ") t(id, parent, created_at, operation, message, filings_rows, quarantine_rows)"
	}
	return fmt.Sprintf("CREATE OR REPLACE VIEW %s.snapshots AS %s;\n", schema, q)
}

// ViewZoneFilings is the view of the filings that virtual-zone statistics
// count: the one definition every analytic and KPI uses.
const ViewZoneFilings = "zone_filings"

// zoneFilingsSQL defines the view zone_filings of schema: the current
// filings of companies registered in the virtual zone in the filing's
// month (a registered spell of the company's registry history,
// transform.ActiveOn's, on a day of the month), or every filing while the
// register is not loaded (companies empty). data_quality counts the others
// (flag "not registered in the month").
func zoneFilingsSQL(schema string) string {
	return fmt.Sprintf(`SELECT f.* FROM %[1]s.filings f
WHERE NOT EXISTS (SELECT 1 FROM %[1]s.companies) OR EXISTS (
    SELECT 1 FROM (SELECT registry_no, UNNEST(history) AS s FROM %[1]s.companies) sp
    WHERE sp.registry_no = f.registry_no AND sp.s.registered
        AND sp.s.valid_from < f.period + INTERVAL 1 MONTH AND (sp.s.valid_to IS NULL OR sp.s.valid_to > f.period))`, schema)
}

// Result is a query's answer as Arrow record batches. Release it when done.
type Result struct {
	array.RecordReader
	Snapshot *Manifest
	release  func()
}

// Release frees the batches and returns the connection to the pool.
func (r *Result) Release() {
	if r.release != nil {
		r.RecordReader.Release()
		r.release()
		r.release = nil
	}
}

// Query runs one read-only statement over snapshot id (negative: current)
// and returns its answer as Arrow batches. Only SELECT-like statements are
// accepted: no DDL, SET, PRAGMA, COPY, ATTACH or INSERT.
func (w *Warehouse) Query(ctx context.Context, id int64, query string, args ...any) (*Result, error) {
	e, err := w.queryEngine()
	if err != nil {
		return nil, err
	}
	return w.queryOn(ctx, e, id, query, func(ctx context.Context, m *Manifest, history []*Manifest) (string, func(driver.Conn, string) error, error) {
		schema, err := e.ensureSchema(ctx, m, history)
		return schema, checkReadOnly, err
	}, args...)
}

// viewsFunc readies the views a query over snapshot m runs against, marks
// them in use (released with e.release(m.ID)), and says how to check the
// query before it runs.
type viewsFunc func(ctx context.Context, m *Manifest, history []*Manifest) (schema string, check func(driver.Conn, string) error, err error)

// queryOn runs query on engine e over the views views readies.
func (w *Warehouse) queryOn(ctx context.Context, e *engine, id int64, query string, views viewsFunc, args ...any) (*Result, error) {
	m, err := w.Snapshot(id)
	if err != nil {
		return nil, err
	}
	var history []*Manifest
	if all, err := w.Snapshots(); err == nil {
		for _, h := range all {
			if h.ID <= m.ID {
				history = append(history, h)
			}
		}
	}
	schema, check, err := views(ctx, m, history)
	if err != nil {
		return nil, err
	}
	conn, err := e.db.Conn(ctx)
	if err != nil {
		e.release(m.ID)
		return nil, err
	}
	var rr array.RecordReader
	err = conn.Raw(func(dc any) error {
		if _, err := dc.(driver.ExecerContext).ExecContext(ctx, "SET search_path="+sqlString(schema), nil); err != nil {
			return err
		}
		if err := check(dc.(driver.Conn), query); err != nil {
			return err
		}
		rr, err = queryArrow(ctx, dc.(driver.Conn), query, args)
		return err
	})
	if err != nil {
		conn.Close()
		e.release(m.ID)
		return nil, err
	}
	return &Result{RecordReader: rr, Snapshot: m, release: func() { conn.Close(); e.release(m.ID) }}, nil
}

// checkReadOnly parses query without binding it and refuses anything but
// one SELECT: binding some statements already acts (EXPORT DATABASE
// creates its folder), so this check comes before queryArrow prepares it.
func checkReadOnly(dc driver.Conn, query string) error {
	_, err := parseSelect(dc, query)
	return err
}

// queryArrow prepares query, refuses anything but one SELECT, runs it with
// args (values or sql.NamedArg) and returns a reader of its Arrow batches.
func queryArrow(ctx context.Context, dc driver.Conn, query string, args []any) (array.RecordReader, error) {
	st, err := dc.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, classify(err)
	}
	ds, ok := st.(*duckdb.Stmt)
	if !ok {
		st.Close()
		return nil, fmt.Errorf("unexpected statement type %T", st)
	}
	r, err := runSelect(ctx, ds, args)
	if err != nil {
		ds.Close()
		return nil, err
	}
	return r, nil
}

// runSelect runs the prepared SELECT ds; the reader closes ds when done.
func runSelect(ctx context.Context, ds *duckdb.Stmt, args []any) (array.RecordReader, error) {
	typ, err := ds.StatementType()
	if err != nil {
		return nil, err
	}
	if typ != duckdb.STATEMENT_TYPE_SELECT {
		return nil, fmt.Errorf("%w: only SELECT queries are allowed (no DDL, SET, PRAGMA, COPY, ATTACH or writes)", ictstat.ErrUsage)
	}
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
		if na, ok := a.(sql.NamedArg); ok {
			named[i].Name, named[i].Value = na.Name, na.Value
		}
	}
	rows, err := ds.QueryContext(ctx, named)
	if err != nil {
		return nil, classify(err)
	}
	names := rows.Columns()
	types, err := columnTypes(ds, rows, len(names))
	if err != nil {
		rows.Close()
		return nil, err
	}
	r, err := newRowsReader(ctx, rows, func() error { return errors.Join(rows.Close(), ds.Close()) }, names, types)
	if err != nil {
		rows.Close()
		return nil, err
	}
	return r, nil
}

func (w *Warehouse) queryEngine() (*engine, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.engine == nil {
		e, err := newEngine(w.root, w.opts, w.refs)
		if err != nil {
			return nil, err
		}
		w.engine = e
	}
	return w.engine, nil
}

// Schema of a Result, re-exported for callers that format results.
type Schema = arrow.Schema

// classify marks errors in the query itself (syntax, names, types) as usage
// errors, and those a named query raises about its parameters (SQL
// error('bad parameter NAME: ...')) as bad input; failures of the engine or
// its files stay what they are.
func classify(err error) error {
	var de *duckdb.Error
	if errors.As(err, &de) {
		if de.Type == duckdb.ErrorTypeInvalidInput {
			if _, msg, ok := strings.Cut(de.Msg, "bad parameter "); ok {
				return fmt.Errorf("%w: parameter %s", ictstat.ErrBadInput, msg)
			}
		}
		switch de.Type {
		case duckdb.ErrorTypeParser, duckdb.ErrorTypeSyntax, duckdb.ErrorTypeBinder, duckdb.ErrorTypeCatalog,
			duckdb.ErrorTypeConversion, duckdb.ErrorTypeMismatchType, duckdb.ErrorTypeInvalidType, duckdb.ErrorTypeExpression,
			duckdb.ErrorTypeNotImplemented, duckdb.ErrorTypeOutOfRange, duckdb.ErrorTypeDivideByZero, duckdb.ErrorTypePermission:
			return fmt.Errorf("%w: %w", ictstat.ErrUsage, err)
		}
	}
	return err
}
