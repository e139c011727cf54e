package ingest

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
)

func edgeFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "survey", "edge", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadKoboCSVForms(t *testing.T) {
	for _, tc := range []struct {
		file       string
		list, flag bool // which forms of the multi-select the file has
	}{
		{"semicolon_bom_both.csv", true, true},
		{"comma_flags_only.csv", false, true},
		{"comma_list_only.csv", true, false},
	} {
		t.Run(tc.file, func(t *testing.T) {
			subs, bad, err := ReadKoboCSV(bytes.NewReader(edgeFile(t, tc.file)), tc.file)
			if err != nil || len(bad) != 0 {
				t.Fatalf("got err %v, %d bad; want none", err, len(bad))
			}
			if len(subs) != 3 {
				t.Fatalf("got %d submissions, want 3", len(subs))
			}
			for i, want := range []struct {
				line                   int64
				uuid, name, size, empl string
			}{
				{2, "uuid-a", "Хан Софт; ХХК", "micro", "4"},
				{3, "uuid-b", "Мэдээллийн Технологи ХК", "small", "12"},
				{4, "uuid-c", `Name with "quotes"`, "small", ""},
			} {
				s := subs[i]
				if s.Line != want.line || s.Origin != tc.file {
					t.Errorf("submission %d: got %s:%d, want %s:%d", i, s.Origin, s.Line, tc.file, want.line)
				}
				f := s.Fields
				if f["_uuid"] != want.uuid || f["group_firm/name"] != want.name || f["group_firm/size"] != want.size || f["group_firm/employees"] != want.empl {
					t.Errorf("submission %d: got %q %q %q %q, want %q %q %q %q", i, f["_uuid"], f["group_firm/name"], f["group_firm/size"],
						f["group_firm/employees"], want.uuid, want.name, want.size, want.empl)
				}
				if f["_index"] == "" || f["_id"] == "" || f["_submission_time"] == "" {
					t.Errorf("submission %d: metadata missing: %v", i, f)
				}
				for k := range f {
					if k == "_status" || k == "__version__" || k == "_validation_status" {
						t.Errorf("submission %d: kept %s, which is not metadata the survey uses", i, k)
					}
				}
				if _, ok := f["group_obstacles/barriers"]; ok != tc.list {
					t.Errorf("submission %d: list column present %v, want %v", i, ok, tc.list)
				}
				if _, ok := f["group_obstacles/barriers/finance"]; ok != tc.flag {
					t.Errorf("submission %d: 0/1 column present %v, want %v", i, ok, tc.flag)
				}
			}
			if tc.list && subs[0].Fields["group_obstacles/barriers"] != "finance talent" {
				t.Errorf("got barriers %q, want %q", subs[0].Fields["group_obstacles/barriers"], "finance talent")
			}
		})
	}
}

func TestReadKoboCSVRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		line     int64
		field    string
	}{
		{"unclosed quote", string(edgeFile(t, "bad_quote.csv")), 3, "column"},
		{"no _uuid", "a,b\n1,2\n", 1, "_uuid"},
		{"repeated column", "_uuid,a,a\nx,1,2\n", 1, "a"},
		{"empty column name", "_uuid,,a\nx,1,2\n", 1, "column 2"},
		{"not UTF-8", "_uuid;name\nx;\xcf\xf0\xee\xe3\xf0\xe0\xec\n", 2, "name"},
		{"empty", "", 1, ""},
		{"stray quote", "_uuid,a\nx,1\"2\n", 2, "column"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			subs, _, err := ReadKoboCSV(strings.NewReader(tc.in), "f.csv")
			var ie *ictstat.InputError
			if !errors.As(err, &ie) || !errors.Is(err, ictstat.ErrBadInput) {
				t.Fatalf("got %v (%d submissions), want an InputError", err, len(subs))
			}
			if ie.File != "f.csv" || ie.Line != tc.line || !strings.Contains(ie.Field, tc.field) {
				t.Errorf("got %q (line %d, field %q), want line %d naming %q", err, ie.Line, ie.Field, tc.line, tc.field)
			}
		})
	}
}

func TestReadKoboCSVRecordProblems(t *testing.T) {
	in := "_uuid;a;b\nx;1;2\ny;1\n\nz;1;2;3\nw;\"multi\nline\";3\n"
	subs, bad, err := ReadKoboCSV(strings.NewReader(in), "f.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 || subs[0].Line != 2 || subs[1].Line != 6 || subs[1].Fields["a"] != "multi\nline" {
		t.Errorf("got %+v, want x on line 2 and w on line 6 with a two-line value", subs)
	}
	if len(bad) != 2 || bad[0].Line != 3 || bad[1].Line != 5 || !strings.Contains(bad[0].Reason, "2 columns: the header has 3") || bad[1].Raw != "z;1;2;3" {
		t.Errorf("got %+v, want lines 3 and 5 quarantined for their column count", bad)
	}
}

func TestKoboDelimiter(t *testing.T) {
	for in, want := range map[string]rune{
		"_uuid;a;b\n":          ';',
		"_uuid,a,b\n":          ',',
		`"a;b",c,d` + "\n":     ',',
		`"a,b";"c,d";e` + "\n": ';',
		"_uuid\n":              ',',
	} {
		if got := koboDelimiter([]byte(in)); got != want {
			t.Errorf("koboDelimiter(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadKoboJSON(t *testing.T) {
	p, err := ReadKoboJSON(edgeFile(t, "page1.json"), "page1.json")
	if err != nil {
		t.Fatal(err)
	}
	if p.Count != 3 || !strings.HasSuffix(p.Next, "/api/v2/assets/aEdge/data/?format=json&limit=2&start=2") || len(p.Submissions) != 2 || len(p.Bad) != 0 {
		t.Fatalf("got count %d, next %q, %d submissions, %d bad", p.Count, p.Next, len(p.Submissions), len(p.Bad))
	}
	a, b := p.Submissions[0], p.Submissions[1]
	if a.Line != 3 || b.Line != 6 {
		t.Errorf("got lines %d and %d, want 3 and 6", a.Line, b.Line)
	}
	if a.Fields["group_firm/name"] != "Хан Софт; ХХК" || a.Fields["_id"] != "101" || a.Fields["group_obstacles/barriers"] != "finance talent" {
		t.Errorf("got %v", a.Fields)
	}
	if b.Fields["group_firm/employees"] != "12" {
		t.Errorf("a JSON number: got %q, want its text 12", b.Fields["group_firm/employees"])
	}
	for _, s := range p.Submissions {
		for _, k := range []string{"_status", "_attachments", "_geolocation", "_notes"} {
			if _, ok := s.Fields[k]; ok {
				t.Errorf("kept %s", k)
			}
		}
	}
	p2, err := ReadKoboJSON(edgeFile(t, "page2.json"), "page2.json")
	if err != nil || p2.Next != "" || len(p2.Submissions) != 1 {
		t.Fatalf("page 2: got %v, next %q, %d submissions; want the last page with 1", err, p2.Next, len(p2.Submissions))
	}
	if _, ok := p2.Submissions[0].Fields["group_firm/employees"]; ok {
		t.Error("null kept as a value, want it unanswered")
	}

	arr, err := ReadKoboJSON([]byte("[\n{\"_uuid\": \"x\"},\n 7,\n[]\n]"), "a.json")
	if err != nil || len(arr.Submissions) != 1 || len(arr.Bad) != 2 || arr.Bad[0].Line != 3 || arr.Bad[1].Raw != "[]" {
		t.Errorf("bare array: got %v, %+v, want 1 submission and lines 3, 4 quarantined", err, arr)
	}
}

func TestReadKoboJSONRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		line     int64
	}{
		{"not JSON", "hello", 1},
		{"truncated", "{\"count\": 1,\n\"results\": [\n{\"_uuid\": \"x\"", 3},
		{"no results", "{\"count\": 0}", 1},
		{"results not an array", "{\"results\": {}}", 1},
		{"trailing data", "[]\n[]", 2},
		{"bad next", "{\"next\": 5, \"results\": []}", 1},
		{"a string", "\"x\"", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadKoboJSON([]byte(tc.in), "p.json")
			var ie *ictstat.InputError
			if !errors.As(err, &ie) || ie.Line != tc.line || ie.File != "p.json" {
				t.Errorf("got %v, want an InputError on line %d", err, tc.line)
			}
		})
	}
}

// koboServer serves the two edge pages as a Kobo server would, checking
// the token, failing the second page once with 503 and throttling the
// first once with 429.
type koboServer struct {
	mu       sync.Mutex
	requests []string
	auth     []string
	fail503  int
	fail429  int
	status   int // when set, every answer
}

func (k *koboServer) handler(t *testing.T, base *string) http.Handler {
	p1, p2 := edgeFile(t, "page1.json"), edgeFile(t, "page2.json")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k.mu.Lock()
		defer k.mu.Unlock()
		k.requests = append(k.requests, r.URL.RequestURI())
		k.auth = append(k.auth, r.Header.Get("Authorization"))
		switch {
		case k.status != 0:
			http.Error(w, `{"detail": "nope secret-token"}`, k.status)
			return
		case r.Header.Get("Authorization") != "Token secret-token":
			http.Error(w, `{"detail": "Invalid token."}`, http.StatusUnauthorized)
			return
		case r.URL.Path != "/api/v2/assets/aEdge/data/" || r.URL.Query().Get("format") != "json":
			http.NotFound(w, r)
			return
		}
		page := p1
		if r.URL.Query().Get("start") == "2" {
			page = p2
			if k.fail503 > 0 {
				k.fail503--
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
		} else if k.fail429 > 0 {
			k.fail429--
			w.Header().Set("Retry-After", "2")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(bytes.ReplaceAll(page, []byte("{{SERVER}}"), []byte(*base)))
	})
}

func TestKoboPages(t *testing.T) {
	ks := &koboServer{fail503: 1, fail429: 1}
	var base string
	srv := httptest.NewServer(ks.handler(t, &base))
	defer srv.Close()
	base = srv.URL
	var waits []time.Duration
	k, err := NewKobo(srv.URL+"/api/v2/assets/aEdge/data/", KoboOptions{Token: "secret-token",
		RetryOptions: RetryOptions{Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}})
	if err != nil {
		t.Fatal(err)
	}
	var uuids []string
	pages := 0
	err = k.Pages(context.Background(), func(p KoboPage) error {
		pages++
		for _, s := range p.Submissions {
			uuids = append(uuids, s.Fields["_uuid"])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(uuids, ",") != "uuid-a,uuid-b,uuid-c" || pages != 2 {
		t.Errorf("got %v in %d pages, want uuid-a,uuid-b,uuid-c in 2", uuids, pages)
	}
	if len(ks.requests) != 4 {
		t.Errorf("got requests %v, want 4 (429, page 1, 503, page 2)", ks.requests)
	}
	for i, a := range ks.auth {
		if a != "Token secret-token" {
			t.Errorf("request %d: Authorization %q, want Token secret-token", i, a)
		}
	}
	if len(waits) != 2 || waits[0] != 2*time.Second || waits[1] <= 0 {
		t.Errorf("got waits %v, want the Retry-After of 2s then a backoff", waits)
	}
}

func TestKoboErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		token  string
		want   error
		words  string
	}{
		{"bad token", 0, "wrong", ErrUnauthorized, "token"},
		{"forbidden", http.StatusForbidden, "secret-token", ErrUnauthorized, "token"},
		{"no asset", http.StatusNotFound, "secret-token", ErrKoboNotFound, "uid"},
		{"bad request", http.StatusBadRequest, "secret-token", nil, "HTTP 400"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ks := &koboServer{status: tc.status}
			var base string
			srv := httptest.NewServer(ks.handler(t, &base))
			defer srv.Close()
			base = srv.URL
			k, err := NewKobo(srv.URL+"/api/v2/assets/aEdge/data/", KoboOptions{Token: tc.token,
				RetryOptions: RetryOptions{Sleep: func(context.Context, time.Duration) error { return nil }}})
			if err != nil {
				t.Fatal(err)
			}
			err = k.Pages(context.Background(), func(KoboPage) error { return nil })
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.words) {
				t.Fatalf("got %v, want %v naming %q", err, tc.want, tc.words)
			}
			if strings.Contains(err.Error(), "secret-token") {
				t.Errorf("the error shows the token: %v", err)
			}
			if len(ks.requests) != 1 {
				t.Errorf("got %d requests, want 1: a permanent error is not retried", len(ks.requests))
			}
		})
	}
}

func TestKoboGivesUp(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer srv.Close()
	n := 0
	k, _ := NewKobo(srv.URL+"/api/v2/assets/x/data/", KoboOptions{RetryOptions: RetryOptions{MaxRetries: 2, Sleep: func(context.Context, time.Duration) error { n++; return nil }}})
	err := k.Pages(context.Background(), func(KoboPage) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "gave up after 3 attempts") || n != 2 {
		t.Errorf("got %v after %d waits, want to give up after 3 attempts and 2 waits", err, n)
	}
}

func TestNewKoboURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://kf.kobotoolbox.org/api/v2/assets/aB1/data/":           "https://kf.kobotoolbox.org/api/v2/assets/aB1/data/?format=json",
		"https://kf.kobotoolbox.org/api/v2/assets/aB1/data":            "https://kf.kobotoolbox.org/api/v2/assets/aB1/data/?format=json",
		"https://kf.kobotoolbox.org/api/v2/assets/aB1/":                "https://kf.kobotoolbox.org/api/v2/assets/aB1/data/?format=json",
		"http://127.0.0.1:8000/kobo/api/v2/assets/aB1/data/?limit=500": "http://127.0.0.1:8000/kobo/api/v2/assets/aB1/data/?format=json&limit=500",
		"https://kf.kobotoolbox.org/api/v1/data/5":                     "",
		"ftp://kf.kobotoolbox.org/api/v2/assets/aB1/data/":             "",
		"https://user:pw@kf.kobotoolbox.org/api/v2/assets/aB1/data/":   "",
	} {
		k, err := NewKobo(in, KoboOptions{})
		switch {
		case want == "" && (err == nil || !errors.Is(err, ictstat.ErrUsage)):
			t.Errorf("NewKobo(%q): got %v, want a usage error", in, err)
		case want != "" && (err != nil || k.URL() != want):
			t.Errorf("NewKobo(%q): got %v, %v; want %s", in, k, err, want)
		}
	}
}

func TestKoboNextElsewhere(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"next": "https://evil.example/api/v2/assets/x/data/", "results": []}`))
	}))
	defer srv.Close()
	k, _ := NewKobo(srv.URL+"/api/v2/assets/x/data/", KoboOptions{Token: "t"})
	err := k.Pages(context.Background(), func(KoboPage) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "evil.example") {
		t.Errorf("got %v, want a refusal to follow next to another host", err)
	}
}

func FuzzKoboCSV(f *testing.F) {
	for _, name := range []string{"semicolon_bom_both.csv", "comma_flags_only.csv", "comma_list_only.csv", "bad_quote.csv"} {
		f.Add(edgeFile(f, name))
	}
	f.Add([]byte("\ufeff_uuid;a\n\"x\";\"\"\"\"\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		subs, bad, err := ReadKoboCSV(bytes.NewReader(in), "f.csv")
		if err != nil {
			var ie *ictstat.InputError
			if !errors.As(err, &ie) || (subs != nil || bad != nil) {
				t.Fatalf("got %v with %d submissions: want an InputError and nothing else", err, len(subs))
			}
			return
		}
		last := int64(1)
		for _, s := range subs {
			if s.Line <= last {
				t.Fatalf("line %d after %d", s.Line, last)
			}
			last = s.Line
			for k := range s.Fields {
				if strings.HasPrefix(k, "_") && !koboMeta(k) {
					t.Fatalf("kept %s", k)
				}
			}
		}
	})
}

func FuzzKoboJSON(f *testing.F) {
	f.Add(edgeFile(f, "page1.json"))
	f.Add(edgeFile(f, "page2.json"))
	f.Add([]byte(`[{"_uuid": "x", "a": [1, {"b": null}], "c": 1e400}, null, "s"]`))
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := ReadKoboJSON(in, "p.json")
		if err != nil {
			var ie *ictstat.InputError
			if !errors.As(err, &ie) || ie.Line < 1 {
				t.Fatalf("got %v, want an InputError with a line", err)
			}
			return
		}
		for _, s := range p.Submissions {
			if s.Line < 1 || s.Raw == "" {
				t.Fatalf("submission without line or raw: %+v", s)
			}
			for k := range s.Fields {
				if strings.HasPrefix(k, "_") && !koboMeta(k) {
					t.Fatalf("kept %s", k)
				}
			}
		}
	})
}
