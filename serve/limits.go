package serve

import (
	"context"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// admission bounds the queries that compute at once (cache misses and
// SQL); the rest wait in line up to a deadline.
type admission struct {
	slots chan struct{}
	wait  time.Duration
}

func newAdmission(n int, wait time.Duration) *admission {
	return &admission{slots: make(chan struct{}, n), wait: wait}
}

// acquire takes a slot, waiting at most a.wait; false means the server is
// busy. Call the returned release when done.
func (a *admission) acquire(ctx context.Context) (release func(), ok bool) {
	select {
	case a.slots <- struct{}{}:
		return func() { <-a.slots }, true
	default:
	}
	t := time.NewTimer(a.wait)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		return func() { <-a.slots }, true
	case <-t.C:
	case <-ctx.Done():
	}
	return nil, false
}

// limiters hold a token bucket per caller (token name, or client address
// for the public) for the requests that compute.
type limiters struct {
	mu    sync.Mutex
	every rate.Limit
	burst int
	m     map[string]*rate.Limiter
}

// maxLimiters bounds the callers remembered; past it the table starts over.
const maxLimiters = 10000

func newLimiters(perSecond float64, burst int) *limiters {
	return &limiters{every: rate.Limit(perSecond), burst: burst, m: map[string]*rate.Limiter{}}
}

// allow reports whether the caller may compute now, and if not how long
// until it may.
func (l *limiters) allow(key string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	lim, ok := l.m[key]
	if !ok {
		if len(l.m) >= maxLimiters {
			l.m = map[string]*rate.Limiter{}
		}
		lim = rate.NewLimiter(l.every, l.burst)
		l.m[key] = lim
	}
	l.mu.Unlock()
	res := lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d, false
	}
	return 0, true
}

// callerKey names the caller for rate limits.
func callerKey(r *http.Request) string {
	if n := TokenName(r); n != "" {
		return "token:" + n
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "addr:" + host
}

// admit applies the caller's rate limit and the admission queue to a
// request about to compute; on false it has answered 429 or 503.
func (s *Server) admit(w http.ResponseWriter, r *http.Request) (release func(), ok bool) {
	if d, ok := s.limits.allow(callerKey(r), s.opts.Now()); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
		s.fail(w, http.StatusTooManyRequests, "rate limit", errString("too many queries from this caller: retry after the Retry-After seconds"))
		return nil, false
	}
	release, ok = s.admission.acquire(r.Context())
	if !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(s.opts.QueueWait.Seconds()))))
		s.fail(w, http.StatusServiceUnavailable, "busy", errString("the server is answering as many queries as it may: retry after the Retry-After seconds"))
		return nil, false
	}
	return release, true
}
