package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/npit-mn/ictstat"
)

// ErrTableMoved marks a PX-Web table that the server does not know (HTTP 404,
// or 400 to a query built from the table's own metadata): statistical
// offices move tables between folders. It wraps ictstat.ErrNotFound.
var ErrTableMoved = fmt.Errorf("PX-Web table not found: %w", ictstat.ErrNotFound)

// PXWebOptions configure a PXWeb client. The zero value is the default.
type PXWebOptions struct {
	// MinInterval is the least time between the starts of two requests,
	// retries included; default 600ms, so that a client stays under the 2
	// requests a second that NSO asks for. Negative: no pacing.
	MinInterval time.Duration
	// Selection restricts a dimension (by its code) to the listed category
	// codes; a dimension it does not name gets all its categories.
	Selection map[string][]string
	// ConfigKey names the setting of the table's URL in error messages;
	// default "sources.national_accounts.url".
	ConfigKey string
	// Now is the clock the pacing reads; default time.Now. Tests pair it
	// with RetryOptions.Sleep to pace without waiting.
	Now func() time.Time
	// RetryOptions: defaults Timeout 60s, MaxRetries 6 per request,
	// BackoffBase 1s, BackoffMax 30s, MaxRetryAfter 2m, MaxBodyBytes
	// 64 MiB. A Client without a cookie jar is given one, since PX-Web
	// servers track a session.
	RetryOptions
}

// pxRetryDefaults are the retry defaults of a PXWeb client.
var pxRetryDefaults = RetryOptions{Timeout: 60 * time.Second, MaxRetries: 6,
	BackoffBase: time.Second, BackoffMax: 30 * time.Second, MaxRetryAfter: 2 * time.Minute, MaxBodyBytes: 64 << 20}

// PXWeb is a client of one PX-Web (API v1) table, such as
// https://.../api/v1/en/NSO/Economy/DT_NSO_0500_001V1.px. It keeps the
// server's session cookie and paces its requests. Safe for concurrent use.
type PXWeb struct {
	url     string
	tableID string
	o       PXWebOptions

	mu   sync.Mutex // guards last
	last time.Time  // start of the previous request
}

// PXVariable is one variable of a table's metadata.
type PXVariable struct {
	Code        string   `json:"code"`
	Text        string   `json:"text"`
	Values      []string `json:"values"`
	ValueTexts  []string `json:"valueTexts"`
	Time        bool     `json:"time"`
	Elimination bool     `json:"elimination"`
}

// PXTable is a table's metadata, the answer to GET.
type PXTable struct {
	Title     string       `json:"title"`
	Variables []PXVariable `json:"variables"`
}

// PXQuery is the body of the data request.
type PXQuery struct {
	Query    []PXSelection `json:"query"`
	Response struct {
		Format string `json:"format"`
	} `json:"response"`
}

// PXSelection selects categories of one variable.
type PXSelection struct {
	Code      string `json:"code"`
	Selection struct {
		Filter string   `json:"filter"`
		Values []string `json:"values"`
	} `json:"selection"`
}

// NewPXWeb returns a client of the table at tableURL. Bad arguments are
// reported with ictstat.ErrUsage.
func NewPXWeb(tableURL string, opts PXWebOptions) (*PXWeb, error) {
	u, err := url.Parse(tableURL)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: PX-Web table URL: %v", ictstat.ErrUsage, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%w: PX-Web table URL %q: want http:// or https://", ictstat.ErrUsage, u.Redacted())
	case u.Host == "":
		return nil, fmt.Errorf("%w: PX-Web table URL %q: no host", ictstat.ErrUsage, u.Redacted())
	}
	o := opts
	if o.MinInterval == 0 {
		o.MinInterval = 600 * time.Millisecond
	}
	o.ConfigKey = feedDefault(o.ConfigKey, "sources.national_accounts.url")
	if o.Now == nil {
		o.Now = time.Now
	}
	o.RetryOptions = o.RetryOptions.withDefaults(pxRetryDefaults)
	if o.Client.Jar == nil {
		jar, _ := cookiejar.New(nil)
		c := *o.Client
		c.Jar = jar
		o.Client = &c
	}
	return &PXWeb{url: u.String(), tableID: strings.TrimSuffix(path.Base(u.Path), ".px"), o: o}, nil
}

// URL returns the table's URL.
func (c *PXWeb) URL() string { return c.url }

// TableID returns the table's id, the last element of its URL without .px
// (DT_NSO_0500_001V1).
func (c *PXWeb) TableID() string { return c.tableID }

// Metadata gets the table's variables.
func (c *PXWeb) Metadata(ctx context.Context) (PXTable, error) {
	body, err := c.do(ctx, http.MethodGet, nil)
	if err != nil {
		return PXTable{}, err
	}
	var t PXTable
	if err := json.Unmarshal(body, &t); err != nil {
		return PXTable{}, &ictstat.InputError{File: c.url, Reason: "the metadata is not PX-Web's JSON: " + err.Error()}
	}
	if len(t.Variables) == 0 {
		return PXTable{}, &ictstat.InputError{File: c.url, Field: "variables", Reason: "the table has no variables: is this a PX-Web table URL (…/DT_….px)?"}
	}
	for i, v := range t.Variables {
		if v.Code == "" || len(v.Values) == 0 {
			return PXTable{}, &ictstat.InputError{File: c.url, Field: fmt.Sprintf("variables[%d]", i), Reason: "a variable without a code or values"}
		}
	}
	return t, nil
}

// BuildQuery returns the data request for the table: every variable of the
// metadata, with all its values or those of Selection, as json-stat2.
// A Selection code the metadata lacks is an ictstat.ErrUsage error.
func (c *PXWeb) BuildQuery(t PXTable) (PXQuery, error) {
	var q PXQuery
	q.Response.Format = "json-stat2"
	known := map[string]PXVariable{}
	for _, v := range t.Variables {
		known[v.Code] = v
		s := PXSelection{Code: v.Code}
		s.Selection.Filter = "item"
		s.Selection.Values = v.Values
		if sel, ok := c.o.Selection[v.Code]; ok {
			have := map[string]bool{}
			for _, x := range v.Values {
				have[x] = true
			}
			for _, x := range sel {
				if !have[x] {
					return q, fmt.Errorf("%w: selection of %q: table %s has no value %q (it has %s)", ictstat.ErrUsage, v.Code, c.tableID, x, clipText(strings.Join(v.Values, ", ")))
				}
			}
			s.Selection.Values = sel
		}
		q.Query = append(q.Query, s)
	}
	for code := range c.o.Selection {
		if _, ok := known[code]; !ok {
			return q, fmt.Errorf("%w: selection names variable %q, which table %s does not have", ictstat.ErrUsage, code, c.tableID)
		}
	}
	return q, nil
}

// Query posts q and returns the answer as received (JSON-stat 2.0).
func (c *PXWeb) Query(ctx context.Context, q PXQuery) ([]byte, error) {
	b, err := json.Marshal(q)
	if err != nil {
		return nil, err
	}
	return c.do(ctx, http.MethodPost, b)
}

// Fetch gets the metadata, builds the query and returns the data.
func (c *PXWeb) Fetch(ctx context.Context) ([]byte, error) {
	t, err := c.Metadata(ctx)
	if err != nil {
		return nil, err
	}
	q, err := c.BuildQuery(t)
	if err != nil {
		return nil, err
	}
	return c.Query(ctx, q)
}

// pace waits until MinInterval has passed since the previous request.
func (c *PXWeb) pace(ctx context.Context) error {
	if c.o.MinInterval < 0 {
		return nil
	}
	c.mu.Lock()
	now := c.o.Now()
	start := c.last.Add(c.o.MinInterval)
	if start.Before(now) {
		start = now
	}
	c.last = start
	c.mu.Unlock()
	return c.o.Sleep(ctx, start.Sub(now))
}

// do sends one request, retrying 429, 5xx and transport failures.
func (c *PXWeb) do(ctx context.Context, method string, body []byte) ([]byte, error) {
	return retry(ctx, &c.o.RetryOptions, method+" "+c.url, func(ctx context.Context) ([]byte, *failure) {
		if err := c.pace(ctx); err != nil {
			return nil, permanent(err)
		}
		return c.try(ctx, method, body)
	})
}

// try makes one attempt.
func (c *PXWeb) try(ctx context.Context, method string, body []byte) ([]byte, *failure) {
	actx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, method, c.url, rd)
	if err != nil {
		return nil, permanent(err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "ictstat")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.o.Client.Do(req)
	if err != nil {
		return nil, transportFailure(actx, c.o.Timeout, "no response", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, feedMaxErrorBody))
		text := feedServerText(raw, "")
		if text != "" {
			text = fmt.Sprintf(" (server: %q)", text)
		}
		status := resp.Status + text
		if fail := retryStatus(resp, errors.New(status)); fail != nil {
			return nil, fail
		}
		switch code := resp.StatusCode; {
		case code == http.StatusNotFound || code == http.StatusBadRequest:
			return nil, permanent(fmt.Errorf("%s: %w: table %s not found at %s: NSO may have moved it; update %s", status, ErrTableMoved, c.tableID, c.url, c.o.ConfigKey))
		default:
			return nil, permanent(errors.New(status))
		}
	}
	data, err := readFeedBody(resp.Body, resp.ContentLength, 0, c.o.MaxBodyBytes)
	if errors.Is(err, errFeedTooLarge) {
		return nil, permanent(fmt.Errorf("the answer exceeds %d bytes: select fewer categories (selection) or raise the limit", c.o.MaxBodyBytes))
	}
	if err != nil {
		return nil, transportFailure(actx, c.o.Timeout, fmt.Sprintf("body cut off after %d bytes", len(data)), err)
	}
	return data, nil
}
