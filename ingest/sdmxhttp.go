package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/npit-mn/ictstat"
)

// SDMXAccept is the Accept header of an SDMX-CSV data request: version 2.0
// preferred, 1.0 or any CSV accepted (the reader takes both).
const SDMXAccept = "application/vnd.sdmx.data+csv;version=2.0.0, application/vnd.sdmx.data+csv;version=1.0.0;q=0.9, text/csv;q=0.5"

// FetchOptions configure FetchSDMX; the zero value is the default.
//
// The retry defaults of FetchSDMX: Timeout 60s, MaxRetries 5, BackoffBase
// 1s, BackoffMax 60s, MaxRetryAfter 5m, MaxBodyBytes 512 MiB.
type FetchOptions struct {
	RetryOptions
	// Token, when set, is sent as a bearer token.
	Token string
}

// sdmxRetryDefaults are the retry defaults of FetchSDMX.
var sdmxRetryDefaults = RetryOptions{Timeout: 60 * time.Second, MaxRetries: 5,
	BackoffBase: time.Second, BackoffMax: time.Minute, MaxRetryAfter: 5 * time.Minute, MaxBodyBytes: 512 << 20}

// FetchSDMX gets an SDMX-CSV data message: a GET of an SDMX REST data URL
// (e.g. https://host/rest/data/BOM,ICT_SERV,1.0/Q.MN..C.SI?startPeriod=2019),
// or the file of a file: URL. 5xx, 429, 408, timeouts and dropped
// connections are retried as RetryOptions says; other statuses fail at
// once, a 4xx with ictstat.ErrBadInput.
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
		return nil, fmt.Errorf("%w: exports URL %q: want an http://, https:// or file: URL", ictstat.ErrUsage, u.Redacted())
	}
	if o.Client == nil {
		defer func() { o.Client.CloseIdleConnections() }()
	}
	o.RetryOptions = o.RetryOptions.withDefaults(sdmxRetryDefaults)
	return retry(ctx, &o.RetryOptions, "GET "+u.Redacted(), func(ctx context.Context) ([]byte, *failure) {
		return fetchSDMXOnce(ctx, u.String(), o)
	})
}

// fetchSDMXOnce makes one attempt.
func fetchSDMXOnce(ctx context.Context, u string, o FetchOptions) ([]byte, *failure) {
	actx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, u, nil)
	if err != nil {
		return nil, permanent(err)
	}
	req.Header.Set("Accept", SDMXAccept)
	req.Header.Set("User-Agent", "ictstat")
	if o.Token != "" {
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(o.Token))
	}
	resp, err := o.Client.Do(req)
	if err != nil {
		return nil, transportFailure(actx, o.Timeout, "no response", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		text, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		err := fmt.Errorf("HTTP %s: %s", resp.Status, strings.TrimSpace(strings.ToValidUTF8(string(text), "")))
		if fail := retryStatus(resp, err); fail != nil {
			return nil, fail
		}
		if resp.StatusCode >= 400 {
			return nil, permanent(fmt.Errorf("%w: %v", ictstat.ErrBadInput, err))
		}
		return nil, permanent(err)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, o.MaxBodyBytes+1))
	if err != nil {
		return nil, transportFailure(actx, o.Timeout, fmt.Sprintf("body cut off after %d bytes", len(body)), err)
	}
	if int64(len(body)) > o.MaxBodyBytes {
		return nil, permanent(fmt.Errorf("%w: the body is larger than %d bytes (MaxBodyBytes)", ictstat.ErrBadInput, o.MaxBodyBytes))
	}
	return body, nil
}
