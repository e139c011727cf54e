package serve_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	adbcflight "github.com/apache/arrow-adbc/go/adbc/driver/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/npit-mn/ictstat/serve"
)

// flightServer serves the sqlServer fixture over Flight SQL on loopback and
// returns its address.
func flightServer(t *testing.T, opts serve.Options) (string, *access, string) {
	t.Helper()
	wh, a, sb := sqlFixture(t)
	if opts.SQL == nil {
		opts.SQL = sb
	}
	srv := serve.New(wh, a.options(opts))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.RunFlight(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("RunFlight: %v", err)
		}
	})
	return ln.Addr().String(), a, wh.Root()
}

// adbcQuery runs q through the ADBC Flight SQL driver, an independent
// client, and returns the rows as text.
func adbcQuery(t *testing.T, addr, token, q string) ([]string, error) {
	return adbcRun(t, addr, token, q, false)
}

// adbcRun runs q, prepared first if prepare (as JDBC clients do).
func adbcRun(t *testing.T, addr, token, q string, prepare bool) ([]string, error) {
	t.Helper()
	opts := map[string]string{adbc.OptionKeyURI: "grpc://" + addr}
	if token != "" {
		opts[adbcflight.OptionAuthorizationHeader] = "Bearer " + token
	}
	db, err := adbcflight.NewDriver(memory.DefaultAllocator).NewDatabase(opts)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cn, err := db.Open(ctx)
	if err != nil {
		return nil, err
	}
	defer cn.Close()
	st, err := cn.NewStatement()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if err := st.SetSqlQuery(q); err != nil {
		return nil, err
	}
	if prepare {
		if err := st.Prepare(ctx); err != nil {
			return nil, err
		}
	}
	rdr, _, err := st.ExecuteQuery(ctx)
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	var out []string
	for rdr.Next() {
		rec := rdr.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			var cells []string
			for _, c := range rec.Columns() {
				cells = append(cells, c.ValueStr(i))
			}
			out = append(out, strings.Join(cells, ","))
		}
	}
	return out, rdr.Err()
}

func TestFlightSQL(t *testing.T) {
	addr, a, _ := flightServer(t, serve.Options{})
	rows, err := adbcQuery(t, addr, a.byRole[serve.RoleResearcher], "SELECT count(*), count(DISTINCT registry_no), sum(revenue) FROM filings")
	if err != nil {
		t.Fatal(err)
	}
	// The fixture's current revisions: 7 filings of 5 companies.
	if len(rows) != 1 || rows[0] != "7,5,2.069e+09" {
		t.Errorf("got %v, want 7 filings of 5 companies, revenue 2.069e+09", rows)
	}
	rows, err = adbcQuery(t, addr, a.byRole[serve.RoleResearcher], "SELECT DISTINCT registry_no FROM filings")
	if err != nil || len(rows) != 5 || !strings.HasPrefix(rows[0], "p") {
		t.Errorf("researcher's registry numbers: got %v, %v; want 5 pseudonyms", rows, err)
	}
	rows, err = adbcRun(t, addr, a.byRole[serve.RoleResearcher], "SELECT count(*) FROM filings", true)
	if err != nil || len(rows) != 1 || rows[0] != "7" {
		t.Errorf("prepared: got %v, %v; want 7", rows, err)
	}
	if _, err := adbcRun(t, addr, a.byRole[serve.RoleResearcher], "SELECT company_name FROM filings", true); err == nil {
		t.Error("prepared: company_name answered, want refused")
	}
	rows, err = adbcQuery(t, addr, a.byRole[serve.RoleAdmin], "SELECT count(*) FROM quarantine")
	if err != nil || len(rows) != 1 {
		t.Errorf("admin reads quarantine: got %v, %v", rows, err)
	}
	for _, c := range []struct{ name, token, want string }{
		{"public", "", "researcher role"},
		{"public token", a.byRole[serve.RolePublic], "researcher role"},
		{"wrong token", "ict_nope", "nauthenticated"},
	} {
		if _, err := adbcQuery(t, addr, c.token, "SELECT 1"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error saying %q", c.name, err, c.want)
		}
	}
	entries, _ := a.audit.Tail(10)
	if len(entries) == 0 || entries[0].Action != "flight_sql" || entries[0].Token != "admin-1" || entries[0].Rows != 1 {
		t.Errorf("audit: got %+v, want the admin's Flight SQL query newest", entries)
	}
}

// TestFlightHostileSQL runs the hostile corpus through Flight SQL as a
// researcher and as the public.
func TestFlightHostileSQL(t *testing.T) {
	addr, a, root := flightServer(t, serve.Options{SQLTimeout: 2 * time.Second, RatePerSecond: 1e6, RateBurst: 1e6})
	link := filepath.Join(root, "tables", "filings", "passwd.csv")
	if err := os.Symlink("/etc/passwd", link); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(link)
	leaks := []string{"Khan Soft", "LLC", "1000001", root, "root:x:0", "ictstat-schemas"}
	for _, who := range []struct{ name, token string }{{"researcher", a.byRole[serve.RoleResearcher]}, {"public", ""}} {
		for _, h := range hostileCorpus(root, link) {
			name := h.sql
			if len(name) > 60 {
				name = name[:60]
			}
			t.Run(who.name+"/"+name, func(t *testing.T) {
				rows, err := adbcQuery(t, addr, who.token, h.sql)
				switch {
				case who.name == "public" && h.sql != "" && (err == nil || !strings.Contains(err.Error(), "researcher role")):
					t.Errorf("got %v, want refused for the public", err)
				case who.name == "public" && err == nil:
					t.Errorf("got %d rows, want refused for the public", len(rows))
				case who.name == "researcher" && !h.allowed && !h.big && err == nil:
					t.Errorf("got %d rows, want it refused", len(rows))
				case who.name == "researcher" && h.allowed && err != nil:
					t.Errorf("got %v, want it answered", err)
				case who.name == "researcher" && h.big && err != nil && !strings.Contains(err.Error(), "time limit"):
					// Streamed whole or stopped at its time limit, as the machine's pace decides.
					t.Errorf("got %v, want it streamed or stopped at its time limit", err)
				}
				text := fmt.Sprint(err)
				if !h.big {
					text += fmt.Sprint(rows)
				}
				for _, l := range leaks {
					if strings.Contains(text, l) {
						t.Errorf("answer holds %q: %.300s", l, text)
					}
				}
			})
		}
	}
	if _, err := adbcQuery(t, addr, a.byRole[serve.RoleResearcher], "SELECT 1"); err != nil {
		t.Errorf("after the corpus: %v", err)
	}
}
