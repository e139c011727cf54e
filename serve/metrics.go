package serve

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/npit-mn/ictstat"
)

// Metrics are the Prometheus series ictstat exports on /metrics.
type Metrics struct {
	requests     *prometheus.CounterVec
	reqDuration  *prometheus.HistogramVec
	queryLatency *prometheus.HistogramVec
	cacheHits    *prometheus.CounterVec
	hits, misses prometheus.Counter // cacheHits' two series, resolved once
	jobRuns      *prometheus.CounterVec
	jobDuration  *prometheus.HistogramVec
	rows         *prometheus.CounterVec
}

// NewMetrics registers the series with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ictstat_http_requests_total",
			Help: "HTTP requests by route and status code."}, []string{"route", "code"}),
		reqDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "ictstat_http_request_duration_seconds",
			Help: "HTTP request duration in seconds by route.", Buckets: prometheus.ExponentialBuckets(0.0005, 4, 9)}, []string{"route"}),
		queryLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "ictstat_query_duration_seconds",
			Help: "Named query execution time in seconds (cache misses).", Buckets: prometheus.ExponentialBuckets(0.001, 4, 8)}, []string{"query"}),
		cacheHits: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ictstat_query_cache_total",
			Help: "Named query cache lookups by result (hit, miss)."}, []string{"result"}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ictstat_job_runs_total",
			Help: "Job runs by job and status."}, []string{"job", "status"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "ictstat_job_duration_seconds",
			Help: "Job run duration in seconds.", Buckets: prometheus.ExponentialBuckets(0.1, 3, 9)}, []string{"job"}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ictstat_rows_total",
			Help: "Records by source and outcome (read, committed, quarantined)."}, []string{"source", "outcome"}),
	}
	m.hits, m.misses = m.cacheHits.WithLabelValues("hit"), m.cacheHits.WithLabelValues("miss")
	reg.MustRegister(m.requests, m.reqDuration, m.queryLatency, m.cacheHits, m.jobRuns, m.jobDuration, m.rows)
	return m
}

// ObserveRun counts a finished job run and its rows.
func (m *Metrics) ObserveRun(r ictstat.JobRun) {
	m.jobRuns.WithLabelValues(r.Job, r.Status).Inc()
	m.jobDuration.WithLabelValues(r.Job).Observe(r.EndedAt.Sub(r.StartedAt).Seconds())
	m.rows.WithLabelValues(r.Source, "read").Add(float64(r.RowsRead))
	m.rows.WithLabelValues(r.Source, "committed").Add(float64(r.RowsCommitted))
	m.rows.WithLabelValues(r.Source, "quarantined").Add(float64(r.RowsQuarantined))
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// instrument logs and counts every request by its route pattern, and turns
// a panic in a handler into a 500 instead of a dropped connection.
func (s *Server) instrument(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		defer func() {
			p := recover()
			if p == http.ErrAbortHandler {
				defer panic(p) // after counting: net/http cuts the connection
			} else if p != nil {
				s.log.Error().Interface("panic", p).Str("path", r.URL.Path).Msg("handler panicked")
				s.fail(sw, http.StatusInternalServerError, "internal error", nil)
			}
			_, route := s.mux.Handler(r)
			if route == "" {
				route = "unmatched"
			}
			d := time.Since(start)
			s.metrics.requests.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
			s.metrics.reqDuration.WithLabelValues(route).Observe(d.Seconds())
			ev := s.log.Debug()
			if sw.code >= 400 {
				ev = s.log.Info()
			}
			ev.Uint64(ictstat.LogRequest, s.reqID.Add(1)).Str("method", r.Method).Str("path", r.URL.Path).
				Str("route", route).Int("status", sw.code).Dur("took", d).Msg("request")
		}()
		h.ServeHTTP(sw, r)
	})
}
