package warehouse

import (
	"reflect"
	"testing"

	"github.com/npit-mn/ictstat"
)

// TestFilingsReuse checks that the rows a merge gives back come out of
// getFilings as zero rows: a spilled row without programs or exports
// decodes into a reused slot without setting them, so a row left over from
// an earlier partition would lend it its own.
func TestFilingsReuse(t *testing.T) {
	for range cap(freeFilings) + 1 { // empty the free list
		getFilings(1)
	}
	w := 1.5
	rows := getFilings(4)
	for i := range rows {
		rows[i] = ictstat.Filing{FilingID: "VZ-1", Programs: []string{"p"}, Wages: &w,
			Exports: []ictstat.Export{{Country: "JP"}}}
	}
	putFilings(rows[:2]) // a merge gives back what it got
	again := getFilings(3)
	if &again[0] != &rows[0] {
		t.Fatalf("getFilings did not reuse the slice given back")
	}
	for i := range cap(again) {
		if !reflect.DeepEqual(again[:cap(again)][i], ictstat.Filing{}) {
			t.Fatalf("reused row %d is not zero: %+v", i, again[:cap(again)][i])
		}
	}
	if len(again) != 3 {
		t.Fatalf("getFilings(3) returned %d rows", len(again))
	}
	if big := getFilings(cap(again) + 1); len(big) != cap(again)+1 {
		t.Fatalf("getFilings(%d) returned %d rows", cap(again)+1, len(big))
	}
}
