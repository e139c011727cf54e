package transform

import (
	"strconv"
	"testing"

	"github.com/npit-mn/ictstat"
)

func BenchmarkSurveyResponses(b *testing.B) {
	subs := make([]ictstat.Submission, 1000)
	for i := range subs {
		subs[i] = good("_uuid", "u"+strconv.Itoa(i), "g/size", []string{"micro", "small"}[i%2])
		subs[i].Fields["g/sector"] = "62"
	}
	w := edgeWave()
	b.ReportAllocs()
	for b.Loop() {
		rows, bad := SurveyResponses(subs, w, "src")
		if len(rows) != 6000 || len(bad) != 0 {
			b.Fatalf("got %d rows, %d bad", len(rows), len(bad))
		}
	}
}
