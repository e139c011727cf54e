package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/npit-mn/ictstat"
)

// ErrKoboNotFound marks a Kobo asset the server does not know (HTTP 404).
var ErrKoboNotFound = errors.New("the Kobo server has no such asset")

// KoboOptions configure a Kobo client. The zero value is the default.
type KoboOptions struct {
	// Token is the KoboToolbox API token (account settings, "API key"),
	// sent as `Authorization: Token {key}`; never shown in errors.
	Token string
	// Timeout bounds one request, body included; default 60s.
	Timeout time.Duration
	// MaxRetries is the number of transient failures (5xx, 429, connection
	// errors) retried per page; default 6, negative for none.
	MaxRetries int
	// BackoffBase is the first wait after a failure without Retry-After,
	// doubling up to BackoffMax; defaults 500ms and 30s.
	BackoffBase, BackoffMax time.Duration
	// MaxRetryAfter is the longest Retry-After waited out; default 5m.
	MaxRetryAfter time.Duration
	// MaxBodyBytes bounds one page; default 256 MiB.
	MaxBodyBytes int64
	// MaxPages bounds the pages one pull follows; default 100,000.
	MaxPages int
	// Client sends the requests; default a client of its own.
	Client *http.Client
	// Sleep waits d or until ctx is done; tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// OnRetry, when set, is called before each wait.
	OnRetry func(attempt int, wait time.Duration, err error)
}

// Kobo pulls the submissions of one KoboToolbox form through the API v2.
type Kobo struct {
	dataURL string
	host    string
	auth    string
	o       KoboOptions
}

// NewKobo returns a client of the asset data URL
// `{base}/api/v2/assets/{uid}/data/` (the asset URL `{base}/api/v2/assets/{uid}/`
// is also accepted); `format=json` is added. Bad arguments are reported
// with ictstat.ErrUsage.
func NewKobo(dataURL string, opts KoboOptions) (*Kobo, error) {
	u, err := url.Parse(dataURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%w: Kobo URL: %v", ictstat.ErrUsage, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%w: Kobo URL %q: want an http:// or https:// URL", ictstat.ErrUsage, u.Redacted())
	case u.Host == "":
		return nil, fmt.Errorf("%w: Kobo URL %q: no host", ictstat.ErrUsage, u.Redacted())
	case u.User != nil:
		return nil, fmt.Errorf("%w: Kobo URL for %s: credentials in the URL are not accepted; give the token by --token, ICTSTAT_TOKEN or token_file", ictstat.ErrUsage, u.Host)
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	n := len(segs)
	switch {
	case n >= 5 && segs[n-5] == "api" && segs[n-4] == "v2" && segs[n-3] == "assets" && segs[n-1] == "data":
	case n >= 4 && segs[n-4] == "api" && segs[n-3] == "v2" && segs[n-2] == "assets":
		u.Path = strings.TrimSuffix(u.Path, "/") + "/data"
	default:
		return nil, fmt.Errorf("%w: Kobo URL %q: want {server}/api/v2/assets/{uid}/data/", ictstat.ErrUsage, u.Redacted())
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	q := u.Query()
	q.Set("format", "json")
	u.RawQuery = q.Encode()
	o := opts
	o.Token = strings.TrimSpace(o.Token)
	if strings.ContainsFunc(o.Token, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return nil, fmt.Errorf("%w: the Kobo token has a space, control or non-ASCII character", ictstat.ErrUsage)
	}
	o.Timeout = feedDefault(o.Timeout, 60*time.Second)
	o.BackoffBase = feedDefault(o.BackoffBase, 500*time.Millisecond)
	o.BackoffMax = feedDefault(o.BackoffMax, 30*time.Second)
	o.MaxRetryAfter = feedDefault(o.MaxRetryAfter, 5*time.Minute)
	o.MaxBodyBytes = feedDefault(o.MaxBodyBytes, 256<<20)
	o.MaxPages = feedDefault(o.MaxPages, 100_000)
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = 6
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	if o.Client == nil {
		o.Client = newFeedClient()
	}
	if o.Sleep == nil {
		o.Sleep = feedSleep
	}
	k := &Kobo{dataURL: u.String(), host: u.Host, o: o}
	if o.Token != "" {
		k.auth = "Token " + o.Token
	}
	return k, nil
}

// URL returns the first page's URL.
func (k *Kobo) URL() string { return k.dataURL }

// Pages fetches every page, following `next` until it is null, and calls
// fn with each in order. A 401 or 403 wraps ErrUnauthorized and a 404
// ErrKoboNotFound; 5xx, 429 (after its Retry-After) and connection errors
// are retried with backoff.
func (k *Kobo) Pages(ctx context.Context, fn func(KoboPage) error) error {
	seen := map[string]bool{}
	next := k.dataURL
	for pages := 0; next != ""; pages++ {
		if pages >= k.o.MaxPages {
			return fmt.Errorf("kobo: stopped after %d pages (MaxPages)", pages)
		}
		if seen[next] {
			return fmt.Errorf("%w: kobo: page %s names itself or an earlier page as next", ictstat.ErrBadInput, next)
		}
		seen[next] = true
		u, err := url.Parse(next)
		if err != nil || u.Host != k.host {
			return fmt.Errorf("%w: kobo: next page %q is not on %s; the token is sent to no other host", ictstat.ErrBadInput, next, k.host)
		}
		body, err := k.get(ctx, next)
		if err != nil {
			return err
		}
		page, err := ReadKoboJSON(body, next)
		if err != nil {
			return err
		}
		if err := fn(page); err != nil {
			return err
		}
		next = page.Next
	}
	return nil
}

// get fetches one URL with retries.
func (k *Kobo) get(ctx context.Context, u string) ([]byte, error) {
	for attempt := 1; ; attempt++ {
		body, wait, err := k.try(ctx, u)
		if err == nil {
			return body, nil
		}
		if wait < 0 || attempt > k.o.MaxRetries {
			if wait >= 0 {
				err = fmt.Errorf("gave up after %d attempts: %w", attempt, err)
			}
			return nil, fmt.Errorf("kobo GET %s: %w", u, err)
		}
		if wait == 0 {
			ceil := min(k.o.BackoffBase<<(attempt-1), k.o.BackoffMax)
			wait = ceil/2 + time.Duration(rand.Int64N(int64(ceil/2)+1))
		}
		if wait > k.o.MaxRetryAfter {
			return nil, fmt.Errorf("kobo GET %s: %w; the server asks to wait %s: pull again later", u, err, wait)
		}
		if k.o.OnRetry != nil {
			k.o.OnRetry(attempt, wait, err)
		}
		if err := k.o.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("kobo GET %s: %w", u, err)
		}
	}
}

// try makes one request. wait < 0 means a permanent failure, 0 a
// transient one with backoff, > 0 the server's Retry-After.
func (k *Kobo) try(ctx context.Context, u string) ([]byte, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, k.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, -1, err
	}
	req.Header.Set("Accept", "application/json")
	if k.auth != "" {
		req.Header.Set("Authorization", k.auth)
	}
	resp, err := k.o.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil && ctx.Err() != context.DeadlineExceeded {
			return nil, -1, err
		}
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, k.o.MaxBodyBytes+1))
	if resp.StatusCode == http.StatusOK {
		switch {
		case err != nil:
			return nil, 0, fmt.Errorf("reading the body: %w", err)
		case int64(len(body)) > k.o.MaxBodyBytes:
			return nil, -1, fmt.Errorf("%w: page larger than %d bytes", ictstat.ErrBadInput, k.o.MaxBodyBytes)
		}
		return body, 0, nil
	}
	text := strings.TrimSpace(string(body[:min(len(body), 300)]))
	if k.o.Token != "" {
		text = strings.ReplaceAll(text, k.o.Token, "***")
	}
	switch s := resp.StatusCode; {
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		return nil, -1, fmt.Errorf("%w (HTTP %d): check the Kobo API token (--token, ICTSTAT_TOKEN or token_file) and that its account may view the submissions of this form", ErrUnauthorized, s)
	case s == http.StatusNotFound:
		return nil, -1, fmt.Errorf("%w (HTTP 404): check the asset uid in the URL (…/api/v2/assets/{uid}/data/) and the server", ErrKoboNotFound)
	case s == http.StatusTooManyRequests:
		wait := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		if wait <= 0 {
			wait = 0
		}
		return nil, wait, fmt.Errorf("HTTP 429 too many requests")
	case s >= 500:
		return nil, 0, fmt.Errorf("HTTP %d: %s", s, text)
	default:
		return nil, -1, fmt.Errorf("HTTP %d: %s", s, text)
	}
}
