package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
)

// TestFeedEnvelopeSyntax checks the envelope parser against encoding/json
// on bodies that are, or are almost, JSON.
func TestFeedEnvelopeSyntax(t *testing.T) {
	for _, rec := range []string{
		`0`, `-0`, `1.5e+10`, `-12.25E-3`, `1e5`, `true`, `false`, `null`, `""`, `"\u00e9\n\"\\\/\b\f\r\t"`,
		`"\uD83D\uDE00"`, "\"\xff\xfe\"", `[]`, `{}`, `[[[]]]`, `{"a":{"b":[1,{"c":null}]}}`, " [ 1 , 2 ] ",
		`01`, `-`, `1.`, `.5`, `1e`, `1e+`, `+1`, `tru`, `nul`, `True`, `"a`, `"\x"`, `"\u12G4"`, `"\u12"`, `[1,]`, `[,1]`,
		`{"a"}`, `{"a":1,}`, `{a:1}`, `{"a" 1}`, `[1 2]`, "\"a\x00b\"", "\"a\x1fb\"", `NaN`, `Infinity`, `0x10`, `1_000`,
		strings.Repeat("[", 998) + strings.Repeat("]", 998),
	} {
		body := `{"filings":[` + rec + `],"next":"n","has_more":true}`
		env, err := parseFeedEnvelope([]byte(body), "filings")
		if valid := json.Valid([]byte(body)); valid != (err == nil) {
			t.Errorf("record %.40q: json.Valid %t, parse error %v", rec, valid, err)
			continue
		}
		if err == nil && (len(env.records) != 1 || string(env.records[0]) != strings.TrimSpace(rec)) {
			t.Errorf("record %.40q: got %q", rec, env.records)
		}
	}
	deep := `{"filings":[` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `]}`
	if _, err := parseFeedEnvelope([]byte(deep), "filings"); err == nil || !strings.Contains(err.Error(), "exceeded max depth") {
		t.Errorf("deep nesting: got %v, want an error", err)
	}
	for _, cut := range []string{`{"filings":[{"a":1}`, `{"filings":[{"a":"x`, `{"filings":[1`, `{"filings":[tr`, `{"filings":[-`, `{"next":"\u00`, `{`, `  `} {
		_, err := parseFeedEnvelope([]byte(cut), "filings")
		var se *feedSyntaxError
		if !errors.As(err, &se) || !se.eof {
			t.Errorf("%q: got %v, want an error saying the body ends early", cut, err)
		}
	}
}

// FuzzFeedEnvelope feeds arbitrary bytes as a 200 body: the parser never
// panics, accepts only JSON, returns records that are JSON and equal to
// what encoding/json finds, and never has a record overlap another.
func FuzzFeedEnvelope(f *testing.F) {
	for _, s := range []string{
		string(testPage(0, 3, "n", true)),
		`{"filings":[],"next":"","has_more":false}`,
		`{"filings":null}`,
		`{"filings":[1,"a",null,{"x":[true,false]}],"next":"c\u0041","has_more":true,"z":{}}`,
		`{"registrations":[{}],"next":"r"}`,
		`{"filings":[{"a":1e-5}],"filings":[]}`,
		`{"fil\u0069ngs":[0]}`,
		`{"filings":["\ud800",-0.0e0]}`,
		`[1]`, `"x"`, ``, `{`, `{"filings":[{"a":}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := parseFeedEnvelope(body, "filings")
		if err != nil {
			var se *feedSyntaxError
			if !errors.As(err, &se) || se.msg == "" {
				t.Fatalf("%q: error %#v, want a *feedSyntaxError with a message", body, err)
			}
			// JSON is refused only for its shape, never as a syntax error.
			if json.Valid(body) && se.field == "" && !strings.HasPrefix(se.msg, "not a JSON object") && !strings.Contains(se.msg, "exceeded max depth") {
				t.Fatalf("%q is JSON, but refused: %v", body, err)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted %q, which is not JSON", body)
		}
		var members map[string]json.RawMessage
		if err := json.Unmarshal(body, &members); err != nil {
			t.Fatalf("accepted %q: encoding/json: %v", body, err)
		}
		var want []json.RawMessage
		if err := json.Unmarshal(members["filings"], &want); err != nil {
			t.Fatalf("accepted %q: filings: %v", body, err)
		}
		if len(env.records) != len(want) {
			t.Fatalf("%q: got %d records, encoding/json %d", body, len(env.records), len(want))
		}
		for i, r := range env.records {
			if !json.Valid(r) {
				t.Fatalf("%q: record %d %q is not JSON", body, i, r)
			}
			if !bytes.Equal(r, want[i]) {
				t.Fatalf("%q: record %d: got %q, encoding/json %q", body, i, r, want[i])
			}
			if cap(r) != len(r) {
				t.Fatalf("record %d has spare capacity", i)
			}
		}
		var next *string
		if raw, ok := members["next"]; ok {
			if err := json.Unmarshal(raw, &next); err != nil {
				t.Fatalf("%q: next: %v", body, err)
			}
		}
		if next != nil && *next != env.next || next == nil && env.next != "" {
			t.Fatalf("%q: next %q, encoding/json %v", body, env.next, next)
		}
		var more bool
		if raw, ok := members["has_more"]; ok {
			if err := json.Unmarshal(raw, &more); err != nil {
				t.Fatalf("%q: has_more: %v", body, err)
			}
		}
		if more != env.hasMore {
			t.Fatalf("%q: has_more %t, encoding/json %t", body, env.hasMore, more)
		}
	})
}

// BenchmarkFeedEnvelope parses a page of 10000 filings.
func BenchmarkFeedEnvelope(b *testing.B) {
	body := testPage(0, 10000, "pos-10000", true)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		env, err := parseFeedEnvelope(body, "filings")
		if err != nil || len(env.records) != 10000 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "records/s")
}

func TestFeedBadEnvelope(t *testing.T) {
	for _, tc := range []struct {
		name, body, field string
		want              []string
	}{
		{"html", "<html>Sign in to the proxy</html>", "", []string{"not a JSON object", `"<html>Sign in to the`, "text/html"}},
		{"empty", "", "", []string{"empty body"}},
		{"array", `[{"filing_id":"x"}]`, "", []string{"not a JSON object"}},
		{"records object", `{"filings":{"a":1},"next":"n","has_more":false}`, "filings", []string{`"filings" is an object, want an array`}},
		{"records string", `{"filings":"[]","next":"n"}`, "filings", []string{`"filings" is a string`}},
		{"no records", `{"registrations":[],"next":"n","has_more":false}`, "filings", []string{`no "filings" array`, `"registrations"`, "is this the filings feed?"}},
		{"no next", `{"filings":[{}],"has_more":true}`, "next", []string{"has_more is true but next is missing"}},
		{"null next", `{"filings":[{}],"next":null,"has_more":true}`, "next", []string{"next is missing or empty"}},
		{"same next", `{"filings":[{}],"next":"c7","has_more":true}`, "next", []string{"repeats the cursor"}},
		{"next number", `{"filings":[],"next":42,"has_more":false}`, "next", []string{`"next" is a number, want a string`}},
		{"has_more string", `{"filings":[],"next":"n","has_more":"yes"}`, "has_more", []string{`"has_more" is a string, want true or false`}},
		{"twice", `{"filings":[],"filings":[{}],"next":"n"}`, "filings", []string{`member "filings" given twice`}},
		{"trailing", `{"filings":[],"next":"n"} {}`, "", []string{"data after the JSON object"}},
		{"bad record syntax", `{"filings":[{"a":1},{"a":}],"next":"n"}`, "", []string{`invalid character '}'`, "byte 25"}},
		{"control char", "{\"filings\":[\"a\tb\"],\"next\":\"n\"}", "", []string{`invalid character '\t' in string`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, calls := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if tc.name == "html" {
					w.Header().Set("Content-Type", "text/html")
				} else {
					w.Header().Set("Content-Type", "application/json")
				}
				w.Write([]byte(tc.body))
			})
			f, _ := testFeed(t, srv, FeedOptions{})
			_, err := f.Fetch(context.Background(), "c7")
			if !errors.Is(err, ictstat.ErrBadInput) {
				t.Fatalf("got %v, want ErrBadInput", err)
			}
			t.Log(err)
			var ie *ictstat.InputError
			if !errors.As(err, &ie) || !strings.HasPrefix(ie.File, srv.URL+"/v1/filings?after=c7&limit=1000") || ie.Field != tc.field {
				t.Errorf("got %#v, want an InputError naming the URL and field %q", ie, tc.field)
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q: want it to contain %q", err, s)
				}
			}
			if calls.Load() != 1 {
				t.Errorf("got %d requests, want 1: a bad envelope is not retried", calls.Load())
			}
		})
	}
}

func TestFeedRawRecords(t *testing.T) {
	for _, tc := range []struct {
		name, body, cursor string
		records            []string
		next               string
		more               bool
	}{
		{"any values", `{"filings":[{"filing_id":5}, 42 ,"x",null,[],{"a":{"b":[1,2e3,-0.5]}}],"next":"n2","has_more":true}`, "n1",
			[]string{`{"filing_id":5}`, `42`, `"x"`, `null`, `[]`, `{"a":{"b":[1,2e3,-0.5]}}`}, "n2", true},
		{"null records", `{"filings":null,"next":"n2","has_more":false}`, "n1", nil, "n2", false},
		{"omitted has_more and next", `{"filings":[]}`, "n1", nil, "n1", false},
		{"empty next at the end", `{"filings":[{}],"next":"","has_more":false}`, "n1", []string{`{}`}, "n1", false},
		{"escaped names", `{"n\u0065xt":"a\/b\u00e9","fil\u0069ngs":[ {} ],"extra":{"has_more":"ignored"},"has_more":false}`, "",
			[]string{`{}`}, "a/bé", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) { w.Write([]byte(tc.body)) })
			f, _ := testFeed(t, srv, FeedOptions{})
			p, err := f.Fetch(context.Background(), tc.cursor)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range p.Records {
				got = append(got, string(r))
			}
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.records) || p.Next != tc.next || p.HasMore != tc.more {
				t.Errorf("got %q next %q more %t, want %q next %q more %t", got, p.Next, p.HasMore, tc.records, tc.next, tc.more)
			}
			for i, r := range p.Records {
				if cap(r) != len(r) {
					t.Errorf("record %d has spare capacity %d: appending to it would overwrite the next", i, cap(r)-len(r))
				}
			}
		})
	}
}
