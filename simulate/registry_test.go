package simulate

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"
)

// feedPage is a page of either feed, decoded strictly.
type feedPage struct {
	Filings       []json.RawMessage `json:"filings"`
	Registrations []json.RawMessage `json:"registrations"`
	Next          string            `json:"next"`
	HasMore       bool              `json:"has_more"`
}

// testRegistry starts a registry of world on a loopback server.
func testRegistry(t testing.TB, w *World, opts RegistryOptions) (*Registry, string) {
	t.Helper()
	reg := NewRegistry(w, opts)
	srv := httptest.NewServer(reg)
	t.Cleanup(srv.Close)
	return reg, srv.URL
}

// feedGet sends one GET and returns the status, body and headers.
func feedGet(t testing.TB, u, token string) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", u, err)
	}
	return resp.StatusCode, body, resp.Header
}

// pageURL builds the URL of a page of path after cursor.
func pageURL(base, path, cursor string, limit int) string {
	v := url.Values{}
	if cursor != "" {
		v.Set("after", cursor)
	}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	return base + path + "?" + v.Encode()
}

// decodePage decodes a 200 body, failing on anything outside the contract.
func decodePage(t testing.TB, body []byte) feedPage {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var p feedPage
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("page is not the contract's JSON: %v\n%.300s", err, body)
	}
	if p.Next == "" {
		t.Fatalf("page without next: %.300s", body)
	}
	return p
}

// drain pages through path from cursor until has_more is false, retrying
// 429 and 5xx, and returns the records and the last cursor.
func drain(t testing.TB, base, path, token, cursor string, limit int) (recs []json.RawMessage, next string) {
	t.Helper()
	for range 100_000 {
		status, body, _ := feedGet(t, pageURL(base, path, cursor, limit), token)
		if status == http.StatusTooManyRequests || status >= 500 {
			continue
		}
		if status != http.StatusOK {
			t.Fatalf("GET %s after %q: got status %d, want 200: %s", path, cursor, status, body)
		}
		p := decodePage(t, body)
		recs = append(recs, p.Filings...)
		recs = append(recs, p.Registrations...)
		cursor = p.Next
		if !p.HasMore {
			return recs, cursor
		}
	}
	t.Fatal("feed never ended")
	return nil, ""
}

// worldFilings renders the filings of the first months periods of w.
func worldFilings(t testing.TB, w *World, months int) [][]byte {
	t.Helper()
	var out [][]byte
	for _, p := range w.Periods()[:months] {
		err := w.FilingsIn(p, func(f *Filing) error {
			out = append(out, f.AppendJSON(nil))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func sameRecords(t *testing.T, got []json.RawMessage, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("record %d: got\n%s\nwant\n%s", i, got[i], want[i])
		}
	}
}

func TestRegistryFeedComplete(t *testing.T) {
	w := NewWorld(Options{Seed: 3, Companies: 150, Months: 14, AmendRate: 0.2})
	for _, limit := range []int{0, 1, 37, 1023, 1024, 1025, 10000} {
		t.Run("limit="+strconv.Itoa(limit), func(t *testing.T) {
			reg, base := testRegistry(t, w, RegistryOptions{Token: "s3cret"})
			got, _ := drain(t, base, "/v1/filings", "s3cret", "", limit)
			want := worldFilings(t, w, 12) // all but the last two months
			sameRecords(t, got, want)
			tr := reg.Truth()
			if tr.Revisions != len(want) || tr.Months != 12 || tr.Through != w.Periods()[11] || tr.Malformed != 0 {
				t.Errorf("got truth %d revisions, %d months through %s, %d malformed; want %d, 12 through %s, 0",
					tr.Revisions, tr.Months, tr.Through, tr.Malformed, len(want), w.Periods()[11])
			}
			current := map[string]int{}
			for _, rec := range got {
				var f struct {
					ID  string `json:"filing_id"`
					Rev int    `json:"revision"`
				}
				if err := json.Unmarshal(rec, &f); err != nil {
					t.Fatal(err)
				}
				current[f.ID] = max(current[f.ID], f.Rev)
			}
			if len(current) != len(tr.Current) {
				t.Errorf("got %d current filings in truth, want %d", len(tr.Current), len(current))
			}
			for id, rev := range current {
				if tr.Current[id] != rev {
					t.Errorf("%s: got current revision %d in truth, want %d", id, tr.Current[id], rev)
				}
			}
		})
	}
}

func TestRegistryFeedAppendOnly(t *testing.T) {
	w := NewWorld(Options{Seed: 5, Companies: 120, Months: 10, AmendRate: 0.3})
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	reg, base := testRegistry(t, w, RegistryOptions{StartMonths: 3, MonthEvery: time.Hour, Now: clock})

	var all []json.RawMessage
	recs, cursor := drain(t, base, "/v1/filings", "", "", 100)
	all = append(all, recs...)
	sameRecords(t, all, worldFilings(t, w, 3))

	// At the end, asking again gives an empty page and the same position.
	status, body, _ := feedGet(t, pageURL(base, "/v1/filings", cursor, 100), "")
	if p := decodePage(t, body); status != 200 || len(p.Filings) != 0 || p.HasMore || p.Next != cursor {
		t.Fatalf("at the end: got status %d, %d filings, has_more %v, next %q; want 200, 0, false, %q",
			status, len(p.Filings), p.HasMore, p.Next, cursor)
	}

	steps := []struct {
		name   string
		do     func()
		months int
	}{
		{"Publish(1)", func() { reg.Publish(1) }, 4},
		{"clock +59m", func() { advance(59 * time.Minute) }, 4},
		{"clock +1m", func() { advance(time.Minute) }, 5},
		{"clock +2h and Publish(1)", func() { advance(2 * time.Hour); reg.Publish(1) }, 8},
		{"Publish(99)", func() { reg.Publish(99) }, 10},
	}
	for _, s := range steps {
		s.do()
		recs, cursor = drain(t, base, "/v1/filings", "", cursor, 77)
		all = append(all, recs...)
		want := worldFilings(t, w, s.months)
		sameRecords(t, all, want)
		if tr := reg.Truth(); tr.Months != s.months || tr.Revisions != len(want) {
			t.Errorf("after %s: got %d months, %d revisions; want %d, %d", s.name, tr.Months, tr.Revisions, s.months, len(want))
		}
	}
	if len(all) != w.FilingCount() {
		t.Errorf("got %d filings in all, want FilingCount %d", len(all), w.FilingCount())
	}
}

func TestRegistryCursorAfterRestart(t *testing.T) {
	w := NewWorld(Options{Seed: 2, Companies: 80, Months: 6})
	_, full := testRegistry(t, w, RegistryOptions{StartMonths: 6})
	_, cursor := drain(t, full, "/v1/filings", "", "", 500)

	// A registry of the same world restarted with fewer months accepts the
	// cursor and waits at it until the feed grows past it.
	reg, base := testRegistry(t, w, RegistryOptions{StartMonths: 2})
	status, body, _ := feedGet(t, pageURL(base, "/v1/filings", cursor, 10), "")
	if p := decodePage(t, body); status != 200 || len(p.Filings) != 0 || p.HasMore || p.Next != cursor {
		t.Fatalf("cursor past the published end: got status %d, %d filings, has_more %v, next %q; want 200, 0, false, %q",
			status, len(p.Filings), p.HasMore, p.Next, cursor)
	}
	reg.Publish(4)
	if recs, _ := drain(t, base, "/v1/filings", "", cursor, 10); len(recs) != 0 {
		t.Errorf("at the end of the whole world: got %d filings, want 0", len(recs))
	}
	_, body, _ = feedGet(t, pageURL(base, "/v1/filings", "", 10), "")
	p := decodePage(t, body)
	got, _ := drain(t, base, "/v1/filings", "", p.Next, 1000)
	sameRecords(t, append(p.Filings, got...), worldFilings(t, w, 6))
}

func TestRegistryAuth(t *testing.T) {
	w := NewWorld(Options{Companies: 20, Months: 3})
	_, base := testRegistry(t, w, RegistryOptions{Token: "right"})
	_, wrong := testRegistry(t, w, RegistryOptions{Token: "right", WrongToken: true})
	cases := []struct {
		name, base, header string
		want               int
	}{
		{"right token", base, "Bearer right", 200},
		{"lower-case scheme", base, "bearer right", 200},
		{"no header", base, "", 401},
		{"wrong token", base, "Bearer wrong", 401},
		{"prefix of token", base, "Bearer righ", 401},
		{"basic scheme", base, "Basic cmlnaHQ=", 401},
		{"WrongToken", wrong, "Bearer right", 401},
	}
	for _, c := range cases {
		for _, path := range []string{"/v1/filings", "/v1/registrations"} {
			t.Run(c.name+path, func(t *testing.T) {
				req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
				if c.header != "" {
					req.Header.Set("Authorization", c.header)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != c.want {
					t.Fatalf("got status %d, want %d: %s", resp.StatusCode, c.want, body)
				}
				if c.want == 401 {
					checkJSONError(t, body, "bad token")
				}
			})
		}
	}
}

// checkJSONError checks the house error body {"error", "detail"}.
func checkJSONError(t *testing.T, body []byte, want string) {
	t.Helper()
	var e struct{ Error, Detail string }
	if err := json.Unmarshal(body, &e); err != nil || e.Error != want || e.Detail == "" {
		t.Errorf("got error body %s, want error %q with a detail", body, want)
	}
}

func TestRegistryBadRequests(t *testing.T) {
	w := NewWorld(Options{Companies: 4000, Months: 6})
	reg, base := testRegistry(t, w, RegistryOptions{})
	other := NewRegistry(NewWorld(Options{Seed: 2, Companies: 4000, Months: 6}), RegistryOptions{})
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	_, body, _ := feedGet(t, pageURL(base, "/v1/registrations", "", 5), "")
	regCursor := decodePage(t, body).Next
	otherCursor := string(other.appendCursor(nil, feedFilings, 5))
	padded := ""
	for _, pos := range []string{"5", "55", "555"} {
		if raw := "v1:filings:" + reg.tag + ":" + pos; len(raw)%3 != 0 {
			padded = base64.URLEncoding.EncodeToString([]byte(raw))
		}
	}
	cases := []struct {
		name, query string
		status      int
		err         string
	}{
		{"garbage cursor", "after=%25%25%25", 400, "bad cursor"},
		{"not base64", "after=!!!", 400, "bad cursor"},
		{"plain number", "after=" + enc("12"), 400, "bad cursor"},
		{"other version", "after=" + enc("v2:filings:"+reg.tag+":5"), 400, "bad cursor"},
		{"negative", "after=" + enc("v1:filings:"+reg.tag+":-5"), 400, "bad cursor"},
		{"leading zero", "after=" + enc("v1:filings:"+reg.tag+":05"), 400, "bad cursor"},
		{"past the world", "after=" + enc("v1:filings:"+reg.tag+":"+strconv.Itoa(w.FilingCount()+1)), 400, "bad cursor"},
		{"registrations cursor", "after=" + regCursor, 400, "bad cursor"},
		{"other world", "after=" + otherCursor, 400, "bad cursor"},
		{"padded base64", "after=" + padded, 400, "bad cursor"},
		{"limit 0", "limit=0", 400, "bad limit"},
		{"limit -1", "limit=-1", 400, "bad limit"},
		{"limit abc", "limit=abc", 400, "bad limit"},
		{"limit 1.5", "limit=1.5", 400, "bad limit"},
		{"limit empty", "limit=", 400, "bad limit"},
		{"good cursor", "after=" + enc("v1:filings:"+reg.tag+":5"), 200, ""},
		{"empty after", "after=", 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body, _ := feedGet(t, base+"/v1/filings?"+c.query, "")
			if status != c.status {
				t.Fatalf("got status %d, want %d: %.300s", status, c.status, body)
			}
			if c.err != "" {
				checkJSONError(t, body, c.err)
			}
		})
	}

	t.Run("limit clamped", func(t *testing.T) {
		_, body, _ := feedGet(t, pageURL(base, "/v1/filings", "", 50_000), "")
		if p := decodePage(t, body); len(p.Filings) != MaxPageLimit || !p.HasMore {
			t.Errorf("got %d filings, has_more %v; want %d, true", len(p.Filings), p.HasMore, MaxPageLimit)
		}
	})
	t.Run("default limit", func(t *testing.T) {
		_, body, _ := feedGet(t, base+"/v1/filings", "")
		if p := decodePage(t, body); len(p.Filings) != DefaultPageLimit {
			t.Errorf("got %d filings, want %d", len(p.Filings), DefaultPageLimit)
		}
	})
	t.Run("unknown path", func(t *testing.T) {
		status, body, _ := feedGet(t, base+"/v1/filing", "")
		if status != 404 {
			t.Fatalf("got status %d, want 404", status)
		}
		checkJSONError(t, body, "not found")
	})
	t.Run("POST", func(t *testing.T) {
		resp, err := http.Post(base+"/v1/filings", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 405 || resp.Header.Get("Allow") == "" {
			t.Errorf("got status %d, Allow %q; want 405 with Allow", resp.StatusCode, resp.Header.Get("Allow"))
		}
	})
}

func TestRegistryRateLimit(t *testing.T) {
	w := NewWorld(Options{Companies: 30, Months: 3})
	_, base := testRegistry(t, w, RegistryOptions{Token: "t", RateLimitEvery: 3})
	for i := 1; i <= 9; i++ {
		path := "/v1/filings"
		if i%2 == 0 {
			path = "/v1/registrations"
		}
		status, body, h := feedGet(t, base+path+"?limit=5", "t")
		if i%3 == 0 {
			if status != 429 || h.Get("Retry-After") != "1" {
				t.Errorf("request %d: got status %d, Retry-After %q; want 429, 1", i, status, h.Get("Retry-After"))
			}
			checkJSONError(t, body, "rate limited")
		} else if status != 200 {
			t.Errorf("request %d: got status %d, want 200", i, status)
		}
	}
}

func TestRegistryServerErrors(t *testing.T) {
	w := NewWorld(Options{Companies: 100, Months: 6})
	_, base := testRegistry(t, w, RegistryOptions{ErrorRate: 0.4, Seed: 11})
	statuses := map[int]int{}
	for range 60 {
		status, _, _ := feedGet(t, base+"/v1/filings?limit=10", "")
		statuses[status]++
	}
	for s := range statuses {
		if s != 200 && s != 500 && s != 502 && s != 503 {
			t.Errorf("got status %d, want 200, 500, 502 or 503", s)
		}
	}
	if statuses[200] == 0 || statuses[200] == 60 {
		t.Errorf("got %d of 60 answers 200, want some but not all at ErrorRate 0.4", statuses[200])
	}
	// A client that retries still gets every filing exactly once.
	got, _ := drain(t, base, "/v1/filings", "", "", 50)
	sameRecords(t, got, worldFilings(t, w, 4))
}

func TestRegistrySlow(t *testing.T) {
	w := NewWorld(Options{Companies: 10, Months: 3})
	_, base := testRegistry(t, w, RegistryOptions{SlowRate: 1, Slow: 80 * time.Millisecond})
	start := time.Now()
	if status, _, _ := feedGet(t, base+"/v1/filings", ""); status != 200 {
		t.Fatalf("got status %d, want 200", status)
	}
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Errorf("got an answer after %v, want at least 80ms", d)
	}

	// A client that gives up does not hold the server.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/filings", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("got an answer before the client's deadline, want a timeout")
	}
}

// faultyRun pages through both feeds of a faulty registry and returns the
// raw records and the registry.
func faultyRun(t *testing.T, w *World, opts RegistryOptions) ([]json.RawMessage, []json.RawMessage, *Registry) {
	reg, base := testRegistry(t, w, opts)
	filings, _ := drain(t, base, "/v1/filings", "", "", 97)
	regs, _ := drain(t, base, "/v1/registrations", "", "", 13)
	return filings, regs, reg
}

func TestRegistryRepeatsAndMalformed(t *testing.T) {
	w := NewWorld(Options{Seed: 8, Companies: 300, Months: 8, AmendRate: 0.1})
	opts := RegistryOptions{RepeatRate: 0.5, MalformedRate: 0.03, Seed: 42}
	filings, regs, reg := faultyRun(t, w, opts)
	filings2, regs2, reg2 := faultyRun(t, w, opts)
	sameRecords(t, filings2, rawBytes(filings))
	sameRecords(t, regs2, rawBytes(regs))
	tr, tr2 := reg.Truth(), reg2.Truth()
	if tr.Malformed != tr2.Malformed || tr.MalformedRegistrations != tr2.MalformedRegistrations {
		t.Errorf("got malformed %d/%d and %d/%d in two runs, want the same", tr.Malformed, tr.MalformedRegistrations,
			tr2.Malformed, tr2.MalformedRegistrations)
	}

	// Every record is valid JSON, and a valid one of the world, a repeat
	// of one already seen, or a malformed record.
	want := worldFilings(t, w, 6)
	valid := map[string]bool{}
	for _, b := range want {
		valid[string(b)] = true
	}
	seen := map[string]bool{}
	var order [][]byte
	malformed := map[string]bool{}
	repeats := 0
	for _, rec := range filings {
		var m map[string]any
		if err := json.Unmarshal(rec, &m); err != nil {
			t.Fatalf("record is not a JSON object: %v: %s", err, rec)
		}
		switch s := string(rec); {
		case !valid[s]:
			malformed[s] = true
			if !brokenFiling(m) {
				t.Errorf("record outside the world breaks no rule: %s", rec)
			}
		case seen[s]:
			repeats++
		default:
			seen[s] = true
			order = append(order, rec)
		}
	}
	sameRecords(t, rawMessages(order), want)
	if repeats == 0 || len(malformed) == 0 {
		t.Errorf("got %d repeats and %d malformed, want some of both", repeats, len(malformed))
	}
	// Malformed records are counted once each, repeats and re-fetches aside
	// (two positions could break the same way into the same bytes, hence <=).
	if len(malformed) > tr.Malformed || tr.Malformed > len(malformed)+2 {
		t.Errorf("got %d malformed in truth, want about %d distinct served", tr.Malformed, len(malformed))
	}
	wantMal := 0.03 * float64(len(want))
	if f := float64(tr.Malformed); f < wantMal/2 || f > wantMal*2 {
		t.Errorf("got %d malformed of %d filings, want about %.0f", tr.Malformed, len(want), wantMal)
	}

	// Registrations: every event once, in order, plus repeats and malformed ones.
	regValid := map[string]bool{}
	for _, b := range registrationRecords(t, reg) {
		regValid[string(b)] = true
	}
	regSeen := map[string]bool{}
	regMal := map[string]bool{}
	var regOrder [][]byte
	for _, rec := range regs {
		var m map[string]any
		if err := json.Unmarshal(rec, &m); err != nil {
			t.Fatalf("registration is not a JSON object: %v: %s", err, rec)
		}
		switch s := string(rec); {
		case !regValid[s]:
			regMal[s] = true
			if !brokenRegistration(m) {
				t.Errorf("registration outside the world breaks no rule: %s", rec)
			}
		case !regSeen[s]:
			regSeen[s] = true
			regOrder = append(regOrder, rec)
		}
	}
	sameRecords(t, rawMessages(regOrder), registrationRecords(t, reg))
	if len(regMal) == 0 || tr.MalformedRegistrations < len(regMal) {
		t.Errorf("got %d malformed registrations, %d in truth; want some, truth at least as many", len(regMal), tr.MalformedRegistrations)
	}

	// The same request twice gives the same bytes.
	_, base := testRegistry(t, w, opts)
	_, first, _ := feedGet(t, pageURL(base, "/v1/filings", "", 500), "")
	next := decodePage(t, first).Next
	_, a, _ := feedGet(t, pageURL(base, "/v1/filings", next, 500), "")
	_, b, _ := feedGet(t, pageURL(base, "/v1/filings", next, 500), "")
	if !bytes.Equal(a, b) {
		t.Errorf("the same page twice: got different bytes")
	}
}

var (
	registryNoRE = regexp.MustCompile(`^[0-9]{7}$`)
	isicRE       = regexp.MustCompile(`^[0-9]{4}$`)
	periodRE     = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)
	dateRE       = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$`)
	countryRE    = regexp.MustCompile(`^[A-Z]{2}$`)
)

// brokenFiling reports whether a decoded filing breaks a rule of the
// contract that the registry's malformed kinds break.
func brokenFiling(m map[string]any) bool {
	str := func(k string) (string, bool) { s, ok := m[k].(string); return s, ok }
	id, ok := str("filing_id")
	if !ok {
		return true
	}
	if _, ok := m["revision"].(float64); !ok {
		return true
	}
	no, _ := str("registry_no")
	isic, _ := str("isic4")
	period, _ := str("period")
	cur, _ := str("currency")
	sub, _ := str("submitted_at")
	if !registryNoRE.MatchString(no) || !isicRE.MatchString(isic) || !periodRE.MatchString(period) ||
		(cur != "MNT" && cur != "USD") || len(sub) < 7 || period > sub[:7] || len(id) < 10 {
		return true
	}
	for _, k := range []string{"revenue", "intermediate_consumption", "wages", "rnd_expense"} {
		if x, ok := m[k].(float64); !ok || x < 0 {
			return true
		}
	}
	ex, _ := m["exports"].([]any)
	for _, e := range ex {
		e := e.(map[string]any)
		c, _ := e["country"].(string)
		if a, _ := e["amount"].(float64); a < 0 || !countryRE.MatchString(c) {
			return true
		}
	}
	return false
}

// brokenRegistration is brokenFiling for registrations.
func brokenRegistration(m map[string]any) bool {
	no, ok1 := m["registry_no"].(string)
	ev, ok2 := m["event"].(string)
	date, ok3 := m["date"].(string)
	return !ok1 || !ok2 || !ok3 || !registryNoRE.MatchString(no) ||
		(ev != "registered" && ev != "deregistered") || !dateRE.MatchString(date)
}

func rawBytes(m []json.RawMessage) [][]byte {
	out := make([][]byte, len(m))
	for i := range m {
		out[i] = m[i]
	}
	return out
}

func rawMessages(b [][]byte) []json.RawMessage {
	out := make([]json.RawMessage, len(b))
	for i := range b {
		out[i] = b[i]
	}
	return out
}

// registrationRecords renders the registration events reg has published,
// built independently from World.Companies.
func registrationRecords(t *testing.T, reg *Registry) [][]byte {
	t.Helper()
	through := reg.Truth().Through
	type ev struct {
		date string
		i    int
		kind string
	}
	var evs []ev
	cs := reg.w.Companies()
	for i, c := range cs {
		if d := c.Registered.Format("2006-01-02"); d[:7] <= through {
			evs = append(evs, ev{d, i, "registered"})
		}
		if !c.Deregistered.IsZero() {
			if d := c.Deregistered.Format("2006-01-02"); d[:7] <= through {
				evs = append(evs, ev{d, i, "deregistered"})
			}
		}
	}
	// Sort by date, then company, registration first: a stable insertion
	// sort keeps the test independent of the registry's sort.
	for i := 1; i < len(evs); i++ {
		for j := i; j > 0; j-- {
			a, b := evs[j-1], evs[j]
			if a.date < b.date || a.date == b.date && (a.i < b.i || a.i == b.i && a.kind == "registered") {
				break
			}
			evs[j-1], evs[j] = b, a
		}
	}
	out := make([][]byte, len(evs))
	for k, e := range evs {
		c := cs[e.i]
		b, err := json.Marshal(map[string]string{"registry_no": c.RegistryNo, "company_name": c.Name,
			"isic4": c.ISIC4, "zone": c.Zone, "event": e.kind, "date": e.date})
		if err != nil {
			t.Fatal(err)
		}
		// Re-order the keys as the contract lists them.
		out[k] = []byte(fmt.Sprintf(`{"registry_no":%q,"company_name":%s,"isic4":%q,"zone":%q,"event":%q,"date":%q}`,
			c.RegistryNo, mustField(t, b, "company_name"), c.ISIC4, c.Zone, e.kind, e.date))
	}
	return out
}

// mustField returns the raw JSON of field k of object b.
func mustField(t *testing.T, b []byte, k string) []byte {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m[k]
}

func TestRegistryRegistrations(t *testing.T) {
	w := NewWorld(Options{Seed: 6, Companies: 400, Months: 24})
	reg, base := testRegistry(t, w, RegistryOptions{Token: "x", StartMonths: 20})
	got, cursor := drain(t, base, "/v1/registrations", "x", "", 50)
	want := registrationRecords(t, reg)
	sameRecords(t, got, want)
	if tr := reg.Truth(); tr.Registrations != len(want) {
		t.Errorf("got %d registrations in truth, want %d", tr.Registrations, len(want))
	}
	reg.Publish(4)
	more, _ := drain(t, base, "/v1/registrations", "x", cursor, 50)
	got = append(got, more...)
	want = registrationRecords(t, reg)
	sameRecords(t, got, want)
	dereg := 0
	for _, c := range w.Companies() {
		if !c.Deregistered.IsZero() {
			dereg++
		}
	}
	if len(want) != len(w.Companies())+dereg || len(more) == 0 {
		t.Errorf("got %d events (%d after Publish), want %d, some after Publish", len(want), len(more), len(w.Companies())+dereg)
	}
}

func TestRegistryNoMonthsPublished(t *testing.T) {
	w := NewWorld(Options{Companies: 10, Months: 2})
	reg, base := testRegistry(t, w, RegistryOptions{StartMonths: -1})
	for _, path := range []string{"/v1/filings", "/v1/registrations"} {
		_, body, _ := feedGet(t, base+path, "")
		if p := decodePage(t, body); len(p.Filings)+len(p.Registrations) != 0 || p.HasMore {
			t.Errorf("%s: got %d records, has_more %v; want none", path, len(p.Filings)+len(p.Registrations), p.HasMore)
		}
	}
	if tr := reg.Truth(); tr.Months != 0 || tr.Through != "" || tr.Revisions != 0 || len(tr.Current) != 0 {
		t.Errorf("got truth %+v, want nothing published", tr)
	}
}

func TestRegistryServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	reg := NewRegistry(NewWorld(Options{Companies: 10, Months: 3}), RegistryOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- reg.Serve(ctx, ln) }()
	status, _, _ := feedGet(t, "http://"+ln.Addr().String()+"/v1/filings", "")
	if status != 200 {
		t.Errorf("got status %d, want 200", status)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: got %v after cancel, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}

func TestRegistryOptionsValidate(t *testing.T) {
	bad := []RegistryOptions{{ErrorRate: -0.1}, {SlowRate: 2}, {RepeatRate: 1.5}, {MalformedRate: -1},
		{MonthEvery: -time.Second}, {Slow: -1}, {RateLimitEvery: -2}}
	for _, o := range bad {
		if o.Validate() == nil {
			t.Errorf("Validate(%+v): got nil, want an error", o)
		}
	}
	if err := (RegistryOptions{ErrorRate: 1, MalformedRate: 0.5}).Validate(); err != nil {
		t.Errorf("Validate: got %v, want nil", err)
	}
}
