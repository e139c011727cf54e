package ingest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// retryClients runs one request of each HTTP client of the package against
// base with the retry options o.
var retryClients = map[string]func(ctx context.Context, base string, o RetryOptions) error{
	"feed": func(ctx context.Context, base string, o RetryOptions) error {
		f, err := NewFeed(base, FeedFilings, FeedOptions{RetryOptions: o})
		if err != nil {
			return err
		}
		_, err = f.Fetch(ctx, "")
		return err
	},
	"kobo": func(ctx context.Context, base string, o RetryOptions) error {
		k, err := NewKobo(base+"/api/v2/assets/x/data/", KoboOptions{RetryOptions: o})
		if err != nil {
			return err
		}
		return k.Pages(ctx, func(KoboPage) error { return nil })
	},
	"pxweb": func(ctx context.Context, base string, o RetryOptions) error {
		px, err := NewPXWeb(base+"/api/v1/en/NSO/DT_X.px", PXWebOptions{MinInterval: -1, RetryOptions: o})
		if err != nil {
			return err
		}
		_, err = px.Metadata(ctx)
		return err
	},
	"sdmx": func(ctx context.Context, base string, o RetryOptions) error {
		_, err := FetchSDMX(ctx, base+"/rest/data/X", FetchOptions{RetryOptions: o})
		return err
	},
}

// TestRetryPolicyShared checks that every client follows the one retry
// policy of RetryOptions against a server that always answers the same.
// The waits are worked out by hand: with Rand 0.5, BackoffBase 100ms and
// BackoffMax 1s, backoff n is 0.5 * min(1s, 100ms * 2^(n-1)).
func TestRetryPolicyShared(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name       string
		status     int
		retryAfter string
		maxRetries int
		requests   int64
		waits      []time.Duration
		words      string
	}{
		{"5xx gives up after MaxRetries", 503, "", 2, 3, []time.Duration{50 * ms, 100 * ms}, "gave up after 3 attempts"},
		{"5xx Retry-After honoured", 502, "2", 1, 2, []time.Duration{2 * time.Second}, "gave up after 2 attempts"},
		{"5xx Retry-After too long backs off", 500, "3600", 1, 2, []time.Duration{50 * ms}, "gave up after 2 attempts"},
		{"429 waits as told, twice the budget", 429, "1", 1, 3, []time.Duration{time.Second, time.Second}, "gave up after 3 attempts (3 throttled"},
		{"429 without Retry-After backs off", 429, "", 1, 3, []time.Duration{50 * ms, 100 * ms}, "gave up after 3 attempts (3 throttled"},
		{"429 Retry-After too long fails", 429, "3600", 5, 1, nil, "pull again after"},
		{"404 is permanent", 404, "", 5, 1, nil, "404"},
		{"401 is permanent", 401, "", 5, 1, nil, "401"},
	} {
		for name, client := range retryClients {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				var calls atomic.Int64
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					calls.Add(1)
					if tc.retryAfter != "" {
						w.Header().Set("Retry-After", tc.retryAfter)
					}
					http.Error(w, "busy", tc.status)
				}))
				defer srv.Close()
				var waits []time.Duration
				var retried []int
				o := RetryOptions{MaxRetries: tc.maxRetries, BackoffBase: 100 * ms, BackoffMax: time.Second, MaxRetryAfter: time.Minute,
					Rand:    func() float64 { return 0.5 },
					Sleep:   func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil },
					OnRetry: func(attempt int, _ time.Duration, _ error) { retried = append(retried, attempt) }}
				if tc.words == "" {
					t.Fatal("an empty substring checks nothing: name the words the error must hold")
				}
				err := client(context.Background(), srv.URL, o)
				if err == nil || !strings.Contains(err.Error(), tc.words) {
					t.Errorf("got %v, want an error containing %q", err, tc.words)
				}
				if calls.Load() != tc.requests || fmt.Sprint(waits) != fmt.Sprint(tc.waits) {
					t.Errorf("got %d requests and waits %v, want %d and %v", calls.Load(), waits, tc.requests, tc.waits)
				}
				if len(retried) != len(tc.waits) {
					t.Errorf("OnRetry called for attempts %v, want once per wait", retried)
				}
			})
		}
	}
}

// TestRetryCancelled checks that every client stops at once, with ctx's
// error, when ctx is done while it waits to retry.
func TestRetryCancelled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	for name, client := range retryClients {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			o := RetryOptions{BackoffBase: time.Hour, BackoffMax: time.Hour,
				Sleep: func(ctx context.Context, d time.Duration) error { cancel(); return feedSleep(ctx, d) }}
			err := client(ctx, srv.URL, o)
			if err == nil || !strings.Contains(err.Error(), "context canceled") {
				t.Errorf("got %v, want context canceled", err)
			}
		})
	}
}

func TestRetryOptionsDefaults(t *testing.T) {
	def := RetryOptions{Timeout: time.Second, MaxRetries: 4, BackoffBase: 2 * time.Second, BackoffMax: 3 * time.Second,
		MaxRetryAfter: 4 * time.Second, MaxBodyBytes: 5}
	got := RetryOptions{}.withDefaults(def)
	if got.Timeout != time.Second || got.MaxRetries != 4 || got.BackoffBase != 2*time.Second || got.BackoffMax != 3*time.Second ||
		got.MaxRetryAfter != 4*time.Second || got.MaxBodyBytes != 5 || got.Client == nil || got.Sleep == nil || got.Rand == nil {
		t.Errorf("zero options: got %+v, want the defaults and a client, timer and random source", got)
	}
	got = RetryOptions{MaxRetries: -1, Timeout: time.Minute, MaxBodyBytes: 9}.withDefaults(def)
	if got.MaxRetries != 0 || got.Timeout != time.Minute || got.MaxBodyBytes != 9 {
		t.Errorf("given options: got %+v, want MaxRetries 0 and the given Timeout and MaxBodyBytes kept", got)
	}
}
