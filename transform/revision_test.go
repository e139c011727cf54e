package transform

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
)

func TestResolveFilings(t *testing.T) {
	f := func(id string, rev int32) ictstat.Filing {
		return ictstat.Filing{FilingID: id, Revision: rev, RegistryNo: "R" + id, Period: 20000}
	}
	held := func(revs map[string]int32) []ictstat.Filing {
		var out []ictstat.Filing
		for id, rev := range revs {
			out = append(out, f(id, rev))
		}
		return out
	}
	tests := []struct {
		name     string
		held     map[string]int32
		incoming []ictstat.Filing
		want     string // accepted indexes, * marking the current ones
	}{
		{"new filings", nil, []ictstat.Filing{f("a", 1), f("b", 1)}, "[0* 1*]"},
		{"amendment in the same input", nil, []ictstat.Filing{f("a", 1), f("a", 2)}, "[0 1*]"},
		{"amendment before its original", nil, []ictstat.Filing{f("a", 2), f("a", 1)}, "[0*]"},
		{"an identical re-send changes nothing", nil, []ictstat.Filing{f("a", 1), f("a", 1)}, "[0*]"},
		{"held newer: nothing", map[string]int32{"a": 3}, []ictstat.Filing{f("a", 2), f("a", 3)}, "[]"},
		{"held older: replaced", map[string]int32{"a": 1}, []ictstat.Filing{f("a", 2)}, "[0*]"},
		{"skipped revision numbers", map[string]int32{"a": 1}, []ictstat.Filing{f("a", 5), f("a", 3), f("a", 7)}, "[0 2*]"},
		{"interleaved filings", map[string]int32{"b": 2}, []ictstat.Filing{f("a", 1), f("b", 1), f("a", 3), f("b", 4), f("a", 2)}, "[0 2* 3*]"},
		{"nothing", nil, nil, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			accepted, current, rejected := ResolveFilings(held(tt.held), tt.incoming)
			if len(rejected) > 0 {
				t.Fatalf("rejected %v, want none", rejected)
			}
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

func TestResolveFilingsRejects(t *testing.T) {
	a := ictstat.Filing{FilingID: "F-a", Revision: 1, RegistryNo: "R1", Period: 20000, Revenue: 100, Source: "feed", SourceLine: 7,
		Exports: []ictstat.Export{{Country: "JP", EBOPS: "SI", Amount: 10}}}
	changed := a
	changed.Revenue, changed.SourceLine = 101, 8
	other := a
	other.FilingID, other.SourceLine = "F-b", 9
	amended := a
	amended.Revision, amended.Revenue = 2, 150
	for _, tt := range []struct {
		name     string
		held     []ictstat.Filing
		incoming []ictstat.Filing
		accepted int
		line     int64
		reason   string
	}{
		{"conflict with the warehouse", []ictstat.Filing{a}, []ictstat.Filing{changed}, 0, 8, "conflict: filing F-a revision 1 was already received with other content"},
		{"conflict within the input", nil, []ictstat.Filing{a, changed}, 1, 8, "conflict: filing F-a revision 1"},
		{"collision with the warehouse", []ictstat.Filing{a}, []ictstat.Filing{other}, 0, 9, "company R1 already has filing F-a for 2024-10"},
		{"collision within the input", nil, []ictstat.Filing{a, other}, 1, 9, "amend F-a with a higher revision instead of sending F-b"},
		{"an amendment is no collision", []ictstat.Filing{a}, []ictstat.Filing{amended}, 1, 0, ""},
		{"an identical re-send is no conflict", []ictstat.Filing{a}, []ictstat.Filing{a}, 0, 0, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			accepted, _, rejected := ResolveFilings(tt.held, tt.incoming)
			if len(accepted) != tt.accepted {
				t.Errorf("accepted %v, want %d", accepted, tt.accepted)
			}
			if tt.reason == "" {
				if len(rejected) > 0 {
					t.Fatalf("rejected %+v, want none", rejected)
				}
				return
			}
			if len(rejected) != 1 {
				t.Fatalf("rejected %+v, want one", rejected)
			}
			q := rejected[0]
			if q.Origin != "feed" || q.Line != tt.line || !strings.Contains(q.Reason, tt.reason) {
				t.Errorf("got %s:%d %q, want feed:%d and a reason with %q", q.Origin, q.Line, q.Reason, tt.line, tt.reason)
			}
			// The raw text is the contract's JSON, which validates again.
			rec := &ictstat.FilingRecord{}
			if err := json.Unmarshal([]byte(q.Raw), rec); err != nil {
				t.Fatalf("raw %s: %v", q.Raw, err)
			}
			if rec.FilingID != tt.incoming[len(tt.incoming)-1].FilingID || rec.Period != "2024-10" || len(rec.Exports) != 1 || *rec.Exports[0].Amount != 10 {
				t.Errorf("raw %s does not round-trip", q.Raw)
			}
		})
	}
}
