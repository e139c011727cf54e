package disclosure_test

import (
	"strings"
	"testing"

	"github.com/npit-mn/ictstat/disclosure"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*disclosure.Rules)
		want string // a substring of the error; empty when valid
	}{
		{"default", func(*disclosure.Rules) {}, ""},
		{"k above 100", func(r *disclosure.Rules) { r.DominanceK = 120 }, "disclosure.dominance_k: 120 is outside 0..100"},
		{"k zero", func(r *disclosure.Rules) { r.DominanceK = 0 }, "disclosure.dominance_k"},
		{"n three", func(r *disclosure.Rules) { r.DominanceN = 3 }, "disclosure.dominance_n"},
		{"p negative", func(r *disclosure.Rules) { r.PPercent = -1 }, "disclosure.p_percent"},
		{"no companies", func(r *disclosure.Rules) { r.MinCompanies = 0 }, "disclosure.min_companies"},
		{"no frequency", func(r *disclosure.Rules) { r.MinFrequency = 0 }, "disclosure.min_frequency"},
		{"no survey floor", func(r *disclosure.Rules) { r.SurveyMinN = 0 }, "disclosure.survey_min_n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := disclosure.DefaultRules()
			tt.edit(&r)
			err := r.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if _, err := disclosure.Protect(&disclosure.Table{}, disclosure.Rules{}); err == nil {
		t.Error("Protect with the zero Rules: got no error, want one")
	}
}

func TestWithSurveyMinN(t *testing.T) {
	r := disclosure.DefaultRules()
	if got := r.WithSurveyMinN(0).SurveyMinN; got != 10 {
		t.Errorf("min_n=0: got %d, want the floor 10", got)
	}
	if got := r.WithSurveyMinN(25).SurveyMinN; got != 25 {
		t.Errorf("min_n=25: got %d, want 25", got)
	}
}

// TestPrimaryRules checks each rule on cells worked out by hand. Each cell
// stands alone in a table without relations, so only primary rules fire.
func TestPrimaryRules(t *testing.T) {
	loose := disclosure.DefaultRules()
	loose.DominanceK = 99 // p% = 10 implies (2, 85) dominance, so loosen k to see p% alone
	tests := []struct {
		name  string
		kind  disclosure.Kind
		rules disclosure.Rules
		cell  disclosure.Cell
		want  string
	}{
		// 2 companies < 3.
		{"two companies", disclosure.Magnitude, disclosure.DefaultRules(),
			disclosure.Cell{Value: 100, Companies: 2, Top: [2]float64{50, 50}}, disclosure.RuleMinCompanies},
		// 80 + 10 = 90 > 85% of 100.
		{"dominated", disclosure.Magnitude, disclosure.DefaultRules(),
			disclosure.Cell{Value: 100, Companies: 4, Top: [2]float64{80, 10}}, disclosure.RuleDominance},
		// 70 + 15 = 85, not more than 85% of 100; rest 15 >= 10% of 70 = 7.
		{"dominance at k", disclosure.Magnitude, disclosure.DefaultRules(),
			disclosure.Cell{Value: 100, Companies: 4, Top: [2]float64{70, 15}}, ""},
		// (1, 85): 86 > 85 of 100.
		{"one dominant, n=1", disclosure.Magnitude, disclosure.Rules{MinCompanies: 3, DominanceN: 1, DominanceK: 85, PPercent: 10, MinFrequency: 3, SurveyMinN: 10},
			disclosure.Cell{Value: 100, Companies: 5, Top: [2]float64{86, 5}}, disclosure.RuleDominance},
		// k = 99: 60 + 35 = 95 <= 99; rest 100 - 95 = 5 < 10% of 60 = 6.
		{"p percent", disclosure.Magnitude, loose,
			disclosure.Cell{Value: 100, Companies: 5, Top: [2]float64{60, 35}}, disclosure.RulePPercent},
		// k = 99: 50 + 40 = 90; rest 10 >= 10% of 50 = 5.
		{"p percent safe", disclosure.Magnitude, loose,
			disclosure.Cell{Value: 100, Companies: 5, Top: [2]float64{50, 40}}, ""},
		// no contributors at all: an empty cell is a published zero.
		{"empty", disclosure.Magnitude, disclosure.DefaultRules(), disclosure.Cell{}, ""},
		// losses: a non-positive total hides no share.
		{"negative", disclosure.Magnitude, disclosure.DefaultRules(),
			disclosure.Cell{Value: -30, Companies: 4, Top: [2]float64{5, 1}}, ""},
		{"count 2", disclosure.Count, disclosure.DefaultRules(), disclosure.Cell{Value: 2, Companies: 2}, disclosure.RuleFrequency},
		{"count 3", disclosure.Count, disclosure.DefaultRules(), disclosure.Cell{Value: 3, Companies: 3}, ""},
		{"count 0", disclosure.Count, disclosure.DefaultRules(), disclosure.Cell{Value: 0}, ""},
		{"survey 9", disclosure.Survey, disclosure.DefaultRules(), disclosure.Cell{Value: 5, Companies: 9}, disclosure.RuleSurveyMinN},
		{"survey 10", disclosure.Survey, disclosure.DefaultRules(), disclosure.Cell{Value: 5, Companies: 10}, ""},
		{"survey 12, floor raised to 15", disclosure.Survey, disclosure.DefaultRules().WithSurveyMinN(15), disclosure.Cell{Value: 5, Companies: 12}, disclosure.RuleSurveyMinN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.cell
			c.Key = []string{"x"}
			tb := &disclosure.Table{Name: tt.name, Kind: tt.kind, Dims: []disclosure.Dim{{Name: "d", Total: "_T"}}, Cells: []disclosure.Cell{c}}
			audit, err := disclosure.Protect(tb, tt.rules)
			if err != nil {
				t.Fatal(err)
			}
			got := tb.Cells[0]
			if got.Rule != tt.want {
				t.Fatalf("rule: got %q, want %q", got.Rule, tt.want)
			}
			wantStatus := disclosure.Normal
			if tt.want != "" {
				wantStatus = disclosure.Confidential
			}
			if got.Status != wantStatus {
				t.Errorf("status: got %q, want %q", got.Status, wantStatus)
			}
			if (len(audit) == 1) != (tt.want != "") {
				t.Errorf("audit: got %v", audit)
			}
		})
	}
}

// TestBadTables: a table whose structure is broken is refused, not guessed at.
func TestBadTables(t *testing.T) {
	dims := []disclosure.Dim{{Name: "d", Total: "_T"}}
	cells := func() []disclosure.Cell {
		return []disclosure.Cell{{Key: []string{"a"}, Value: 1, Companies: 1}, {Key: []string{"_T"}, Value: 1, Companies: 1}}
	}
	tests := []struct {
		name string
		t    *disclosure.Table
		want string
	}{
		{"relation out of range", &disclosure.Table{Name: "x", Dims: dims, Cells: cells(), Relations: []disclosure.Relation{{Total: 5, Parts: []int{0}}}}, "relation refers to cell 5"},
		{"total not the sum", &disclosure.Table{Name: "x", Dims: dims, Cells: append(cells()[:1], disclosure.Cell{Key: []string{"_T"}, Value: 2}), Relations: []disclosure.Relation{{Total: 1, Parts: []int{0}}}}, "parts sum to 1"},
		{"short key", &disclosure.Table{Name: "x", Dims: dims, Cells: []disclosure.Cell{{Key: nil}}}, "0 codes for 1 dimensions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := disclosure.Protect(tt.t, disclosure.DefaultRules())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
