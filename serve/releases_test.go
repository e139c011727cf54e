package serve_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/publish"
	"github.com/npit-mn/ictstat/serve"
	"github.com/npit-mn/ictstat/warehouse"
)

type releaseLog []ictstat.ReleaseRecord

func (l releaseLog) Releases() ([]ictstat.ReleaseRecord, error) {
	return append([]ictstat.ReleaseRecord(nil), l...), nil
}

// fakeClock is the embargo's clock, set by the test.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// releaseFolder writes a release folder: a listed CSV, the audit, a file
// the manifest does not list, and a listed name that is a link out of the
// folder.
func releaseFolder(t *testing.T, publishAt time.Time) (string, string) {
	t.Helper()
	root := t.TempDir()
	outside := filepath.Join(root, "outside.txt")
	os.WriteFile(outside, []byte("SECRET OUTSIDE"), 0o644)
	dir := filepath.Join(root, "releases", "2026Q3")
	os.MkdirAll(dir, 0o755)
	csv := []byte("period,measure,unit,value,status\n2026Q3,x,companies,12,\n")
	os.WriteFile(filepath.Join(dir, "t.csv"), csv, 0o644)
	os.WriteFile(filepath.Join(dir, publish.AuditFile), []byte(`[{"table":"t"}]`), 0o644)
	os.WriteFile(filepath.Join(dir, "unlisted.csv"), []byte("SECRET UNLISTED"), 0o644)
	if err := os.Symlink(outside, filepath.Join(dir, "link.csv")); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(csv)
	m := publish.Manifest{Release: "2026Q3", PublishAt: publishAt, Files: []publish.FileEntry{
		{Name: "t.csv", Bytes: int64(len(csv)), SHA256: hex.EncodeToString(sum[:]), ContentType: publish.ContentType("t.csv")},
		{Name: "link.csv", SHA256: "00", ContentType: publish.ContentType("link.csv")},
	}}
	b, _ := json.Marshal(m)
	os.WriteFile(filepath.Join(dir, publish.ManifestFile), b, 0o644)
	return dir, hex.EncodeToString(sum[:])
}

func TestReleaseEmbargo(t *testing.T) {
	publishAt := time.Date(2026, 11, 11, 1, 30, 0, 0, time.UTC)
	dir, sum := releaseFolder(t, publishAt)
	clock := &fakeClock{now: publishAt.Add(-time.Hour)}
	var mu sync.Mutex
	var accesses []serve.EmbargoAccess
	q4, err := publish.ParsePeriod("2026Q4")
	if err != nil {
		t.Fatal(err)
	}
	a := newAccess(t)
	admins := map[string]string{}
	for _, name := range []string{"ganaa", "root"} {
		tok, err := a.tokens.Add(name, serve.RoleAdmin, time.Time{}, clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		admins[name] = tok
	}
	srv := serve.New(nil, a.options(serve.Options{
		Releases: releaseLog{{ID: "2026Q3", Status: ictstat.ReleasePrepared, Snapshot: 7, PublishAt: publishAt, Folder: dir, Tables: []string{"t"}}},
		Calendar: publish.Calendar{Releases: []publish.Release{{ID: "2026Q4", Period: q4, PublishAt: publishAt.AddDate(0, 3, 0), Tables: []string{"t"}}}},
		Now:      clock.Now,
		OnEmbargoAccess: func(a serve.EmbargoAccess) error {
			mu.Lock()
			defer mu.Unlock()
			accesses = append(accesses, a)
			return nil
		},
	}))
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	get := func(path, admin string, hdr ...string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		if admin != "" {
			req.Header.Set("Authorization", "Bearer "+admins[admin])
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}

	// Under embargo: nothing for the public, everything for an administrator, logged.
	for _, p := range []string{"/releases/2026Q3/t.csv", "/api/v1/releases/2026Q3", "/releases/2026Q3/manifest.json"} {
		if code, _, _ := get(p, ""); code != http.StatusNotFound {
			t.Errorf("public %s under embargo: got %d, want 404", p, code)
		}
	}
	if _, _, body := get("/api/v1/releases", ""); strings.Contains(body, "2026Q3") {
		t.Errorf("public release list under embargo names the release: %s", body)
	}
	if _, _, body := get("/api/v1/releases", ""); !strings.Contains(body, `"2026Q4"`) || !strings.Contains(body, ictstat.ReleaseScheduled) {
		t.Errorf("public release list: the calendar's next release is missing: %s", body)
	}
	code, _, body := get("/releases/2026Q3/t.csv", "ganaa")
	if code != http.StatusOK || !strings.Contains(body, "2026Q3,x") {
		t.Errorf("admin under embargo: got %d %q, want 200 and the file", code, body)
	}
	mu.Lock()
	if len(accesses) != 1 || accesses[0].Who != "ganaa" || accesses[0].File != "t.csv" || !accesses[0].At.Equal(clock.Now()) {
		t.Errorf("embargo log: got %+v, want one read of t.csv by ganaa at %s", accesses, clock.Now())
	}
	mu.Unlock()

	// At the publication time: public, with content type and ETag.
	clock.Set(publishAt)
	code, h, body := get("/releases/2026Q3/t.csv", "")
	if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || h.Get("ETag") != `"`+sum+`"` || !strings.Contains(body, "2026Q3,x") {
		t.Fatalf("public after publication: got %d %s ETag %s %q, want 200 text/csv, the sha256 and the file", code, h.Get("Content-Type"), h.Get("ETag"), body)
	}
	if code, _, _ := get("/releases/2026Q3/t.csv", "", "If-None-Match", `"`+sum+`"`); code != http.StatusNotModified {
		t.Errorf("If-None-Match with the sha256: got %d, want 304", code)
	}
	if _, _, body := get("/api/v1/releases", ""); !strings.Contains(body, `"2026Q3"`) || !strings.Contains(body, ictstat.ReleasePublished) {
		t.Errorf("release list after publication: %s", body)
	}
	mu.Lock()
	if len(accesses) != 1 {
		t.Errorf("reads after publication were logged as embargoed: %+v", accesses)
	}
	mu.Unlock()

	// Nothing outside the manifest's files, whatever the spelling.
	for _, p := range []string{
		"/releases/2026Q3/unlisted.csv",
		"/releases/2026Q3/link.csv",
		"/releases/2026Q3/..%2f..%2foutside.txt",
		"/releases/2026Q3/%2e%2e%2foutside.txt",
		"/releases/2026Q3/..%5c..%5coutside.txt",
		"/releases/2026Q3/../outside.txt",
		"/releases/..%2freleases%2f2026Q3/t.csv",
		"/releases/2026Q3/audit.json",
	} {
		code, _, body := get(p, "")
		if code == http.StatusOK || strings.Contains(body, "SECRET") {
			t.Errorf("public %s: got %d %q, want no file", p, code, body)
		}
	}
	if code, _, body := get("/releases/2026Q3/link.csv", "root"); code == http.StatusOK || strings.Contains(body, "SECRET") {
		t.Errorf("admin link out of the folder: got %d %q, want refused", code, body)
	}
	if code, _, body := get("/releases/2026Q3/audit.json", "root"); code != http.StatusOK || !strings.Contains(body, `"table"`) {
		t.Errorf("admin audit: got %d %q, want 200", code, body)
	}
}

// TestQueryFromRelease answers a named analytic from a release's pinned
// snapshot (release=ID) once the release is public, and not before.
func TestQueryFromRelease(t *testing.T) {
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	for i := 0; i < 2; i++ { // snapshots 1 and 2, the second with the filings twice over
		f, err := os.Open("../testdata/sector_size/filings.ndjson")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := jobs.IngestFilingsFile(context.Background(), wh, f, fmt.Sprintf("fixture %d", i), jobs.Options{}); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	publishAt := time.Date(2026, 11, 11, 1, 30, 0, 0, time.UTC)
	clock := &fakeClock{now: publishAt.Add(-time.Minute)}
	a := newAccess(t)
	srv := serve.New(wh, a.options(serve.Options{Now: clock.Now,
		Releases: releaseLog{{ID: "2026Q3", Status: ictstat.ReleasePrepared, Snapshot: 1, PublishAt: publishAt, Folder: t.TempDir()}}}))
	ts := httptest.NewServer(withToken(srv.Handler(), a.byRole[serve.RoleResearcher]))
	defer ts.Close()
	if code, _, body := get(t, ts.URL+"/api/v1/queries/data_quality?release=2026Q3"); code != http.StatusNotFound {
		t.Errorf("release=ID under embargo: got %d %s, want 404", code, body)
	}
	clock.Set(publishAt)
	code, h, body := get(t, ts.URL+"/api/v1/queries/data_quality?release=2026Q3")
	if code != http.StatusOK || h.Get("X-Ictstat-Snapshot") != "1" {
		t.Errorf("release=ID after publication: got %d snapshot %q %s, want 200 from snapshot 1", code, h.Get("X-Ictstat-Snapshot"), body)
	}
	if code, _, _ := get(t, ts.URL+"/api/v1/queries/data_quality?release=2026Q3&snapshot=2"); code != http.StatusBadRequest {
		t.Errorf("release and snapshot together: got %d, want 400", code)
	}
	if code, _, _ := get(t, ts.URL+"/api/v1/queries/data_quality?release=1999"); code != http.StatusNotFound {
		t.Errorf("unknown release: got %d, want 404", code)
	}
}
