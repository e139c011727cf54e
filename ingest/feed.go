package ingest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/npit-mn/ictstat"
)

// Feed errors that callers branch on with errors.Is.
var (
	// ErrUnauthorized marks a feed that refused the token (HTTP 401).
	ErrUnauthorized = errors.New("the feed refused the token")
	// ErrBadCursor marks a feed that rejected the saved cursor (HTTP 400).
	ErrBadCursor = errors.New("the feed rejected the cursor")
)

// Feed kinds: the record arrays the registry serves.
const (
	FeedFilings       = "filings"
	FeedRegistrations = "registrations"
)

// Limits of the feed contract and of this client.
const (
	feedDefaultLimit    = 1000
	feedMaxLimit        = 10000
	feedDefaultMaxBody  = 256 << 20
	feedMaxErrorBody    = 64 << 10 // bytes of an error response read for its message
	feedMaxDepth        = 1000     // nesting of the envelope and its records
	feedMaxServerText   = 300      // bytes of a server's error text quoted in an error
	feedMaxRedirects    = 5
	feedTokenHelp       = "flag --token, env ICTSTAT_TOKEN or the config's token file"
	feedDefaultMaxRetry = 8
)

// FeedOptions configure a Feed. The zero value is the default.
type FeedOptions struct {
	// Token is the bearer token sent with every request; surrounding white
	// space (a token file's newline) is trimmed. Empty sends no
	// Authorization header. The token never appears in errors or URLs.
	Token string
	// Limit is the page size asked for, in records; default 1000, at most
	// 10000 (the contract's maximum).
	Limit int
	// Timeout bounds one request, from sending it to reading the whole
	// body; default 30s. A request that runs out of time is retried.
	Timeout time.Duration
	// MaxRetries is the number of transient failures (5xx, timeouts,
	// connection errors, truncated bodies) retried per page before Fetch
	// gives up; default 8, negative for none. Throttling (429) has its own
	// budget of twice as many waits, since a throttled request is the feed
	// working as intended rather than failing.
	MaxRetries int
	// BackoffBase is the ceiling of the first wait after a failure; default
	// 250ms. The ceiling doubles with each failure up to BackoffMax, and the
	// wait is drawn uniformly below it ("full jitter"), so that clients that
	// failed together do not retry together.
	BackoffBase time.Duration
	// BackoffMax caps the backoff ceiling; default 30s.
	BackoffMax time.Duration
	// MaxRetryAfter is the longest Retry-After of a 429 response that Fetch
	// waits out; default 5m. A longer one fails the fetch, saying when to
	// pull again, rather than holding the job for that long.
	MaxRetryAfter time.Duration
	// MaxBodyBytes bounds a response body, decompressed; default 256 MiB.
	MaxBodyBytes int64
	// Client sends the requests; default a client with keep-alive, gzip and
	// proxy settings from the environment, which refuses redirects from
	// https to http so that the token is never sent in clear.
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

// Feed pulls one kind of record from the registry's feed. It is safe for
// concurrent use when the functions in its options are.
type Feed struct {
	kind     string
	endpoint *url.URL // {base}/v1/{kind}, without query
	auth     string   // "Bearer {token}" or ""
	token    string   // only to scrub it from server texts
	limit    string
	o        FeedOptions
	owned    bool         // o.Client is the Feed's own
	lastBody atomic.Int64 // size of the last body, to size the next read
}

// Close releases the idle connections of the Feed's own client (not of a
// client given in FeedOptions). The Feed stays usable.
func (f *Feed) Close() {
	if f.owned {
		f.o.Client.CloseIdleConnections()
	}
}

// Page is one page of the feed.
type Page struct {
	// Records holds the raw JSON of each record, unvalidated apart from
	// being JSON. They share one buffer of their own (not Body), which the
	// Feed never touches again, so the caller may keep them.
	Records []json.RawMessage
	// Next is the cursor after this page, to save with the rows it covers.
	// On a last page that names no cursor it is the cursor passed to Fetch,
	// so that a later pull repeats this page rather than starting over.
	Next string
	// HasMore reports whether the feed holds more records after Next.
	HasMore bool
	// Body is the response body as received (after HTTP decompression),
	// for archiving the raw payload.
	Body []byte
	// URL is the request URL; it never holds the token.
	URL string
}

// NewFeed returns a client of the feed at baseURL ("https://registry.example/")
// serving kind, FeedFilings or FeedRegistrations. Bad arguments are reported
// with ictstat.ErrUsage.
func NewFeed(baseURL, kind string, opts FeedOptions) (*Feed, error) {
	if kind != FeedFilings && kind != FeedRegistrations {
		return nil, fmt.Errorf("%w: feed kind %q: want %q or %q", ictstat.ErrUsage, kind, FeedFilings, FeedRegistrations)
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the URL, which may hold a password
		}
		return nil, fmt.Errorf("%w: feed URL: %v", ictstat.ErrUsage, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%w: feed URL %q: want an http:// or https:// URL", ictstat.ErrUsage, u.Redacted())
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("%w: feed URL %q: no host", ictstat.ErrUsage, u.Redacted())
	case u.User != nil:
		return nil, fmt.Errorf("%w: feed URL for %s: credentials in the URL are not accepted; give the token by %s", ictstat.ErrUsage, u.Host, feedTokenHelp)
	case u.RawQuery != "" || u.ForceQuery:
		return nil, fmt.Errorf("%w: feed URL for %s: a query string is not accepted (give the token by %s)", ictstat.ErrUsage, u.Host, feedTokenHelp)
	case u.Fragment != "":
		return nil, fmt.Errorf("%w: feed URL %q: remove the #fragment", ictstat.ErrUsage, u.Redacted())
	}
	u = u.JoinPath("v1", kind)

	o := opts
	o.Token = strings.TrimSpace(o.Token)
	for i := 0; i < len(o.Token); i++ {
		if c := o.Token[i]; c <= ' ' || c > '~' {
			return nil, fmt.Errorf("%w: the token has a space, control or non-ASCII character at byte %d: check %s", ictstat.ErrUsage, i+1, feedTokenHelp)
		}
	}
	if o.Limit < 0 || o.Limit > feedMaxLimit {
		return nil, fmt.Errorf("%w: feed page size %d: want 1 to %d records (0 for the default %d)", ictstat.ErrUsage, o.Limit, feedMaxLimit, feedDefaultLimit)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"Timeout", o.Timeout}, {"BackoffBase", o.BackoffBase}, {"BackoffMax", o.BackoffMax}, {"MaxRetryAfter", o.MaxRetryAfter}} {
		if d.v < 0 {
			return nil, fmt.Errorf("%w: feed option %s is negative (%s): want a duration > 0, or 0 for the default", ictstat.ErrUsage, d.name, d.v)
		}
	}
	if o.MaxBodyBytes < 0 {
		return nil, fmt.Errorf("%w: feed option MaxBodyBytes is negative (%d): want bytes > 0, or 0 for the default", ictstat.ErrUsage, o.MaxBodyBytes)
	}
	o.Limit = feedDefault(o.Limit, feedDefaultLimit)
	o.Timeout = feedDefault(o.Timeout, 30*time.Second)
	o.BackoffBase = feedDefault(o.BackoffBase, 250*time.Millisecond)
	o.BackoffMax = feedDefault(o.BackoffMax, 30*time.Second)
	o.MaxRetryAfter = feedDefault(o.MaxRetryAfter, 5*time.Minute)
	o.MaxBodyBytes = feedDefault(o.MaxBodyBytes, feedDefaultMaxBody)
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = feedDefaultMaxRetry
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	owned := o.Client == nil
	if owned {
		o.Client = newFeedClient()
	}
	if o.Sleep == nil {
		o.Sleep = feedSleep
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	f := &Feed{kind: kind, endpoint: u, token: o.Token, limit: strconv.Itoa(o.Limit), o: o, owned: owned}
	if o.Token != "" {
		f.auth = "Bearer " + o.Token
	}
	return f, nil
}

// feedDefault returns v, or def when v is the zero value.
func feedDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// newFeedClient returns a client with a transport of its own (no shared
// global state): keep-alive, transparent gzip, proxy from the environment
// and the standard library's connection timeouts.
func newFeedClient() *http.Client {
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          16,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: t,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= feedMaxRedirects {
				return fmt.Errorf("stopped after %d redirects", feedMaxRedirects)
			}
			if req.URL.Scheme != "https" && via[0].URL.Scheme == "https" {
				return fmt.Errorf("refused a redirect from https to %s://%s, which would expose the token", req.URL.Scheme, req.URL.Host)
			}
			return nil
		},
	}
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

// feedClass says what to do after an attempt failed.
type feedClass int

const (
	feedPermanent feedClass = iota // give up
	feedTransient                  // back off and retry
	feedThrottled                  // 429: wait as told and retry
)

// feedFailure is a failed attempt.
type feedFailure struct {
	class      feedClass
	retryAfter time.Duration // the server's wait, or -1 for none
	err        error
}

// Fetch gets the page after cursor ("" for the first page), retrying
// transient failures with backoff. Errors wrap ErrUnauthorized (401),
// ErrBadCursor (400 for a saved cursor), ictstat.ErrBadInput (a 200 response
// that is not the contract's envelope), or ctx's error when ctx is done.
// A record that is JSON but not a valid record is not an error here.
func (f *Feed) Fetch(ctx context.Context, cursor string) (Page, error) {
	where := fmt.Sprintf("fetch %s page after cursor %q", f.kind, cursor)
	if cursor == "" {
		where = fmt.Sprintf("fetch first %s page", f.kind)
	}
	reqURL := f.pageURL(cursor)
	var attempts, failures, throttles int
	for {
		if err := ctx.Err(); err != nil {
			return Page{}, fmt.Errorf("%s: %w", where, context.Cause(ctx))
		}
		attempts++
		page, fail := f.try(ctx, reqURL, cursor)
		if fail == nil {
			return page, nil
		}
		if ctx.Err() != nil {
			return Page{}, fmt.Errorf("%s: %w", where, context.Cause(ctx))
		}
		var wait time.Duration
		switch fail.class {
		case feedPermanent:
			return Page{}, fmt.Errorf("%s: %w", where, fail.err)
		case feedThrottled:
			throttles++
			if throttles > 2*f.o.MaxRetries {
				return Page{}, fmt.Errorf("%s: gave up after %d attempts (%d throttled, %d failed): last: %w", where, attempts, throttles, failures, fail.err)
			}
			if fail.retryAfter > f.o.MaxRetryAfter {
				return Page{}, fmt.Errorf("%s: %w; the feed asks to wait %s, more than the %s allowed (MaxRetryAfter): pull again after %s",
					where, fail.err, fail.retryAfter, f.o.MaxRetryAfter, time.Now().Add(fail.retryAfter).Format(time.RFC3339))
			}
			wait = fail.retryAfter
			if wait < 0 {
				wait = f.backoff(throttles)
			}
		default:
			failures++
			if failures > f.o.MaxRetries {
				return Page{}, fmt.Errorf("%s: gave up after %d attempts (%d failed, %d throttled): last: %w", where, attempts, failures, throttles, fail.err)
			}
			wait = fail.retryAfter
			if wait < 0 || wait > f.o.MaxRetryAfter {
				wait = f.backoff(failures)
			}
		}
		if f.o.OnRetry != nil {
			f.o.OnRetry(attempts, wait, fail.err)
		}
		if err := f.o.Sleep(ctx, wait); err != nil {
			return Page{}, fmt.Errorf("%s: waiting to retry after %v: %w", where, fail.err, err)
		}
	}
}

// backoff returns the wait before retry n (1-based): uniform in
// [0, min(BackoffMax, BackoffBase*2^(n-1))).
func (f *Feed) backoff(n int) time.Duration {
	ceiling := f.o.BackoffMax
	if n-1 < 62 {
		if c := f.o.BackoffBase << (n - 1); c > 0 && c>>(n-1) == f.o.BackoffBase && c < ceiling {
			ceiling = c
		}
	}
	r := f.o.Rand()
	if r < 0 || r >= 1 || r != r {
		r = 0.5 // a broken jitter source must not break the backoff
	}
	return time.Duration(r * float64(ceiling))
}

// pageURL returns the URL of the page after cursor.
func (f *Feed) pageURL(cursor string) string {
	q := make(url.Values, 2)
	if cursor != "" {
		q.Set("after", cursor)
	}
	q.Set("limit", f.limit)
	u := *f.endpoint
	u.RawQuery = q.Encode()
	return u.String()
}

// try makes one attempt at the page.
func (f *Feed) try(ctx context.Context, reqURL, cursor string) (Page, *feedFailure) {
	actx, cancel := context.WithTimeout(ctx, f.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, reqURL, nil)
	if err != nil {
		return Page{}, &feedFailure{class: feedPermanent, err: fmt.Errorf("GET %s: %w", reqURL, err)}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "ictstat")
	if f.auth != "" {
		req.Header.Set("Authorization", f.auth)
	}
	resp, err := f.o.Client.Do(req)
	if err != nil {
		return Page{}, f.transportFailure(actx, reqURL, "no response", err)
	}
	defer resp.Body.Close()

	if resp.StatusCode != http.StatusOK {
		return Page{}, f.statusFailure(resp, reqURL, cursor)
	}
	if resp.ContentLength > f.o.MaxBodyBytes {
		return Page{}, &feedFailure{class: feedPermanent, err: f.tooLarge(reqURL, resp.ContentLength)}
	}
	body, err := readFeedBody(resp.Body, resp.ContentLength, f.lastBody.Load(), f.o.MaxBodyBytes)
	if errors.Is(err, errFeedTooLarge) {
		return Page{}, &feedFailure{class: feedPermanent, err: f.tooLarge(reqURL, -1)}
	}
	if err != nil {
		return Page{}, f.transportFailure(actx, reqURL, fmt.Sprintf("body cut off after %d bytes", len(body)), err)
	}
	f.lastBody.Store(int64(len(body)))
	env, err := parseFeedEnvelope(body, f.kind)
	if err != nil {
		var se *feedSyntaxError
		if errors.As(err, &se) && se.eof && !feedFramed(resp) {
			// Without a length or chunked framing a dropped connection
			// looks like the end of the body: retry a body that ends early.
			return Page{}, &feedFailure{class: feedTransient, retryAfter: -1,
				err: fmt.Errorf("GET %s: body ends early after %d bytes (connection closed?)", reqURL, len(body))}
		}
		reason := err.Error()
		if ct := resp.Header.Get("Content-Type"); ct != "" && !strings.Contains(ct, "json") {
			reason += fmt.Sprintf(" (Content-Type %q: is this the registry's feed?)", ct)
		}
		return Page{}, &feedFailure{class: feedPermanent, err: &ictstat.InputError{File: reqURL, Field: feedErrField(err), Reason: reason}}
	}
	page := Page{Records: env.records, Next: env.next, HasMore: env.hasMore, Body: body, URL: reqURL}
	switch {
	case env.hasMore && env.next == "":
		return Page{}, &feedFailure{class: feedPermanent, err: &ictstat.InputError{File: reqURL, Field: "next",
			Reason: "has_more is true but next is missing or empty: the feed cannot be followed"}}
	case env.hasMore && env.next == cursor:
		return Page{}, &feedFailure{class: feedPermanent, err: &ictstat.InputError{File: reqURL, Field: "next",
			Reason: "has_more is true but next repeats the cursor sent: the feed does not advance"}}
	case env.next == "":
		page.Next = cursor
	}
	return page, nil
}

// feedFramed reports whether the body's end was checked by the transport:
// by Content-Length, chunked encoding, a gzip trailer or HTTP/2 framing.
func feedFramed(resp *http.Response) bool {
	return resp.ContentLength >= 0 || len(resp.TransferEncoding) > 0 || resp.Uncompressed || resp.ProtoMajor >= 2
}

// tooLarge reports a body over MaxBodyBytes, of n bytes if known (n >= 0).
func (f *Feed) tooLarge(reqURL string, n int64) error {
	size := ""
	if n >= 0 {
		size = fmt.Sprintf(" of %d bytes", n)
	}
	return fmt.Errorf("GET %s: response body%s exceeds the limit of %d bytes: lower the page size (Limit %s) or raise MaxBodyBytes",
		reqURL, size, f.o.MaxBodyBytes, f.limit)
}

// transportFailure classifies a failure to get or read a response: bad
// certificates are permanent, everything else (timeouts, refused or reset
// connections, truncated bodies) is transient.
func (f *Feed) transportFailure(actx context.Context, reqURL, what string, err error) *feedFailure {
	if errors.Is(actx.Err(), context.DeadlineExceeded) {
		return &feedFailure{class: feedTransient, retryAfter: -1,
			err: fmt.Errorf("GET %s: no complete response within %s (Timeout): %w", reqURL, f.o.Timeout, context.DeadlineExceeded)}
	}
	var (
		unknownCA   x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		invalidCert x509.CertificateInvalidError
		verifyErr   *tls.CertificateVerificationError
	)
	if errors.As(err, &unknownCA) || errors.As(err, &hostErr) || errors.As(err, &invalidCert) || errors.As(err, &verifyErr) {
		return &feedFailure{class: feedPermanent, err: fmt.Errorf("GET %s: the server's TLS certificate is not trusted: %w", reqURL, err)}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its message repeats the URL
	}
	return &feedFailure{class: feedTransient, retryAfter: -1, err: fmt.Errorf("GET %s: %s: %w", reqURL, what, err)}
}

// statusFailure classifies a response other than 200 OK.
func (f *Feed) statusFailure(resp *http.Response, reqURL, cursor string) *feedFailure {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, feedMaxErrorBody))
	text := feedServerText(raw, f.token)
	if text != "" {
		text = fmt.Sprintf(" (server: %q)", text)
	}
	status := fmt.Sprintf("GET %s: %s%s", reqURL, resp.Status, text)
	code := resp.StatusCode
	switch {
	case code == http.StatusUnauthorized:
		hint := "check the token given by " + feedTokenHelp
		if f.auth == "" {
			hint = "no token was given: set one by " + feedTokenHelp
		}
		return &feedFailure{class: feedPermanent, err: fmt.Errorf("%s: %w: %s", status, ErrUnauthorized, hint)}
	case code == http.StatusBadRequest && cursor != "":
		return &feedFailure{class: feedPermanent, err: fmt.Errorf("%s: %w %q (expired, or saved from another feed): reset the source's cursor to pull again from the start, which is safe since records already committed change nothing",
			status, ErrBadCursor, cursor)}
	case code == http.StatusTooManyRequests:
		return &feedFailure{class: feedThrottled, retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()), err: errors.New(status)}
	case code >= 500 || code == http.StatusRequestTimeout:
		return &feedFailure{class: feedTransient, retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()), err: errors.New(status)}
	case code == http.StatusForbidden:
		return &feedFailure{class: feedPermanent, err: fmt.Errorf("%s: the token is not allowed to read the %s feed: ask the registry for access", status, f.kind)}
	case code == http.StatusNotFound:
		return &feedFailure{class: feedPermanent, err: fmt.Errorf("%s: no feed at this address: check the base URL (the feed is served at {base_url}/v1/%s)", status, f.kind)}
	default:
		return &feedFailure{class: feedPermanent, err: errors.New(status)}
	}
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

// feedServerText extracts the message of an error response: the "error",
// "message" or "detail" of a JSON object, else short plain text. The token
// is scrubbed, in case a server echoes it.
func feedServerText(raw []byte, token string) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	var text string
	if raw[0] == '{' {
		var v struct {
			Error   json.RawMessage `json:"error"`
			Message string          `json:"message"`
			Detail  string          `json:"detail"`
		}
		if json.Unmarshal(raw, &v) == nil {
			var nested struct {
				Message string `json:"message"`
			}
			switch {
			case json.Unmarshal(v.Error, &text) == nil && text != "":
			case json.Unmarshal(v.Error, &nested) == nil && nested.Message != "":
				text = nested.Message
			case v.Message != "":
				text = v.Message
			default:
				text = v.Detail
			}
		}
	}
	if text == "" && utf8.Valid(raw) && bytes.IndexByte(raw, 0) < 0 && !bytes.HasPrefix(raw, []byte("<")) {
		text = string(raw) // plain text; an HTML page says nothing useful
	}
	text = strings.Join(strings.Fields(text), " ")
	if token != "" {
		text = strings.ReplaceAll(text, token, "***")
	}
	if len(text) > feedMaxServerText {
		text = strings.ToValidUTF8(text[:feedMaxServerText], "") + "..."
	}
	return text
}

var errFeedTooLarge = errors.New("response body too large")

// readFeedBody reads a whole body of at most limit bytes into a buffer
// sized by its length when known, else by the size of the previous body
// (pages are alike), so that it is rarely grown and copied.
func readFeedBody(r io.Reader, length, previous, limit int64) ([]byte, error) {
	size := max(64<<10, previous+previous/8)
	if length >= 0 {
		size = length + 1 // +1 to see the EOF without growing
	}
	buf := make([]byte, 0, min(size, limit+1))
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return nil, errFeedTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
