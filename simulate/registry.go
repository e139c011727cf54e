package simulate

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Limits of the feed's page size (docs/sources.md, section 1).
const (
	DefaultPageLimit = 1000  // records per page when the client sends no limit
	MaxPageLimit     = 10000 // larger limits are clamped to this, not refused
)

// defaultSlow is the delay of a slow answer when RegistryOptions.Slow is 0.
const defaultSlow = time.Second

// RegistryOptions configures a Registry; the zero value publishes all but
// the last two months of the world at once, without auth and without
// faults. Fault rates are probabilities in [0, 1]: per request for ErrorRate
// and SlowRate, per page for RepeatRate, per record for MalformedRate.
type RegistryOptions struct {
	// Token is the bearer token every request must carry; "" means no auth.
	Token string
	// StartMonths is the number of months of the world published at start;
	// 0 means all but the last two (at least one), negative means none.
	StartMonths int
	// MonthEvery is the real time after which the next month's filings, and
	// the amendments sent in it, are published; 0 means never (only
	// StartMonths and Publish).
	MonthEvery time.Duration
	// Now is the clock MonthEvery is measured on; nil means time.Now.
	Now func() time.Time

	// ErrorRate is the share of requests answered 500, 502 or 503.
	ErrorRate float64
	// SlowRate is the share of requests answered after a delay of Slow
	// (1 s when 0), or when the client gives up.
	SlowRate float64
	Slow     time.Duration
	// RepeatRate is the share of pages that start with one to three records
	// of the feed already served before the page's cursor, same bytes. They
	// come on top of limit; the first page and empty pages have none.
	RepeatRate float64
	// MalformedRate is the share of feed positions that carry an extra,
	// malformed record just before the valid one, on top of limit.
	// Malformed filings are valid JSON objects that break a rule of the
	// contract (the kinds of InvalidKinds but "not_json": the page stays
	// JSON); malformed registrations have a bad registry_no, date or event,
	// a number for a string, or a missing field.
	MalformedRate float64
	// RateLimitEvery makes every Nth authorised request answer 429 with
	// Retry-After: 1; 0 means never.
	RateLimitEvery int
	// WrongToken rejects every request with 401, even with the right token.
	WrongToken bool
	// Seed seeds the fault draws; the same seed gives the same faults at
	// the same positions and request numbers.
	Seed int64
}

// Validate reports the first field of o that NewRegistry cannot use.
func (o RegistryOptions) Validate() error {
	rates := []struct {
		name string
		v    float64
	}{{"ErrorRate", o.ErrorRate}, {"SlowRate", o.SlowRate}, {"RepeatRate", o.RepeatRate}, {"MalformedRate", o.MalformedRate}}
	for _, r := range rates {
		if !(r.v >= 0 && r.v <= 1) {
			return fmt.Errorf("simulate: registry %s %v: want 0 to 1", r.name, r.v)
		}
	}
	switch {
	case o.MonthEvery < 0:
		return fmt.Errorf("simulate: registry MonthEvery %v: want 0 or more", o.MonthEvery)
	case o.Slow < 0:
		return fmt.Errorf("simulate: registry Slow %v: want 0 or more", o.Slow)
	case o.RateLimitEvery < 0:
		return fmt.Errorf("simulate: registry RateLimitEvery %d: want 0 or more", o.RateLimitEvery)
	}
	return nil
}

// Registry serves a World as the virtual-zone registry: the filings feed
// GET /v1/filings and the registrations feed GET /v1/registrations of the
// contract (docs/sources.md, section 1), both append-only, with months of the
// world published over time and faults on request. It is safe for
// concurrent use.
//
// Each feed is a fixed sequence of records: the filings of the published
// periods in the order of World.Filings, and the registration events of the
// companies in date order up to the end of the last published period.
// Publishing a month only appends to both. A cursor is a position in that
// sequence, so it stays valid across pages, publications and restarts of a
// registry of the same world. Pages are rendered on demand from the
// position; a page asked for twice has the same bytes.
//
// A request is checked in this order: path (404) and method (405), token
// (401), then the faults drawn for its request number (429 every
// RateLimitEvery-th, 500/502/503, delay), then limit and cursor (400).
// Limits above MaxPageLimit are clamped. A cursor of this feed and world
// that is past what is published now (a registry restarted with fewer
// months) is not an error: the page is empty, next is the same cursor and
// has_more is false until the feed grows past it.
type Registry struct {
	w     *World
	opts  RegistryOptions // resolved: Now and Slow set, StartMonths clamped
	start time.Time       // clock at NewRegistry, origin of MonthEvery
	tag   string          // world fingerprint carried in cursors
	reqs  atomic.Uint64   // authorised feed requests so far

	events []regEvent // every registration event of the world, in feed order
	evEnd  []int      // evEnd[k]: events up to the end of period k

	mu    sync.Mutex
	extra int           // months published by Publish
	index []periodIndex // filings index of the periods counted so far

	malMu     sync.Mutex
	malServed map[uint64]struct{} // feed<<62 | position of malformed records served
	malCount  [2]int              // distinct malformed records served, by feed

	pool sync.Pool // *pageState
}

// NewRegistry returns a registry serving w. It panics if opts.Validate
// fails; check options from outside the program with Validate first.
func NewRegistry(w *World, opts RegistryOptions) *Registry {
	if err := opts.Validate(); err != nil {
		panic(err)
	}
	months := len(w.periods)
	switch {
	case opts.StartMonths == 0:
		opts.StartMonths = max(months-2, min(months, 1))
	case opts.StartMonths < 0:
		opts.StartMonths = 0
	}
	opts.StartMonths = min(opts.StartMonths, months)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Slow == 0 {
		opts.Slow = defaultSlow
	}
	r := &Registry{
		w:         w,
		opts:      opts,
		start:     opts.Now(),
		tag:       worldTag(w),
		malServed: make(map[uint64]struct{}),
	}
	r.pool.New = func() any { return &pageState{g: &generator{w: w, s: newStream()}} }
	r.events, r.evEnd = registrationEvents(w)
	r.state() // index the months published at start
	return r
}

// Publish publishes the next months of the world now, in addition to those
// MonthEvery publishes; months past the end of the world are ignored.
func (r *Registry) Publish(months int) {
	r.mu.Lock()
	r.extra = min(r.extra+max(months, 0), len(r.w.periods))
	r.mu.Unlock()
}

// RegistryTruth is what a registry has published and served: the ground
// truth a client's warehouse is checked against.
type RegistryTruth struct {
	Months  int    // periods published
	Through string // last period published, "YYYY-MM"; "" if none

	// Current maps each published filing_id to its newest published revision.
	Current map[string]int
	// Revisions is the number of distinct (filing_id, revision) published:
	// the length of the filings feed.
	Revisions int
	// Malformed is the number of distinct malformed filings records served
	// so far (a record served again, in a repeat or a re-fetched page,
	// counts once).
	Malformed int
	// Registrations is the number of registration events published.
	Registrations int
	// MalformedRegistrations is Malformed for the registrations feed.
	MalformedRegistrations int
}

// Truth returns what is published now and what has been served so far.
// It builds a map of every published filing: meant for tests and demos of
// test-sized worlds (a second per million filings).
func (r *Registry) Truth() RegistryTruth {
	st := r.state()
	w := r.w
	t := RegistryTruth{Months: st.months, Revisions: int(st.filings), Registrations: st.registrations}
	if st.months > 0 {
		t.Through = w.periods[st.months-1]
	}
	t.Current = make(map[string]int, st.filings)
	last := w.start + int32(st.months) - 1
	for ci := range w.cs {
		c := &w.cs[ci]
		first, end := w.activeRange(c)
		for p := first; p <= min(end, last); p++ {
			rev := 1
			n, land1, land2 := w.plan(c.index, p)
			if n >= 1 && land1 <= last {
				rev = 2
			}
			if n == 2 && land2 <= last {
				rev = 3
			}
			t.Current[w.idPrefix[p-w.start]+c.RegistryNo] = rev
		}
	}
	r.malMu.Lock()
	t.Malformed, t.MalformedRegistrations = r.malCount[feedFilings], r.malCount[feedRegistrations]
	r.malMu.Unlock()
	return t
}

// Serve answers HTTP requests on ln until ctx is cancelled, then shuts the
// server down (requests in flight get a few seconds) and returns nil. It
// returns the error of the listener if serving stops for another reason.
func (r *Registry) Serve(ctx context.Context, ln net.Listener) error {
	return serve(ctx, ln, r, "registry")
}

// serve answers HTTP requests with h on ln until ctx is cancelled, then
// shuts the server down (requests in flight get a few seconds) and returns
// nil; it returns the listener's error if serving stops for another reason.
func serve(ctx context.Context, ln net.Listener, h http.Handler, name string) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("simulate: %s serve %s: %w", name, ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("simulate: %s serve %s: %w", name, ln.Addr(), err)
	}
	return nil
}

// ServeHTTP routes GET /v1/filings and GET /v1/registrations; any other
// path is 404 and any other method 405, with a JSON error.
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var f feed
	switch req.URL.Path {
	case "/v1/filings":
		f = feedFilings
	case "/v1/registrations":
		f = feedRegistrations
	default:
		writeError(w, http.StatusNotFound, "not found", "the registry serves /v1/filings and /v1/registrations")
		return
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method not allowed", "use GET")
		return
	}
	if !r.authorised(req) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="registry"`)
		writeError(w, http.StatusUnauthorized, "bad token", "send Authorization: Bearer <token> with the registry's token")
		return
	}
	if r.fault(w, req) {
		return
	}
	r.serveFeed(w, req, f)
}

// authorised checks the bearer token.
func (r *Registry) authorised(req *http.Request) bool {
	if r.opts.WrongToken {
		return false
	}
	if r.opts.Token == "" {
		return true
	}
	h := req.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(h[len(prefix):])), []byte(r.opts.Token)) == 1
}

// Salts of the registry's fault draws (see rng.go for the others).
const (
	saltRegRequest   = 0x7265717565737421 // per-request faults: errors, delays
	saltRegRepeat    = 0x7265706561747321 // which pages start with repeats
	saltRegMalformed = 0x6d616c666f726d21 // which positions carry a malformed record
)

// fault answers the request with a rate-limit or server error, or delays
// it, as the options draw for its request number. It reports whether the
// request was answered.
func (r *Registry) fault(w http.ResponseWriter, req *http.Request) bool {
	n := r.reqs.Add(1)
	o := &r.opts
	if o.RateLimitEvery > 0 && n%uint64(o.RateLimitEvery) == 0 {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "rate limited", "retry after 1 second")
		return true
	}
	h := hash3(o.Seed, saltRegRequest, n, 0)
	if o.ErrorRate > 0 && unit(h) < o.ErrorRate {
		switch mix64(h) % 3 {
		case 0:
			writeError(w, http.StatusInternalServerError, "internal error", "simulated server error")
		case 1: // a proxy in front of the registry answers for it
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte("<html><body><h1>502 Bad Gateway</h1></body></html>\n"))
		default:
			writeError(w, http.StatusServiceUnavailable, "unavailable", "simulated overload, try again")
		}
		return true
	}
	if o.SlowRate > 0 && unit(hash3(o.Seed, saltRegRequest, n, 1)) < o.SlowRate {
		t := time.NewTimer(o.Slow)
		defer t.Stop()
		select {
		case <-t.C:
		case <-req.Context().Done():
			return true // the client has gone: nobody reads the answer
		}
	}
	return false
}

// writeError answers with the house JSON error {"error", "detail"}.
func writeError(w http.ResponseWriter, status int, msg, detail string) {
	b := append([]byte(`{"error":`), appendString(nil, msg)...)
	b = append(append(b, `,"detail":`...), appendString(nil, detail)...)
	b = append(b, "}\n"...)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// feed is one of the registry's two feeds.
type feed uint8

const (
	feedFilings feed = iota
	feedRegistrations
)

// key is the name of the feed's array in a page and its mark in cursors.
func (f feed) key() string {
	if f == feedFilings {
		return "filings"
	}
	return "registrations"
}

// pubState is what is published at one moment.
type pubState struct {
	months        int           // periods published
	index         []periodIndex // filings index of (at least) those periods
	filings       int64         // length of the filings feed
	registrations int           // length of the registrations feed
}

// state returns what is published now, indexing newly published periods.
func (r *Registry) state() pubState {
	months := r.opts.StartMonths
	if r.opts.MonthEvery > 0 {
		if d := r.opts.Now().Sub(r.start); d > 0 {
			months += int(min(d/r.opts.MonthEvery, math.MaxInt32))
		}
	}
	r.mu.Lock()
	months = min(months+r.extra, len(r.w.periods))
	for len(r.index) < months {
		r.index = append(r.index, r.w.indexPeriod(len(r.index), r.feedEnd(r.index)))
	}
	// Entries of index are never changed once appended, so the slice can be
	// read without the lock.
	st := pubState{months: months, index: r.index[:months:months]}
	r.mu.Unlock()
	st.filings = r.feedEnd(st.index)
	if months > 0 {
		st.registrations = r.evEnd[months-1]
	}
	return st
}

// feedEnd returns the length of the filings feed made of the periods of idx.
func (r *Registry) feedEnd(idx []periodIndex) int64 {
	if len(idx) == 0 {
		return 0
	}
	last := &idx[len(idx)-1]
	return last.start + int64(last.n)
}

// length returns the number of records of feed f published in st.
func (st *pubState) length(f feed) int64 {
	if f == feedFilings {
		return st.filings
	}
	return int64(st.registrations)
}

// noteMalformed records the malformed positions of feed f just served.
func (r *Registry) noteMalformed(f feed, pos []int64) {
	if len(pos) == 0 {
		return
	}
	r.malMu.Lock()
	for _, p := range pos {
		k := uint64(f)<<62 | uint64(p)
		if _, ok := r.malServed[k]; !ok {
			r.malServed[k] = struct{}{}
			r.malCount[f]++
		}
	}
	r.malMu.Unlock()
}
