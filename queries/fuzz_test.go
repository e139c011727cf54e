package queries

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
)

// FuzzBind feeds parameters as a client sends them (CLI --param, HTTP query
// string) to every named query: Bind never panics, refuses only with
// ErrUsage naming the parameter, and never puts a value into the SQL text.
func FuzzBind(f *testing.F) {
	for _, s := range [][2]string{
		{"grain", "year"}, {"question", "cloud"}, {"min_n", "-3"}, {"as_of", "2026-11-27T12:00:00+08:00"},
		{"as_of", "2026-02-30"}, {"ict_only", "TRUE"}, {"wave", "x'; DROP TABLE filings; --"}, {"by", "zone"},
		{"vintage", "latest"}, {"vintage", "2025-03-20T08:00:00+08:00"}, {"gdp_growth", "NaN"}, {"target_share", "1e308"},
		{"base_year", "-0"}, {"target_year", "2024"}, {"service_item", "SI2"},
	} {
		f.Add(s[0], s[1])
	}
	all, err := All()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, name, value string) {
		for _, q := range all {
			given := map[string]string{name: value}
			for _, p := range q.Params {
				if p.Required && p.Name != name {
					given[p.Name] = "x"
				}
			}
			sql, args, err := q.Bind(given)
			if err != nil {
				if !errors.Is(err, ictstat.ErrUsage) || !strings.Contains(err.Error(), strings.Trim(strconv.Quote(name), `"`)) {
					t.Fatalf("%s: got %v, want ErrUsage naming %q", q.Name, err, name)
				}
				continue
			}
			if len(value) >= 8 && strings.Contains(sql, value) && !strings.Contains(q.SQL, value) {
				t.Fatalf("%s: value %q went into the SQL text", q.Name, value)
			}
			if len(args) == 0 && len(q.Params) > 0 {
				t.Fatalf("%s: got no arguments", q.Name)
			}
		}
	})
}
