package transform

import (
	"fmt"
	"testing"

	"github.com/npit-mn/ictstat"
)

func TestMergeFXRates(t *testing.T) {
	r := func(day int, cur string, v float64) ictstat.FXRate {
		return ictstat.FXRate{Date: ictstat.MonthDate(2026, 1) + ictstat.Date(day), Currency: cur, MNTPerUnit: v}
	}
	held := []ictstat.FXRate{r(1, "USD", 3400), r(0, "USD", 3390)}
	tests := []struct {
		name        string
		in          []ictstat.FXRate
		wantChanged int
		want        string
	}{
		{"the same rates", []ictstat.FXRate{r(1, "USD", 3400)}, 0, "[]"},
		{"a corrected rate and a new one", []ictstat.FXRate{r(1, "USD", 3401), r(0, "CNY", 480)},
			2, "[{0 CNY 480} {0 USD 3390} {1 USD 3401}]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			all, changed := MergeFXRates(held, tt.in)
			got := "["
			for i, x := range all {
				if i > 0 {
					got += " "
				}
				got += fmt.Sprintf("{%d %s %g}", x.Date-ictstat.MonthDate(2026, 1), x.Currency, x.MNTPerUnit)
			}
			got += "]"
			if changed != tt.wantChanged || got != tt.want {
				t.Errorf("got %d changed, %s; want %d, %s", changed, got, tt.wantChanged, tt.want)
			}
		})
	}
}

func TestMergeSurveyResponses(t *testing.T) {
	v := func(x float64) *float64 { return &x }
	row := func(id string, at int64, q string, val float64, src string) ictstat.SurveyResponse {
		return ictstat.SurveyResponse{Wave: "w", ResponseID: id, SubmittedAt: at, Question: q, Value: v(val), Source: src}
	}
	held := []ictstat.SurveyResponse{row("a", 10, "q1", 1, "f1"), row("a", 10, "q2", 0, "f1"), row("b", 10, "q1", 5, "f1")}
	in := []ictstat.SurveyResponse{
		row("a", 10, "q1", 1, "f2"), row("a", 10, "q2", 0, "f2"), // the same rows from another file: unchanged
		row("b", 5, "q1", 9, "f2"),  // older than the held one: stale
		row("c", 10, "q1", 2, "f2"), // new
	}
	all, st := MergeSurveyResponses(held, in)
	if st != (SurveyMerge{Added: 1, Unchanged: 2}) {
		t.Errorf("got %+v, want 1 added, 2 unchanged", st)
	}
	if len(all) != 4 || all[3].ResponseID != "c" || *all[2].Value != 5 {
		t.Errorf("got %d rows (%+v), want the 3 held and c", len(all), all)
	}
	edited := []ictstat.SurveyResponse{row("b", 20, "q1", 7, "f3")}
	all, st = MergeSurveyResponses(held, edited)
	if st != (SurveyMerge{Replaced: 1}) || len(all) != 3 || *all[2].Value != 7 {
		t.Errorf("edited: got %+v and %d rows, want b replaced by the value 7", st, len(all))
	}
	if all, st := MergeSurveyResponses(held, held); all != nil || st.Unchanged != 2 {
		t.Errorf("the held rows again: got %d rows and %+v, want nil and 2 unchanged", len(all), st)
	}
}

func TestMergeNationalAccounts(t *testing.T) {
	v := func(x float64) *float64 { return &x }
	cell := func(vintage int64, period string, val float64) ictstat.NationalAccount {
		return ictstat.NationalAccount{TableID: "T", Vintage: vintage, Indicator: "0", Activity: "J", Period: period, Value: v(val)}
	}
	held := []ictstat.NationalAccount{cell(1, "2023", 10), cell(1, "2024", 11)}
	tests := []struct {
		name           string
		in             []ictstat.NationalAccount
		contentVintage bool
		want           NationalAccountsMerge
		wantAdd        int
	}{
		{"a vintage held", []ictstat.NationalAccount{cell(1, "2023", 10), cell(1, "2024", 11)}, false, NationalAccountsMerge{Unchanged: 2}, 0},
		{"a vintage held with another value", []ictstat.NationalAccount{cell(1, "2023", 10), cell(1, "2024", 12)}, false, NationalAccountsMerge{Unchanged: 2, Conflicts: 1}, 0},
		{"a new vintage", []ictstat.NationalAccount{cell(2, "2023", 10), cell(2, "2024", 12)}, false, NationalAccountsMerge{Added: 2}, 2},
		{"the same cells at a pull time", []ictstat.NationalAccount{cell(3, "2023", 10), cell(3, "2024", 11)}, true, NationalAccountsMerge{Unchanged: 2}, 0},
		{"other cells at a pull time", []ictstat.NationalAccount{cell(3, "2023", 10), cell(3, "2024", 13)}, true, NationalAccountsMerge{Added: 2}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			add, res := MergeNationalAccounts(held, tt.in, tt.contentVintage)
			if res != tt.want || len(add) != tt.wantAdd {
				t.Errorf("got %+v and %d rows to add, want %+v and %d", res, len(add), tt.want, tt.wantAdd)
			}
		})
	}
}
