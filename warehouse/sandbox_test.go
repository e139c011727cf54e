package warehouse_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/warehouse"
)

func newSandbox(t testing.TB) (*warehouse.Sandbox, string) {
	t.Helper()
	root := t.TempDir()
	wh := open(t, root, warehouse.Options{Reference: map[string][]byte{"regions": []byte("country,region\nKZ,Central Asia\n")}})
	commit(t, wh, []ictstat.Filing{filing(1, 1, 2026, 10, 100, 1), filing(2, 1, 2026, 10, 50, 0)})
	sb, err := wh.NewSandbox(warehouse.SandboxOptions{PseudonymKey: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return sb, root
}

func sandboxRows(t *testing.T, sb *warehouse.Sandbox, access warehouse.Access, q string) ([][]any, error) {
	t.Helper()
	res, err := sb.Query(context.Background(), -1, q, access)
	if err != nil {
		return nil, err
	}
	return testutil.ResultRows(res)
}

// TestSandboxPseudonyms checks the research views against pseudonyms
// worked out in Go from the key, and that names are gone.
func TestSandboxPseudonyms(t *testing.T) {
	sb, _ := newSandbox(t)
	rows, err := sandboxRows(t, sb, warehouse.Research, "SELECT registry_no, filing_id, revenue FROM filings ORDER BY revenue")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]any{
		{sb.Pseudonym("1000002"), sb.Pseudonym("VZ-202610-1000002"), 50.0},
		{sb.Pseudonym("1000001"), sb.Pseudonym("VZ-202610-1000001"), 100.0},
	}
	if len(rows) != 2 || rows[0][0] != want[0][0] || rows[0][1] != want[0][1] || rows[1][0] != want[1][0] || rows[0][2] != 50.0 {
		t.Fatalf("got %v, want %v", rows, want)
	}
	if rows[0][0] == "1000002" || len(rows[0][0].(string)) != 25 {
		t.Errorf("pseudonym %v: want p + 24 hex digits", rows[0][0])
	}
	rows, err = sandboxRows(t, sb, warehouse.Research, "SELECT e.registry_no = f.registry_no FROM filing_exports e JOIN filings f USING (filing_id)")
	if err != nil || len(rows) != 1 || rows[0][0] != true {
		t.Errorf("joining exports to filings by pseudonym: got %v, %v; want one true row", rows, err)
	}
	for _, q := range []string{"SELECT company_name FROM filings", "SELECT * FROM quarantine", "SELECT * FROM job_runs",
		"SELECT ictstat_pseudonym('1000001')", "SELECT * FROM s1.filings", "SELECT * FROM memory.s1.filings"} {
		if _, err := sandboxRows(t, sb, warehouse.Research, q); !errors.Is(err, ictstat.ErrUsage) {
			t.Errorf("%s: got %v, want ErrUsage", q, err)
		}
	}
	rows, err = sandboxRows(t, sb, warehouse.Full, "SELECT company_name, registry_no FROM filings ORDER BY 2")
	if err != nil || len(rows) != 2 || rows[0][0] != "Test LLC" || rows[0][1] != "1000001" {
		t.Errorf("full access: got %v, %v; want the names and registry numbers", rows, err)
	}
	rows, err = sandboxRows(t, sb, warehouse.Research, "SELECT region FROM regions")
	if err != nil || len(rows) != 1 || rows[0][0] != "Central Asia" {
		t.Errorf("reference table: got %v, %v", rows, err)
	}
}

// TestSandboxRefusesWithoutActing: refused statements leave nothing behind,
// EXPORT DATABASE's folder included.
func TestSandboxRefusesWithoutActing(t *testing.T) {
	sb, root := newSandbox(t)
	dir := filepath.Join(root, "tables", "x")
	out := filepath.Join(t.TempDir(), "exported")
	for _, q := range []string{"EXPORT DATABASE '" + dir + "'", "EXPORT DATABASE '" + out + "'", "PRAGMA database_size",
		"SELECT * FROM pragma_database_size()", "SELECT current_setting('memory_limit')", "SELECT 1; SELECT 2"} {
		for _, a := range []warehouse.Access{warehouse.Research, warehouse.Full} {
			if _, err := sandboxRows(t, sb, a, q); !errors.Is(err, ictstat.ErrUsage) {
				t.Errorf("%s: got %v, want ErrUsage", q, err)
			}
		}
	}
	for _, p := range []string{dir, out} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s: got %v, want nothing created", p, err)
		}
	}
}
