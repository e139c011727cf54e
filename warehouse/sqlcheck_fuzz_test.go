package warehouse_test

import (
	"context"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/warehouse"
)

// FuzzSandboxSQL: whatever the statement, the sandbox answers or refuses
// it without failing otherwise, and an answer never holds a company name
// or a registry number of the fixture.
func FuzzSandboxSQL(f *testing.F) {
	for _, q := range []string{"SELECT * FROM filings", "SELECT company_name FROM filings", "PRAGMA database_size",
		"WITH a AS (SELECT * FROM pg_views), pg_views AS (SELECT 1) SELECT * FROM a", "SELECT * FROM s1.filings",
		"SELECT registry_no FROM filings", "SELECT * FROM read_text('/etc/passwd')", "SELECT 1; SELECT 2"} {
		f.Add(q)
	}
	sb, _ := newSandbox(f)
	f.Fuzz(func(t *testing.T, q string) {
		ctx, cancel := context.WithTimeout(context.Background(), 2e9)
		defer cancel()
		res, err := sb.Query(ctx, -1, q, warehouse.Research)
		if err != nil {
			return // refused or failed: nothing came back
		}
		rows, err := testutil.ResultRows(res)
		if err != nil {
			return // stopped while reading: what came back is discarded
		}
		for _, r := range rows {
			for _, v := range r {
				s, _ := v.(string)
				if strings.Contains(s, "Test LLC") || s == "1000001" || s == "1000002" {
					t.Fatalf("%q leaked %q", q, s)
				}
			}
		}
	})
}
