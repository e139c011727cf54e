// Package serve is ictstat's HTTP API: the dashboard at GET / (package
// dashboard), the named analytics in every output format with a cache per
// (query, parameters, snapshot, format), the history of snapshots and job
// runs, liveness and Prometheus metrics.
package serve

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/npit-mn/ictstat"
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

// Options configure a Server; the zero value is the default.
type Options struct {
	Logger       zerolog.Logger        // default none
	Registerer   prometheus.Registerer // default a new registry, served on /metrics
	Gatherer     prometheus.Gatherer   // with Registerer; default that registry
	CacheBytes   int64                 // result cache size, default 64 MiB
	QueryTimeout time.Duration         // per named query, default 30s
	Dashboard    dashboard.Options     // the page at GET / (releases, survey questions)
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
	s := &Server{wh: wh, opts: opts, log: opts.Logger.With().Str(ictstat.LogComponent, "serve").Logger(),
		cache: newCache(opts.CacheBytes), metrics: NewMetrics(opts.Registerer)}
	s.dash = dashboard.New(dashSource{s}, opts.Dashboard)
	s.routes()
	return s
}

// Metrics returns the server's metrics, for other components to update.
func (s *Server) Metrics() *Metrics { return s.metrics }

// Handler returns the server's routes with logging and metrics.
func (s *Server) Handler() http.Handler { return s.instrument(s.mux) }

// Run serves on ln until ctx is done, then shuts down gracefully.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
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
