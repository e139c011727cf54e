package simulate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// PXWebOptions configure a PXWeb simulator. The zero value is the default.
type PXWebOptions struct {
	// Prefix is the path of the tables' folder; default
	// /api/v1/en/NSO/Economy/ (a table is {Prefix}{id}.px).
	Prefix string
	// MinGap is the least time between two requests of one session; a
	// closer request is answered 429 (NSO asks for under 2 a second);
	// default 500ms, negative for no limit.
	MinGap time.Duration
	// RetryAfter is the Retry-After of a 429, in seconds; default 1.
	RetryAfter int
	// NoCookie serves clients without a session cookie; by default their
	// first request is answered 429 with the cookie to come back with.
	NoCookie bool
	// Tables are the tables served; default NSOVintage(2).
	Tables []PXWebTable
	// Now is the clock that times requests; default time.Now. Tests give
	// the client and the simulator one fake clock.
	Now func() time.Time
}

// PXWebRequest is one request the simulator saw.
type PXWebRequest struct {
	At     time.Time
	Method string
	Path   string
	Cookie bool // the request carried a session cookie
	Status int  // the answer's HTTP status
}

// PXWeb simulates NSO's PX-Web API v1: GET a table for its metadata, POST a
// query for JSON-stat 2.0, with NSO's quirks (Cyrillic codes, labels with
// leading spaces, time newest first and not marked as time, a session
// cookie, 429 to clients that go too fast, 404 for a moved table, 400 for
// a bad query). It is an http.Handler.
type PXWeb struct {
	o PXWebOptions

	mu       sync.Mutex
	tables   map[string]PXWebTable // by path
	sessions map[string]time.Time  // session → last request
	log      []PXWebRequest
}

// pxCookie is the session cookie's name (PX-Web runs on ASP.NET).
const pxCookie = "ASP.NET_SessionId"

// maxPXSessions bounds the sessions the simulator remembers.
const maxPXSessions = 10000

// NewPXWeb returns a simulator serving o.Tables.
func NewPXWeb(o PXWebOptions) *PXWeb {
	if o.Prefix == "" {
		o.Prefix = "/api/v1/en/NSO/Economy/"
	}
	if o.MinGap == 0 {
		o.MinGap = 500 * time.Millisecond
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = 1
	}
	if o.Tables == nil {
		o.Tables = NSOVintage(2)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &PXWeb{o: o, sessions: map[string]time.Time{}}
	s.SetTables(o.Tables)
	return s
}

// SetTables replaces the tables served (a new release).
func (s *PXWeb) SetTables(ts []PXWebTable) {
	m := make(map[string]PXWebTable, len(ts))
	for _, t := range ts {
		m[s.o.Prefix+t.ID+".px"] = t
	}
	s.mu.Lock()
	s.tables = m
	s.mu.Unlock()
}

// TableURL returns the URL of table id on a server at base (http://host:port).
func (s *PXWeb) TableURL(base, id string) string {
	return strings.TrimRight(base, "/") + s.o.Prefix + id + ".px"
}

// Requests returns the requests seen so far, in order.
func (s *PXWeb) Requests() []PXWebRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]PXWebRequest(nil), s.log...)
}

// Serve serves on ln until ctx is done.
func (s *PXWeb) Serve(ctx context.Context, ln net.Listener) error {
	return serve(ctx, ln, s, "PX-Web")
}

// ServeHTTP answers GET (metadata) and POST (data) of a table.
func (s *PXWeb) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	now := s.o.Now()
	rec := PXWebRequest{At: now, Method: req.Method, Path: req.URL.Path}
	status, body, header := s.answer(req, now, &rec)
	s.mu.Lock()
	rec.Status = status
	s.log = append(s.log, rec)
	s.mu.Unlock()
	for k, v := range header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
}

// answer decides the status and body of a request.
func (s *PXWeb) answer(req *http.Request, now time.Time, rec *PXWebRequest) (int, []byte, map[string]string) {
	header := map[string]string{}
	s.mu.Lock()
	t, ok := s.tables[req.URL.Path]
	session := ""
	if c, err := req.Cookie(pxCookie); err == nil {
		if _, known := s.sessions[c.Value]; known {
			session = c.Value
		}
	}
	rec.Cookie = session != ""
	tooFast := false
	if session != "" {
		tooFast = s.o.MinGap > 0 && now.Sub(s.sessions[session]) < s.o.MinGap
		s.sessions[session] = now
	}
	s.mu.Unlock()
	retry := strconv.Itoa(s.o.RetryAfter)
	switch {
	case session == "" && !s.o.NoCookie:
		var b [16]byte
		rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		s.mu.Lock()
		if len(s.sessions) >= maxPXSessions { // clients that never come back
			clear(s.sessions)
		}
		s.sessions[id] = now
		s.mu.Unlock()
		header["Set-Cookie"] = (&http.Cookie{Name: pxCookie, Value: id, Path: "/", HttpOnly: true}).String()
		header["Retry-After"] = retry
		return http.StatusTooManyRequests, pxError("a session is required: come back with the cookie"), header
	case tooFast:
		header["Retry-After"] = retry
		return http.StatusTooManyRequests, pxError("too many requests: keep under 2 a second"), header
	case !ok:
		return http.StatusNotFound, pxError("no such table"), header
	}
	switch req.Method {
	case http.MethodGet:
		b, _ := json.Marshal(t.metadata())
		return http.StatusOK, b, header
	case http.MethodPost:
		var q struct {
			Query []struct {
				Code      string `json:"code"`
				Selection struct {
					Filter string   `json:"filter"`
					Values []string `json:"values"`
				} `json:"selection"`
			} `json:"query"`
			Response struct {
				Format string `json:"format"`
			} `json:"response"`
		}
		body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		if err != nil || json.Unmarshal(body, &q) != nil {
			return http.StatusBadRequest, pxError("the query is not JSON"), header
		}
		if q.Response.Format != "json-stat2" {
			return http.StatusBadRequest, pxError("response.format: this simulator answers json-stat2 only"), header
		}
		sel := map[string][]string{}
		for _, v := range q.Query {
			if v.Selection.Filter != "item" && v.Selection.Filter != "all" {
				return http.StatusBadRequest, pxError("filter " + v.Selection.Filter + ": want item or all"), header
			}
			if v.Selection.Filter == "all" {
				v.Selection.Values = nil
			}
			sel[v.Code] = v.Selection.Values
		}
		b, err := t.jsonStat(sel)
		if err != nil {
			return http.StatusBadRequest, pxError(err.Error()), header
		}
		return http.StatusOK, b, header
	}
	header["Allow"] = "GET, POST"
	return http.StatusMethodNotAllowed, pxError("use GET or POST"), header
}

func pxError(msg string) []byte {
	b, _ := json.Marshal(map[string]string{"error": msg})
	return b
}

// metadata is the GET answer.
func (t PXWebTable) metadata() any {
	type variable struct {
		Code       string   `json:"code"`
		Text       string   `json:"text"`
		Values     []string `json:"values"`
		ValueTexts []string `json:"valueTexts"`
		Elim       bool     `json:"elimination,omitempty"`
		Time       bool     `json:"time,omitempty"`
	}
	vs := make([]variable, len(t.Variables))
	for i, v := range t.Variables {
		vs[i] = variable{Code: v.Code, Text: v.Text, Values: v.Values, ValueTexts: v.ValueTexts}
	}
	return map[string]any{"title": t.Title, "variables": vs}
}

// jsonStat answers a query: every variable must be selected, by item
// (values listed) or all (nil); categories come in the table's order.
func (t PXWebTable) jsonStat(sel map[string][]string) ([]byte, error) {
	keep := make([][]int, len(t.Variables))
	for code := range sel {
		found := false
		for _, v := range t.Variables {
			found = found || v.Code == code
		}
		if !found {
			return nil, fmt.Errorf("query: the table has no variable %q", code)
		}
	}
	for i, v := range t.Variables {
		vals, ok := sel[v.Code]
		if !ok {
			return nil, fmt.Errorf("query: variable %q must be selected", v.Code)
		}
		want := map[string]bool{}
		for _, x := range vals {
			want[x] = true
		}
		for j, code := range v.Values {
			if vals == nil || want[code] {
				keep[i] = append(keep[i], j)
				delete(want, code)
			}
		}
		for x := range want {
			return nil, fmt.Errorf("query: variable %q has no value %q", v.Code, x)
		}
	}
	type category struct {
		Index map[string]int    `json:"index"`
		Label map[string]string `json:"label"`
	}
	type dimension struct {
		Label    string   `json:"label"`
		Category category `json:"category"`
	}
	out := struct {
		Version   string               `json:"version"`
		Class     string               `json:"class"`
		Label     string               `json:"label"`
		Source    string               `json:"source"`
		Updated   string               `json:"updated"`
		Note      []string             `json:"note,omitempty"`
		ID        []string             `json:"id"`
		Size      []int                `json:"size"`
		Dimension map[string]dimension `json:"dimension"`
		Extension map[string]any       `json:"extension"`
		Value     []*float64           `json:"value"`
		Status    map[string]string    `json:"status,omitempty"`
	}{Version: "2.0", Class: "dataset", Label: t.Title, Source: "National Statistics Office of Mongolia (simulated by ictstat)",
		Updated: t.Updated.UTC().Format(time.RFC3339), Note: t.Note, Dimension: map[string]dimension{},
		Extension: map[string]any{"px": map[string]any{"tableid": t.ID, "decimals": 0}}}
	for i, v := range t.Variables {
		d := dimension{Label: v.Text, Category: category{Index: map[string]int{}, Label: map[string]string{}}}
		for p, j := range keep[i] {
			d.Category.Index[v.Values[j]] = p
			d.Category.Label[v.Values[j]] = v.ValueTexts[j]
		}
		out.ID = append(out.ID, v.Code)
		out.Size = append(out.Size, len(keep[i]))
		out.Dimension[v.Code] = d
	}
	// Walk the selected cells in row-major order, mapping each to its
	// position in the whole table.
	pos := make([]int, len(keep))
	n := 1
	for _, k := range keep {
		n *= len(k)
	}
	for c := 0; c < n; c++ {
		full := 0
		for i, k := range keep {
			full = full*len(t.Variables[i].Values) + k[pos[i]]
		}
		out.Value = append(out.Value, t.Values[full])
		if st, ok := t.Status[full]; ok {
			if out.Status == nil {
				out.Status = map[string]string{}
			}
			out.Status[strconv.Itoa(c)] = st
		}
		for i := len(pos) - 1; i >= 0; i-- {
			if pos[i]++; pos[i] < len(keep[i]) {
				break
			}
			pos[i] = 0
		}
	}
	if out.Value == nil {
		out.Value = []*float64{}
	}
	return json.MarshalIndent(out, "", " ")
}
