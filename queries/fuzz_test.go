package queries

import (
	"errors"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
)

// FuzzBind feeds any parameter values to every named query: Bind either
// binds values of the declared types, in range, or refuses with ErrUsage
// naming the parameter; it never panics and never puts a value in the SQL.
func FuzzBind(f *testing.F) {
	all, err := All()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"latest", "2025-03-20", "2025-03-20T08:00:00+08:00", "", "NaN", "1e308", "-0", "2024", "year", "true", "x'; DROP", "2025-02-30"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, q := range all {
			for _, p := range q.Params {
				for _, other := range q.Params {
					params := map[string]string{p.Name: a, other.Name: b}
					sql, args, err := q.Bind(params)
					if err != nil {
						if !errors.Is(err, ictstat.ErrUsage) || !strings.Contains(err.Error(), q.Name) && !strings.Contains(err.Error(), "parameter ") {
							t.Fatalf("%s %v: got %v, want ErrUsage naming a parameter", q.Name, params, err)
						}
						continue
					}
					if strings.Contains(sql, "$"+p.Name) {
						t.Fatalf("%s: placeholder $%s left in the SQL", q.Name, p.Name)
					}
					for i, v := range args {
						if s, ok := v.(string); ok && len(s) > 200 {
							t.Fatalf("%s: arg %d longer than 200 characters", q.Name, i)
						}
					}
				}
			}
		}
	})
}
