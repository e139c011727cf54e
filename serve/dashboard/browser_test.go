package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/npit-mn/ictstat/serve/dashboard"
)

// browser finds headless Chromium; its absence fails the test, never
// skips it: the dashboard is tested in a real browser or not at all.
func browser(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium on PATH: install Debian's chromium (apt-get install -y chromium); .ci/run does so")
	return ""
}

// outDir is where screenshots go: $ICTSTAT_TEST_OUT when set, else a
// temporary folder.
func outDir(t *testing.T) string {
	if d := os.Getenv("ICTSTAT_TEST_OUT"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// shown is a headline number as the browser shows it, with the API answer
// it names.
type shown struct {
	Text, Query, Params, Col, Key, Scale string
}

// TestDashboardInBrowser loads the dashboard in headless Chromium from a
// server over the fixture warehouse: every headline number on screen
// equals the API's answer for the same snapshot, the language link keeps
// the page's state, the Mongolian page holds none of the English labels,
// no request leaves loopback, the page fits a phone's width and the
// keyboard reaches the skip link first. Screenshots at desktop and phone
// width go to $ICTSTAT_TEST_OUT (or a temporary folder).
func TestDashboardInBrowser(t *testing.T) {
	exe := browser(t)
	ts, _ := newFixture(t, 400)
	out := outDir(t)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900), chromedp.Flag("proxy-server", "direct://"))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	// Generous: a loaded machine starts a browser slowly; nothing is timed.
	actx, cancel = context.WithTimeout(actx, 4*time.Minute)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()

	var mu sync.Mutex
	var requests []string
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requests = append(requests, e.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}

	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/?lang=en&measure=revenue"), chromedp.WaitVisible("#freshness")); err != nil {
		t.Fatal(err)
	}
	heads, err := chromedp.Run(ctx, chromedp.Evaluate[[]shown](`Array.from(document.querySelectorAll('.num')).map(e => ({Text: e.textContent,
		Query: e.dataset.query, Params: e.dataset.params, Col: e.dataset.col, Key: e.dataset.key, Scale: e.dataset.scale}))`))
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, filepath.Join(out, "dashboard-en-desktop.png"))
	checkHeadlines(t, ts.URL, heads)
	// Freshness is judged by the injected clock: two hours after the runs.
	if fresh, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#freshness table').innerText`)); err != nil ||
		strings.Count(fresh, "up to date") != 6 {
		t.Errorf("freshness table %q (%v), want the 6 sources up to date", fresh, err)
	}

	// Keyboard: the first Tab reaches the skip link.
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
		t.Fatal(err)
	}
	if focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.className`)); err != nil || focused != "skip" {
		t.Errorf("first Tab focuses class %q (%v), want the skip link", focused, err)
	}

	// The language link keeps the state (measure) and switches to Mongolian.
	if err := chromedp.Do(ctx, chromedp.Click("a.lang", chromedp.NodeVisible), chromedp.WaitVisible(`html[lang="mn"] #freshness`)); err != nil {
		t.Fatal(err)
	}
	search, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.search`))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := url.ParseQuery(strings.TrimPrefix(search, "?")); v.Get("lang") != "mn" || v.Get("measure") != "revenue" {
		t.Errorf("after the language link: got query %q, want lang=mn with measure=revenue kept", search)
	}
	texts, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
		const w = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_TEXT), out = [];
		while (w.nextNode()) { const s = w.currentNode.textContent.trim(); if (s && w.currentNode.parentElement.tagName !== 'STYLE') out.push(s); }
		document.querySelectorAll('[aria-label]').forEach(e => out.push(e.getAttribute('aria-label')));
		return out; })()`))
	if err != nil {
		t.Fatal(err)
	}
	checkNoEnglish(t, texts)
	screenshot(t, ctx, filepath.Join(out, "dashboard-mn-desktop.png"))

	// Phone width: nothing wider than the screen.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.Navigate(ts.URL+"/?lang=mn"),
		chromedp.WaitVisible("#freshness")); err != nil {
		t.Fatal(err)
	}
	if overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); err != nil || overflow {
		t.Errorf("at 390 px the page is wider than the screen (%v)", err)
	}
	screenshot(t, ctx, filepath.Join(out, "dashboard-mn-phone.png"))

	mu.Lock()
	defer mu.Unlock()
	if len(requests) < 3 {
		t.Fatalf("saw %d requests, want the network listener to see every page load", len(requests))
	}
	for _, r := range requests {
		u, err := url.Parse(r)
		if err != nil || u.Scheme == "data" || u.Scheme == "about" {
			continue
		}
		if u.Hostname() != "127.0.0.1" {
			t.Errorf("request left loopback: %s", r)
		}
	}
	t.Logf("screenshots in %s; %d requests, all to loopback", out, len(requests))
}

func screenshot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(strings.TrimSuffix(path, ".png")+".html", []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkHeadlines compares each headline number on screen with the value of
// the API answer it names (same snapshot, parameters, column and row),
// rounded as shown.
func checkHeadlines(t *testing.T, base string, heads []shown) {
	t.Helper()
	if len(heads) < 9 {
		t.Fatalf("got %d headline numbers, want the target, KPI, sector, entry, exports, registry and survey headlines (9 or more)", len(heads))
	}
	for _, h := range heads {
		t.Run(h.Query+"/"+h.Col, func(t *testing.T) {
			text := strings.ReplaceAll(h.Text, ",", "") // en: "," groups thousands
			onScreen, err := strconv.ParseFloat(text, 64)
			if err != nil {
				t.Fatalf("headline %q is not a number", h.Text)
			}
			scale, _ := strconv.ParseFloat(h.Scale, 64)
			decimals := 0
			if _, frac, ok := strings.Cut(text, "."); ok {
				decimals = len(frac)
			}
			api := apiValue(t, base, h)
			want := api / scale
			if math.Abs(onScreen-want) > 0.5*math.Pow(10, -float64(decimals))+1e-9 {
				t.Errorf("on screen %q (x%s), API %s?%s %s at %s = %v", h.Text, h.Scale, h.Query, h.Params, h.Col, h.Key, api)
			}
		})
	}
}

// apiValue reads column h.Col of the row keyed by h.Key from the API.
func apiValue(t *testing.T, base string, h shown) float64 {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/queries/" + h.Query + "?" + h.Params)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Rows []map[string]any `json:"rows"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 {
		t.Fatalf("API %s: status %d, %v", h.Params, resp.StatusCode, err)
	}
	key, err := url.ParseQuery(h.Key)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range body.Rows {
		match := true
		for k := range key {
			match = match && fmt.Sprint(r[k]) == key.Get(k)
		}
		if !match {
			continue
		}
		switch v := r[h.Col].(type) {
		case float64:
			return v
		case string:
			f, err := strconv.ParseFloat(v, 64)
			if err == nil {
				return f
			}
		}
		t.Fatalf("API row %v: column %s is %v, want a number", key, h.Col, r[h.Col])
	}
	t.Fatalf("API %s?%s has no row %s", h.Query, h.Params, h.Key)
	return 0
}

// checkNoEnglish fails when a label of the English page appears as a whole
// word in the Mongolian page's text (a label also in the Mongolian
// dictionary, as CSV or %, is not English).
func checkNoEnglish(t *testing.T, texts []string) {
	t.Helper()
	page := strings.Join(texts, "\n")
	if !strings.Contains(page, dashboard.Labels("mn")["title"]) {
		t.Fatalf("the Mongolian page's text lacks its title; got %.300s", page)
	}
	same := map[string]bool{}
	for _, w := range dashboard.Labels("mn") {
		same[w] = true
	}
	n := 0
	for key, en := range dashboard.Labels("en") {
		if same[en] || len(en) < 2 {
			continue
		}
		n++
		if regexp.MustCompile(`(^|[^\pL\pN_])` + regexp.QuoteMeta(en) + `($|[^\pL\pN_])`).MatchString(page) {
			t.Errorf("English label %q (%s) on the Mongolian page", en, key)
		}
	}
	if n < 100 {
		t.Errorf("checked %d English labels, want the whole dictionary", n)
	}
}
