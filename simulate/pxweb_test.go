package simulate

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the samples in testdata/national_accounts and testdata/exports")

// UpdateSamples is the -update flag, for the tests of package simulate_test.
var UpdateSamples = update

// sampleDir holds the sample JSON-stat files; they are the simulator's
// answers to a query of every category, so they cannot drift from it.
const sampleDir = "../testdata/national_accounts"

func TestNSOSampleFiles(t *testing.T) {
	files := map[string]PXWebTable{
		"DT_NSO_0500_001V1.json":                    NSOVintage(2)[0],
		"DT_NSO_0500_001V1.vintage-2024-03-20.json": NSOVintage(1)[0],
		"DT_NSO_0500_022V1.json":                    NSOVintage(2)[1],
	}
	for name, tab := range files {
		sel := map[string][]string{}
		for _, v := range tab.Variables {
			sel[v.Code] = v.Values
		}
		got, err := tab.jsonStat(sel)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, '\n')
		path := filepath.Join(sampleDir, name)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./simulate -run TestNSOSampleFiles -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the simulator's answer: run go test ./simulate -run TestNSOSampleFiles -update", path)
		}
	}
}

func TestNSOTablesAddUp(t *testing.T) {
	for _, vintage := range []int{1, 2} {
		tabs := NSOVintage(vintage)
		ann := tabs[0]
		acts, years := len(ann.Variables[1].Values), len(ann.Variables[2].Values)
		for k := range years {
			year := ann.Variables[2].ValueTexts[k]
			total := *ann.Values[k]
			var sum float64
			for a := 1; a < acts; a++ {
				sum += *ann.Values[a*years+k]
			}
			if sum != total {
				t.Errorf("vintage %d year %s: sections add up to %v, want the total %v", vintage, year, sum, total)
			}
			ict := *ann.Values[10*years+k] / total
			if ict < 0.014 || ict > 0.0171 {
				t.Errorf("vintage %d year %s: ICT share %.4f, want about 1.5-1.7%%", vintage, year, ict)
			}
		}
		// The quarters of the total add up to the year's total.
		q := tabs[1]
		nq := len(q.Variables[2].Values)
		byYear := map[string]float64{}
		for i := range nq {
			byYear[q.Variables[2].ValueTexts[i][:4]] += *q.Values[i]
		}
		if len(byYear) != 2 {
			t.Errorf("vintage %d: quarterly table covers years %v, want the last two", vintage, byYear)
		}
		for k := range years {
			y := ann.Variables[2].ValueTexts[k]
			if v, ok := byYear[y]; ok && v != *ann.Values[k] {
				t.Errorf("vintage %d: quarters of %s add up to %v, want %v", vintage, y, v, *ann.Values[k])
			}
		}
	}
	if got := *NSOVintage(1)[0].Values[0]; got != 68900000 {
		t.Errorf("vintage 1: 2023 total %v, want the preliminary 68900000", got)
	}
}

func TestPXWebServer(t *testing.T) {
	t.Parallel()
	// A fake clock: the test moves time on rather than sleeping.
	var mu sync.Mutex
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	wait := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	s := NewPXWeb(PXWebOptions{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	srv := httptest.NewServer(s)
	defer srv.Close()
	url := s.TableURL(srv.URL, NSOTableAnnual)
	do := func(method, url, body, cookie string) (*http.Response, string) {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp, b.String()
	}
	resp, _ := do("GET", url, "", "")
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("got %d (Retry-After %q) without a cookie, want 429 with Retry-After 1", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	cookie := strings.Split(resp.Header.Get("Set-Cookie"), ";")[0]
	if !strings.HasPrefix(cookie, pxCookie+"=") {
		t.Fatalf("got Set-Cookie %q, want a session cookie", resp.Header.Get("Set-Cookie"))
	}
	wait(550 * time.Millisecond)
	resp, body := do("GET", url, "", cookie)
	if resp.StatusCode != 200 || !strings.Contains(body, `"code":"Үзүүлэлт"`) || !strings.Contains(body, `"   Information and communication"`) {
		t.Fatalf("got %d %.200s, want the metadata with Cyrillic codes and indented labels", resp.StatusCode, body)
	}
	resp, _ = do("GET", url, "", cookie)
	if resp.StatusCode != 429 {
		t.Errorf("got %d for a request right after another, want 429", resp.StatusCode)
	}
	wait(550 * time.Millisecond)
	resp, _ = do("GET", s.TableURL(srv.URL, "DT_NSO_9999_999V9"), "", cookie)
	if resp.StatusCode != 404 {
		t.Errorf("got %d for an unknown table, want 404", resp.StatusCode)
	}
	for _, bad := range []string{`{`, `{"query":[],"response":{"format":"px"}}`,
		`{"query":[{"code":"Он","selection":{"filter":"item","values":["99"]}}],"response":{"format":"json-stat2"}}`} {
		wait(550 * time.Millisecond)
		if resp, _ := do("POST", url, bad, cookie); resp.StatusCode != 400 {
			t.Errorf("got %d for query %s, want 400", resp.StatusCode, bad)
		}
	}
	wait(550 * time.Millisecond)
	q := `{"query":[{"code":"Үзүүлэлт","selection":{"filter":"item","values":["0"]}},{"code":"Эдийн засгийн салбар","selection":{"filter":"item","values":["0","10"]}},{"code":"Он","selection":{"filter":"item","values":["1","0"]}}],"response":{"format":"json-stat2"}}`
	resp, body = do("POST", url, q, cookie)
	if resp.StatusCode != 200 {
		t.Fatalf("got %d %s, want 200", resp.StatusCode, body)
	}
	var ds struct {
		Size      []int      `json:"size"`
		Value     []*float64 `json:"value"`
		Dimension map[string]struct {
			Category struct {
				Index map[string]int    `json:"index"`
				Label map[string]string `json:"label"`
			} `json:"category"`
		} `json:"dimension"`
	}
	if err := json.Unmarshal([]byte(body), &ds); err != nil {
		t.Fatal(err)
	}
	// Time keeps the table's order, newest first: 2024 (code 0) then 2023.
	yr := ds.Dimension["Он"].Category
	if yr.Index["0"] != 0 || yr.Label["0"] != "2024" || yr.Index["1"] != 1 {
		t.Errorf("got time categories %v %v, want 2024 (code 0) first", yr.Index, yr.Label)
	}
	want := []float64{80663051, 70441516}
	if len(ds.Value) != 4 || *ds.Value[0] != want[0] || *ds.Value[1] != want[1] {
		t.Fatalf("got values %v (size %v), want the totals %v first", ds.Value, ds.Size, want)
	}
}
