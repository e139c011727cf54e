package serve_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/serve"
	"github.com/npit-mn/ictstat/warehouse"
)

// access is a token file with one token per role, the secret and the
// audit log, in a temporary folder.
type access struct {
	tokens *serve.Tokens
	secret *serve.Secret
	audit  *serve.Audit
	byRole map[serve.Role]string // role -> token
}

func newAccess(t testing.TB) *access {
	t.Helper()
	dir := t.TempDir()
	secret, err := serve.LoadSecret(filepath.Join(dir, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := serve.OpenTokens(filepath.Join(dir, "tokens.json"), secret.TokenKey())
	if err != nil {
		t.Fatal(err)
	}
	a := &access{tokens: tokens, secret: secret, audit: serve.OpenAudit(filepath.Join(dir, "audit.log")), byRole: map[serve.Role]string{}}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, r := range []serve.Role{serve.RolePublic, serve.RoleResearcher, serve.RoleAdmin} {
		tok, err := tokens.Add(r.String()+"-1", r, time.Time{}, now)
		if err != nil {
			t.Fatal(err)
		}
		a.byRole[r] = tok
	}
	return a
}

// options fills in the access fields of opts.
func (a *access) options(opts serve.Options) serve.Options {
	opts.Tokens, opts.Audit = a.tokens, a.audit
	return opts
}

// withToken sends token with every request that has no Authorization.
func withToken(h http.Handler, token string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		h.ServeHTTP(w, r)
	})
}

// adminServer serves wh to callers that are all admins, for the tests of
// what the routes answer rather than who may ask.
func adminServer(t testing.TB, wh *warehouse.Warehouse, opts serve.Options) *httptest.Server {
	t.Helper()
	a := newAccess(t)
	return newTestServer(t, serve.New(wh, a.options(opts)).Handler(), a.byRole[serve.RoleAdmin])
}

// sqlServer serves the sector_size fixture with the SQL sandbox and one
// token per role, without injecting any token.
func sqlServer(t *testing.T, opts serve.Options) (*httptest.Server, *access, *warehouse.Warehouse, *warehouse.Sandbox) {
	t.Helper()
	wh, a, sb := sqlFixture(t)
	if opts.SQL == nil {
		opts.SQL = sb
	}
	ts := httptest.NewServer(serve.New(wh, a.options(opts)).Handler())
	t.Cleanup(ts.Close)
	return ts, a, wh, sb
}

// sqlFixture is the sector_size fixture (its file named by an absolute
// path in the warehouse), tokens and a sandbox.
func sqlFixture(t *testing.T) (*warehouse.Warehouse, *access, *warehouse.Sandbox) {
	t.Helper()
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	f, err := os.Open("../testdata/sector_size/filings.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := jobs.IngestFilingsFile(context.Background(), wh, f, filepath.Join(wh.Root(), "incoming", "filings.ndjson"), jobs.Options{}); err != nil {
		t.Fatal(err)
	}
	a := newAccess(t)
	sb, err := wh.NewSandbox(warehouse.SandboxOptions{PseudonymKey: a.secret.PseudonymKey()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return wh, a, sb
}

// do sends a request with token ("" for none) and returns status, headers
// and body.
func do(t *testing.T, method, url, token, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func sqlBody(q, format string) string {
	b, _ := json.Marshal(map[string]string{"sql": q, "format": format})
	return string(b)
}

// TestRolesRouteByRoute asks every route as each kind of caller.
func TestRolesRouteByRoute(t *testing.T) {
	ts, a, _, _ := sqlServer(t, serve.Options{})
	expired, err := a.tokens.Add("expired-1", serve.RoleAdmin, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	revoked, err := a.tokens.Add("revoked-1", serve.RoleAdmin, time.Time{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.tokens.Revoke("revoked-1"); err != nil {
		t.Fatal(err)
	}
	callers := []struct {
		name  string
		token string
	}{{"none", ""}, {"public", a.byRole[serve.RolePublic]}, {"researcher", a.byRole[serve.RoleResearcher]},
		{"admin", a.byRole[serve.RoleAdmin]}, {"wrong", "ict_wrong"}, {"expired", expired}, {"revoked", revoked}}
	sel := sqlBody("SELECT count(*) AS n FROM filings", "json")
	routes := []struct {
		method, path, body string
		want               [7]int // none, public, researcher, admin, wrong, expired, revoked
	}{
		{"GET", "/", "", [7]int{200, 200, 200, 200, 401, 401, 401}},
		{"GET", "/healthz", "", [7]int{200, 200, 200, 200, 401, 401, 401}},
		{"GET", "/api/v1/queries", "", [7]int{200, 200, 200, 200, 401, 401, 401}},
		{"GET", "/api/v1/queries/sector_size?grain=year", "", [7]int{403, 403, 200, 200, 401, 401, 401}},
		{"GET", "/api/v1/queries/survey_estimates?min_n=1", "", [7]int{403, 403, 403, 400, 401, 401, 401}},
		{"GET", "/api/v1/snapshots", "", [7]int{403, 403, 200, 200, 401, 401, 401}},
		{"POST", "/api/v1/sql", sel, [7]int{403, 403, 200, 200, 401, 401, 401}},
		{"GET", "/api/v1/jobs", "", [7]int{403, 403, 403, 200, 401, 401, 401}},
		{"GET", "/api/v1/audit", "", [7]int{403, 403, 403, 200, 401, 401, 401}},
	}
	for _, rt := range routes {
		for i, c := range callers {
			t.Run(rt.method+" "+rt.path+" as "+c.name, func(t *testing.T) {
				status, h, body := do(t, rt.method, ts.URL+rt.path, c.token, rt.body)
				if status != rt.want[i] {
					t.Fatalf("got %d, want %d: %.300s", status, rt.want[i], body)
				}
				if status == 401 && (body != "{\n \"error\": \"unauthorized\"\n}\n" || h.Get("WWW-Authenticate") == "") {
					t.Errorf("401 says %q (WWW-Authenticate %q), want only unauthorized", body, h.Get("WWW-Authenticate"))
				}
			})
		}
	}
}

func TestTokenFile(t *testing.T) {
	dir := t.TempDir()
	secret, err := serve.LoadSecret(filepath.Join(dir, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "tokens.json")
	tokens, err := serve.OpenTokens(path, secret.TokenKey())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	tok, err := tokens.Add("ana@nso.mn", serve.RoleResearcher, now.Add(24*time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %v, want 0600", st.Mode().Perm())
	}
	if strings.Contains(string(raw), tok) || strings.Contains(string(raw), tok[4:20]) {
		t.Errorf("token file holds the token: %s", raw)
	}
	if got, ok := tokens.Lookup(tok, now); !ok || got.Name != "ana@nso.mn" || got.Role != "researcher" {
		t.Errorf("lookup: got %+v %v", got, ok)
	}
	if _, ok := tokens.Lookup(tok, now.Add(24*time.Hour)); ok {
		t.Error("lookup at the expiry: got a token, want none")
	}
	if _, ok := tokens.Lookup(tok+"x", now); ok {
		t.Error("lookup of a changed token: got a token, want none")
	}
	if _, err := tokens.Add("ana@nso.mn", serve.RoleAdmin, time.Time{}, now); !errors.Is(err, ictstat.ErrUsage) {
		t.Errorf("second token of one name: got %v, want ErrUsage", err)
	}
	// Another process (ictstat token revoke) changes the file: a running
	// server's Tokens sees it.
	other, err := serve.OpenTokens(path, secret.TokenKey())
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Revoke("ana@nso.mn"); err != nil {
		t.Fatal(err)
	}
	if _, ok := tokens.Lookup(tok, now.Add(time.Second)); ok {
		t.Error("lookup a second after revoke: got a token, want none")
	}
	if err := other.Revoke("ana@nso.mn"); !errors.Is(err, ictstat.ErrNotFound) {
		t.Errorf("revoking twice: got %v, want ErrNotFound", err)
	}
	for name, content := range map[string]string{
		"not json":     "tokens: []",
		"unknown role": `{"tokens":[{"name":"x","role":"superuser","hash":"` + strings.Repeat("ab", 32) + `"}]}`,
		"bad hash":     `{"tokens":[{"name":"x","role":"admin","hash":"zz"}]}`,
	} {
		bad := filepath.Join(t.TempDir(), "tokens.json")
		os.WriteFile(bad, []byte(content), 0o600)
		if _, err := serve.OpenTokens(bad, secret.TokenKey()); !errors.Is(err, ictstat.ErrBadInput) || !strings.Contains(err.Error(), bad) {
			t.Errorf("%s: got %v, want ErrBadInput naming the file", name, err)
		}
	}
	if _, err := serve.ParseRole("root"); !errors.Is(err, ictstat.ErrUsage) {
		t.Errorf("ParseRole(root): got %v, want ErrUsage", err)
	}
}

// TestSQLRoute runs SQL as a researcher and as an admin in every format,
// reading the Arrow and Parquet answers back with independent readers.
func TestSQLRoute(t *testing.T) {
	ts, a, _, sb := sqlServer(t, serve.Options{SQLMaxRows: 5})
	res := a.byRole[serve.RoleResearcher]
	status, _, body := do(t, "POST", ts.URL+"/api/v1/sql", res, sqlBody("SELECT DISTINCT registry_no FROM filings ORDER BY 1", "csv"))
	if status != 200 {
		t.Fatalf("got %d: %s", status, body)
	}
	_, _, plain := do(t, "POST", ts.URL+"/api/v1/sql", a.byRole[serve.RoleAdmin], sqlBody("SELECT DISTINCT registry_no FROM filings", "csv"))
	var want []string
	for _, r := range strings.Fields(plain)[1:] {
		want = append(want, sb.Pseudonym(r))
	}
	sort.Strings(want)
	if got := strings.Fields(body); len(got) != len(want)+1 || strings.Join(got[1:], " ") != strings.Join(want, " ") {
		t.Errorf("researcher's registry numbers: got %v, want the pseudonyms %v", got, want)
	}
	status, _, body = do(t, "POST", ts.URL+"/api/v1/sql", a.byRole[serve.RoleAdmin], sqlBody("SELECT DISTINCT company_name FROM filings ORDER BY 1 LIMIT 1", "json"))
	if status != 200 || !strings.Contains(body, `"company_name":"`) {
		t.Errorf("admin: got %d %s, want the names", status, body)
	}
	status, _, body = do(t, "POST", ts.URL+"/api/v1/sql", res, sqlBody("SELECT * FROM range(6)", "json"))
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, "limit 5") {
		t.Errorf("6 rows in JSON over a limit of 5: got %d %s, want 413", status, body)
	}
	status, _, body = do(t, "POST", ts.URL+"/api/v1/sql", res, sqlBody("SELECT range AS i FROM range(1000)", "arrow"))
	if status != 200 {
		t.Fatalf("arrow: got %d %s", status, body)
	}
	rd, err := ipc.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for rd.Next() {
		n += rd.RecordBatch().NumRows()
	}
	if n != 1000 {
		t.Errorf("arrow stream: got %d rows, want 1000 (streamed past the JSON limit)", n)
	}
	status, _, body = do(t, "POST", ts.URL+"/api/v1/sql", res, sqlBody("SELECT 42 AS answer", "parquet"))
	pf, err := file.NewParquetReader(bytes.NewReader([]byte(body)))
	if status != 200 || err != nil || pf.NumRows() != 1 {
		t.Errorf("parquet: got %d, %v", status, err)
	}
	for _, bad := range []struct {
		body   string
		status int
	}{
		{`{"sql": "SELECT 1", "format": "xml"}`, 400},
		{`{"sql": "SELECT 1", "colour": "red"}`, 400},
		{`not json`, 400},
		{`{"sql": "` + strings.Repeat("x", 1<<20) + `"}`, 413},
	} {
		if status, _, body := do(t, "POST", ts.URL+"/api/v1/sql", res, bad.body); status != bad.status {
			t.Errorf("%.40s: got %d %s, want %d", bad.body, status, body, bad.status)
		}
	}
	entries, err := a.audit.Tail(100)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 5 || len(entries) < 5 || entries[len(entries)-1].Token != "researcher-1" || entries[len(entries)-1].Action != "sql" ||
		!strings.Contains(entries[len(entries)-1].What, "registry_no") || entries[len(entries)-1].Rows != int64(len(want)) {
		t.Errorf("audit: got %+v, want the researcher's first query with its %d rows oldest", entries, len(want))
	}
}

// newTestServer serves h, sending token with every request that has none.
func newTestServer(t testing.TB, h http.Handler, token string) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(withToken(h, token))
	t.Cleanup(ts.Close)
	return ts
}
