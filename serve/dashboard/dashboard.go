// Package dashboard is the page at GET /: the ICT sector at a glance, in
// Mongolian and English, drawn on the server (html/template and SVG charts
// from internal/svgchart) from the named analytics of one snapshot. Nothing
// is loaded from the network: the style is inline and there is no script.
//
// The page shows what the public may see. Its figures come through Source,
// which the server wires to the analytics; on top of whatever control the
// Source applies, the dashboard itself never shows a figure that rests on
// fewer than MinCompanies companies (see disclosure.go).
package dashboard

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/npit-mn/ictstat"
)

//go:embed page.html style.css
var files embed.FS

// Table is an analytic's answer: column names and rows of Go values
// (int64, float64, string, bool; nil for NULL).
type Table struct {
	Columns []string
	Rows    [][]any
}

// Source answers the named analytics the dashboard draws, for one
// snapshot, as the public may see them (the server wires it to the
// warehouse; a release-style disclosure-controlled source fits as well).
type Source interface {
	// Current returns the id of the current snapshot.
	Current() (int64, error)
	// Analytic runs the named analytic with params on snapshot snap.
	Analytic(ctx context.Context, snap int64, name string, params map[string]string) (*Table, error)
}

// Release is a published statistical release, or one on the calendar.
type Release struct {
	ID    string    // 2026Q3
	At    time.Time // publication time (planned, for the next one)
	Files []Link    // its artifacts, for a published one
}

// Link is a labelled link.
type Link struct {
	Label, URL string
}

// Releases tells the latest published release and the next on the
// calendar (nil when there is none); the publish package provides it.
type Releases interface {
	Calendar(ctx context.Context) (latest, next *Release, err error)
}

// Options configure a Dashboard; the zero value is the default.
type Options struct {
	Releases Releases         // default none: the page says no release is published
	Now      func() time.Time // the clock freshness is judged by; default time.Now
	// SurveyQuestions are the survey questions whose headline estimates
	// are shown; default uses_ai, main_barrier and employees.
	SurveyQuestions []string
	// Timeout bounds the queries of one page; default 30s.
	Timeout time.Duration
}

// Dashboard serves the page.
type Dashboard struct {
	src   Source
	opts  Options
	tmpl  *template.Template
	langs map[string]*lang
	group singleflight.Group

	mu    sync.Mutex
	pages map[string][]byte // rendered pages by state; see cacheKey
}

// maxPages bounds the cache: 2 languages x 4 measures x a few snapshots.
const maxPages = 32

// New returns a dashboard over src.
func New(src Source, opts Options) *Dashboard {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if len(opts.SurveyQuestions) == 0 {
		opts.SurveyQuestions = []string{"uses_ai", "main_barrier", "employees"}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	// Both files are embedded: an error here is a broken build, which
	// every test of the package catches.
	css, err := files.ReadFile("style.css")
	if err != nil {
		panic(err)
	}
	tmpl := template.Must(template.New("page.html").Funcs(template.FuncMap{
		"css": func() template.CSS { return template.CSS(css) },
	}).ParseFS(files, "page.html"))
	return &Dashboard{src: src, opts: opts, tmpl: tmpl, langs: newLangs(), pages: map[string][]byte{}}
}

// state is what the query string chooses; links keep it.
type state struct {
	Lang     string // mn (default) or en
	Measure  string // sector panel: gva (default), revenue, employees or companies
	Snapshot int64  // -1: the current one, not named in links
}

var measures = []string{"gva", "revenue", "employees", "companies"}

func parseState(v url.Values) (state, error) {
	st := state{Lang: "mn", Measure: "gva", Snapshot: -1}
	for k, vs := range v {
		if len(vs) != 1 {
			return st, fmt.Errorf("%w: %s given %d times", ictstat.ErrUsage, k, len(vs))
		}
		switch val := vs[0]; k {
		case "lang":
			if val != "mn" && val != "en" {
				return st, fmt.Errorf("%w: lang %q: want mn or en", ictstat.ErrUsage, val)
			}
			st.Lang = val
		case "measure":
			ok := false
			for _, m := range measures {
				ok = ok || m == val
			}
			if !ok {
				return st, fmt.Errorf("%w: measure %q: want gva, revenue, employees or companies", ictstat.ErrUsage, val)
			}
			st.Measure = val
		case "snapshot":
			id, err := strconv.ParseInt(val, 10, 64)
			if err != nil || id < 0 {
				return st, fmt.Errorf("%w: snapshot %q: want a snapshot id (see /api/v1/snapshots)", ictstat.ErrUsage, val)
			}
			st.Snapshot = id
		default:
			return st, fmt.Errorf("%w: unknown parameter %q: the page takes lang, measure and snapshot", ictstat.ErrUsage, k)
		}
	}
	return st, nil
}

// query writes the state as a query string, with changes applied.
func (st state) query(lang, measure string) string {
	v := url.Values{}
	v.Set("lang", lang)
	if measure != "gva" {
		v.Set("measure", measure)
	}
	if st.Snapshot >= 0 {
		v.Set("snapshot", strconv.FormatInt(st.Snapshot, 10))
	}
	return "?" + v.Encode()
}

// ServeHTTP answers GET / with the page, rendered once per snapshot,
// state and hour (freshness is judged at the start of the hour) and then
// served from memory.
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st, err := parseState(r.URL.Query())
	if err != nil {
		http.Error(w, "bad parameter: "+err.Error(), http.StatusBadRequest)
		return
	}
	snap := st.Snapshot
	if snap < 0 {
		if snap, err = d.src.Current(); err != nil {
			http.Error(w, "warehouse unreadable: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	asOf := d.opts.Now().UTC().Truncate(time.Hour)
	key := fmt.Sprintf("%d|%s|%s|%d|%d", snap, st.Lang, st.Measure, st.Snapshot, asOf.Unix())
	body, err := d.page(r.Context(), key, st, snap, asOf)
	if err != nil {
		status := http.StatusInternalServerError
		switch {
		case errors.Is(err, ictstat.ErrNotFound):
			status = http.StatusNotFound
		case errors.Is(err, ictstat.ErrUsage), errors.Is(err, ictstat.ErrBadInput):
			status = http.StatusBadRequest
		}
		http.Error(w, "dashboard: "+err.Error(), status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", st.Lang)
	w.Header().Set("X-Ictstat-Snapshot", strconv.FormatInt(snap, 10))
	// No script, no outside resource: the policy states it and browsers enforce it.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'")
	w.Write(body)
}

// page returns the cached page of key, or renders it; concurrent requests
// for the same page render it once.
func (d *Dashboard) page(ctx context.Context, key string, st state, snap int64, asOf time.Time) ([]byte, error) {
	d.mu.Lock()
	b, ok := d.pages[key]
	d.mu.Unlock()
	if ok {
		return b, nil
	}
	v, err, _ := d.group.Do(key, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.opts.Timeout)
		defer cancel()
		b, err := d.render(ctx, st, snap, asOf)
		if err != nil {
			return nil, err
		}
		d.mu.Lock()
		if len(d.pages) >= maxPages {
			clear(d.pages) // pages of old snapshots and hours go; current ones come back on demand
		}
		d.pages[key] = b
		d.mu.Unlock()
		return b, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]byte), nil
}

func (d *Dashboard) render(ctx context.Context, st state, snap int64, asOf time.Time) ([]byte, error) {
	l := d.langs[st.Lang]
	pg, err := d.build(ctx, l, st, snap, asOf)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := d.tmpl.Execute(&buf, pg); err != nil {
		return nil, fmt.Errorf("render dashboard: %w", err)
	}
	return buf.Bytes(), nil
}
