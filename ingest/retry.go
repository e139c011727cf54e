package ingest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// RetryOptions are the knobs shared by the HTTP clients of this package
// (Feed, Kobo, PXWeb, FetchSDMX); each client's Options embeds them. The
// zero value of a field takes the client's default.
//
// The policy is the same for every client: a 401, 403, 404 or other 4xx
// fails at once; a 429 is throttling, waited out as its Retry-After says
// (seconds or an HTTP date) or with backoff, with a budget of twice
// MaxRetries waits; a Retry-After longer than MaxRetryAfter fails at once,
// saying when to pull again. 5xx, 408, timeouts, connection errors and
// truncated bodies are transient: retried up to MaxRetries times, after the
// server's Retry-After when it is at most MaxRetryAfter, else with backoff.
// The backoff ceiling is BackoffBase, doubled with each failure up to
// BackoffMax, and the wait is drawn uniformly below it ("full jitter"), so
// that clients that failed together do not retry together.
type RetryOptions struct {
	// Timeout bounds one request, from sending it to reading the whole
	// body. A request that runs out of time is retried.
	Timeout time.Duration
	// MaxRetries is the number of transient failures retried per request
	// before giving up; negative for none. Throttling (429) has its own
	// budget of twice as many waits.
	MaxRetries int
	// BackoffBase is the ceiling of the first wait after a failure without
	// a usable Retry-After; it doubles with each failure up to BackoffMax.
	BackoffBase time.Duration
	// BackoffMax caps the backoff ceiling.
	BackoffMax time.Duration
	// MaxRetryAfter is the longest Retry-After of a 429 waited out; a
	// longer one fails the request, saying when to pull again, rather than
	// holding the job for that long.
	MaxRetryAfter time.Duration
	// MaxBodyBytes bounds a response body, decompressed.
	MaxBodyBytes int64
	// Client sends the requests; default a client of its own with
	// keep-alive, gzip and proxy settings from the environment, which
	// refuses redirects from https to http so that a token is never sent
	// in clear.
	Client *http.Client
	// Sleep waits d or until ctx is done, returning ctx's error then;
	// default a timer. Tests replace it to run without waiting.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand returns a number in [0, 1) for the jitter; default math/rand/v2.
	Rand func() float64
	// OnRetry, when set, is called before each wait with the number of the
	// attempt that failed (1-based), the wait and the failure; for logging
	// and metrics.
	OnRetry func(attempt int, wait time.Duration, err error)
}

// withDefaults returns o with each zero field taken from def, a negative
// MaxRetries as 0, and a client, timer and random source of its own where
// none is given.
func (o RetryOptions) withDefaults(def RetryOptions) RetryOptions {
	o.Timeout = feedDefault(o.Timeout, def.Timeout)
	o.BackoffBase = feedDefault(o.BackoffBase, def.BackoffBase)
	o.BackoffMax = feedDefault(o.BackoffMax, def.BackoffMax)
	o.MaxRetryAfter = feedDefault(o.MaxRetryAfter, def.MaxRetryAfter)
	o.MaxBodyBytes = feedDefault(o.MaxBodyBytes, def.MaxBodyBytes)
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = def.MaxRetries
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	if o.Client == nil {
		o.Client = newFeedClient()
	}
	if o.Sleep == nil {
		o.Sleep = feedSleep
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	return o
}

// feedDefault returns v, or def when v is the zero value.
func feedDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// feedSleep waits d or until ctx is done.
func feedSleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// retryClass says what to do after an attempt failed.
type retryClass int

const (
	retryPermanent retryClass = iota // give up
	retryTransient                   // back off and retry
	retryThrottled                   // 429: wait as told and retry
)

// failure is a failed attempt.
type failure struct {
	class      retryClass
	retryAfter time.Duration // the server's wait, or -1 for none
	err        error
}

// permanent returns a failure that is not retried.
func permanent(err error) *failure {
	return &failure{class: retryPermanent, retryAfter: -1, err: err}
}

// transient returns a failure retried with backoff.
func transient(err error) *failure {
	return &failure{class: retryTransient, retryAfter: -1, err: err}
}

// retry runs try until it succeeds, fails for good, or the budget of
// o.MaxRetries is spent, waiting between attempts as RetryOptions says.
// Errors start with where ("GET https://…") and wrap the last failure, or
// ctx's cause when ctx is done.
func retry[T any](ctx context.Context, o *RetryOptions, where string, try func(ctx context.Context) (T, *failure)) (T, error) {
	var zero T
	var attempts, failures, throttles int
	for {
		if err := ctx.Err(); err != nil {
			return zero, fmt.Errorf("%s: %w", where, context.Cause(ctx))
		}
		attempts++
		v, fail := try(ctx)
		if fail == nil {
			return v, nil
		}
		if ctx.Err() != nil {
			return zero, fmt.Errorf("%s: %w", where, context.Cause(ctx))
		}
		var wait time.Duration
		switch fail.class {
		case retryPermanent:
			return zero, fmt.Errorf("%s: %w", where, fail.err)
		case retryThrottled:
			throttles++
			if throttles > 2*o.MaxRetries {
				return zero, fmt.Errorf("%s: gave up after %d attempts (%d throttled, %d failed): last: %w", where, attempts, throttles, failures, fail.err)
			}
			if fail.retryAfter > o.MaxRetryAfter {
				return zero, fmt.Errorf("%s: %w; the server asks to wait %s, more than the %s allowed (MaxRetryAfter): pull again after %s",
					where, fail.err, fail.retryAfter, o.MaxRetryAfter, time.Now().Add(fail.retryAfter).Format(time.RFC3339))
			}
			wait = fail.retryAfter
			if wait < 0 {
				wait = o.backoff(throttles)
			}
		default:
			failures++
			if failures > o.MaxRetries {
				return zero, fmt.Errorf("%s: gave up after %d attempts (%d failed, %d throttled): last: %w", where, attempts, failures, throttles, fail.err)
			}
			wait = fail.retryAfter
			if wait < 0 || wait > o.MaxRetryAfter {
				wait = o.backoff(failures)
			}
		}
		if o.OnRetry != nil {
			o.OnRetry(attempts, wait, fail.err)
		}
		if err := o.Sleep(ctx, wait); err != nil {
			return zero, fmt.Errorf("%s: waiting to retry after %v: %w", where, fail.err, err)
		}
	}
}

// backoff returns the wait before retry n (1-based): uniform in
// [0, min(BackoffMax, BackoffBase*2^(n-1))).
func (o *RetryOptions) backoff(n int) time.Duration {
	ceiling := o.BackoffMax
	if n-1 < 62 {
		if c := o.BackoffBase << (n - 1); c > 0 && c>>(n-1) == o.BackoffBase && c < ceiling {
			ceiling = c
		}
	}
	r := o.Rand()
	if r < 0 || r >= 1 || r != r {
		r = 0.5 // a broken jitter source must not break the backoff
	}
	return time.Duration(r * float64(ceiling))
}

// retryStatus classifies the statuses every client retries: 429 is
// throttled and 5xx and 408 are transient, both with the server's
// Retry-After; err describes the response. It returns nil for any other
// status, which the client classifies itself.
func retryStatus(resp *http.Response, err error) *failure {
	code := resp.StatusCode
	switch {
	case code == http.StatusTooManyRequests:
		return &failure{class: retryThrottled, retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()), err: err}
	case code >= 500 || code == http.StatusRequestTimeout:
		return &failure{class: retryTransient, retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()), err: err}
	}
	return nil
}

// transportFailure classifies a failure to get or read a response of the
// attempt whose context is actx: bad certificates are permanent, everything
// else (timeouts, refused or reset connections, truncated bodies) is
// transient. what says what went wrong ("no response").
func transportFailure(actx context.Context, timeout time.Duration, what string, err error) *failure {
	if errors.Is(actx.Err(), context.DeadlineExceeded) {
		return transient(fmt.Errorf("no complete response within %s (Timeout): %w", timeout, context.DeadlineExceeded))
	}
	var (
		unknownCA   x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		invalidCert x509.CertificateInvalidError
		verifyErr   *tls.CertificateVerificationError
	)
	if errors.As(err, &unknownCA) || errors.As(err, &hostErr) || errors.As(err, &invalidCert) || errors.As(err, &verifyErr) {
		return permanent(fmt.Errorf("the server's TLS certificate is not trusted: %w", err))
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its message repeats the URL
	}
	return transient(fmt.Errorf("%s: %w", what, err))
}

// parseRetryAfter reads a Retry-After header, seconds or an HTTP date,
// as a wait from now; -1 when absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return -1
	}
	if n, err := strconv.ParseUint(v, 10, 63); err == nil {
		if n > uint64(1<<62/time.Second) {
			return 1 << 62
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return -1
}

// within prefixes the failure's error with where ("GET https://…").
func (f *failure) within(where string) *failure {
	f.err = fmt.Errorf("%s: %w", where, f.err)
	return f
}
