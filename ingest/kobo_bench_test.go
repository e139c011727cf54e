package ingest

import (
	"bytes"
	"testing"

	"github.com/npit-mn/ictstat/simulate"
)

// BenchmarkReadKoboCSV reads a synthetic export of 20,000 responses
// (the bench command's file, smaller).
func BenchmarkReadKoboCSV(b *testing.B) {
	var buf bytes.Buffer
	w := simulate.NewWorld(simulate.Options{Seed: 1, Companies: 1500, Months: 60, USDShare: 0.1})
	if err := w.WriteSurveyCSV(&buf, simulate.SurveyOptions{Responses: 20000}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		subs, _, err := ReadKoboCSV(bytes.NewReader(buf.Bytes()), "b.csv")
		if err != nil || len(subs) != 20000 {
			b.Fatal(err, len(subs))
		}
	}
}
