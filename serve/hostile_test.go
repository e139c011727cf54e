package serve_test

import (
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/serve"
)

// hostile is one statement of the corpus: refused ones must be answered
// with a 4xx or a time limit, allowed ones may answer but leak nothing.
type hostile struct {
	sql     string
	allowed bool
	big     bool // refused as JSON for its size, streamed by Flight SQL
}

// hostileCorpus is the attacker's list: files in and outside the
// warehouse, a symlink in a table folder, COPY/EXPORT, ATTACH,
// INSTALL/LOAD, SET/RESET/PRAGMA/CALL, settings and environment functions,
// several statements, comments, nested table functions, remote URLs,
// reversal of pseudonyms, runaway joins, recursive CTEs and huge strings.
func hostileCorpus(root, link string) []hostile {
	tables := filepath.Join(root, "tables")
	refuse := func(qs ...string) []hostile {
		out := make([]hostile, len(qs))
		for i, q := range qs {
			out[i] = hostile{sql: q}
		}
		return out
	}
	var c []hostile
	c = append(c, refuse(
		// files outside and inside the warehouse
		"SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM read_csv_auto('/etc/passwd')", "SELECT * FROM read_text('/etc/passwd')",
		"SELECT * FROM read_blob('/etc/hostname')", "SELECT * FROM read_json('/etc/passwd')", "SELECT * FROM read_json_auto('/etc/passwd')",
		"SELECT * FROM read_ndjson('/etc/passwd')", "SELECT * FROM read_parquet('/etc/passwd')", "SELECT * FROM glob('/*')",
		"FROM '/etc/passwd'", "SELECT * FROM '/etc/passwd'", "SELECT * FROM 'data.csv'",
		"SELECT * FROM read_parquet('"+tables+"/filings/*/*/*.parquet')", "SELECT * FROM '"+tables+"/filings/*/*/*.parquet'",
		"SELECT * FROM parquet_metadata('"+tables+"/filings/*/*/*.parquet')", "SELECT * FROM parquet_schema('"+tables+"/filings/*/*/*.parquet')",
		"SELECT * FROM parquet_kv_metadata('"+tables+"/filings/*/*/*.parquet')", "SELECT * FROM parquet_file_metadata('"+tables+"/filings/*/*/*.parquet')",
		"SELECT * FROM read_text('"+filepath.Join(root, "tokens.json")+"')", "SELECT * FROM read_text('"+filepath.Join(root, "secret.key")+"')",
		"SELECT * FROM read_json('"+filepath.Join(root, "catalog")+"/*.json')", "SELECT * FROM sniff_csv('/etc/passwd')",
		"SELECT * FROM read_csv('"+link+"')", "SELECT * FROM '"+link+"'", "SELECT * FROM read_text('"+link+"')",
		"SELECT * FROM read_parquet(['"+tables+"/quarantine/x.parquet'])",
		// writes, COPY, EXPORT, IMPORT
		"COPY filings TO '/tmp/ictstat-hostile.csv'", "COPY (SELECT 1) TO '"+tables+"/filings/evil.parquet'",
		"COPY filings FROM '/etc/passwd'", "EXPORT DATABASE '"+tables+"/x'", "EXPORT DATABASE '"+filepath.Join(root, "export")+"'",
		"IMPORT DATABASE '/tmp'", "CREATE TABLE x AS SELECT 1", "CREATE VIEW filings AS SELECT 1", "CREATE OR REPLACE VIEW filings AS SELECT 1",
		"DROP VIEW filings", "INSERT INTO filings SELECT * FROM filings", "UPDATE filings SET revenue = 0", "DELETE FROM filings",
		"ALTER VIEW filings RENAME TO f", "CREATE MACRO m(x) AS x", "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
		"CREATE SEQUENCE q", "CREATE TEMP TABLE t(i INT)", "TRUNCATE filings", "CREATE SCHEMA evil",
		// ATTACH and friends
		"ATTACH ':memory:' AS m", "ATTACH '"+filepath.Join(root, "x.duckdb")+"' AS m", "DETACH memory", "USE s1",
		"ATTACH 'https://example.com/x.duckdb' AS r",
		// extensions
		"INSTALL httpfs", "LOAD httpfs", "FORCE INSTALL httpfs", "INSTALL x FROM 'http://127.0.0.1:1'", "LOAD '/tmp/x.duckdb_extension'",
		// settings, pragmas, calls
		"SET threads = 64", "SET memory_limit = '100GB'", "RESET memory_limit", "SET enable_external_access = true",
		"SET allowed_directories = ['/']", "SET search_path = 's1'", "SET VARIABLE x = 1", "PRAGMA database_size",
		"PRAGMA database_list", "PRAGMA table_info('quarantine')", "PRAGMA show_tables", "PRAGMA version", "PRAGMA enable_profiling",
		"CALL pragma_version()", "CALL duckdb_settings()", "CHECKPOINT", "VACUUM", "SELECT * FROM pragma_database_size()",
		"SELECT * FROM pragma_table_info('quarantine')", "SELECT * FROM duckdb_settings()", "SELECT * FROM duckdb_tables()",
		"SELECT * FROM duckdb_views()", "SELECT * FROM duckdb_functions()", "SELECT * FROM duckdb_extensions()",
		"SELECT * FROM duckdb_secrets()", "SELECT * FROM duckdb_databases()", "SELECT * FROM duckdb_memory()",
		"SELECT getenv('HOME')", "SELECT current_setting('memory_limit')", "SELECT current_setting('allowed_directories')",
		"SELECT current_schema()", "SELECT current_schemas(true)", "SELECT current_database()", "SELECT getvariable('x')",
		"SELECT * FROM information_schema.tables", "SELECT pg_get_viewdef(i) FROM range(0, 5000) t(i)",
		"SELECT string_agg(pg_get_viewdef(i), ' ') FROM range(0, 5000) t(i)", "SELECT obj_description(i, 'pg_class') FROM range(0, 5000) t(i)",
		"SELECT format_type(i, NULL) FROM range(0, 50) t(i)", "SELECT pg_typeof(1)", "SELECT txid_current()", "SELECT * FROM pg_catalog.pg_tables", "SELECT * FROM pg_views",
		"SHOW TABLES", "SHOW ALL TABLES", "SHOW databases", "DESCRIBE quarantine", "SUMMARIZE job_runs",
		// several statements and comments
		"SELECT 1; SELECT 2", "SELECT 1; DROP VIEW filings", "SELECT 1; ATTACH ':memory:' AS m", "/* hi */ PRAGMA database_size",
		"SELECT 1 -- \n; COPY filings TO '/tmp/x'", "SELECT 1;;SELECT 2",
		// nested table functions and schemas
		"SELECT * FROM (SELECT * FROM read_csv('/etc/passwd'))", "WITH x AS (FROM read_text('/etc/passwd')) SELECT * FROM x",
		"SELECT (SELECT content FROM read_text('/etc/passwd'))", "SELECT * FROM range(3), LATERAL (FROM read_text('/etc/passwd'))",
		"SELECT * FROM query('SELECT * FROM s1.filings')", "SELECT * FROM query_table('quarantine')",
		"SELECT * FROM s1.filings", "SELECT * FROM memory.s1.filings", "SELECT * FROM s1.quarantine", "SELECT * FROM r1.filings",
		"SELECT * FROM ref.regions", "SELECT * FROM system.main.duckdb_tables()", "SELECT main.getenv('HOME')",
		"WITH a AS (SELECT * FROM pg_views), pg_views AS (SELECT 1) SELECT * FROM a",
		"SELECT * FROM (WITH pg_views AS (SELECT 1) SELECT 1), pg_views",
		// remote
		"SELECT * FROM 'https://example.com/x.parquet'", "SELECT * FROM read_csv('http://127.0.0.1:1/x.csv')",
		"SELECT * FROM read_parquet('s3://bucket/x.parquet')", "COPY filings TO 's3://bucket/x.parquet'",
		// pseudonym reversal and hidden tables
		"SELECT ictstat_pseudonym('1000001')", "SELECT company_name FROM filings", "SELECT company_name FROM registrations",
		"SELECT history FROM companies", "SELECT * FROM quarantine", "SELECT raw FROM quarantine", "SELECT * FROM job_runs",
		"SELECT message FROM snapshots", "SELECT source FROM filings",
		// runaway work and huge answers
		"SELECT count(*) FROM range(10000000000000)", "SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b",
		"WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT count(*) FROM r",
		"WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT * FROM r",
		"SELECT string_agg(repeat('x', 1000000), '') FROM range(100000)", "SELECT list(range) FROM range(1000000000)",
		"SELECT count(*) FROM filings a, filings b, filings c, filings d, filings e, range(100000000) f",
		// not SQL
		"", ";", "SELEC 1", "SELECT", strings.Repeat("SELECT 1 UNION ALL ", 60000)+"SELECT 1",
	)...)
	c = append(c,
		hostile{sql: "SELECT * FROM range(1000000)", big: true},
		hostile{sql: "SELECT 1 /*; COPY filings TO '/tmp/x' */", allowed: true},
		hostile{sql: "SELECT count(DISTINCT registry_no) FROM filings", allowed: true},
		hostile{sql: "SELECT * FROM companies", allowed: true},
		hostile{sql: "SELECT f.registry_no, c.* FROM filings f JOIN companies c USING (registry_no)", allowed: true},
		hostile{sql: "SELECT count(*) FROM filings WHERE registry_no = '1000001'", allowed: true},
		hostile{sql: "SELECT registry_no, count(*) FROM filings GROUP BY ALL HAVING count(*) = 1", allowed: true},
		hostile{sql: "SELECT * FROM unnest([1, 2, 3])", allowed: true},
		hostile{sql: "SELECT version()", allowed: true},
		hostile{sql: "DESCRIBE filings", allowed: true},
		hostile{sql: "SELECT repeat('x', 1000)", allowed: true},
		hostile{sql: "WITH pg_views AS (SELECT 1) SELECT * FROM (SELECT * FROM pg_views) a, (WITH q AS (SELECT 1) SELECT * FROM pg_views) b", allowed: true},
	)
	return c
}

// TestHostileSQL runs the corpus as a researcher and as the public: none
// escapes (no file, setting, name, registry number, path or secret comes
// back; nothing is written), every statement is answered within its time
// limit, and the server stays up.
func TestHostileSQL(t *testing.T) {
	ts, a, wh, _ := sqlServer(t, serve.Options{SQLTimeout: 2 * time.Second, SQLMaxRows: 10_000, RatePerSecond: 1e6, RateBurst: 1e6})
	root := wh.Root()
	link := filepath.Join(root, "tables", "filings", "passwd.csv")
	if err := os.Symlink("/etc/passwd", link); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(link)
	secretHex, _ := os.ReadFile(filepath.Join(filepath.Dir(root), "secret.key"))
	leaks := []string{"Khan Soft", "LLC", "1000001", "1000002", root, "root:x:0", "ictstat-schemas", "memory_limit"}
	if len(secretHex) > 0 {
		leaks = append(leaks, strings.TrimSpace(string(secretHex)))
	}
	leaks = append(leaks, hex.EncodeToString(a.secret.PseudonymKey()))
	corpus := hostileCorpus(root, link)
	if len(corpus) < 100 {
		t.Fatalf("corpus of %d statements, want at least 100", len(corpus))
	}
	before := testutil.TableFolderFiles(t, root)
	for _, who := range []struct {
		name  string
		token string
	}{{"researcher", a.byRole[serve.RoleResearcher]}, {"public", ""}} {
		for _, h := range corpus {
			name := h.sql
			if len(name) > 60 {
				name = name[:60]
			}
			t.Run(who.name+"/"+name, func(t *testing.T) {
				status, _, body := do(t, "POST", ts.URL+"/api/v1/sql", who.token, sqlBody(h.sql, "json"))
				switch {
				case who.name == "public" && status != http.StatusForbidden:
					t.Errorf("got %d, want 403 for the public", status)
				case status >= 500 && status != http.StatusGatewayTimeout:
					t.Errorf("got %d %.300s, want a 4xx or a time limit", status, body)
				case !h.allowed && status == 200:
					t.Errorf("got 200 %.300s, want it refused", body)
				case h.allowed && who.name == "researcher" && status != 200:
					t.Errorf("got %d %.300s, want it answered", status, body)
				}
				for _, l := range leaks {
					if strings.Contains(body, l) {
						t.Errorf("answer holds %q: %.300s", l, body)
					}
				}
			})
		}
	}
	if status, _, _ := do(t, "GET", ts.URL+"/healthz", "", ""); status != 200 {
		t.Errorf("healthz after the corpus: got %d", status)
	}
	after := testutil.TableFolderFiles(t, root)
	if strings.Join(before, "\n") != strings.Join(after, "\n") {
		t.Errorf("table folders changed: before %v, after %v", before, after)
	}
	for _, p := range []string{filepath.Join(root, "tables", "x"), filepath.Join(root, "export"), filepath.Join(root, "x.duckdb"), "/tmp/ictstat-hostile.csv"} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s: got %v, want nothing created", p, err)
		}
	}
}
