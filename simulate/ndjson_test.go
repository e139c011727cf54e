package simulate

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// writeLines runs writeNDJSON into memory and returns the lines and the
// kind of each ("" for valid).
func writeLines(t *testing.T, opts Options, rows int, rate float64) ([][]byte, []string, Stats) {
	t.Helper()
	var buf bytes.Buffer
	var kinds []string
	st, err := writeNDJSON(&buf, opts, rows, rate, func(k string) { kinds = append(kinds, k) })
	if err != nil {
		t.Fatalf("writeNDJSON: %v", err)
	}
	data := buf.Bytes()
	if rows > 0 && (len(data) == 0 || data[len(data)-1] != '\n') {
		t.Fatalf("output does not end with a newline")
	}
	lines := bytes.Split(data, []byte("\n"))
	return lines[:len(lines)-1], kinds, st
}

func TestWriteNDJSONDeterministic(t *testing.T) {
	sum := func(opts Options, rows int, rate float64) [32]byte {
		h := sha256.New()
		if _, err := WriteNDJSON(h, opts, rows, rate); err != nil {
			t.Fatalf("WriteNDJSON: %v", err)
		}
		return [32]byte(h.Sum(nil))
	}
	tests := []struct {
		name string
		opts Options
		rows int
		rate float64
	}{
		{"default world", Options{}, 5000, 0},
		{"with invalid lines", Options{Seed: 7}, 5000, 0.2},
		{"sized from rows", Options{Seed: 3, Companies: 10}, 40000, 0.05},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := sum(tt.opts, tt.rows, tt.rate), sum(tt.opts, tt.rows, tt.rate)
			if a != b {
				t.Errorf("got different bytes for the same options, want the same")
			}
			other := tt.opts
			other.Seed += 100
			if c := sum(other, tt.rows, tt.rate); c == a {
				t.Errorf("got the same bytes for seed %d and %d, want different", tt.opts.Seed, other.Seed)
			}
		})
	}
}

func TestWriteNDJSONRows(t *testing.T) {
	small := Options{Companies: 50, Months: 12}
	natural := NewWorld(small).FilingCount()
	tests := []struct {
		name string
		opts Options
		rows int
	}{
		{"zero", Options{}, 0},
		{"one", Options{}, 1},
		{"fewer than the world", small, natural - 1},
		{"exactly the world", small, natural},
		{"one more than the world", small, natural + 1},
		{"far more than the world", small, 25_000},
		{"default world exceeded", Options{}, 30_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			st, err := WriteNDJSON(&buf, tt.opts, tt.rows, 0.1)
			if err != nil {
				t.Fatalf("WriteNDJSON: %v", err)
			}
			if got := bytes.Count(buf.Bytes(), []byte("\n")); got != tt.rows {
				t.Errorf("got %d lines, want %d", got, tt.rows)
			}
			if st.Rows != tt.rows || st.Valid+st.Invalid != tt.rows {
				t.Errorf("got stats rows %d = %d valid + %d invalid, want %d", st.Rows, st.Valid, st.Invalid, tt.rows)
			}
			var byKind int
			for _, n := range st.InvalidByKind {
				byKind += n
			}
			if byKind != st.Invalid {
				t.Errorf("got %d invalid by kind, want %d", byKind, st.Invalid)
			}
		})
	}
}

func TestWriteNDJSONKeepsMonthsWhenGrowing(t *testing.T) {
	lines, _, _ := writeLines(t, Options{Companies: 5, Months: 6}, 5000, 0)
	periods := map[string]bool{}
	for _, l := range lines {
		r, reason, err := checkLine(l)
		if err != nil {
			t.Fatalf("line %s: %s: %v", l, reason, err)
		}
		periods[*r.Period] = true
	}
	if len(periods) != 6 {
		t.Errorf("got %d periods, want the 6 months asked for", len(periods))
	}
}

func TestWriteNDJSONValidRun(t *testing.T) {
	const rows = 40_000
	lines, _, st := writeLines(t, Options{Seed: 11, Companies: 1500, Months: 36}, rows, 0)
	if st.Invalid != 0 {
		t.Fatalf("got %d invalid lines, want 0", st.Invalid)
	}
	ict := map[string]bool{}
	for _, c := range strings.Fields("2610 2620 2630 2640 2680 4651 4652 5820 6110 6120 6130 6190 6201 6202 6209 6311 6312 9511 9512") {
		ict[c] = true
	}
	ebops := map[string]bool{"SI": true, "SI1": true, "SI2": true, "SI21": true, "SI22": true, "SI3": true, "SI31": true, "SI32": true}
	type rev struct {
		revision  int
		submitted time.Time
		revenue   float64
		line      int
	}
	latest := map[string]rev{}
	amendments, changed := 0, 0
	for i, l := range lines {
		r, reason, err := checkLine(l)
		if err != nil {
			t.Fatalf("line %d: %s: %v\n%s", i+1, reason, err, l)
		}
		if want := "VZ-" + strings.Replace(*r.Period, "-", "", 1) + "-" + *r.RegistryNo; *r.FilingID != want {
			t.Errorf("line %d: got filing_id %s, want %s", i+1, *r.FilingID, want)
		}
		if !ict[*r.ISIC4] {
			t.Errorf("line %d: got isic4 %s, want an OECD ICT class", i+1, *r.ISIC4)
		}
		if _, off := r.submitted.Zone(); off != 8*3600 {
			t.Errorf("line %d: got submitted_at offset %d s, want +08:00", i+1, off)
		}
		// Submitted after the end of the period's month, not only in a
		// later or the same month.
		pstart, _ := time.Parse("2006-01", *r.Period)
		periodEnd := time.Date(pstart.Year(), pstart.Month()+1, 1, 0, 0, 0, 0, r.submitted.Location())
		if r.submitted.Before(periodEnd) {
			t.Errorf("line %d: got submitted_at %s, want after period %s", i+1, *r.SubmittedAt, *r.Period)
		}
		revenue := r.amounts["revenue"]
		if share := r.amounts["intermediate_consumption"] / revenue; share < 0.3-500/revenue-1e-9 || share > 0.7+500/revenue+1e-9 {
			t.Errorf("line %d: got intermediate consumption %.3f of revenue, want 0.3-0.7", i+1, share)
		}
		var exports float64
		for j, e := range *r.Exports {
			exports += r.exports[j]
			if !ebops[*e.EBOPS] {
				t.Errorf("line %d: got ebops %s, want an SI code", i+1, *e.EBOPS)
			}
		}
		if exports > revenue {
			t.Errorf("line %d: got exports %v above revenue %v", i+1, exports, revenue)
		}
		if r.employees < 1 {
			t.Errorf("line %d: got %d employees, want at least 1", i+1, r.employees)
		}

		prev, seen := latest[*r.FilingID]
		switch {
		case r.revision == 1 && seen:
			t.Errorf("line %d: filing %s revision 1 sent twice (first on line %d)", i+1, *r.FilingID, prev.line)
		case r.revision > 1 && !seen:
			t.Errorf("line %d: filing %s revision %d before its original", i+1, *r.FilingID, r.revision)
		case r.revision > 1 && r.revision != prev.revision+1:
			t.Errorf("line %d: filing %s got revision %d after %d, want %d", i+1, *r.FilingID, r.revision, prev.revision, prev.revision+1)
		case r.revision > 1 && !r.submitted.After(prev.submitted):
			t.Errorf("line %d: amendment of %s submitted %s, want after %s", i+1, *r.FilingID, r.submitted, prev.submitted)
		}
		if r.revision > 1 {
			amendments++
			if revenue != prev.revenue {
				changed++
			}
		}
		latest[*r.FilingID] = rev{r.revision, r.submitted, revenue, i + 1}
	}
	if amendments != st.Amendments {
		t.Errorf("got %d amendments in the file, stats say %d", amendments, st.Amendments)
	}
	if share := float64(amendments) / rows; share < 0.02 || share > 0.05 {
		t.Errorf("got %.4f of lines amended, want about 0.03", share)
	}
	if changed < amendments*9/10 {
		t.Errorf("got %d of %d amendments with a changed revenue, want nearly all", changed, amendments)
	}
}

func TestWriteNDJSONInvalidKinds(t *testing.T) {
	const rows, rate = 30_000, 0.3
	lines, kinds, st := writeLines(t, Options{Seed: 5}, rows, rate)
	if len(kinds) != rows {
		t.Fatalf("got %d kinds reported, want %d", len(kinds), rows)
	}
	seen := map[string]int{}
	for i, l := range lines {
		_, reason, err := checkLine(l)
		kind := kinds[i]
		if kind == "" {
			if err != nil {
				t.Errorf("line %d: valid line rejected: %s: %v\n%s", i+1, reason, err, l)
			}
			continue
		}
		seen[kind]++
		if want := kindReason[kind]; reason != want {
			t.Errorf("line %d: %s record rejected for %q, want %q (%v)\n%s", i+1, kind, reason, want, err, l)
		}
	}
	for _, k := range InvalidKinds() {
		if seen[k] == 0 {
			t.Errorf("got no %s records, want some", k)
		}
		if st.InvalidByKind[k] != seen[k] {
			t.Errorf("%s: got %d in stats, want %d", k, st.InvalidByKind[k], seen[k])
		}
	}
	if share := float64(st.Invalid) / rows; math.Abs(share-rate) > 0.02 {
		t.Errorf("got %.3f of lines invalid, want about %v", share, rate)
	}
}

func TestWriteNDJSONInvalidRate(t *testing.T) {
	tests := []struct {
		rate        float64
		wantInvalid int
	}{
		{0, 0},
		{1, 2000},
	}
	for _, tt := range tests {
		t.Run("", func(t *testing.T) {
			st, err := WriteNDJSON(io.Discard, Options{}, 2000, tt.rate)
			if err != nil {
				t.Fatalf("WriteNDJSON: %v", err)
			}
			if st.Invalid != tt.wantInvalid {
				t.Errorf("rate %v: got %d invalid, want %d", tt.rate, st.Invalid, tt.wantInvalid)
			}
		})
	}
}

type failWriter struct{ after int }

func (w *failWriter) Write(b []byte) (int, error) {
	if w.after <= 0 {
		return 0, errors.New("disk full")
	}
	w.after--
	return len(b), nil
}

func TestWriteNDJSONErrors(t *testing.T) {
	tests := []struct {
		name string
		w    io.Writer
		opts Options
		rows int
		rate float64
	}{
		{"negative rows", io.Discard, Options{}, -1, 0},
		{"rate above one", io.Discard, Options{}, 10, 1.5},
		{"rate NaN", io.Discard, Options{}, 10, math.NaN()},
		{"bad end period", io.Discard, Options{EndPeriod: "2026-13"}, 10, 0},
		{"writer fails", &failWriter{after: 1}, Options{}, 5000, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := WriteNDJSON(tt.w, tt.opts, tt.rows, tt.rate); err == nil {
				t.Errorf("got no error, want one")
			}
		})
	}
}

func TestWriteNDJSONStreams(t *testing.T) {
	w := &maxWrite{}
	if _, err := WriteNDJSON(w, Options{}, 12_000, 0); err != nil {
		t.Fatalf("WriteNDJSON: %v", err)
	}
	if w.calls < 2 || w.max > 1<<20 {
		t.Errorf("got %d writes of at most %d bytes, want several bounded writes", w.calls, w.max)
	}
}

type maxWrite struct{ calls, max int }

func (w *maxWrite) Write(b []byte) (int, error) {
	w.calls++
	w.max = max(w.max, len(b))
	return len(b), nil
}

func TestSizeFor(t *testing.T) {
	tests := []struct {
		rows       int
		wantMonths int
	}{
		{1, 12},
		{1000, 12},
		{15_000, 24},
		{60_000, 96},
		{300_000, 120},
	}
	for _, tt := range tests {
		t.Run("", func(t *testing.T) {
			o := SizeFor(tt.rows)
			if o.Months != tt.wantMonths {
				t.Errorf("rows %d: got %d months, want %d", tt.rows, o.Months, tt.wantMonths)
			}
			if o.EndPeriod != DefaultEndPeriod {
				t.Errorf("rows %d: got end period %s, want %s", tt.rows, o.EndPeriod, DefaultEndPeriod)
			}
			if n := NewWorld(o).FilingCount(); n < tt.rows {
				t.Errorf("rows %d: got a world of %d filings, want at least %d", tt.rows, n, tt.rows)
			}
			if o.Companies > 1 {
				fewer := o
				fewer.Companies--
				if n := NewWorld(fewer).FilingCount(); n >= tt.rows {
					t.Errorf("rows %d: %d companies already give %d filings, want the fewest", tt.rows, fewer.Companies, n)
				}
			}
		})
	}
}

func BenchmarkWriteNDJSON(b *testing.B) {
	for _, rows := range []int{100_000, 1_000_000, 8_000_000} {
		b.Run("rows="+strconv.Itoa(rows), func(b *testing.B) {
			var bytesOut int64
			for b.Loop() {
				cw := &countWriter{}
				if _, err := WriteNDJSON(cw, Options{}, rows, 0.01); err != nil {
					b.Fatal(err)
				}
				bytesOut = cw.n
			}
			b.SetBytes(bytesOut)
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(b []byte) (int, error) {
	w.n += int64(len(b))
	return len(b), nil
}
