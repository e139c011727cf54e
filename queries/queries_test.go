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
