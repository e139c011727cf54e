package disclosure_test

import (
	"slices"
	"testing"

	"github.com/npit-mn/ictstat/disclosure"
)

// TestBuilder builds a division x quarter table from four contributions and
// checks every cell and relation against sums done by hand.
func TestBuilder(t *testing.T) {
	div := disclosure.Dim{Name: "division", Total: "_T"}
	qtr := disclosure.Dim{Name: "quarter", Total: "2024"}
	b := disclosure.NewBuilder("size", disclosure.Magnitude, div, qtr)
	b.Add([]string{"61", "2024Q1"}, "A", 10)
	b.Add([]string{"61", "2024Q1"}, "A", 5) // the same company twice: one contributor of 15
	b.Add([]string{"61", "2024Q2"}, "B", 7)
	b.Add([]string{"62", "2024Q1"}, "C", 4)
	tb := b.Table()
	want := map[[2]string]struct {
		value     float64
		companies int
		top       [2]float64
	}{
		{"61", "2024Q1"}: {15, 1, [2]float64{15, 0}},
		{"61", "2024Q2"}: {7, 1, [2]float64{7, 0}},
		{"62", "2024Q1"}: {4, 1, [2]float64{4, 0}},
		{"61", "2024"}:   {22, 2, [2]float64{15, 7}},
		{"62", "2024"}:   {4, 1, [2]float64{4, 0}},
		{"_T", "2024Q1"}: {19, 2, [2]float64{15, 4}},
		{"_T", "2024Q2"}: {7, 1, [2]float64{7, 0}},
		{"_T", "2024"}:   {26, 3, [2]float64{15, 7}},
	}
	if len(tb.Cells) != len(want) {
		t.Fatalf("got %d cells, want %d", len(tb.Cells), len(want))
	}
	for _, c := range tb.Cells {
		w, ok := want[[2]string{c.Key[0], c.Key[1]}]
		if !ok {
			t.Errorf("unexpected cell %v", c.Key)
			continue
		}
		if c.Value != w.value || c.Companies != w.companies || c.Top != w.top {
			t.Errorf("cell %v: got %v, %d companies, top %v; want %v, %d, %v", c.Key, c.Value, c.Companies, c.Top, w.value, w.companies, w.top)
		}
	}
	// Relations by hand: (61,2024) = Q1+Q2; (62,2024) = Q1; (_T,Q1) = 61+62;
	// (_T,Q2) = 61; (_T,2024) = 61+62 and = Q1+Q2.
	got := map[string][]string{}
	for _, r := range tb.Relations {
		var parts []string
		for _, p := range r.Parts {
			parts = append(parts, tb.Cells[p].Key[0]+"/"+tb.Cells[p].Key[1])
		}
		slices.Sort(parts)
		k := tb.Cells[r.Total].Key[0] + "/" + tb.Cells[r.Total].Key[1]
		got[k] = append(got[k], parts...)
	}
	wantRel := map[string][]string{
		"61/2024":   {"61/2024Q1", "61/2024Q2"},
		"62/2024":   {"62/2024Q1"},
		"_T/2024Q1": {"61/2024Q1", "62/2024Q1"},
		"_T/2024Q2": {"61/2024Q2"},
		"_T/2024":   {"61/2024", "62/2024", "_T/2024Q1", "_T/2024Q2"},
	}
	for k, w := range wantRel {
		g := got[k]
		slices.Sort(g)
		if !slices.Equal(g, w) {
			t.Errorf("relations of %s: got %v, want %v", k, g, w)
		}
	}
	if len(got) != len(wantRel) {
		t.Errorf("got relations for %d totals, want %d", len(got), len(wantRel))
	}
	if i := tb.Find("62", "2024"); i < 0 || tb.Cells[i].Value != 4 {
		t.Errorf("Find(62, 2024): got %d", i)
	}
}

// TestBuilderHierarchy checks a three-level hierarchy: class 6110 sits in
// group 611, in division 61, in the section total.
func TestBuilderHierarchy(t *testing.T) {
	isic := disclosure.Dim{Name: "isic", Total: "J", Parent: map[string]string{"6110": "611", "6120": "612", "611": "61", "612": "61"}}
	b := disclosure.NewBuilder("h", disclosure.Magnitude, isic)
	b.Add([]string{"6110"}, "A", 3)
	b.Add([]string{"6120"}, "B", 4)
	b.Add([]string{"62"}, "C", 5)
	tb := b.Table()
	for code, want := range map[string]float64{"6110": 3, "611": 3, "6120": 4, "612": 4, "61": 7, "62": 5, "J": 12} {
		i := tb.Find(code)
		if i < 0 || tb.Cells[i].Value != want {
			t.Errorf("%s: got index %d, want value %v", code, i, want)
		}
	}
	if got := len(tb.Relations); got != 4 { // 611, 612, 61, J
		t.Errorf("got %d relations, want 4", got)
	}
}
