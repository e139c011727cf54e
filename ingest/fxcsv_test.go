package ingest

import (
	"errors"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
)

func TestReadFXRates(t *testing.T) {
	in := "\ufeffdate,currency,mnt_per_unit\n" +
		"2026-10-01,USD,3450.5\n" +
		"2026-10-02,USD,3452\n" +
		"2026-10-02,EUR,3990.25\n" +
		"2026-13-01,USD,3400\n" +
		"2026-10-03,usd,3400\n" +
		"2026-10-03,MNT,1\n" +
		"2026-10-03,USD,-3\n" +
		"2026-10-03,USD,abc\n" +
		"2026-10-04,USD\n"
	rates, bad, err := ReadFXRates(strings.NewReader(in), "fx.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(rates) != 3 || rates[0].Currency != "USD" || rates[0].MNTPerUnit != 3450.5 || rates[2].Currency != "EUR" {
		t.Fatalf("got rates %+v", rates)
	}
	if got := rates[1].Date.String(); got != "2026-10-02" {
		t.Errorf("got date %s, want 2026-10-02", got)
	}
	wantBad := []struct {
		line  int64
		field string
	}{{5, "date"}, {6, "currency"}, {7, "currency"}, {8, "mnt_per_unit"}, {9, "mnt_per_unit"}, {10, "columns"}}
	if len(bad) != len(wantBad) {
		t.Fatalf("got %d bad rows %+v, want %d", len(bad), bad, len(wantBad))
	}
	for i, w := range wantBad {
		if bad[i].Line != w.line || !strings.Contains(bad[i].Reason, w.field) || bad[i].Raw == "" {
			t.Errorf("bad row %d: got line %d %q, want line %d naming %s", i, bad[i].Line, bad[i].Reason, w.line, w.field)
		}
	}
}

func TestReadFXRatesRefusesFiles(t *testing.T) {
	for name, in := range map[string]string{
		"empty":        "",
		"wrong header": "day,ccy,rate\n2026-10-01,USD,3450\n",
		"filings file": `{"filing_id":"VZ-1"}` + "\n",
		"bad quoting":  "date,currency,mnt_per_unit\n2026-10-01,\"USD,3450\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := ReadFXRates(strings.NewReader(in), "fx.csv")
			var ie *ictstat.InputError
			if !errors.As(err, &ie) || !errors.Is(err, ictstat.ErrBadInput) || ie.File != "fx.csv" {
				t.Errorf("got %v, want an InputError naming fx.csv", err)
			}
		})
	}
}

// FuzzFXCSV: any input is refused, or yields positive finite rates of
// upper-case three-letter currencies and reasons for the rest.
func FuzzFXCSV(f *testing.F) {
	f.Add("date,currency,mnt_per_unit\n2026-10-01,USD,3450.5\n")
	f.Add("date,currency,mnt_per_unit\n2026-10-01,USD,1e400\n\"x\n")
	f.Add("\ufeffdate,currency,mnt_per_unit\r\n2026-10-01,EUR,4000\r\n,,\n")
	f.Fuzz(func(t *testing.T, in string) {
		rates, bad, err := ReadFXRates(strings.NewReader(in), "f")
		if err != nil {
			if !errors.Is(err, ictstat.ErrBadInput) {
				t.Fatalf("got %v, want a bad-input error", err)
			}
			return
		}
		for _, r := range rates {
			if !(r.MNTPerUnit > 0) || len(r.Currency) != 3 || r.Currency == "MNT" {
				t.Fatalf("accepted %+v", r)
			}
		}
		for _, b := range bad {
			if b.Reason == "" || b.Line < 2 {
				t.Fatalf("rejected row without a reason or line: %+v", b)
			}
		}
	})
}
