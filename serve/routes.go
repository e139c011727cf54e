package serve

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/output"
	"github.com/npit-mn/ictstat/queries"
)

func (s *Server) routes() {
	m := http.NewServeMux()
	m.Handle("GET /{$}", s.dash)
	m.HandleFunc("GET /healthz", s.healthz)
	m.Handle("GET /metrics", promhttp.HandlerFor(s.opts.Gatherer, promhttp.HandlerOpts{}))
	m.HandleFunc("GET /api/v1/queries", s.listQueries)
	m.HandleFunc("GET /api/v1/queries/{name}", s.runQuery)
	m.HandleFunc("GET /api/v1/snapshots", s.snapshots)
	m.HandleFunc("GET /api/v1/jobs", s.jobs)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, http.StatusNotFound, "no such route", fmt.Errorf("%s %s: see GET /api/v1/queries", r.Method, r.URL.Path))
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
	all, err := queries.All()
	if err != nil {
		s.fail(w, http.StatusInternalServerError, "listing queries", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"queries": all, "formats": output.Formats})
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

// runQuery answers GET /api/v1/queries/{name}?format=&snapshot=&<param>=...
func (s *Server) runQuery(w http.ResponseWriter, r *http.Request) {
	q, err := queries.Get(r.PathValue("name"))
	if err != nil {
		s.fail(w, statusOf(err), "unknown query", err)
		return
	}
	vals := r.URL.Query()
	format := vals.Get("format")
	if format == "" {
		format = "json"
	}
	if _, ok := contentTypes[format]; !ok {
		s.fail(w, http.StatusBadRequest, "bad parameter format", fmt.Errorf("format %q: want json, csv, parquet, arrow or xlsx", format))
		return
	}
	snap, err := s.snapshotParam(vals)
	if err != nil {
		s.fail(w, statusOf(err), "bad parameter snapshot", err)
		return
	}
	params := map[string]string{}
	for k, v := range vals {
		if k == "format" || k == "snapshot" {
			continue
		}
		if len(v) != 1 {
			s.fail(w, http.StatusBadRequest, "bad parameter "+k, fmt.Errorf("%s given %d times", k, len(v)))
			return
		}
		params[k] = v[0]
	}
	sql, args, err := q.Bind(params)
	if err != nil {
		s.fail(w, http.StatusBadRequest, "bad parameter", err)
		return
	}
	key := cacheKey(q.Name, params, snap, format)
	if e, ok := s.cache.get(key); ok {
		s.metrics.cacheHits.WithLabelValues("hit").Inc()
		w.Header().Set("Content-Type", e.contentType)
		if d := attachment(q.Name, snap, format); d != "" {
			w.Header().Set("Content-Disposition", d)
		}
		w.Header().Set("X-Ictstat-Snapshot", strconv.FormatInt(snap, 10))
		w.Write(e.body)
		return
	}
	s.metrics.cacheHits.WithLabelValues("miss").Inc()
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.QueryTimeout)
	defer cancel()
	start := time.Now()
	res, err := s.wh.Query(ctx, snap, sql, args...)
	if err != nil {
		s.fail(w, statusOf(err), "query failed", err)
		return
	}
	defer res.Release()
	meta := output.QueryMeta(q, params)
	meta.Snapshot = res.Snapshot.ID
	var buf bytes.Buffer
	if _, err := output.Write(&buf, format, res, meta); err != nil {
		s.fail(w, statusOf(err), "query failed", err)
		return
	}
	s.metrics.queryLatency.WithLabelValues(q.Name).Observe(time.Since(start).Seconds())
	e := entry{key: key, body: buf.Bytes(), contentType: contentTypes[format]}
	s.cache.put(e)
	w.Header().Set("Content-Type", e.contentType)
	if d := attachment(q.Name, res.Snapshot.ID, format); d != "" {
		w.Header().Set("Content-Disposition", d)
	}
	w.Header().Set("X-Ictstat-Snapshot", strconv.FormatInt(res.Snapshot.ID, 10))
	w.Write(e.body)
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

func cacheKey(name string, params map[string]string, snap int64, format string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%d|%s", name, snap, format)
	for _, k := range keys {
		fmt.Fprintf(&b, "|%s=%s", k, params[k])
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
		out = append(out, snapshotInfo{m.ID, m.Parent, m.CreatedAt, m.Operation, m.Message, rows})
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
