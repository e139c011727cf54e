package transform

import (
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
)

// filing is a valid filing of company reg for period 2026-month, with one
// export line.
func filing(id string, rev int32, reg string, month int) ictstat.Filing {
	return ictstat.Filing{FilingID: id, Revision: rev, RegistryNo: reg, CompanyName: "Khan Soft LLC", ISIC4: "6201",
		Zone: "UB-01", Period: ictstat.MonthDate(2026, month), Currency: "MNT", Revenue: 125e6, IntermediateConsumption: 61e6,
		Wages: amount(30e6), Employees: 42, Flags: `{"ai":false}`, Programs: []string{"hackathon"},
		Exports: []ictstat.Export{{Country: "KZ", EBOPS: "SI2", Amount: 20e6}, {Country: "JP", EBOPS: "SI21", Amount: 8e6}}}
}

func TestFilingIndexCheck(t *testing.T) {
	type step struct {
		f        ictstat.Filing
		want     Verdict
		inReason []string // all must appear in the reason
	}
	edited := func(f ictstat.Filing, edit func(*ictstat.Filing)) ictstat.Filing { edit(&f); return f }
	tests := []struct {
		name  string
		held  []ictstat.Filing
		steps []step
	}{
		{"new filings of distinct company-months are accepted", nil, []step{
			{f: filing("F1", 1, "1000001", 10), want: Accept},
			{f: filing("F2", 1, "1000001", 11), want: Accept},
			{f: filing("F3", 1, "1000002", 10), want: Accept},
		}},
		{"a second filing_id for a held company-month collides, naming the holder", []ictstat.Filing{filing("F1", 1, "1000001", 10)}, []step{
			{f: filing("F9", 1, "1000001", 10), want: Collision, inReason: []string{"filing_id", "F1", "1000001", "2026-10", "F9"}},
		}},
		{"a collision within one batch: the first filing_id holds the month", nil, []step{
			{f: filing("F1", 1, "1000001", 10), want: Accept},
			{f: filing("F2", 1, "1000001", 10), want: Collision, inReason: []string{"F1"}},
			{f: filing("F1", 2, "1000001", 10), want: Accept}, // the holder may still be amended
		}},
		{"a higher revision replaces the held one", []ictstat.Filing{filing("F1", 1, "1000001", 10)}, []step{
			{f: edited(filing("F1", 2, "1000001", 10), func(f *ictstat.Filing) { f.Revenue = 130e6 }), want: Accept},
		}},
		{"a lower revision changes nothing, whatever its content", []ictstat.Filing{filing("F1", 3, "1000001", 10)}, []step{
			{f: edited(filing("F1", 2, "1000001", 10), func(f *ictstat.Filing) { f.Revenue = 1 }), want: Unchanged},
		}},
		{"the same revision with the same content is a harmless resend", []ictstat.Filing{filing("F1", 1, "1000001", 10)}, []step{
			{f: edited(filing("F1", 1, "1000001", 10), func(f *ictstat.Filing) {
				f.SubmittedAt = 99 // when it was sent is not content
				f.Exports[0], f.Exports[1] = f.Exports[1], f.Exports[0]
			}), want: Unchanged},
		}},
		{"the same revision with other content is a conflict", []ictstat.Filing{filing("F1", 2, "1000001", 10)}, []step{
			{f: edited(filing("F1", 2, "1000001", 10), func(f *ictstat.Filing) { f.Revenue = 126e6 }), want: Conflict, inReason: []string{"revision", "F1", "revision 2", "revision 3"}},
		}},
		{"a conflict within one batch", nil, []step{
			{f: filing("F1", 1, "1000001", 10), want: Accept},
			{f: edited(filing("F1", 1, "1000001", 10), func(f *ictstat.Filing) { f.Exports[1].Amount = 9e6 }), want: Conflict},
		}},
		{"a revision that moves the filing to another company frees the old company-month", []ictstat.Filing{filing("F1", 1, "1000001", 10)}, []step{
			{f: filing("F1", 2, "1000002", 10), want: Accept},
			{f: filing("F5", 1, "1000001", 10), want: Accept},
			{f: filing("F6", 1, "1000002", 10), want: Collision, inReason: []string{"F1"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := NewFilingIndex()
			for i := range tt.held {
				x.Hold(&tt.held[i])
			}
			for i, s := range tt.steps {
				got, e := x.Check(&s.f)
				if got != s.want {
					t.Fatalf("step %d (%s rev %d): got verdict %d (%v), want %d", i, s.f.FilingID, s.f.Revision, got, e, s.want)
				}
				if (e != nil) != (s.want == Conflict || s.want == Collision) {
					t.Fatalf("step %d: got reason %v for verdict %d", i, e, got)
				}
				for _, w := range s.inReason {
					if !strings.Contains(e.Error(), w) {
						t.Errorf("step %d: reason %q does not name %q", i, e.Error(), w)
					}
				}
			}
		})
	}
}

// TestFilingIndexContentFields checks that a change of any reported field
// makes a same-revision resend a conflict.
func TestFilingIndexContentFields(t *testing.T) {
	edits := map[string]func(*ictstat.Filing){
		"registry_no":  func(f *ictstat.Filing) { f.RegistryNo = "1000009" },
		"company_name": func(f *ictstat.Filing) { f.CompanyName = "Other LLC" },
		"isic4":        func(f *ictstat.Filing) { f.ISIC4 = "6202" },
		"zone":         func(f *ictstat.Filing) { f.Zone = "UB-02" },
		"currency":     func(f *ictstat.Filing) { f.Currency = "USD" },
		"intermediate": func(f *ictstat.Filing) { f.IntermediateConsumption++ },
		"wages absent": func(f *ictstat.Filing) { f.Wages = nil },
		"rnd present":  func(f *ictstat.Filing) { f.RnDExpense = amount(0) },
		"employees":    func(f *ictstat.Filing) { f.Employees++ },
		"flags":        func(f *ictstat.Filing) { f.Flags = `{"ai":true}` },
		"programs":     func(f *ictstat.Filing) { f.Programs = nil },
		"export line":  func(f *ictstat.Filing) { f.Exports = f.Exports[:1] },
		"export item":  func(f *ictstat.Filing) { f.Exports[0].EBOPS = "SI3" },
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			x := NewFilingIndex()
			held := filing("F1", 1, "1000001", 10)
			x.Hold(&held)
			f := filing("F1", 1, "1000001", 10)
			edit(&f)
			if got, _ := x.Check(&f); got != Conflict {
				t.Errorf("got verdict %d, want Conflict (%d)", got, Conflict)
			}
		})
	}
}

func amount(v float64) *float64 { return &v }
