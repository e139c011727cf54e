package queries

import (
	"errors"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
)

func TestAllQueriesDocumented(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("got no queries, want at least sector_size")
	}
	for _, q := range all {
		if q.Title == "" || q.Answers == "" || q.Method == "" || len(q.Columns) == 0 {
			t.Errorf("%s: title, answers, method and columns must be documented", q.Name)
		}
		for _, c := range q.Columns {
			if c.Unit == "" {
				t.Errorf("%s.%s: got no unit", q.Name, c.Name)
			}
		}
		given := map[string]string{}
		for _, p := range q.Params {
			if p.Required {
				given[p.Name] = "x"
			}
		}
		if _, _, err := q.Bind(given); err != nil {
			t.Errorf("%s: defaults do not bind: %v", q.Name, err)
		}
	}
}

func TestBind(t *testing.T) {
	q, err := Get("sector_size")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		params  map[string]string
		wantErr string // substring; "" = success
		args    []any
	}{
		{"defaults", nil, "", []any{"quarter", "division", true}},
		{"month grain", map[string]string{"grain": "month"}, "", []any{"month", "division", true}},
		{"bool false", map[string]string{"ict_only": "false"}, "", []any{"quarter", "division", false}},
		{"bad enum", map[string]string{"grain": "decade"}, "parameter grain", nil},
		{"bad bool", map[string]string{"ict_only": "maybe"}, "parameter ict_only", nil},
		{"unknown", map[string]string{"color": "red"}, `no parameter "color"`, nil},
		{"injection", map[string]string{"grain": "year'; DROP TABLE x; --"}, "parameter grain", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sql, args, err := q.Bind(tc.params)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ictstat.ErrUsage) {
					t.Fatalf("got error %v, want one containing %q wrapping ErrUsage", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(sql, "$grain") {
				t.Errorf("got SQL with named placeholders left: %s", sql)
			}
			if len(args) != len(tc.args) {
				t.Fatalf("got %d args, want %d", len(args), len(tc.args))
			}
			for i := range args {
				if args[i] != tc.args[i] {
					t.Errorf("arg %d: got %v, want %v", i, args[i], tc.args[i])
				}
			}
		})
	}
}

func TestGetUnknown(t *testing.T) {
	_, err := Get("nosuch")
	if !errors.Is(err, ictstat.ErrNotFound) || !strings.Contains(err.Error(), "sector_size") {
		t.Errorf("got %v, want ErrNotFound listing sector_size", err)
	}
}

// TestParamTypes checks the timestamp type, optional numbers and ranges.
func TestParamTypes(t *testing.T) {
	q, err := Parse(`-- name: t
-- param: at timestamp = latest : a vintage
-- param: growth number[-50..100] = : optional
-- param: year int[1990..2100] = 2024 : a year
-- check: year > growth : silly, but a check
-- param: day date = : a day, optional
SELECT $at, $growth, $year, $day`)
	if err != nil {
		t.Fatal(err)
	}
	if p := q.param("growth"); p.Min == nil || *p.Min != -50 || *p.Max != 100 || p.Type != "number" {
		t.Fatalf("got growth param %+v, want number -50..100", p)
	}
	for _, tc := range []struct {
		params  map[string]string
		wantErr string // "" = success
		args    []any
	}{
		{nil, "", []any{"latest", nil, int64(2024), ""}},
		{map[string]string{"at": "2025-03-20"}, "", []any{"2025-03-20 23:59:59.999999Z", nil, int64(2024), ""}},
		{map[string]string{"at": "2025-03-20T08:00:00+08:00"}, "", []any{"2025-03-20 00:00:00.000000Z", nil, int64(2024), ""}},
		{map[string]string{"at": "2025-03-20 10:30"}, "", []any{"2025-03-20 10:30:00.000000Z", nil, int64(2024), ""}},
		{map[string]string{"growth": "-50", "year": "2100"}, "", []any{"latest", -50.0, int64(2100), ""}},
		{map[string]string{"at": "2025-02-30"}, "parameter at", nil},
		{map[string]string{"at": "now"}, "parameter at", nil},
		{map[string]string{"growth": "100.5"}, "parameter growth: 100.5 is outside -50..100", nil},
		{map[string]string{"growth": "Inf"}, "parameter growth", nil},
		{map[string]string{"year": "1989"}, "parameter year", nil},
		{map[string]string{"year": "2000", "growth": "99"}, "", []any{"latest", 99.0, int64(2000), ""}},
		{map[string]string{"year": "1990", "growth": "-50"}, "", []any{"latest", -50.0, int64(1990), ""}},
		{map[string]string{"day": "2026-02-28"}, "", []any{"latest", nil, int64(2024), "2026-02-28"}},
		{map[string]string{"day": "2026-02-30"}, "parameter day", nil},
		{map[string]string{"day": "28.02.2026"}, "parameter day", nil},
	} {
		_, args, err := q.Bind(tc.params)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ictstat.ErrUsage) {
				t.Errorf("%v: got error %v, want one containing %q wrapping ErrUsage", tc.params, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tc.params, err)
			continue
		}
		for i := range args {
			if args[i] != tc.args[i] {
				t.Errorf("%v: arg %d: got %v, want %v", tc.params, i, args[i], tc.args[i])
			}
		}
	}
	if len(q.Checks) != 1 || q.Checks[0].Op != ">" {
		t.Fatalf("got checks %+v", q.Checks)
	}
	q.Checks[0].Op = "<"
	if _, _, err := q.Bind(map[string]string{"growth": "1"}); err == nil || !errors.Is(err, ictstat.ErrUsage) ||
		!strings.Contains(err.Error(), "parameter year (2024) must be < growth (1): silly, but a check") {
		t.Errorf("broken check: got %v", err)
	}
	if _, err := Parse("-- name: t\n-- check: a => b : no\nSELECT 1"); err == nil {
		t.Error("got no error for a bad check line")
	}
	if _, err := Parse("-- name: t\n-- param: s string[1..2] = x : no\nSELECT 1"); err == nil {
		t.Error("got no error for a range on a string parameter")
	}
}
