package disclosure_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat/disclosure"
)

// row builds a one-dimensional table: each code's companies, one
// contribution each, and the total "_T".
func row(name string, cells map[string][]float64) *disclosure.Table {
	b := disclosure.NewBuilder(name, disclosure.Magnitude, disclosure.Dim{Name: "division", Total: "_T"})
	addAll(b, cells)
	return b.Table()
}

// grid builds a division x quarter table with margins; keys are "div/qtr".
func grid(name string, cells map[string][]float64) *disclosure.Table {
	b := disclosure.NewBuilder(name, disclosure.Magnitude,
		disclosure.Dim{Name: "division", Total: "_T"}, disclosure.Dim{Name: "quarter", Total: "Y"})
	addAll(b, cells)
	return b.Table()
}

func addAll(b *disclosure.Builder, cells map[string][]float64) {
	keys := make([]string, 0, len(cells))
	for k := range cells {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for j, v := range cells[k] {
			b.Add(strings.Split(k, "/"), fmt.Sprintf("%s#%d", k, j), v)
		}
	}
}

// statuses returns the suppressed cells as "key:status".
func statuses(tb *disclosure.Table) []string {
	var out []string
	for _, c := range tb.Cells {
		if c.Status != disclosure.Normal {
			out = append(out, strings.Join(c.Key, "/")+":"+string(c.Status))
		}
	}
	return out
}

func protect(t *testing.T, tb *disclosure.Table) []disclosure.Suppression {
	t.Helper()
	audit, err := disclosure.Protect(tb, disclosure.DefaultRules())
	if err != nil {
		t.Fatalf("Protect %s: %v", tb.Name, err)
	}
	mustResist(t, tb, disclosure.DefaultRules().PPercent)
	return audit
}

func five(v float64) []float64 { return []float64{v, v, v, v, v} }

// TestOneInRow: A has one company (50). Published beside it: B 5x10 = 50,
// C 4x20 = 80, total 180. A alone would be 180 - 50 - 80 = 50 exactly, so one
// complement is needed: B, the smaller of B and C. Then A + B = 100 and A can
// be anything in [0, 100], which covers 45..55.
func TestOneInRow(t *testing.T) {
	tb := row("one", map[string][]float64{"A": {50}, "B": five(10), "C": {20, 20, 20, 20}})
	audit := protect(t, tb)
	if got, want := statuses(tb), []string{"A:C", "B:D"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	a, b := tb.Find("A"), tb.Find("B")
	want := []disclosure.Suppression{{Cell: a, Rule: disclosure.RuleMinCompanies}, {Cell: b, Rule: disclosure.RuleSecondary, Protects: []int{a}}}
	if !reflect.DeepEqual(audit, want) {
		t.Errorf("audit: got %+v, want %+v", audit, want)
	}
}

// TestTwoInRow: A has one company (50), B two (30+30). For an outsider
// A + B = 110 hides both; but A's company knows A and would get B = 60: the
// singleton problem. A third cell is needed, the smaller of C (200) and D (300).
func TestTwoInRow(t *testing.T) {
	tb := row("two", map[string][]float64{"A": {50}, "B": {30, 30}, "C": {40, 40, 40, 40, 40}, "D": five(60)})
	protect(t, tb)
	if got, want := statuses(tb), []string{"A:C", "B:C", "C:D"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestSmallComplement: A has one company (100) beside B (5x1 = 5) and C
// (5x100 = 500). B alone is too small a complement: A + B = 105 would put A
// in [0, 105], short of 110. So C is withheld; then A + C = 600 protects A
// without B, which is published again. With B = 5x2 = 10, A + B = 110 is
// just enough and B, the cheaper, is the complement.
func TestSmallComplement(t *testing.T) {
	tb := row("small", map[string][]float64{"A": {100}, "B": five(1), "C": five(100)})
	protect(t, tb)
	if got, want := statuses(tb), []string{"A:C", "C:D"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	tb = row("enough", map[string][]float64{"A": {100}, "B": five(2), "C": five(100)})
	protect(t, tb)
	if got, want := statuses(tb), []string{"A:C", "B:D"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestRowAndColumn: one confidential cell inside a 3 x 3 table with both
// margins needs a rectangle: a cell in its row, one in its column and the
// corner that closes them, the smallest such.
func TestRowAndColumn(t *testing.T) {
	cells := map[string][]float64{}
	vals := map[string]float64{
		"61/Q1": 100, "61/Q2": 20, "61/Q3": 30,
		"62/Q1": 10, "62/Q2": 40, "62/Q3": 50,
		"63/Q1": 60, "63/Q2": 70, "63/Q3": 80,
	}
	for k, v := range vals {
		cells[k] = five(v / 5)
	}
	cells["61/Q1"] = []float64{100} // one company
	tb := grid("rc", cells)
	audit := protect(t, tb)
	// Row 61: Q2 (20) is the smallest; column Q1: 62 (10); the corner 62/Q2.
	want := []string{"61/Q1:C", "61/Q2:D", "62/Q1:D", "62/Q2:D"}
	if got := statuses(tb); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for _, s := range audit[1:] {
		if !slices.Equal(s.Protects, []int{tb.Find("61", "Q1")}) {
			t.Errorf("cell %v protects %v, want 61/Q1", tb.Cells[s.Cell].Key, s.Protects)
		}
	}
}

// TestOnlyTotal: in division 61 both quarters are confidential: Q1 is
// dominated (45 + 41 = 86 > 85% of 100), Q2 has two companies (3 + 2). The
// year, 105, is not (its top two, 45 + 41 = 86, are 82% of 105; the rest,
// 19, exceeds 10% of 45). For an outsider Q1 + Q2 = 105 and Q1 could be at
// most 105, short of 110: the row has no other part, so its only complement
// is the total 61/Y, which in turn needs a complement in column Y.
func TestOnlyTotal(t *testing.T) {
	tb := grid("total", map[string][]float64{
		"61/Q1": {45, 41, 14}, "61/Q2": {3, 2},
		"62/Q1": five(20), "62/Q2": five(30),
		"63/Q1": five(40), "63/Q2": five(10),
	})
	protect(t, tb)
	got := statuses(tb)
	for _, w := range []string{"61/Q1:C", "61/Q2:C", "61/Y:D"} {
		if !slices.Contains(got, w) {
			t.Errorf("got %v, want %s among them", got, w)
		}
	}
	if !slices.Contains(got, "62/Y:D") && !slices.Contains(got, "63/Y:D") {
		t.Errorf("got %v, want 62/Y or 63/Y withheld beside 61/Y", got)
	}
}

// TestHierarchy: classes within groups within the section, by quarter.
func TestHierarchy(t *testing.T) {
	isic := disclosure.Dim{Name: "isic", Total: "J", Parent: map[string]string{
		"6110": "611", "6120": "611", "6190": "612", "6191": "612", "611": "61", "612": "61", "6201": "62", "6202": "62"}}
	q := disclosure.Dim{Name: "quarter", Total: "Y"}
	b := disclosure.NewBuilder("h3", disclosure.Magnitude, isic, q)
	add := func(class, qtr string, vals ...float64) {
		for i, v := range vals {
			b.Add([]string{class, qtr}, fmt.Sprintf("%s-%d", class, i), v)
		}
	}
	add("6110", "Q1", 300)
	add("6110", "Q2", 20, 20, 20, 20)
	add("6120", "Q1", 15, 15, 15)
	add("6120", "Q2", 25, 25, 25, 25)
	add("6190", "Q1", 90, 5)
	add("6190", "Q2", 30, 30, 30)
	add("6191", "Q1", 12, 12, 12)
	add("6191", "Q2", 14, 14, 14)
	add("6201", "Q1", 50, 50, 50)
	add("6202", "Q2", 70, 70, 70, 70)
	tb := b.Table()
	protect(t, tb)
	if got := statuses(tb); !slices.Contains(got, "6110/Q1:C") || !slices.Contains(got, "6190/Q1:C") {
		t.Fatalf("got %v, want 6110/Q1 and 6190/Q1 confidential", got)
	}
}

// TestAttackerCatches: the attacker must flag patterns that leak, or the
// other tests prove nothing.
func TestAttackerCatches(t *testing.T) {
	tb := row("leak", map[string][]float64{"A": {50}, "B": five(10), "C": {20, 20, 20, 20}})
	tb.Cells[tb.Find("A")].Status = disclosure.Confidential // primary only
	if bs, err := attack(tb, 10); err != nil || len(bs) != 1 {
		t.Fatalf("primary only: got %v, %v; want one breach", bs, err)
	}
	tb.Cells[tb.Find("B")].Status = disclosure.Secondary // A + B = 100: safe
	if bs, err := attack(tb, 10); err != nil || len(bs) != 0 {
		t.Fatalf("with B: got %v, %v; want none", bs, err)
	}
	// A + B = 54 with B = 4: A is at most 54, under 50 + 10%.
	tb = row("thin", map[string][]float64{"A": {50}, "B": five(0.8), "C": {20, 20, 20, 20}})
	tb.Cells[tb.Find("A")].Status = disclosure.Confidential
	tb.Cells[tb.Find("B")].Status = disclosure.Secondary
	if bs, err := attack(tb, 10); err != nil || len(bs) != 1 {
		t.Fatalf("thin complement: got %v, %v; want one breach", bs, err)
	}
	// Two singletons, each other's only complement.
	tb = row("pair", map[string][]float64{"A": {50}, "B": {60}, "C": five(20)})
	tb.Cells[tb.Find("A")].Status = disclosure.Confidential
	tb.Cells[tb.Find("B")].Status = disclosure.Confidential
	if bs, err := attack(tb, 10); err != nil || len(bs) != 2 {
		t.Fatalf("two singletons: got %v, %v; want two breaches by insiders", bs, err)
	}
}

// TestLinked: revenue makes cell A confidential (one company dominates),
// employees would not; with linked protection both measures hide A and the
// same complement.
func TestLinked(t *testing.T) {
	rev := row("revenue", map[string][]float64{"A": {900, 10, 10, 10}, "B": five(40), "C": five(60)})
	emp := row("employees", map[string][]float64{"A": {5, 5, 5, 5}, "B": five(3), "C": five(4)})
	audits, err := disclosure.ProtectLinked([]*disclosure.Table{rev, emp}, disclosure.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range []*disclosure.Table{rev, emp} {
		mustResist(t, tb, 10)
		if got, want := statuses(tb), []string{"A:C", "B:D"}; !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", tb.Name, got, want)
		}
	}
	if got := emp.Cells[emp.Find("A")].Rule; got != disclosure.RuleLinked {
		t.Errorf("employees A: got rule %q, want %q", got, disclosure.RuleLinked)
	}
	if len(audits) != 2 || len(audits[1]) != 2 {
		t.Errorf("got audits %+v", audits)
	}
	if _, err := disclosure.ProtectLinked([]*disclosure.Table{rev, row("other", map[string][]float64{"Z": {1}})}, disclosure.DefaultRules()); err == nil {
		t.Error("tables of different cells: got no error")
	}
}

// TestSurvey: stratum S2 rests on 4 respondents. Published beside the total
// (sum 100 + 8 + 60 + 30 = 198), S2 = 198 - 100 - 60 - 30; so the smallest
// other stratum, S4, is withheld too: S2 + S4 = 38 covers 8 +- 10%.
func TestSurvey(t *testing.T) {
	tb := disclosure.SurveyTable("ict_use", "stratum", "_T", []disclosure.Stratum{
		{Code: "S1", Respondents: 40, Estimate: 100},
		{Code: "S2", Respondents: 4, Estimate: 8},
		{Code: "S3", Respondents: 25, Estimate: 60},
		{Code: "S4", Respondents: 12, Estimate: 30},
	})
	r := disclosure.DefaultRules().WithSurveyMinN(0) // a request cannot lower the floor
	if _, err := disclosure.Protect(tb, r); err != nil {
		t.Fatal(err)
	}
	mustResist(t, tb, 10)
	if got, want := statuses(tb), []string{"S2:C", "S4:D"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestRandomTables protects seeded random tables of several shapes and
// attacks each; it also checks that protecting again gives the same pattern.
func TestRandomTables(t *testing.T) {
	shapes := []struct {
		name string
		dims []int
		kind disclosure.Kind
		most int // companies in an inner cell: 0 to most-1
	}{
		{"row8", []int{8}, disclosure.Magnitude, 10},
		{"4x3", []int{4, 3}, disclosure.Magnitude, 10},
		{"sparse4x3", []int{4, 3}, disclosure.Magnitude, 5},
		{"6x4", []int{6, 4}, disclosure.Magnitude, 10},
		{"3x3x2", []int{3, 3, 2}, disclosure.Magnitude, 10},
		{"counts5x4", []int{5, 4}, disclosure.Count, 10},
	}
	for _, sh := range shapes {
		for seed := uint64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprintf("%s/%d", sh.name, seed), func(t *testing.T) {
				build := func() *disclosure.Table { return randomTable(sh.name, sh.dims, sh.kind, sh.most, seed) }
				tb := build()
				if _, err := disclosure.Protect(tb, disclosure.DefaultRules()); err != nil {
					t.Fatal(err)
				}
				mustResist(t, tb, 10)
				again := build()
				if _, err := disclosure.Protect(again, disclosure.DefaultRules()); err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(statuses(tb), statuses(again)) {
					t.Errorf("not deterministic: %v then %v", statuses(tb), statuses(again))
				}
			})
		}
	}
}

// randomTable fills each inner cell with 0..most-1 companies of skewed size, a
// two-level hierarchy in the first dimension when it has 4 codes or more.
func randomTable(name string, dims []int, kind disclosure.Kind, most int, seed uint64) *disclosure.Table {
	rng := rand.New(rand.NewPCG(seed, 7))
	var ds []disclosure.Dim
	for d, n := range dims {
		dim := disclosure.Dim{Name: fmt.Sprintf("d%d", d), Total: "T"}
		if d == 0 && n >= 4 {
			dim.Parent = map[string]string{}
			for i := range n {
				dim.Parent[fmt.Sprintf("c%d", i)] = fmt.Sprintf("g%d", i%2)
			}
		}
		ds = append(ds, dim)
	}
	b := disclosure.NewBuilder(name, kind, ds...)
	key := make([]string, len(dims))
	var fill func(d int)
	fill = func(d int) {
		if d == len(dims) {
			n := rng.IntN(most)
			for i := range n {
				v := 1.0
				if kind == disclosure.Magnitude {
					v = float64(1 + rng.IntN(1000)*rng.IntN(3) + rng.IntN(50))
				}
				b.Add(slices.Clone(key), fmt.Sprintf("%v-%d", key, i), v)
			}
			return
		}
		for i := range dims[d] {
			key[d] = fmt.Sprintf("c%d", i)
			fill(d + 1)
		}
	}
	fill(0)
	return b.Table()
}
