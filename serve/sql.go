package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/output"
	"github.com/npit-mn/ictstat/warehouse"
)

// maxSQLBody bounds the body of POST /api/v1/sql.
const maxSQLBody = 1 << 20

// sqlRequest is the body of POST /api/v1/sql.
type sqlRequest struct {
	SQL      string `json:"sql"`
	Format   string `json:"format"`             // json (default), csv, parquet or arrow
	Snapshot *int64 `json:"snapshot,omitempty"` // default the current one
}

// sqlFormats are the formats SQL results come in.
var sqlFormats = map[string]bool{"json": true, "csv": true, "parquet": true, "arrow": true}

// sql answers POST /api/v1/sql: one SELECT over the pseudonymised views
// (the full tables for an admin), streamed, within the time limit; a JSON
// answer is refused (413) beyond the row limit, as it must be read whole.
func (s *Server) sql(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if s.opts.SQL == nil {
		s.fail(w, http.StatusServiceUnavailable, "sql unavailable", errString("this server has no SQL sandbox"))
		return
	}
	var req sqlRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSQLBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.fail(w, http.StatusRequestEntityTooLarge, "body too large", fmt.Errorf("the body may be at most %d bytes", maxSQLBody))
			return
		}
		s.fail(w, http.StatusBadRequest, "bad body", fmt.Errorf(`want {"sql": "SELECT ...", "format": "json|csv|parquet|arrow"}: %v`, err))
		return
	}
	if req.Format == "" {
		req.Format = "json"
	}
	if !sqlFormats[req.Format] {
		s.fail(w, http.StatusBadRequest, "bad format", fmt.Errorf("format %q: want json, csv, parquet or arrow", req.Format))
		return
	}
	snap := int64(-1)
	if req.Snapshot != nil {
		snap = *req.Snapshot
	}
	release, ok := s.admit(w, r)
	if !ok {
		return
	}
	defer release()
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.SQLTimeout)
	defer cancel()
	access := warehouse.Research
	if RoleOf(r) >= RoleAdmin {
		access = warehouse.Full
	}
	status, rows := s.streamSQL(ctx, w, req, snap, access)
	s.record(r, "sql", req.SQL, rows, status, start)
}

// streamSQL runs the query and writes its answer; it returns the status
// sent and the rows written.
func (s *Server) streamSQL(ctx context.Context, w http.ResponseWriter, req sqlRequest, snap int64, access warehouse.Access) (int, int64) {
	res, err := s.opts.SQL.Query(ctx, snap, req.SQL, access)
	if err != nil {
		st := sqlStatus(ctx, err)
		s.fail(w, st, "query failed", sqlError(ctx, err))
		return st, 0
	}
	defer res.Release()
	var rr array.RecordReader = res
	if req.Format == "json" {
		held, err := holdRows(res, s.opts.SQLMaxRows)
		if err != nil {
			st := sqlStatus(ctx, err)
			s.fail(w, st, "query failed", sqlError(ctx, err))
			return st, 0
		}
		defer held.Release()
		rr = held
	}
	w.Header().Set("Content-Type", contentTypes[req.Format])
	w.Header().Set("X-Ictstat-Snapshot", strconv.FormatInt(res.Snapshot.ID, 10))
	n, err := output.Write(w, req.Format, rr, output.Meta{Snapshot: res.Snapshot.ID})
	if err != nil {
		// The status is sent: cut the connection so the client sees a
		// broken answer, not a short one.
		s.log.Info().Err(err).Int64("rows", n).Msg("sql answer cut short")
		panic(http.ErrAbortHandler)
	}
	return http.StatusOK, n
}

// sqlStatus is the HTTP status of a failed SQL query.
func sqlStatus(ctx context.Context, err error) int {
	switch {
	case ctx.Err() != nil:
		return http.StatusGatewayTimeout
	case errors.Is(err, output.ErrTooManyRows), errors.Is(err, warehouse.ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	}
	return statusOf(err)
}

// sqlError says what went wrong in the caller's terms.
func sqlError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return errString("the query ran past its time limit and was stopped: narrow it")
	}
	return err
}

// holdRows reads rr's batches while they hold at most max rows, so that a
// JSON answer over the limit is refused before its first byte; the rows
// held are bounded by the limit.
func holdRows(rr array.RecordReader, max int64) (array.RecordReader, error) {
	var recs []arrow.RecordBatch
	var n int64
	free := func() {
		for _, r := range recs {
			r.Release()
		}
	}
	for rr.Next() {
		rec := rr.RecordBatch()
		n += rec.NumRows()
		if n > max {
			free()
			return nil, fmt.Errorf("%w: %w (limit %d)", ictstat.ErrUsage, output.ErrTooManyRows, max)
		}
		rec.Retain()
		recs = append(recs, rec)
	}
	if err := rr.Err(); err != nil {
		free()
		return nil, err
	}
	out, err := array.NewRecordReader(rr.Schema(), recs)
	free() // the reader holds its own references
	return out, err
}

// record writes an audit entry for a request made with a token.
func (s *Server) record(r *http.Request, action, what string, rows int64, status int, start time.Time) {
	s.auditEntry(identityOf(r.Context()), action, what, rows, status, start)
}

// auditEntry writes an audit entry if id is a token's (zero start: no
// duration).
func (s *Server) auditEntry(id identity, action, what string, rows int64, status int, start time.Time) {
	if id.name == "" || s.opts.Audit == nil {
		return
	}
	var ms int64
	if !start.IsZero() {
		ms = time.Since(start).Milliseconds()
	}
	e := AuditEntry{Time: s.opts.Now().UTC(), Token: id.name, Role: id.role.String(), Action: action, What: what, Rows: rows, Status: status, Millis: ms}
	if err := s.opts.Audit.Record(e); err != nil {
		s.log.Error().Err(err).Msg("audit log")
	}
}

// audit answers GET /api/v1/audit?limit=N: the newest entries first.
func (s *Server) audit(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 10000 {
			s.fail(w, http.StatusBadRequest, "bad parameter limit", fmt.Errorf("limit %q: want 1 to 10000", v))
			return
		}
		limit = n
	}
	if s.opts.Audit == nil {
		writeJSON(w, http.StatusOK, map[string]any{"entries": []AuditEntry{}})
		return
	}
	entries, err := s.opts.Audit.Tail(limit)
	if err != nil {
		s.fail(w, http.StatusInternalServerError, "reading the audit log", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": entries})
}
