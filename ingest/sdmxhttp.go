package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/npit-mn/ictstat"
)

// SDMXAccept is the Accept header of an SDMX-CSV data request: version 2.0
// preferred, 1.0 or any CSV accepted (the reader takes both).
const SDMXAccept = "application/vnd.sdmx.data+csv;version=2.0.0, application/vnd.sdmx.data+csv;version=1.0.0;q=0.9, text/csv;q=0.5"

// FetchOptions configure FetchSDMX; the zero value is the default.
type FetchOptions struct {
	// Token, when set, is sent as a bearer token.
	Token string
	// Timeout bounds one request, body included; default 60s.
	Timeout time.Duration
	// MaxRetries is the number of failed attempts (5xx, 429, timeouts,
	// connection errors) retried before giving up; default 5, negative for
	// none.
	MaxRetries int
	// BackoffBase is the first wait after a failure, doubling up to
	// BackoffMax; defaults 1s and 60s. A 429 or 503 with Retry-After
	// (seconds) waits that long instead, up to MaxRetryAfter (default 5m).
	BackoffBase, BackoffMax, MaxRetryAfter time.Duration
	// MaxBodyBytes bounds the response body; default 512 MiB.
	MaxBodyBytes int64
	// Client sends the requests; default a client of its own.
	Client *http.Client
	// Sleep waits d or until ctx is done; tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// OnRetry, when set, is called before each wait.
	OnRetry func(attempt int, wait time.Duration, err error)
}

// FetchSDMX gets an SDMX-CSV data message: a GET of an SDMX REST data URL
// (e.g. https://host/rest/data/BOM,ICT_SERV,1.0/Q.MN..C.SI?startPeriod=2019),
// or the file of a file: URL. 5xx, 429, timeouts and dropped connections
// are retried with doubling waits; other statuses fail at once, a 4xx with
// ictstat.ErrBadInput.
func FetchSDMX(ctx context.Context, rawURL string, o FetchOptions) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: exports URL: %v", ictstat.ErrUsage, errors.Unwrap(err))
	}
	if u.Scheme == "file" {
		p := u.Path
		if p == "" {
			p = u.Opaque
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ictstat.ErrBadInput, err)
		}
		return b, nil
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: exports URL %q: want http://, https:// or file:", ictstat.ErrUsage, u.Redacted())
	}
	o.Timeout = feedDefault(o.Timeout, 60*time.Second)
	o.BackoffBase = feedDefault(o.BackoffBase, time.Second)
	o.BackoffMax = feedDefault(o.BackoffMax, time.Minute)
	o.MaxRetryAfter = feedDefault(o.MaxRetryAfter, 5*time.Minute)
	o.MaxBodyBytes = feedDefault(o.MaxBodyBytes, 512<<20)
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = 5
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	if o.Client == nil {
		o.Client = newFeedClient()
		defer o.Client.CloseIdleConnections()
	}
	if o.Sleep == nil {
		o.Sleep = feedSleep
	}
	where := "GET " + u.Redacted()
	for attempt := 1; ; attempt++ {
		body, retryAfter, err := fetchSDMXOnce(ctx, u.String(), o)
		if err == nil {
			return body, nil
		}
		if retryAfter < 0 || ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if attempt > o.MaxRetries {
			return nil, fmt.Errorf("%s: gave up after %d attempts: %w", where, attempt, err)
		}
		wait := retryAfter
		if wait == 0 {
			wait = min(o.BackoffMax, o.BackoffBase<<min(attempt-1, 20))
		}
		if wait > o.MaxRetryAfter {
			return nil, fmt.Errorf("%s: %w; the server asks to wait %s: pull again later", where, err, wait)
		}
		if o.OnRetry != nil {
			o.OnRetry(attempt, wait, err)
		}
		if err := o.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
	}
}

// fetchSDMXOnce makes one attempt. retryAfter is -1 for a permanent
// failure, 0 for a transient one to back off from, or the server's wait.
func fetchSDMXOnce(ctx context.Context, u string, o FetchOptions) (body []byte, retryAfter time.Duration, err error) {
	actx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, u, nil)
	if err != nil {
		return nil, -1, err
	}
	req.Header.Set("Accept", SDMXAccept)
	req.Header.Set("User-Agent", "ictstat")
	if o.Token != "" {
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(o.Token))
	}
	resp, err := o.Client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("no response: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		text, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		err := fmt.Errorf("HTTP %s: %s", resp.Status, strings.TrimSpace(strings.ToValidUTF8(string(text), "")))
		switch {
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			wait := time.Duration(0)
			if s, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); err == nil && s >= 0 {
				wait = time.Duration(s) * time.Second
			}
			return nil, wait, err
		case resp.StatusCode >= 400:
			return nil, -1, fmt.Errorf("%w: %v", ictstat.ErrBadInput, err)
		}
		return nil, -1, err
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, o.MaxBodyBytes+1))
	if err != nil {
		return nil, 0, fmt.Errorf("body cut off after %d bytes: %w", len(body), err)
	}
	if int64(len(body)) > o.MaxBodyBytes {
		return nil, -1, fmt.Errorf("%w: the body is larger than %d bytes (MaxBodyBytes)", ictstat.ErrBadInput, o.MaxBodyBytes)
	}
	return body, 0, nil
}
