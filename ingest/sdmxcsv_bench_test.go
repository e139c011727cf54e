package ingest

import (
	"bytes"
	"fmt"
	"testing"
)

// BenchmarkSDMXRead reads 100,000 synthetic rows of SDMX-CSV 1.0.
func BenchmarkSDMXRead(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("DATAFLOW,FREQ,REF_AREA,COUNTERPART_AREA,FLOW,SERVICE_ITEM,TIME_PERIOD,OBS_VALUE,UNIT_MULT,UNIT_MEASURE,OBS_STATUS\n")
	cs := []string{"KZ", "UZ", "JP", "KR", "SG", "VN", "US", "W1"}
	for i := range 100000 {
		fmt.Fprintf(&buf, "ICTSTAT:SYNTHETIC_ICT_SERV(1.0),Q,MN,%s,C,SI2,%d-Q%d,%.3f,6,USD,A\n", cs[i%8], 1950+i/32%150, i%4+1, float64(i%100000)/1000)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		ReadSDMXCSV(bytes.NewReader(data), "x")
	}
}
