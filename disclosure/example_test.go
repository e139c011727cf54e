package disclosure_test

import (
	"fmt"
	"strings"

	"github.com/npit-mn/ictstat/disclosure"
)

// Division 61 has a single company in the quarter: its revenue is
// confidential, and the smallest other division is withheld with it so that
// 61 cannot be recomputed from the section total.
func ExampleProtect() {
	b := disclosure.NewBuilder("revenue 2024Q1", disclosure.Magnitude, disclosure.Dim{Name: "isic_division", Total: "J"})
	b.Add([]string{"61"}, "R1", 120)
	for i, v := range []float64{30, 25, 20, 15} {
		b.Add([]string{"62"}, fmt.Sprintf("R2%d", i), v)
	}
	for i, v := range []float64{200, 180, 150} {
		b.Add([]string{"63"}, fmt.Sprintf("R3%d", i), v)
	}
	t := b.Table()
	audit, err := disclosure.Protect(t, disclosure.DefaultRules())
	if err != nil {
		panic(err)
	}
	for _, c := range t.Cells {
		fmt.Printf("%s %v %q\n", c.Key[0], c.Value, c.Status)
	}
	for _, s := range audit {
		var protects []string
		for _, p := range s.Protects {
			protects = append(protects, t.Cells[p].Key[0])
		}
		fmt.Println(strings.TrimSpace(t.Cells[s.Cell].Key[0] + " " + s.Rule + " " + strings.Join(protects, ",")))
	}
	// Output:
	// 61 120 "C"
	// 62 90 "D"
	// 63 530 ""
	// J 740 ""
	// 61 min_companies
	// 62 secondary 61
}
