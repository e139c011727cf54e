package warehouse

import (
	"errors"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
)

// FuzzParseReference checks that any bytes given as a reference table
// either parse into rectangular rows of identifier columns or are refused
// with ErrBadInput, and that the generated DDL quotes every value.
func FuzzParseReference(f *testing.F) {
	f.Add([]byte("# c\ncountry,country_name,region\nKZ,Kazakhstan,Central Asia\nBQ,\"Bonaire, Saba\",Americas\n"))
	f.Add([]byte("a,b\n1\n"))
	f.Add([]byte("a\n'); DROP TABLE x; --\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := parseReference("t", data)
		if err != nil {
			if !errors.Is(err, ictstat.ErrBadInput) {
				t.Fatalf("error %v does not wrap ErrBadInput", err)
			}
			return
		}
		for _, c := range tab.cols {
			if !identRe.MatchString(c) {
				t.Fatalf("column %q is not an identifier", c)
			}
		}
		for i, r := range tab.rows {
			if len(r) != len(tab.cols) {
				t.Fatalf("row %d has %d fields, header %d", i, len(r), len(tab.cols))
			}
		}
		ddl := tab.createSQL()
		// Every value is one SQL string literal: with the quotes doubled,
		// the statement has exactly two quotes per value.
		n := 0
		for _, r := range tab.rows {
			for _, v := range r {
				n += 2 + 2*strings.Count(v, "'")
			}
		}
		if got := strings.Count(ddl, "'"); got != n {
			t.Fatalf("DDL has %d quotes, want %d: %s", got, n, ddl)
		}
	})
}
