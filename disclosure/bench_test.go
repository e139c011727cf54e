package disclosure_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/npit-mn/ictstat/disclosure"
)

// BenchmarkProtectLinked protects one year of the sector-size table as a
// release does: 4 quarters and the year by 9 ISIC divisions and the section,
// 4 linked measures, companies drawn as in the simulator's sparse divisions.
func BenchmarkProtectLinked(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	type row struct {
		q, div, company string
		v               [4]float64
	}
	var rows []row
	for d := range 9 {
		n := []int{1, 2, 4, 8, 20, 40, 3, 6, 12}[d]
		for c := range n {
			for q := 1; q <= 4; q++ {
				if rng.IntN(5) == 0 {
					continue // not every company files every quarter
				}
				s := float64(1 + rng.IntN(1000))
				rows = append(rows, row{fmt.Sprintf("Q%d", q), fmt.Sprintf("%d", 58+d), fmt.Sprintf("%d-%d", d, c), [4]float64{s / 10, s * 3, s - 200, s}})
			}
		}
	}
	for b.Loop() {
		var tabs []*disclosure.Table
		for m := range 4 {
			bl := disclosure.NewBuilder("sector_size", disclosure.Magnitude,
				disclosure.Dim{Name: "period", Total: "Y"}, disclosure.Dim{Name: "isic_division", Total: "J"})
			for _, r := range rows {
				bl.Add([]string{r.q, r.div}, r.company, r.v[m])
			}
			tabs = append(tabs, bl.Table())
		}
		if _, err := disclosure.ProtectLinked(tabs, disclosure.DefaultRules()); err != nil {
			b.Fatal(err)
		}
	}
}
