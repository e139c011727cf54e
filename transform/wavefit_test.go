package transform

import (
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
)

func TestAbsentFields(t *testing.T) {
	t.Parallel()
	w := Wave{ID: "w", Strata: []string{"sector", "size"}, RegistryNo: "registry_no",
		Questions: []Question{{Name: "sector"}, {Name: "group_a/employees"}, {Name: "barriers"}}}
	subs := []ictstat.Submission{
		{Fields: map[string]string{"g/sector": "", "registry_no": "1"}},
		{Fields: map[string]string{"g/barriers/finance": "1", "group_a/employees": "3"}},
	}
	if got := strings.Join(w.AbsentFields(subs), ","); got != "size" {
		t.Errorf("got absent %q, want size (sector by its last segment, barriers by a 0/1 column, employees by path)", got)
	}
	if got := w.AbsentFields(nil); len(got) != 5 {
		t.Errorf("got absent %v for no submissions, want the wave's 5 distinct fields", got)
	}
}
