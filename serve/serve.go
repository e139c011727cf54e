// Package serve is ictstat's HTTP API: the named analytics in every output
// format with a cache per (query, parameters, snapshot, format), sandboxed
// SQL, the history of snapshots and job runs, liveness and Prometheus
// metrics, and the dashboard at GET / (package dashboard); bearer tokens give each caller a role (public, researcher,
// admin), and every request that computes passes a per-caller rate limit
// and a bounded admission queue.
package serve

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/kpi"
	"github.com/npit-mn/ictstat/publish"
	"github.com/npit-mn/ictstat/queries"
	"github.com/npit-mn/ictstat/serve/dashboard"
	"github.com/npit-mn/ictstat/warehouse"
)

// Warehouse is what the server reads.
type Warehouse interface {
	Current() (*warehouse.Manifest, error)
	Snapshots() ([]*warehouse.Manifest, error)
	Query(ctx context.Context, id int64, query string, args ...any) (*warehouse.Result, error)
	Runs(job string) ([]ictstat.JobRun, error)
}

// SQLRunner runs sandboxed SQL (warehouse.Sandbox).
type SQLRunner interface {
	Query(ctx context.Context, id int64, query string, access warehouse.Access) (*warehouse.Result, error)
}

// PublicFunc answers a named analytic for the public: a disclosure-controlled
// result (a cell a release would suppress is never in it), for the
// snapshot asked (the current one unless the caller named one).
type PublicFunc func(ctx context.Context, name string, params map[string]string, snapshot int64) (*warehouse.Result, error)

// Options configure a Server; the zero value is the default.
type Options struct {
	Logger       zerolog.Logger        // default none
	Registerer   prometheus.Registerer // default a new registry, served on /metrics
	Gatherer     prometheus.Gatherer   // with Registerer; default that registry
	CacheBytes   int64                 // result cache size, default 64 MiB
	QueryTimeout time.Duration         // per named query, default 30s
	KPIs         []kpi.Def             // the KPIs of /api/v1/queries/kpis; none by default

	Tokens *Tokens    // bearer tokens; nil: none, every caller is public
	Audit  *Audit     // where requests made with a token are logged; nil: nowhere
	SQL    SQLRunner  // POST /api/v1/sql; nil: that route answers 503
	Public PublicFunc // the public's named analytics; nil: 403 (they need the researcher role)

	SQLTimeout    time.Duration    // per SQL query, default 5s
	SQLMaxRows    int64            // rows of a JSON SQL result, default 100,000 (csv, parquet, arrow stream without limit)
	MaxConcurrent int              // queries computing at once (cache misses and SQL), default 4
	QueueWait     time.Duration    // how long a query waits for its turn before 503, default 10s
	RatePerSecond float64          // computing requests per caller per second, default 10
	RateBurst     int              // and in a burst, default 40
	Now           func() time.Time // the clock; default time.Now
	// Releases is the release log behind /api/v1/releases and
	// /releases/{id}/{file}; nil: no releases.
	Releases Releases
	// Calendar lists the releases to come in /api/v1/releases (status
	// scheduled: their periods and publication times, no files).
	Calendar publish.Calendar
	// OnEmbargoAccess records each read of a release before its
	// publication time (it is logged in any case).
	OnEmbargoAccess func(EmbargoAccess) error

	// Dashboard configures the page at GET / (its survey questions); its
	// releases default to Releases and Calendar.
	Dashboard dashboard.Options
}

// Server answers the HTTP API.
type Server struct {
	wh      Warehouse
	opts    Options
	log     zerolog.Logger
	cache   *cache
	metrics *Metrics
	mux     *http.ServeMux
	dash    *dashboard.Dashboard
	reqID   atomic.Uint64

	queries    []*queries.Query // the named analytics, parsed once
	queriesErr error

	flight    singleflight.Group // one computation per missing cache key
	admission *admission
	limits    *limiters
}

// New returns a server over wh.
func New(wh Warehouse, opts Options) *Server {
	if opts.Registerer == nil {
		reg := prometheus.NewRegistry()
		opts.Registerer, opts.Gatherer = reg, reg
	}
	if opts.CacheBytes <= 0 {
		opts.CacheBytes = 64 << 20
	}
	if opts.QueryTimeout <= 0 {
		opts.QueryTimeout = 30 * time.Second
	}
	if opts.SQLTimeout <= 0 {
		opts.SQLTimeout = 5 * time.Second
	}
	if opts.SQLMaxRows <= 0 {
		opts.SQLMaxRows = 100_000
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = 4
	}
	if opts.QueueWait <= 0 {
		opts.QueueWait = 10 * time.Second
	}
	if opts.RatePerSecond <= 0 {
		opts.RatePerSecond = 10
	}
	if opts.RateBurst <= 0 {
		opts.RateBurst = 40
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{wh: wh, opts: opts, log: opts.Logger.With().Str(ictstat.LogComponent, "serve").Logger(),
		cache: newCache(opts.CacheBytes), metrics: NewMetrics(opts.Registerer),
		admission: newAdmission(opts.MaxConcurrent, opts.QueueWait), limits: newLimiters(opts.RatePerSecond, opts.RateBurst)}
	s.queries, s.queriesErr = queries.All()
	if s.queriesErr == nil && len(opts.KPIs) > 0 {
		// The configured KPIs: one more named analytic.
		var q *queries.Query
		if q, s.queriesErr = kpi.Query(opts.KPIs); s.queriesErr == nil {
			s.queries = append(s.queries, q)
		}
	}
	if opts.Dashboard.Now == nil {
		opts.Dashboard.Now = opts.Now
	}
	if opts.Dashboard.Releases == nil {
		opts.Dashboard.Releases = dashReleases{s}
	}
	s.dash = dashboard.New(dashSource{s}, opts.Dashboard)
	s.routes()
	return s
}

// Metrics returns the server's metrics, for other components to update.
func (s *Server) Metrics() *Metrics { return s.metrics }

// Handler returns the server's routes with authentication, logging and
// metrics.
func (s *Server) Handler() http.Handler { return s.instrument(s.authenticate(s.mux)) }

// Server timeouts: a client has this long to send its headers and its
// body (1 MB at most), and the server this long to write an answer.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 2 * time.Minute
)

// Run serves on ln until ctx is done, then shuts down gracefully.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout,
		WriteTimeout: writeTimeout, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(shut)
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}

// apiError is the JSON error body of every failed request.
type apiError struct {
	Error  string `json:"error"`
	Detail string `json:"detail,omitempty"`
}

// fail writes an error with a status fitting its kind.
func (s *Server) fail(w http.ResponseWriter, status int, msg string, err error) {
	detail := ""
	if err != nil {
		detail = err.Error()
	}
	if status >= 500 {
		s.log.Error().Err(err).Msg(msg)
	}
	writeJSON(w, status, apiError{Error: msg, Detail: detail})
}

// statusOf maps an error to an HTTP status.
func statusOf(err error) int {
	switch {
	case errors.Is(err, ictstat.ErrUsage), errors.Is(err, ictstat.ErrBadInput):
		return http.StatusBadRequest
	case errors.Is(err, ictstat.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	case errors.Is(err, ictstat.ErrForbidden):
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	enc.Encode(v)
}
