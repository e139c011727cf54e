package simulate

import (
	"runtime"
	"time"
	"testing"
)

func BenchmarkZZBuild(b *testing.B) {
	for b.Loop() {
		fitWorld(Options{Months: 120}.withDefaults(), 2_000_000)
	}
}

func BenchmarkZZWrite(b *testing.B) {
	w := fitWorld(Options{Months: 120}.withDefaults(), 2_000_000)
	_ = w
	for b.Loop() {
		writeNDJSON(discard{}, Options{Months: 120, Companies: len(w.cs)}, 2_000_000, 0, nil)
	}
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }

func TestZZ8M(t *testing.T) {
	t0 := time.Now()
	st, err := WriteNDJSON(discard{}, Options{}, 8_000_000, 0.01)
	el := time.Since(t0)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("%+v %v %v rows/s=%.0f heapsys=%dMB", st.Rows, err, el, 8e6/el.Seconds(), ms.HeapSys>>20)
	w := fitWorld(Options{Months: 120}.withDefaults(), 8_000_000)
	runtime.GC()
	runtime.ReadMemStats(&ms)
	t.Logf("companies=%d heapinuse=%dMB", len(w.cs), ms.HeapInuse>>20)
	runtime.KeepAlive(w)
}
