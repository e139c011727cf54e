package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
//
// The retry defaults of a Feed: Timeout 30s, MaxRetries 8, BackoffBase
// 250ms, BackoffMax 30s, MaxRetryAfter 5m, MaxBodyBytes 256 MiB.
type FeedOptions struct {
	RetryOptions
	// Token is the bearer token sent with every request; surrounding white
	// space (a token file's newline) is trimmed. Empty sends no
	// Authorization header. The token never appears in errors or URLs.
	Token string
	// Limit is the page size asked for, in records; default 1000, at most
	// 10000 (the contract's maximum).
	Limit int
}

// feedRetryDefaults are the retry defaults of a Feed.
var feedRetryDefaults = RetryOptions{Timeout: 30 * time.Second, MaxRetries: feedDefaultMaxRetry,
	BackoffBase: 250 * time.Millisecond, BackoffMax: 30 * time.Second, MaxRetryAfter: 5 * time.Minute, MaxBodyBytes: feedDefaultMaxBody}

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
	owned := o.Client == nil
	o.RetryOptions = o.RetryOptions.withDefaults(feedRetryDefaults)
	f := &Feed{kind: kind, endpoint: u, token: o.Token, limit: strconv.Itoa(o.Limit), o: o, owned: owned}
	if o.Token != "" {
		f.auth = "Bearer " + o.Token
	}
	return f, nil
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
	return retry(ctx, &f.o.RetryOptions, where, func(ctx context.Context) (Page, *failure) {
		return f.try(ctx, reqURL, cursor)
	})
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
func (f *Feed) try(ctx context.Context, reqURL, cursor string) (Page, *failure) {
	actx, cancel := context.WithTimeout(ctx, f.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, reqURL, nil)
	if err != nil {
		return Page{}, permanent(fmt.Errorf("GET %s: %w", reqURL, err))
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "ictstat")
	if f.auth != "" {
		req.Header.Set("Authorization", f.auth)
	}
	resp, err := f.o.Client.Do(req)
	if err != nil {
		return Page{}, transportFailure(actx, f.o.Timeout, "no response", err).within("GET " + reqURL)
	}
	defer resp.Body.Close()

	if resp.StatusCode != http.StatusOK {
		return Page{}, f.statusFailure(resp, reqURL, cursor)
	}
	if resp.ContentLength > f.o.MaxBodyBytes {
		return Page{}, permanent(f.tooLarge(reqURL, resp.ContentLength))
	}
	body, err := readFeedBody(resp.Body, resp.ContentLength, f.lastBody.Load(), f.o.MaxBodyBytes)
	if errors.Is(err, errFeedTooLarge) {
		return Page{}, permanent(f.tooLarge(reqURL, -1))
	}
	if err != nil {
		return Page{}, transportFailure(actx, f.o.Timeout, fmt.Sprintf("body cut off after %d bytes", len(body)), err).within("GET " + reqURL)
	}
	f.lastBody.Store(int64(len(body)))
	env, err := parseFeedEnvelope(body, f.kind)
	if err != nil {
		var se *feedSyntaxError
		if errors.As(err, &se) && se.eof && !feedFramed(resp) {
			// Without a length or chunked framing a dropped connection
			// looks like the end of the body: retry a body that ends early.
			return Page{}, transient(fmt.Errorf("GET %s: body ends early after %d bytes (connection closed?)", reqURL, len(body)))
		}
		reason := err.Error()
		if ct := resp.Header.Get("Content-Type"); ct != "" && !strings.Contains(ct, "json") {
			reason += fmt.Sprintf(" (Content-Type %q: is this the registry's feed?)", ct)
		}
		return Page{}, permanent(&ictstat.InputError{File: reqURL, Field: feedErrField(err), Reason: reason})
	}
	page := Page{Records: env.records, Next: env.next, HasMore: env.hasMore, Body: body, URL: reqURL}
	switch {
	case env.hasMore && env.next == "":
		return Page{}, permanent(&ictstat.InputError{File: reqURL, Field: "next",
			Reason: "has_more is true but next is missing or empty: the feed cannot be followed"})
	case env.hasMore && env.next == cursor:
		return Page{}, permanent(&ictstat.InputError{File: reqURL, Field: "next",
			Reason: "has_more is true but next repeats the cursor sent: the feed does not advance"})
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

// statusFailure classifies a response other than 200 OK.
func (f *Feed) statusFailure(resp *http.Response, reqURL, cursor string) *failure {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, feedMaxErrorBody))
	text := feedServerText(raw, f.token)
	if text != "" {
		text = fmt.Sprintf(" (server: %q)", text)
	}
	status := fmt.Sprintf("GET %s: %s%s", reqURL, resp.Status, text)
	if fail := retryStatus(resp, errors.New(status)); fail != nil {
		return fail
	}
	code := resp.StatusCode
	switch {
	case code == http.StatusUnauthorized:
		hint := "check the token given by " + feedTokenHelp
		if f.auth == "" {
			hint = "no token was given: set one by " + feedTokenHelp
		}
		return permanent(fmt.Errorf("%s: %w: %s", status, ErrUnauthorized, hint))
	case code == http.StatusBadRequest && cursor != "":
		return permanent(fmt.Errorf("%s: %w %q (expired, or saved from another feed): reset the source's cursor to pull again from the start, which is safe since records already committed change nothing",
			status, ErrBadCursor, cursor))
	case code == http.StatusForbidden:
		return permanent(fmt.Errorf("%s: the token is not allowed to read the %s feed: ask the registry for access", status, f.kind))
	case code == http.StatusNotFound:
		return permanent(fmt.Errorf("%s: no feed at this address: check the base URL (the feed is served at {base_url}/v1/%s)", status, f.kind))
	default:
		return permanent(errors.New(status))
	}
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
