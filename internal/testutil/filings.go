// Package testutil holds helpers for the tests of the warehouse, the jobs
// and the command line: writing filings files, reading query results and
// comparing a warehouse with a ground truth computed independently of the
// code under test. It is imported by tests only.
package testutil

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// Filing is a hand-written filings record. The zero value of each field
// selects a valid default, so a test names only what it is about.
type Filing struct {
	// ID is the filing_id, "VZ-YYYYMM-NNNNNNN"; period and registry_no are
	// taken from it.
	ID       string
	Revision int     // default 1
	Currency string  // default MNT
	Revenue  float64 // default 1,000,000
	Exports  []Export
	// Set overrides or adds fields of the JSON object after the defaults,
	// e.g. {"registry_no": "123"} to make the record invalid.
	Set map[string]any
	// Omit removes fields of the JSON object, e.g. "revision".
	Omit []string
}

// Export is an exports[] entry of a Filing.
type Export struct {
	Country string
	EBOPS   string
	Amount  float64
}

// Period returns "YYYY-MM" of f.ID.
func (f Filing) Period() string {
	if len(f.ID) < len("VZ-YYYYMM") {
		return "2026-10"
	}
	return f.ID[3:7] + "-" + f.ID[7:9]
}

// registryNo returns the registry number at the end of f.ID.
func (f Filing) registryNo() string {
	if i := strings.LastIndexByte(f.ID, '-'); i >= 0 {
		return f.ID[i+1:]
	}
	return "6543210"
}

// JSON returns f as one line of the filings feed contract.
func (f Filing) JSON() []byte {
	rev := f.Revision
	if rev == 0 {
		rev = 1
	}
	cur := f.Currency
	if cur == "" {
		cur = "MNT"
	}
	rvn := f.Revenue
	if rvn == 0 {
		rvn = 1_000_000
	}
	p := f.Period()
	var year, month int
	fmt.Sscanf(p, "%d-%d", &year, &month)
	year, month = year+month/12, month%12+1 // the month after the period
	exports := []map[string]any{}
	for _, e := range f.Exports {
		exports = append(exports, map[string]any{"country": e.Country, "ebops": e.EBOPS, "amount": e.Amount})
	}
	m := map[string]any{
		"filing_id":                f.ID,
		"revision":                 rev,
		"registry_no":              f.registryNo(),
		"company_name":             "Test Soft LLC",
		"isic4":                    "6201",
		"zone":                     "UB-01",
		"period":                   p,
		"submitted_at":             fmt.Sprintf("%04d-%02d-%02dT09:00:00+08:00", year, month, min(rev, 28)),
		"currency":                 cur,
		"revenue":                  rvn,
		"intermediate_consumption": rvn / 2,
		"wages":                    rvn / 4,
		"employees":                5,
		"rnd_expense":              0,
		"exports":                  exports,
		"flags":                    map[string]bool{"ai": false, "startup": true},
	}
	for k, v := range f.Set {
		m[k] = v
	}
	for _, k := range f.Omit {
		delete(m, k)
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err) // only values a test wrote
	}
	return b
}

// WriteFilings writes one NDJSON line per record to path. A record is a
// Filing, a string or a []byte (written as is, for broken lines).
func WriteFilings(t testing.TB, path string, records ...any) {
	t.Helper()
	var b bytes.Buffer
	for _, r := range records {
		switch r := r.(type) {
		case Filing:
			b.Write(r.JSON())
		case *Filing:
			b.Write(r.JSON())
		case string:
			b.WriteString(r)
		case []byte:
			b.Write(r)
		default:
			t.Fatalf("WriteFilings: record of type %T", r)
		}
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// WriteLines writes lines to path, each followed by a newline.
func WriteLines(t testing.TB, path string, lines [][]byte) {
	t.Helper()
	n := 0
	for _, l := range lines {
		n += len(l) + 1
	}
	b := make([]byte, 0, n)
	for _, l := range lines {
		b = append(append(b, l...), '\n')
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
