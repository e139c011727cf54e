package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/npit-mn/ictstat"
)

// ErrKoboNotFound marks a Kobo asset the server does not know (HTTP 404).
var ErrKoboNotFound = errors.New("the Kobo server has no such asset")

// KoboOptions configure a Kobo client. The zero value is the default.
//
// The retry defaults of a Kobo client: Timeout 60s, MaxRetries 6 per page,
// BackoffBase 500ms, BackoffMax 30s, MaxRetryAfter 5m, MaxBodyBytes 256 MiB
// per page.
type KoboOptions struct {
	RetryOptions
	// Token is the KoboToolbox API token (account settings, "API key"),
	// sent as `Authorization: Token {key}`; never shown in errors.
	Token string
	// MaxPages bounds the pages one pull follows; default 100,000.
	MaxPages int
}

// koboRetryDefaults are the retry defaults of a Kobo client.
var koboRetryDefaults = RetryOptions{Timeout: 60 * time.Second, MaxRetries: 6,
	BackoffBase: 500 * time.Millisecond, BackoffMax: 30 * time.Second, MaxRetryAfter: 5 * time.Minute, MaxBodyBytes: 256 << 20}

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
	o.MaxPages = feedDefault(o.MaxPages, 100_000)
	o.RetryOptions = o.RetryOptions.withDefaults(koboRetryDefaults)
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
	return retry(ctx, &k.o.RetryOptions, "kobo GET "+u, func(ctx context.Context) ([]byte, *failure) {
		return k.try(ctx, u)
	})
}

// try makes one request.
func (k *Kobo) try(ctx context.Context, u string) ([]byte, *failure) {
	actx, cancel := context.WithTimeout(ctx, k.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, u, nil)
	if err != nil {
		return nil, permanent(err)
	}
	req.Header.Set("Accept", "application/json")
	if k.auth != "" {
		req.Header.Set("Authorization", k.auth)
	}
	resp, err := k.o.Client.Do(req)
	if err != nil {
		return nil, transportFailure(actx, k.o.Timeout, "no response", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, k.o.MaxBodyBytes+1))
	if resp.StatusCode == http.StatusOK {
		switch {
		case err != nil:
			return nil, transportFailure(actx, k.o.Timeout, "reading the body", err)
		case int64(len(body)) > k.o.MaxBodyBytes:
			return nil, permanent(fmt.Errorf("%w: page larger than %d bytes", ictstat.ErrBadInput, k.o.MaxBodyBytes))
		}
		return body, nil
	}
	text := strings.TrimSpace(string(body[:min(len(body), 300)]))
	if k.o.Token != "" {
		text = strings.ReplaceAll(text, k.o.Token, "***")
	}
	s := resp.StatusCode
	statusErr := fmt.Errorf("HTTP %d: %s", s, text)
	if s == http.StatusTooManyRequests {
		statusErr = errors.New("HTTP 429 too many requests")
	}
	if fail := retryStatus(resp, statusErr); fail != nil {
		return nil, fail
	}
	switch {
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		return nil, permanent(fmt.Errorf("%w (HTTP %d): check the Kobo API token (--token, ICTSTAT_TOKEN or token_file) and that its account may view the submissions of this form", ErrUnauthorized, s))
	case s == http.StatusNotFound:
		return nil, permanent(fmt.Errorf("%w (HTTP 404): check the asset uid in the URL (…/api/v2/assets/{uid}/data/) and the server", ErrKoboNotFound))
	default:
		return nil, permanent(statusErr)
	}
}
