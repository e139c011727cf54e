package warehouse

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"

	"github.com/npit-mn/ictstat"
)

// Access is what a sandboxed query may read.
type Access int

const (
	// Research is the pseudonymised views: no company names, registry
	// numbers, filing and response ids replaced by keyed pseudonyms, no
	// quarantine, no job runs, no source files or URLs.
	Research Access = iota
	// Full is every table of the snapshot, still read-only.
	Full
)

// SandboxOptions configure a Sandbox; the zero value is the default except
// for PseudonymKey, which is required.
type SandboxOptions struct {
	// MemoryLimit caps the sandbox's DuckDB, shared by its running
	// queries, e.g. "256MB"; default "256MB".
	MemoryLimit string
	// Threads caps the sandbox's DuckDB threads; default 1.
	Threads int
	// PseudonymKey keys the pseudonyms (HMAC-SHA256); at least 16 bytes.
	// The same key gives the same pseudonyms across snapshots and servers.
	PseudonymKey []byte
}

// Sandbox answers untrusted SQL over a warehouse's snapshots in an
// in-memory DuckDB of its own, whose memory and threads are capped, so that
// one query cannot take the machine or slow the named analytics. A query
// may name only the views its Access allows, without a schema, and call no
// function that reads files, settings or the catalog.
type Sandbox struct {
	w   *Warehouse
	e   *engine
	key []byte
	mu  sync.Mutex // guards e.research
}

// pseudonymFunc is the SQL name of the keyed pseudonym function; queries
// may not call it (it would let anyone pseudonymise a known registry
// number and so reverse the pseudonyms).
const pseudonymFunc = "ictstat_pseudonym"

// NewSandbox starts a sandbox over w's snapshots. Close it when done.
func (w *Warehouse) NewSandbox(opts SandboxOptions) (*Sandbox, error) {
	if len(opts.PseudonymKey) < 16 {
		return nil, fmt.Errorf("%w: sandbox pseudonym key: want at least 16 bytes", ictstat.ErrUsage)
	}
	if opts.MemoryLimit == "" {
		opts.MemoryLimit = "256MB"
	}
	if opts.Threads <= 0 {
		opts.Threads = 1
	}
	e, err := newEngine(w.root, Options{MemoryLimit: opts.MemoryLimit, Threads: opts.Threads, ReadOnly: w.opts.ReadOnly}, w.refs)
	if err != nil {
		return nil, err
	}
	s := &Sandbox{w: w, e: e, key: append([]byte(nil), opts.PseudonymKey...)}
	conn, err := e.db.Conn(context.Background())
	if err == nil {
		err = duckdb.RegisterScalarUDF(conn, pseudonymFunc, pseudonymUDF{key: s.key})
		conn.Close()
	}
	if err == nil {
		// Spilling is the memory limit's escape: bound it too.
		_, err = e.db.Exec("SET max_temp_directory_size='1GB'")
	}
	if err != nil {
		e.close()
		return nil, fmt.Errorf("start sql sandbox: %w", err)
	}
	e.research = map[int64]bool{}
	return s, nil
}

// Close stops the sandbox's engine.
func (s *Sandbox) Close() error { return s.e.close() }

// Pseudonym returns the pseudonym the Research views show for id (a
// registry number, filing id or survey response id).
func (s *Sandbox) Pseudonym(id string) string { return pseudonym(s.key, id) }

func pseudonym(key []byte, id string) string {
	if id == "" {
		return ""
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	return "p" + hex.EncodeToString(m.Sum(nil)[:12])
}

// pseudonymUDF is the DuckDB scalar function behind the Research views.
type pseudonymUDF struct{ key []byte }

func (p pseudonymUDF) Config() duckdb.ScalarFuncConfig {
	t, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	return duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{t}, ResultTypeInfo: t}
}

func (p pseudonymUDF) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: func(values []driver.Value) (any, error) {
		s, _ := values[0].(string)
		return pseudonym(p.key, s), nil
	}}
}

// ErrTooLarge marks a sandboxed query that needed more memory than the
// sandbox allows.
var ErrTooLarge = errors.New("the query needs more memory than the sandbox allows: aggregate, filter or narrow it")

// Query runs one SELECT over snapshot id (negative: current) with the given
// access. Errors in the query wrap ictstat.ErrUsage and say what to change;
// running out of the sandbox's memory, at once or while reading the
// result, is ErrTooLarge.
func (s *Sandbox) Query(ctx context.Context, id int64, query string, access Access) (*Result, error) {
	res, err := s.query(ctx, id, query, access)
	if err != nil {
		return nil, tooLarge(err)
	}
	res.RecordReader = memoryErrors{res.RecordReader}
	return res, nil
}

// memoryErrors reports running out of memory while reading as ErrTooLarge.
type memoryErrors struct{ array.RecordReader }

func (m memoryErrors) Err() error { return tooLarge(m.RecordReader.Err()) }

// tooLarge replaces DuckDB's out-of-memory error, whose advice (raise the
// limit) is not the caller's to take, by ErrTooLarge.
func tooLarge(err error) error {
	var de *duckdb.Error
	if errors.As(err, &de) && de.Type == duckdb.ErrorTypeOutOfMemory {
		return ErrTooLarge
	}
	return err
}

func (s *Sandbox) query(ctx context.Context, id int64, query string, access Access) (*Result, error) {
	return s.w.queryOn(ctx, s.e, id, query, func(ctx context.Context, m *Manifest, history []*Manifest) (string, func(driver.Conn, string) error, error) {
		schema, err := s.e.ensureSchema(ctx, m, history)
		if err != nil {
			return "", nil, err
		}
		allowed := s.fullNames()
		if access == Research {
			if schema, err = s.ensureResearch(ctx, m); err != nil {
				s.e.release(m.ID)
				return "", nil, err
			}
			allowed = s.researchNames()
		}
		return schema, func(dc driver.Conn, q string) error { return checkSandboxed(dc, q, allowed) }, nil
	})
}

// researchViews are the pseudonymised views: table -> SELECT list over the
// snapshot's view of the same name. Tables not listed are not shown.
var researchViews = [][2]string{
	{TableFilings, "* EXCLUDE (company_name, source, source_line) REPLACE (%[1]s(filing_id) AS filing_id, %[1]s(registry_no) AS registry_no)"},
	{ViewZoneFilings, "* EXCLUDE (company_name, source, source_line) REPLACE (%[1]s(filing_id) AS filing_id, %[1]s(registry_no) AS registry_no)"},
	{TableFilingRevisions, "* EXCLUDE (company_name, source, source_line) REPLACE (%[1]s(filing_id) AS filing_id, %[1]s(registry_no) AS registry_no)"},
	{TableFilingExports, "* REPLACE (%[1]s(filing_id) AS filing_id, %[1]s(registry_no) AS registry_no)"},
	{TableRegistrations, "* EXCLUDE (company_name, source, source_line) REPLACE (%[1]s(registry_no) AS registry_no)"},
	{TableCompanies, "* EXCLUDE (company_name, history) REPLACE (%[1]s(registry_no) AS registry_no)"},
	{TableSurveyResponses, "* EXCLUDE (source) REPLACE (%[1]s(registry_no) AS registry_no, %[1]s(response_id) AS response_id)"},
	{TableSurveyStrata, "*"},
	{TableBopExports, "* EXCLUDE (source, source_line)"},
	{TableNationalAccount, "* EXCLUDE (source)"},
	{TableFXRates, "*"},
	{"snapshots", "id, parent, created_at, operation, filings_rows"},
}

// ensureResearch creates the pseudonymised views of snapshot m once, in
// schema rN over the views of sN, and returns the schema's name.
func (s *Sandbox) ensureResearch(ctx context.Context, m *Manifest) (string, error) {
	name := fmt.Sprintf("r%d", m.ID)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.e.mu.Lock()
	done := s.e.research[m.ID]
	s.e.mu.Unlock()
	if done {
		return name, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE SCHEMA IF NOT EXISTS %s;\n", name)
	for _, v := range researchViews {
		fmt.Fprintf(&b, "CREATE OR REPLACE VIEW %s.%s AS SELECT %s FROM s%d.%s;\n", name, v[0], strings.ReplaceAll(v[1], "%[1]s", pseudonymFunc), m.ID, v[0])
	}
	for _, r := range s.e.refs {
		fmt.Fprintf(&b, "CREATE OR REPLACE VIEW %s.%s AS SELECT * FROM %s.%s;\n", name, r.name, refSchema, r.name)
	}
	if _, err := s.e.db.ExecContext(ctx, b.String()); err != nil {
		return "", fmt.Errorf("create pseudonymised views of snapshot %d: %w", m.ID, err)
	}
	s.e.mu.Lock()
	s.e.research[m.ID] = true
	s.e.mu.Unlock()
	return name, nil
}

// researchNames are the tables a Research query may name.
func (s *Sandbox) researchNames() map[string]bool {
	n := map[string]bool{}
	for _, v := range researchViews {
		n[v[0]] = true
	}
	for _, r := range s.e.refs {
		n[r.name] = true
	}
	return n
}

// fullNames are the tables a Full query may name.
func (s *Sandbox) fullNames() map[string]bool {
	n := map[string]bool{"snapshots": true, "job_runs": true, ViewZoneFilings: true}
	for _, t := range tableDefs() {
		n[t.name] = true
	}
	for _, r := range s.e.refs {
		n[r.name] = true
	}
	return n
}
