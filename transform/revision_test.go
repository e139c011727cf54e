package transform

import (
	"fmt"
	"testing"

	"github.com/npit-mn/ictstat"
)

func TestResolveRevisions(t *testing.T) {
	f := func(id string, rev int32) ictstat.Filing { return ictstat.Filing{FilingID: id, Revision: rev} }
	tests := []struct {
		name     string
		held     map[string]int32
		incoming []ictstat.Filing
		want     string // accepted indexes, * marking the current ones
	}{
		{"new filings", nil, []ictstat.Filing{f("a", 1), f("b", 1)}, "[0* 1*]"},
		{"amendment in the same input", nil, []ictstat.Filing{f("a", 1), f("a", 2)}, "[0 1*]"},
		{"amendment before its original", nil, []ictstat.Filing{f("a", 2), f("a", 1)}, "[0*]"},
		{"equal revisions: the first wins", nil, []ictstat.Filing{f("a", 1), f("a", 1)}, "[0*]"},
		{"held newer: nothing", map[string]int32{"a": 3}, []ictstat.Filing{f("a", 2), f("a", 3)}, "[]"},
		{"held older: replaced", map[string]int32{"a": 1}, []ictstat.Filing{f("a", 2)}, "[0*]"},
		{"skipped revision numbers", map[string]int32{"a": 1}, []ictstat.Filing{f("a", 5), f("a", 3), f("a", 7)}, "[0 2*]"},
		{"interleaved filings", map[string]int32{"b": 2}, []ictstat.Filing{f("a", 1), f("b", 1), f("a", 3), f("b", 4), f("a", 2)}, "[0 2* 3*]"},
		{"nothing", nil, nil, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			accepted, current := ResolveRevisions(tt.held, tt.incoming)
			if len(accepted) != len(current) {
				t.Fatalf("got %d accepted and %d current marks, want as many", len(accepted), len(current))
			}
			got := "["
			for k, i := range accepted {
				if k > 0 {
					got += " "
				}
				got += fmt.Sprint(i)
				if current[k] {
					got += "*"
				}
			}
			got += "]"
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
