package warehouse_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/warehouse"
)

const refCSV = `# a comment line, then the header
code,name,group_name
KZ,Kazakhstan,Central Asia
BQ,"Bonaire, Sint Eustatius and Saba",Americas
# comments may come anywhere
MN,Mongolia,East Asia
`

// TestReferenceTables checks that Options.Reference tables are served in
// every snapshot's schema, old ones included, and cannot be written.
func TestReferenceTables(t *testing.T) {
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{Reference: map[string][]byte{"areas": []byte(refCSV)}})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	m1 := commit(t, wh, []ictstat.Filing{filing(1, 1, 2026, 7, 100, 1)})
	commit(t, wh, []ictstat.Filing{filing(2, 1, 2026, 8, 100, 1)})
	for i, snap := range []int64{m1.ID, testutil.Current} {
		rows := testutil.Rows(t, wh, snap, "SELECT code, name, group_name FROM areas ORDER BY code")
		want := [][3]string{{"BQ", "Bonaire, Sint Eustatius and Saba", "Americas"}, {"KZ", "Kazakhstan", "Central Asia"}, {"MN", "Mongolia", "East Asia"}}
		if len(rows) != len(want) {
			t.Fatalf("snapshot %d: got %v, want %v", snap, rows, want)
		}
		for i, w := range want {
			for j := range w {
				if rows[i][j] != w[j] {
					t.Errorf("snapshot %d row %d: got %v, want %v", snap, i, rows[i], w)
				}
			}
		}
		// The reference table joins with the snapshot's tables: one KZ
		// export in snapshot 1, two in the current one.
		if n := testutil.CountAt(t, wh, snap, "SELECT count(*) FROM filing_exports e JOIN areas a ON a.code = e.country"); n != int64(i+1) {
			t.Errorf("snapshot %d: %d exports to KZ, want %d", snap, n, i+1)
		}
	}
	for _, q := range []string{"DELETE FROM areas", "INSERT INTO ref.areas VALUES ('X', 'Y', 'Z')", "DROP TABLE ref.areas"} {
		if _, _, err := testutil.QueryRows(t.Context(), wh, testutil.Current, q); !errors.Is(err, ictstat.ErrUsage) {
			t.Errorf("%s: got %v, want ErrUsage", q, err)
		}
	}
	if n := testutil.Count(t, wh, "SELECT count(*) FROM areas"); n != 3 {
		t.Errorf("after refused writes: %d rows, want 3", n)
	}
}

// TestReferenceTablesRefused checks that a bad reference table is refused
// when the warehouse opens, naming what to fix.
func TestReferenceTablesRefused(t *testing.T) {
	for _, tc := range []struct {
		name, table, csv, want string
	}{
		{"name of a table", "filings", "a\n1\n", "name of a warehouse table"},
		{"name of a view", "snapshots", "a\n1\n", "name of a warehouse view"},
		{"not an identifier", "Bad-Name", "a\n1\n", "SQL identifier"},
		{"bad column", "t", "a,B c\n1,2\n", "B c"},
		{"repeated column", "t", "a,a\n1,2\n", "distinct"},
		{"ragged row", "t", "a,b\n1,2\n3\n", "t.csv:3"},
		{"empty", "t", "", "no CSV header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wh, err := warehouse.Open(t.TempDir(), warehouse.Options{Reference: map[string][]byte{tc.table: []byte(tc.csv)}})
			if err == nil {
				wh.Close()
				t.Fatal("opened, want an error")
			}
			if !errors.Is(err, ictstat.ErrBadInput) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want ErrBadInput containing %q", err, tc.want)
			}
		})
	}
}
