package serve

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/kpi"
	"github.com/npit-mn/ictstat/output"
	"github.com/npit-mn/ictstat/queries"
	"github.com/npit-mn/ictstat/warehouse"
)

func (s *Server) routes() {
	m := http.NewServeMux()
	// The roles' table: the least role each route needs. Named analytics
	// are open to all, and runQuery applies what the public may see.
	m.HandleFunc("GET /{$}", s.require(RolePublic, s.dash.ServeHTTP))
	m.HandleFunc("GET /healthz", s.require(RolePublic, s.healthz))
	m.Handle("GET /metrics", promhttp.HandlerFor(s.opts.Gatherer, promhttp.HandlerOpts{}))
	m.HandleFunc("GET /api/v1/queries", s.require(RolePublic, s.listQueries))
	m.HandleFunc("GET /api/v1/queries/{name}", s.require(RolePublic, s.runQuery))
	m.HandleFunc("GET /api/v1/snapshots", s.require(RoleResearcher, s.snapshots))
	m.HandleFunc("POST /api/v1/sql", s.require(RoleResearcher, s.sql))
	m.HandleFunc("GET /api/v1/jobs", s.require(RoleAdmin, s.jobs))
	m.HandleFunc("GET /api/v1/audit", s.require(RoleAdmin, s.audit))
	// Releases are open to all; under embargo only an admin sees them.
	m.HandleFunc("GET /api/v1/releases", s.require(RolePublic, s.listReleases))
	m.HandleFunc("GET /api/v1/releases/{id}", s.require(RolePublic, s.getRelease))
	m.HandleFunc("GET /releases/{id}/{file}", s.require(RolePublic, s.releaseFile))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, http.StatusNotFound, "no such route", fmt.Errorf("%s %s: see GET /api/v1/queries", r.Method, clip(r.URL.Path, 200)))
	})
	s.mux = m
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	m, err := s.wh.Current()
	if err != nil {
		s.fail(w, http.StatusServiceUnavailable, "warehouse unreadable", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "snapshot": m.ID})
}

func (s *Server) listQueries(w http.ResponseWriter, r *http.Request) {
	if s.queriesErr != nil {
		s.fail(w, http.StatusInternalServerError, "listing queries", s.queriesErr)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"queries": s.queries, "formats": output.Formats})
}

// query returns the named analytic, parsed once when the server started.
func (s *Server) query(name string) (*queries.Query, error) {
	if s.queriesErr != nil {
		return nil, s.queriesErr
	}
	names := make([]string, 0, len(s.queries))
	for _, q := range s.queries {
		if q.Name == name {
			return q, nil
		}
		names = append(names, q.Name)
	}
	return nil, fmt.Errorf("no named query %q (there are: %s): %w", clip(name, 100), strings.Join(names, ", "), ictstat.ErrNotFound)
}

// contentTypes of the formats the API serves.
var contentTypes = map[string]string{
	"json":    "application/json",
	"csv":     "text/csv; charset=utf-8",
	"parquet": "application/vnd.apache.parquet",
	"arrow":   "application/vnd.apache.arrow.stream",
	"xlsx":    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

// attachment is the Content-Disposition of a format a browser should save
// rather than show, or "".
func attachment(name string, snap int64, format string) string {
	if format != "xlsx" {
		return ""
	}
	return fmt.Sprintf("attachment; filename=\"%s-snapshot%d.xlsx\"", name, snap)
}

// minNFloor is the fewest answers a survey estimate may rest on for
// anyone but an admin: the default of survey_estimates' min_n.
const minNFloor = 10

// queryParams reads a named analytic's parameters from the query string,
// refusing what url.Values would silently drop or merge.
func queryParams(raw string) (params map[string]string, format string, vals url.Values, err error) {
	vals, err = url.ParseQuery(raw)
	if err != nil {
		return nil, "", nil, fmt.Errorf("%w: query string: %v (separate parameters with '&'; encode ';' as %%3B)", ictstat.ErrUsage, err)
	}
	params = map[string]string{}
	for k, v := range vals {
		if len(v) != 1 {
			return nil, "", nil, fmt.Errorf("%w: parameter %s given %d times", ictstat.ErrUsage, k, len(v))
		}
		if k == "format" || k == "snapshot" || k == "release" {
			continue
		}
		params[k] = v[0]
	}
	format = vals.Get("format")
	if format == "" {
		format = "json"
	}
	if _, ok := contentTypes[format]; !ok {
		return nil, "", nil, fmt.Errorf("%w: format %q: want json, csv, parquet, arrow or xlsx", ictstat.ErrUsage, format)
	}
	return params, format, vals, nil
}

// runQuery answers GET /api/v1/queries/{name}?format=&snapshot=&<param>=...
func (s *Server) runQuery(w http.ResponseWriter, r *http.Request) {
	q, err := s.query(r.PathValue("name"))
	if err != nil {
		s.fail(w, statusOf(err), "unknown query", err)
		return
	}
	params, format, vals, err := queryParams(r.URL.RawQuery)
	if err != nil {
		s.fail(w, http.StatusBadRequest, "bad parameter", err)
		return
	}
	role := RoleOf(r)
	if v, ok := params["min_n"]; ok && role < RoleAdmin {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n < minNFloor {
			s.fail(w, http.StatusForbidden, "forbidden", fmt.Errorf("min_n=%d: below %d needs the admin role (smaller cells are suppressed)", n, minNFloor))
			return
		}
	}
	if role == RolePublic && s.opts.Public == nil {
		s.fail(w, http.StatusForbidden, "forbidden", fmt.Errorf("%s needs the researcher role: send Authorization: Bearer TOKEN, or read the published releases", q.Name))
		return
	}
	var snap int64
	if rel := vals.Get("release"); rel != "" {
		if vals.Has("snapshot") {
			s.fail(w, http.StatusBadRequest, "bad parameter release", fmt.Errorf("give snapshot or release, not both"))
			return
		}
		if snap, err = s.releaseSnapshot(r, rel); err != nil {
			s.fail(w, statusOf(err), "bad parameter release", err)
			return
		}
	} else if snap, err = s.snapshotParam(vals); err != nil {
		s.fail(w, statusOf(err), "bad parameter snapshot", err)
		return
	}
	if q.Name == kpi.Name && len(s.opts.KPIs) > 0 {
		if err := kpi.Check(r.Context(), s.wh, snap, s.opts.KPIs); err != nil {
			s.fail(w, statusOf(err), "bad kpi", err)
			return
		}
	}
	queries.DefaultDigits(params, format)
	args, err := q.Values(params)
	if err != nil {
		s.fail(w, http.StatusBadRequest, "bad parameter", err)
		return
	}
	key := cacheKey(q.Name, role == RolePublic, args, snap, format)
	e, ok := s.cache.get(key)
	if ok {
		s.metrics.hits.Inc()
	} else {
		s.metrics.misses.Inc()
		release, ok := s.admit(w, r)
		if !ok {
			return
		}
		v, err, _ := s.flight.Do(key, func() (any, error) {
			return s.compute(r.Context(), q, params, role == RolePublic, snap, format, key)
		})
		release()
		if err != nil {
			s.fail(w, statusOf(err), "query failed", err)
			return
		}
		e = v.(entry)
	}
	w.Header().Set("Content-Type", e.contentType)
	if d := attachment(q.Name, e.snapshot, format); d != "" {
		w.Header().Set("Content-Disposition", d)
	}
	w.Header().Set("X-Ictstat-Snapshot", strconv.FormatInt(e.snapshot, 10))
	w.Write(e.body)
}

// compute runs a named analytic for the cache: one run per key however
// many ask at once, on a context of its own so that the first asker going
// away does not fail the others.
func (s *Server) compute(ctx context.Context, q *queries.Query, params map[string]string, public bool, snap int64, format, key string) (entry, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.QueryTimeout)
	defer cancel()
	start := time.Now()
	var res *warehouse.Result
	var err error
	if public {
		res, err = s.opts.Public(ctx, q.Name, params, snap)
	} else {
		var sql string
		var args []any
		if sql, args, err = q.Bind(params); err == nil {
			res, err = s.wh.Query(ctx, snap, sql, args...)
		}
	}
	if err != nil {
		return entry{}, err
	}
	defer res.Release()
	meta := output.QueryMeta(q, params)
	meta.Snapshot = res.Snapshot.ID
	var buf bytes.Buffer
	if _, err := output.Write(&buf, format, res, meta); err != nil {
		return entry{}, err
	}
	s.metrics.queryLatency.WithLabelValues(q.Name).Observe(time.Since(start).Seconds())
	e := entry{key: key, body: buf.Bytes(), contentType: contentTypes[format], snapshot: res.Snapshot.ID}
	s.cache.put(e)
	return e, nil
}

// snapshotParam resolves ?snapshot=N, or the current snapshot.
func (s *Server) snapshotParam(vals url.Values) (int64, error) {
	if v := vals.Get("snapshot"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 0 {
			return 0, fmt.Errorf("%w: snapshot %q: want a snapshot id (see /api/v1/snapshots)", ictstat.ErrUsage, v)
		}
		return id, nil
	}
	m, err := s.wh.Current()
	if err != nil {
		return 0, err
	}
	return m.ID, nil
}

// cacheKey identifies a rendered result by the analytic, who may see it,
// the parameters' parsed values (so that 1.7, 1.70 and 17e-1 are one key,
// and an omitted parameter equals its default), snapshot and format.
func cacheKey(name string, public bool, args []any, snap int64, format string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%t|%d|%s", name, public, snap, format)
	for _, a := range args {
		fmt.Fprintf(&b, "|%T:%v", a, a)
	}
	return b.String()
}

// snapshotInfo is the API's view of a manifest.
type snapshotInfo struct {
	ID        int64            `json:"id"`
	Parent    int64            `json:"parent"`
	CreatedAt time.Time        `json:"created_at"`
	Operation string           `json:"operation"`
	Message   string           `json:"message,omitempty"`
	Rows      map[string]int64 `json:"rows"`
}

func (s *Server) snapshots(w http.ResponseWriter, r *http.Request) {
	all, err := s.wh.Snapshots()
	if err != nil {
		s.fail(w, http.StatusInternalServerError, "reading snapshots", err)
		return
	}
	out := make([]snapshotInfo, 0, len(all))
	for i := len(all) - 1; i >= 0; i-- {
		m := all[i]
		rows := map[string]int64{}
		for t := range m.Tables {
			rows[t] = m.Rows(t)
		}
		out = append(out, snapshotInfo{m.ID, m.Parent, m.CreatedAt, m.Operation, hidePaths(m.Message), rows})
	}
	writeJSON(w, http.StatusOK, map[string]any{"snapshots": out})
}

func (s *Server) jobs(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 10000 {
			s.fail(w, http.StatusBadRequest, "bad parameter limit", fmt.Errorf("limit %q: want 1 to 10000", v))
			return
		}
		limit = n
	}
	runs, err := s.wh.Runs(r.URL.Query().Get("job"))
	if err != nil {
		s.fail(w, http.StatusInternalServerError, "reading job runs", err)
		return
	}
	out := make([]ictstat.JobRun, 0, limit)
	for i := len(runs) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, runs[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"runs": out})
}

// absPath matches an absolute file path that starts a word of a message.
var absPath = regexp.MustCompile(`(^|[\s"'=(])((?:[A-Za-z]:)?[/\\][^\s"',;()]*)`)

// hidePaths shows only the last element of the absolute paths in msg: the
// server's folders are no business of its callers.
func hidePaths(msg string) string {
	return absPath.ReplaceAllStringFunc(msg, func(m string) string {
		sub := absPath.FindStringSubmatch(m)
		return sub[1] + filepath.Base(filepath.ToSlash(sub[2]))
	})
}

// clip shortens s to at most n bytes for echoing back.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
