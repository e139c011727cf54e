package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
)

const testToken = "s3cret-T0ken"

// sleeps records the waits of a Feed instead of waiting.
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// testFeed returns a filings feed of srv that records its waits.
func testFeed(t *testing.T, srv *httptest.Server, opts FeedOptions) (*Feed, *sleeps) {
	t.Helper()
	sl := &sleeps{}
	if opts.Sleep == nil {
		opts.Sleep = sl.sleep
	}
	if opts.Token == "" {
		opts.Token = testToken
	}
	f, err := NewFeed(srv.URL, FeedFilings, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f, sl
}

// server starts a loopback server whose handler gets the 1-based number of
// each request.
func server(t *testing.T, h func(w http.ResponseWriter, r *http.Request, n int)) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h(w, r, int(calls.Add(1)))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func testRecord(i int) string {
	return fmt.Sprintf(`{"filing_id":"VZ-202610-%07d","revision":1,"registry_no":"%07d","company_name":"Khan Soft LLC","isic4":"6201","zone":"UB-01","period":"2026-10","submitted_at":"2026-11-05T09:12:00+08:00","currency":"MNT","revenue":125000000,"intermediate_consumption":61000000,"wages":30000000,"employees":42,"rnd_expense":5000000,"exports":[{"country":"KZ","ebops":"SI2","amount":20000000},{"country":"JP","ebops":"SI21","amount":8000000}],"flags":{"ai":true,"startup":true},"programs":["accelerator-2026","hackathon-2025"]}`, i, i)
}

func testPage(from, to int, next string, more bool) []byte {
	var b bytes.Buffer
	b.WriteString(`{"filings": [`)
	for i := from; i < to; i++ {
		if i > from {
			b.WriteString(",\n  ")
		}
		b.WriteString(testRecord(i))
	}
	fmt.Fprintf(&b, `], "next": %q, "has_more": %t}`, next, more)
	return b.Bytes()
}

func TestFeedPagination(t *testing.T) {
	const total, limit = 25, 10
	srv, calls := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
			http.Error(w, `{"error":"bad token"}`, http.StatusUnauthorized)
			return
		}
		if r.URL.Path != "/registry/v1/filings" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		if q.Get("limit") != strconv.Itoa(limit) {
			http.Error(w, "bad limit "+q.Get("limit"), http.StatusBadRequest)
			return
		}
		from := 0
		if q.Has("after") {
			var err error
			if from, err = strconv.Atoi(strings.TrimPrefix(q.Get("after"), "pos-")); err != nil {
				http.Error(w, `{"error":"bad cursor"}`, http.StatusBadRequest)
				return
			}
		}
		to := min(from+limit, total)
		w.Header().Set("Content-Type", "application/json")
		w.Write(testPage(from, to, fmt.Sprintf("pos-%d", to), to < total))
	})
	f, err := NewFeed(srv.URL+"/registry/", FeedFilings, FeedOptions{Token: testToken + "\n", Limit: limit})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []string
	var cursors []string
	cursor := ""
	for {
		p, err := f.Fetch(context.Background(), cursor)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(p.URL, "/registry/v1/filings?") || strings.Contains(p.URL, testToken) {
			t.Errorf("page URL %s: want the feed URL without the token", p.URL)
		}
		if !bytes.HasPrefix(p.Body, []byte(`{"filings": [`)) {
			t.Errorf("page body starts %.20q, want the response as sent", p.Body)
		}
		for _, r := range p.Records {
			got = append(got, string(r))
		}
		// The records are copies: scribbling over the body changes none.
		for i := range p.Body {
			p.Body[i] = 'x'
		}
		cursor = p.Next
		cursors = append(cursors, cursor)
		if !p.HasMore {
			break
		}
	}
	if len(got) != total {
		t.Fatalf("got %d records, want %d", len(got), total)
	}
	for i, r := range got {
		if r != testRecord(i) {
			t.Fatalf("record %d: got %s, want %s", i, r, testRecord(i))
		}
	}
	if want := []string{"pos-10", "pos-20", "pos-25"}; fmt.Sprint(cursors) != fmt.Sprint(want) {
		t.Errorf("cursors: got %v, want %v", cursors, want)
	}
	if calls.Load() != 3 {
		t.Errorf("got %d requests, want 3", calls.Load())
	}
}

func TestFeedNoToken(t *testing.T) {
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if _, ok := r.Header["Authorization"]; ok {
			t.Errorf("Authorization sent without a token")
		}
		w.WriteHeader(http.StatusUnauthorized)
	})
	f, err := NewFeed(srv.URL, FeedRegistrations, FeedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Fetch(context.Background(), "")
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "no token was given") {
		t.Errorf("got %v, want ErrUnauthorized saying no token was given", err)
	}
}

func TestFeedStatusErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		cursor string
		is     error
		want   []string
	}{
		{"401", 401, `{"error":"token ` + testToken + ` expired"}`, "", ErrUnauthorized,
			[]string{"401", "check the token", "--token", "ICTSTAT_TOKEN", "token file", `token *** expired`}},
		{"400 cursor", 400, `{"error":{"message":"unknown cursor"}}`, "pos-77", ErrBadCursor,
			[]string{"400", `"pos-77"`, "unknown cursor", "reset the source's cursor", "from the start", "safe"}},
		{"400 first page", 400, `{"message":"limit too large"}`, "", nil,
			[]string{"400", "limit too large"}},
		{"403", 403, `{"detail":"not in group"}`, "", nil, []string{"403", "not in group", "not allowed to read the filings feed"}},
		{"404", 404, `{"error":"no route /v1/filings"}`, "c1", nil,
			[]string{"404", "no route /v1/filings", "check the base URL", "{base_url}/v1/filings"}},
		{"418 text", 418, "I'm a\n teapot", "", nil, []string{"418", `"I'm a teapot"`}},
		{"410 html", 410, "<html><body>gone</body></html>", "", nil, []string{"410 Gone"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, calls := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			})
			f, sl := testFeed(t, srv, FeedOptions{})
			_, err := f.Fetch(context.Background(), tc.cursor)
			if err == nil {
				t.Fatal("got no error")
			}
			t.Log(err)
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("got %v, want it to wrap %v", err, tc.is)
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q: want it to contain %q", err, s)
				}
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error %q holds the token", err)
			}
			if calls.Load() != 1 || len(sl.got()) != 0 {
				t.Errorf("got %d requests and %d waits, want 1 and 0: a permanent error is not retried", calls.Load(), len(sl.got()))
			}
		})
	}
}

func TestFeedRetriesTransient(t *testing.T) {
	statuses := []int{503, 500, 502, 408}
	srv, calls := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n <= len(statuses) {
			http.Error(w, `{"error":"busy"}`, statuses[n-1])
			return
		}
		w.Write(testPage(0, 3, "n1", true))
	})
	var retries []int
	f, sl := testFeed(t, srv, FeedOptions{RetryOptions: RetryOptions{BackoffBase: 100 * time.Millisecond, BackoffMax: 300 * time.Millisecond, OnRetry: func(attempt int, wait time.Duration, err error) {
		retries = append(retries, attempt)
		if !strings.Contains(err.Error(), "busy") {
			t.Errorf("retry %d: error %v, want the server's text", attempt, err)
		}
	}}})
	p, err := f.Fetch(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Records) != 3 || p.Next != "n1" || !p.HasMore {
		t.Errorf("got %d records, next %q, more %t; want 3, n1, true", len(p.Records), p.Next, p.HasMore)
	}
	if calls.Load() != 5 {
		t.Errorf("got %d requests, want 5", calls.Load())
	}
	if fmt.Sprint(retries) != "[1 2 3 4]" {
		t.Errorf("OnRetry attempts: got %v, want [1 2 3 4]", retries)
	}
	caps := []time.Duration{100, 200, 300, 300}
	waits := sl.got()
	if len(waits) != len(caps) {
		t.Fatalf("got waits %v, want %d", waits, len(caps))
	}
	for i, w := range waits {
		if c := caps[i] * time.Millisecond; w < 0 || w > c {
			t.Errorf("wait %d: got %s, want within [0, %s]", i+1, w, c)
		}
	}
}

func TestFeedBackoffJitter(t *testing.T) {
	f, err := NewFeed("http://127.0.0.1:1", FeedFilings, FeedOptions{RetryOptions: RetryOptions{BackoffBase: time.Second, BackoffMax: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		n    int
		r    float64
		want time.Duration
	}{
		{1, 0, 0},
		{1, 0.5, 500 * time.Millisecond},
		{2, 0.5, time.Second},
		{3, 0.25, time.Second},
		{4, 0.75, 6 * time.Second},
		{5, 0.5, 5 * time.Second}, // capped at BackoffMax
		{70, 0.5, 5 * time.Second},
		{1000, 0.25, 2500 * time.Millisecond},
	} {
		f.o.Rand = func() float64 { return tc.r }
		if got := f.o.backoff(tc.n); got != tc.want {
			t.Errorf("backoff(%d) with rand %g: got %s, want %s", tc.n, tc.r, got, tc.want)
		}
	}
}

func TestFeedGiveUp(t *testing.T) {
	srv, calls := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		http.Error(w, fmt.Sprintf(`{"error":"database down (%d)"}`, n), http.StatusInternalServerError)
	})
	f, sl := testFeed(t, srv, FeedOptions{RetryOptions: RetryOptions{MaxRetries: 2}})
	_, err := f.Fetch(context.Background(), "c9")
	if err == nil {
		t.Fatal("got no error")
	}
	for _, s := range []string{"gave up after 3 attempts", "database down (3)", `cursor "c9"`} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q: want it to contain %q", err, s)
		}
	}
	if calls.Load() != 3 || len(sl.got()) != 2 {
		t.Errorf("got %d requests and %d waits, want 3 and 2", calls.Load(), len(sl.got()))
	}

	f, sl = testFeed(t, srv, FeedOptions{RetryOptions: RetryOptions{MaxRetries: -1}})
	calls.Store(0)
	if _, err := f.Fetch(context.Background(), ""); err == nil || calls.Load() != 1 || len(sl.got()) != 0 {
		t.Errorf("MaxRetries -1: got %v after %d requests, want an error after 1", err, calls.Load())
	}
}

func TestFeedThrottled(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		name       string
		retryAfter string
		check      func(time.Duration) bool
		want       string
	}{
		{"seconds", "2", func(d time.Duration) bool { return d == 2*time.Second }, "2s"},
		{"zero", "0", func(d time.Duration) bool { return d == 0 }, "0s"},
		{"date", date, func(d time.Duration) bool { return d > 80*time.Second && d <= 90*time.Second }, "about 90s"},
		{"missing", "", func(d time.Duration) bool { return d >= 0 && d <= 250*time.Millisecond }, "backoff up to 250ms"},
		{"garbage", "soon", func(d time.Duration) bool { return d >= 0 && d <= 250*time.Millisecond }, "backoff up to 250ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, calls := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					if tc.retryAfter != "" {
						w.Header().Set("Retry-After", tc.retryAfter)
					}
					http.Error(w, `{"error":"slow down"}`, http.StatusTooManyRequests)
					return
				}
				w.Write(testPage(0, 1, "n", false))
			})
			f, sl := testFeed(t, srv, FeedOptions{})
			if _, err := f.Fetch(context.Background(), ""); err != nil {
				t.Fatal(err)
			}
			waits := sl.got()
			if calls.Load() != 2 || len(waits) != 1 || !tc.check(waits[0]) {
				t.Errorf("got %d requests, waits %v; want 2 requests and one wait of %s", calls.Load(), waits, tc.want)
			}
		})
	}

	t.Run("too long", func(t *testing.T) {
		srv, calls := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
		})
		f, sl := testFeed(t, srv, FeedOptions{})
		_, err := f.Fetch(context.Background(), "")
		if err == nil || !strings.Contains(err.Error(), "wait 1h0m0s") || !strings.Contains(err.Error(), "pull again after") {
			t.Errorf("got %v, want an error saying to pull again in an hour", err)
		}
		if calls.Load() != 1 || len(sl.got()) != 0 {
			t.Errorf("got %d requests, %d waits; want 1 and 0", calls.Load(), len(sl.got()))
		}
	})

	t.Run("budget", func(t *testing.T) {
		srv, calls := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		})
		f, _ := testFeed(t, srv, FeedOptions{RetryOptions: RetryOptions{MaxRetries: 2}})
		_, err := f.Fetch(context.Background(), "")
		// MaxRetries 2 allows 4 waits for throttling: 5 attempts.
		if err == nil || !strings.Contains(err.Error(), "gave up after 5 attempts (5 throttled") || calls.Load() != 5 {
			t.Errorf("got %v after %d requests, want giving up after 5", err, calls.Load())
		}
	})

	t.Run("503 Retry-After", func(t *testing.T) {
		srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				w.Header().Set("Retry-After", "7")
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.Write(testPage(0, 1, "n", false))
		})
		f, sl := testFeed(t, srv, FeedOptions{})
		if _, err := f.Fetch(context.Background(), ""); err != nil {
			t.Fatal(err)
		}
		if w := sl.got(); len(w) != 1 || w[0] != 7*time.Second {
			t.Errorf("waits %v, want [7s]", w)
		}
	})
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", -1},
		{"2", 2 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"-3", -1},
		{"1.5", -1},
		{"Thu, 05 Nov 2026 09:00:30 GMT", 30 * time.Second},
		{"Thursday, 05-Nov-26 09:01:00 GMT", time.Minute},
		{"Thu, 05 Nov 2026 08:00:00 GMT", 0},
		{"99999999999999999999", -1},
		{"9999999999999", 1 << 62},
	} {
		if got := parseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q): got %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestFeedTimeout(t *testing.T) {
	srv, calls := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		w.Write(testPage(0, 2, "n", false))
	})
	var retryErr error
	f, sl := testFeed(t, srv, FeedOptions{RetryOptions: RetryOptions{Timeout: 100 * time.Millisecond, OnRetry: func(_ int, _ time.Duration, err error) { retryErr = err }}})
	p, err := f.Fetch(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Records) != 2 || calls.Load() != 2 || len(sl.got()) != 1 {
		t.Errorf("got %d records after %d requests and %d waits, want 2, 2, 1", len(p.Records), calls.Load(), len(sl.got()))
	}
	if retryErr == nil || !strings.Contains(retryErr.Error(), "within 100ms (Timeout)") || !errors.Is(retryErr, context.DeadlineExceeded) {
		t.Errorf("retried error %v, want a timeout", retryErr)
	}
}

func TestFeedTruncatedBody(t *testing.T) {
	full := testPage(0, 50, "n", false)
	half := full[:len(full)/2]
	for _, framing := range []string{"content-length", "chunked", "close-delimited", "gzip"} {
		t.Run(framing, func(t *testing.T) {
			srv, calls := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n > 1 {
					w.Write(full)
					return
				}
				conn, bw, err := w.(http.Hijacker).Hijack()
				if err != nil {
					t.Error(err)
					return
				}
				defer conn.Close()
				switch framing {
				case "content-length":
					fmt.Fprintf(bw, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(full), half)
				case "chunked":
					fmt.Fprintf(bw, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n", len(half), half)
				case "close-delimited":
					fmt.Fprintf(bw, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n%s", half)
				case "gzip":
					var z bytes.Buffer
					zw := gzip.NewWriter(&z)
					zw.Write(full)
					zw.Close()
					cut := z.Bytes()[:z.Len()-20]
					fmt.Fprintf(bw, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n%s", cut)
				}
				bw.Flush()
			})
			var retryErr error
			f, _ := testFeed(t, srv, FeedOptions{RetryOptions: RetryOptions{OnRetry: func(_ int, _ time.Duration, err error) { retryErr = err }}})
			p, err := f.Fetch(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Records) != 50 || calls.Load() != 2 {
				t.Errorf("got %d records after %d requests, want 50 after 2", len(p.Records), calls.Load())
			}
			if retryErr == nil {
				t.Error("no retry reported")
			} else {
				t.Logf("retried after: %v", retryErr)
			}
		})
	}
}

func TestFeedCancel(t *testing.T) {
	t.Run("in request", func(t *testing.T) {
		srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		})
		f, sl := testFeed(t, srv, FeedOptions{})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := f.Fetch(ctx, "")
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
		if len(sl.got()) != 0 {
			t.Errorf("waited %v after cancellation, want no retry", sl.got())
		}
	})
	t.Run("in backoff", func(t *testing.T) {
		srv, calls := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
			w.WriteHeader(http.StatusBadGateway)
		})
		f, err := NewFeed(srv.URL, FeedFilings, FeedOptions{RetryOptions: RetryOptions{BackoffBase: time.Hour, BackoffMax: time.Hour, Rand: func() float64 { return 0.9 }}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err = f.Fetch(ctx, "")
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "502") {
			t.Errorf("got %v, want context.Canceled while waiting after the 502", err)
		}
		// Its backoff is an hour: returning at all is stopping promptly.
		if calls.Load() != 1 {
			t.Errorf("got %d requests, want to stop after 1", calls.Load())
		}
	})
	t.Run("before", func(t *testing.T) {
		srv, calls := server(t, func(w http.ResponseWriter, r *http.Request, n int) {})
		f, _ := testFeed(t, srv, FeedOptions{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := f.Fetch(ctx, ""); !errors.Is(err, context.Canceled) || calls.Load() != 0 {
			t.Errorf("got %v after %d requests, want context.Canceled and none", err, calls.Load())
		}
	})
}

func TestFeedBodyLimit(t *testing.T) {
	body := testPage(0, 20, "n", false)
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprint("chunked=", chunked), func(t *testing.T) {
			srv, calls := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if chunked {
					w.Write(body[:100])
					w.(http.Flusher).Flush()
					w.Write(body[100:])
					return
				}
				w.Header().Set("Content-Length", strconv.Itoa(len(body)))
				w.Write(body)
			})
			f, _ := testFeed(t, srv, FeedOptions{RetryOptions: RetryOptions{MaxBodyBytes: 1000}})
			_, err := f.Fetch(context.Background(), "")
			if err == nil || !strings.Contains(err.Error(), "the limit of 1000 bytes") || !strings.Contains(err.Error(), "lower the page size") {
				t.Errorf("got %v, want the body limit error", err)
			}
			if calls.Load() != 1 {
				t.Errorf("got %d requests, want 1", calls.Load())
			}
			f, _ = testFeed(t, srv, FeedOptions{RetryOptions: RetryOptions{MaxBodyBytes: int64(len(body))}})
			if p, err := f.Fetch(context.Background(), ""); err != nil || len(p.Records) != 20 {
				t.Errorf("body of exactly the limit: got %v, %d records; want 20", err, len(p.Records))
			}
		})
	}
}

func TestFeedGzip(t *testing.T) {
	body := testPage(0, 100, "n", false)
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			t.Errorf("Accept-Encoding %q, want gzip", r.Header.Get("Accept-Encoding"))
			w.Write(body)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		zw.Write(body)
		zw.Close()
	})
	f, _ := testFeed(t, srv, FeedOptions{})
	p, err := f.Fetch(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Records) != 100 || !bytes.Equal(p.Body, body) {
		t.Errorf("got %d records and a %d-byte body, want 100 and the %d bytes decompressed", len(p.Records), len(p.Body), len(body))
	}
}

func TestFeedConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	f, err := NewFeed(url, FeedFilings, FeedOptions{RetryOptions: RetryOptions{MaxRetries: 2, Sleep: (&sleeps{}).sleep}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Fetch(context.Background(), "")
	if err == nil || !strings.Contains(err.Error(), "gave up after 3 attempts") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("got %v, want giving up after 3 refused connections", err)
	}
}

func TestFeedRedirects(t *testing.T) {
	check := newFeedClient().CheckRedirect
	req := func(u string) *http.Request {
		r, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	secure := req("https://registry.example/v1/filings")
	if err := check(req("https://mirror.example/v1/filings"), []*http.Request{secure}); err != nil {
		t.Errorf("https to https: %v", err)
	}
	if err := check(req("http://registry.example/v1/filings"), []*http.Request{secure}); err == nil || !strings.Contains(err.Error(), "expose the token") {
		t.Errorf("https to http: got %v, want refused", err)
	}
	via := []*http.Request{secure, secure, secure, secure, secure}
	if err := check(req("https://registry.example/v1/filings"), via); err == nil {
		t.Error("sixth redirect: got no error")
	}
}

func TestNewFeed(t *testing.T) {
	for _, tc := range []struct {
		url, kind string
		opts      FeedOptions
		want      string // "" for success; else part of the error
		endpoint  string
	}{
		{"https://registry.example", "filings", FeedOptions{}, "", "https://registry.example/v1/filings"},
		{"http://127.0.0.1:8080/api/", "registrations", FeedOptions{Limit: 10000}, "", "http://127.0.0.1:8080/api/v1/registrations"},
		{"https://registry.example", "exports", FeedOptions{}, `feed kind "exports"`, ""},
		{"ftp://registry.example", "filings", FeedOptions{}, "want an http:// or https:// URL", ""},
		{"registry.example/feed", "filings", FeedOptions{}, "want an http:// or https:// URL", ""},
		{"https:///v1", "filings", FeedOptions{}, "no host", ""},
		{"https://user:pw@registry.example", "filings", FeedOptions{}, "credentials in the URL", ""},
		{"https://registry.example/?token=abc", "filings", FeedOptions{}, "query string", ""},
		{"https://registry.example/#x", "filings", FeedOptions{}, "fragment", ""},
		{"https://registry.example", "filings", FeedOptions{Limit: 10001}, "want 1 to 10000", ""},
		{"https://registry.example", "filings", FeedOptions{Limit: -1}, "want 1 to 10000", ""},
		{"https://registry.example", "filings", FeedOptions{RetryOptions: RetryOptions{Timeout: -time.Second}}, "Timeout is negative", ""},
		{"https://registry.example", "filings", FeedOptions{RetryOptions: RetryOptions{MaxBodyBytes: -1}}, "MaxBodyBytes is negative", ""},
		{"https://registry.example", "filings", FeedOptions{Token: "abc\r\nX-Evil: 1"}, "control or non-ASCII character at byte 4", ""},
	} {
		f, err := NewFeed(tc.url, tc.kind, tc.opts)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("NewFeed(%q, %q): %v", tc.url, tc.kind, err)
		case tc.want == "" && f.endpoint.String() != tc.endpoint:
			t.Errorf("NewFeed(%q, %q): endpoint %s, want %s", tc.url, tc.kind, f.endpoint, tc.endpoint)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ictstat.ErrUsage)):
			t.Errorf("NewFeed(%q, %q, %+v): got %v, want ErrUsage saying %q", tc.url, tc.kind, tc.opts, err, tc.want)
		case err != nil && strings.Contains(err.Error(), "abc"):
			t.Errorf("error %q holds the token", err)
		}
	}
	f, err := NewFeed("https://r.example", FeedFilings, FeedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if f.o.Limit != 1000 || f.o.Timeout != 30*time.Second || f.o.MaxRetries != 8 || f.o.BackoffBase != 250*time.Millisecond ||
		f.o.BackoffMax != 30*time.Second || f.o.MaxRetryAfter != 5*time.Minute || f.o.MaxBodyBytes != 256<<20 {
		t.Errorf("defaults: got %+v", f.o)
	}
	if got := f.pageURL("a b&c"); got != "https://r.example/v1/filings?after=a+b%26c&limit=1000" {
		t.Errorf("pageURL: got %s", got)
	}
}

// BenchmarkFeedFetch fetches a page of 10000 filings over loopback.
func BenchmarkFeedFetch(b *testing.B) {
	body := testPage(0, 10000, "pos-10000", true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	defer srv.Close()
	f, err := NewFeed(srv.URL, FeedFilings, FeedOptions{Limit: 10000})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := f.Fetch(context.Background(), "")
		if err != nil || len(p.Records) != 10000 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "records/s")
}

func ExampleFeed() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("after") == "" {
			fmt.Fprint(w, `{"filings":[{"filing_id":"VZ-1"},{"filing_id":"VZ-2"}],"next":"c2","has_more":true}`)
			return
		}
		fmt.Fprint(w, `{"filings":[{"filing_id":"VZ-3"}],"next":"c3","has_more":false}`)
	}))
	defer srv.Close()

	feed, err := NewFeed(srv.URL, FeedFilings, FeedOptions{Token: "token-from-config"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer feed.Close()
	cursor := "" // the cursor committed with the last pull; "" the first time
	for {
		page, err := feed.Fetch(context.Background(), cursor)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, rec := range page.Records {
			fmt.Printf("%s\n", rec) // validated and committed with page.Next elsewhere
		}
		cursor = page.Next
		if !page.HasMore {
			break
		}
	}
	fmt.Println("cursor:", cursor)
	// Output:
	// {"filing_id":"VZ-1"}
	// {"filing_id":"VZ-2"}
	// {"filing_id":"VZ-3"}
	// cursor: c3
}
