package transform_test

import (
	"testing"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/transform"
)

func TestRepeatedExportLinesAddUp(t *testing.T) {
	rec := validRecord()
	a, b, c := 5.0, 7.0, 11.0
	rec.Exports = []ictstat.ExportRecord{{Country: "KZ", EBOPS: "SI2", Amount: &a}, {Country: "JP", EBOPS: "SI2", Amount: &b}, {Country: "KZ", EBOPS: "SI2", Amount: &c}}
	f, err := transform.ValidateFiling(&rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Exports) != 2 || f.Exports[0].Country != "KZ" || f.Exports[0].Amount != 16 || f.Exports[1].Amount != 7 {
		t.Errorf("got exports %+v, want KZ/SI2 16 and JP/SI2 7", f.Exports)
	}
	if f.ExportLines != 3 || f.ExportsMNT != 23 {
		t.Errorf("got %d lines and %v MNT, want 3 lines and 23", f.ExportLines, f.ExportsMNT)
	}
}
