package simulate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestCompaniesDoNotDependOnWorldSize(t *testing.T) {
	small := NewWorld(Options{Seed: 9, Companies: 40, Months: 12}).Companies()
	large := NewWorld(Options{Seed: 9, Companies: 400, Months: 60}).Companies()
	for i := range small {
		if !reflect.DeepEqual(small[i], large[i]) {
			t.Errorf("company %d: got %+v in the small world, want %+v as in the large one", i, small[i], large[i])
		}
	}
}

func TestFilingsDoNotDependOnWorldSize(t *testing.T) {
	collect := func(opts Options) map[string][]byte {
		out := map[string][]byte{}
		err := NewWorld(opts).Filings(func(f *Filing) error {
			out[fmt.Sprint(f.FilingID, "/", f.Revision)] = f.AppendJSON(nil)
			return nil
		})
		if err != nil {
			t.Fatalf("Filings: %v", err)
		}
		return out
	}
	small := collect(Options{Seed: 4, Companies: 30, Months: 12})
	large := collect(Options{Seed: 4, Companies: 300, Months: 36})
	if len(small) == 0 {
		t.Fatal("got no filings in the small world")
	}
	for key, line := range small {
		if !bytes.Equal(line, large[key]) {
			t.Errorf("%s: got\n%s\nin the small world, want\n%s", key, line, large[key])
		}
	}
}

func TestRegistryNumbers(t *testing.T) {
	cs := NewWorld(Options{Companies: 50_000, Months: 1}).Companies()
	seen := make(map[string]bool, len(cs))
	for i, c := range cs {
		if len(c.RegistryNo) != 7 || strings.Trim(c.RegistryNo, "0123456789") != "" || c.RegistryNo[0] == '0' {
			t.Errorf("company %d: got registry_no %q, want 7 digits", i, c.RegistryNo)
		}
		if seen[c.RegistryNo] {
			t.Errorf("company %d: registry_no %s used twice", i, c.RegistryNo)
		}
		seen[c.RegistryNo] = true
	}
}

func TestRegistryPermIsBijective(t *testing.T) {
	p := newRegistryPerm(1)
	seen := make([]bool, registryDomain)
	for i := range uint32(registryDomain) {
		x := p.at(i)
		if x >= registryDomain || seen[x] {
			t.Fatalf("at(%d) = %d: out of range or repeated", i, x)
		}
		seen[x] = true
	}
}

func TestCompaniesRegisterAndLeave(t *testing.T) {
	w := NewWorld(Options{Companies: 2000, Months: 120})
	end := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	start := time.Date(2016, 11, 1, 0, 0, 0, 0, time.UTC)
	var inWindow, deregistered, cyrillic, programs int
	for _, c := range w.Companies() {
		if c.Registered.After(end) {
			t.Errorf("%s: registered %s after the end period", c.RegistryNo, c.Registered)
		}
		if !c.Registered.Before(start) {
			inWindow++
		}
		if !c.Deregistered.IsZero() {
			deregistered++
			if !c.Deregistered.After(c.Registered) {
				t.Errorf("%s: deregistered %s before registered %s", c.RegistryNo, c.Deregistered, c.Registered)
			}
		}
		if utf8.RuneCountInString(c.Name) != len(c.Name) {
			cyrillic++
		}
		if len(c.Programs) > 0 {
			programs++
		}
	}
	n := len(w.Companies())
	for _, r := range []struct {
		what     string
		got      int
		min, max float64
	}{
		{"registered inside the ten years", inWindow, 0.5, 0.85},
		{"deregistered", deregistered, 0.1, 0.35},
		{"with a Cyrillic name", cyrillic, 0.35, 0.55},
		{"in a programme", programs, 0.01, 0.15},
	} {
		if share := float64(r.got) / float64(n); share < r.min || share > r.max {
			t.Errorf("got %.3f of companies %s, want %v-%v", share, r.what, r.min, r.max)
		}
	}
}

func TestFilingsOnlyWhileRegistered(t *testing.T) {
	w := NewWorld(Options{Companies: 500, Months: 60})
	byNo := map[string]Company{}
	for _, c := range w.Companies() {
		byNo[c.RegistryNo] = c
	}
	err := w.Filings(func(f *Filing) error {
		c := byNo[f.RegistryNo]
		p, _ := time.ParseInLocation("2006-01", f.Period, c.Registered.Location())
		if c.Registered.After(p.AddDate(0, 1, 0)) {
			t.Errorf("%s: filed for %s, registered only %s", f.FilingID, f.Period, c.Registered)
		}
		if !c.Deregistered.IsZero() && c.Deregistered.Before(p) {
			t.Errorf("%s: filed for %s, deregistered %s", f.FilingID, f.Period, c.Deregistered)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFilingsOrder(t *testing.T) {
	w := NewWorld(Options{Companies: 300, Months: 24})
	index := map[string]int{}
	for i, c := range w.Companies() {
		index[c.RegistryNo] = i
	}
	lastPeriod, lastCompany, n := "", -1, 0
	err := w.Filings(func(f *Filing) error {
		n++
		if f.Revision > 1 {
			return nil
		}
		switch {
		case f.Period < lastPeriod:
			t.Errorf("%s: period %s after %s, want non-decreasing", f.FilingID, f.Period, lastPeriod)
		case f.Period == lastPeriod && index[f.RegistryNo] <= lastCompany:
			t.Errorf("%s: company %d after %d in the same period", f.FilingID, index[f.RegistryNo], lastCompany)
		}
		if f.Period != lastPeriod {
			lastCompany = -1
		}
		lastPeriod, lastCompany = f.Period, index[f.RegistryNo]
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != w.FilingCount() {
		t.Errorf("got %d filings, FilingCount says %d", n, w.FilingCount())
	}
}

func TestFilingsStopsOnError(t *testing.T) {
	stop := fmt.Errorf("stop")
	n := 0
	err := NewWorld(Options{}).Filings(func(*Filing) error {
		n++
		if n == 10 {
			return stop
		}
		return nil
	})
	if err != stop || n != 10 {
		t.Errorf("got error %v after %d filings, want %v after 10", err, n, stop)
	}
}

func TestWorldIsRealistic(t *testing.T) {
	w := NewWorld(Options{Companies: 3000, Months: 36})
	var revenues []float64
	filers, exporters := map[string]bool{}, map[string]bool{}
	classes := map[string]int{}
	err := w.Filings(func(f *Filing) error {
		if f.Revision > 1 {
			return nil
		}
		revenues = append(revenues, f.Revenue)
		if !filers[f.RegistryNo] {
			classes[f.ISIC4]++
		}
		filers[f.RegistryNo] = true
		if len(f.Exports) > 0 {
			exporters[f.RegistryNo] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Float64s(revenues)
	if median := revenues[len(revenues)/2]; median < 25e6 || median > 65e6 {
		t.Errorf("got median monthly revenue %.0f MNT, want about 40 million", median)
	}
	if top := revenues[len(revenues)-1]; top < 5e9 {
		t.Errorf("got largest monthly revenue %.0f MNT, want billions (telecoms)", top)
	}
	if share := float64(len(exporters)) / float64(len(filers)); share < 0.15 || share > 0.35 {
		t.Errorf("got %.3f of companies exporting, want about 0.25", share)
	}
	software := classes["6201"] + classes["6202"] + classes["6209"] + classes["6311"]
	if share := float64(software) / float64(len(filers)); share < 0.4 {
		t.Errorf("got %.3f of companies in software and data processing, want the largest part", share)
	}
	if len(classes) < 15 {
		t.Errorf("got %d ISIC classes, want most of the 19", len(classes))
	}
}

func TestExportMarketsPersist(t *testing.T) {
	w := NewWorld(Options{Companies: 2000, Months: 60})
	type key struct{ company, country string }
	first := map[key]string{}
	after, present := map[key]int{}, map[key]int{}
	active := map[string][]string{} // periods filed, by company
	err := w.Filings(func(f *Filing) error {
		if f.Revision > 1 {
			return nil
		}
		active[f.RegistryNo] = append(active[f.RegistryNo], f.Period)
		for _, e := range f.Exports {
			k := key{f.RegistryNo, e.Country}
			if _, ok := first[k]; !ok {
				first[k] = f.Period
			}
			present[k]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	markets := map[string]int{}
	for k, p := range first {
		for _, q := range active[k.company] {
			if q >= p {
				after[k]++
			}
		}
		markets[k.company]++
	}
	var got, want int
	for k := range first {
		got += present[k]
		want += after[k]
	}
	if share := float64(got) / float64(want); share < 0.85 {
		t.Errorf("got exports in %.3f of the months after entering a market, want markets to persist", share)
	}
	for c, n := range markets {
		if n > 7 {
			t.Errorf("company %s: got %d markets, want a few entered over time", c, n)
		}
	}
}

func TestAppendJSONMatchesWriter(t *testing.T) {
	w := NewWorld(Options{Companies: 200, Months: 12})
	var fast, slow []byte
	n := 0
	w.each(true, func(g *generator) bool {
		fast = g.appendJSON(fast[:0])
		slow = g.f.AppendJSON(slow[:0])
		if !bytes.Equal(fast, slow) {
			t.Errorf("filing %s: writer got\n%s\nAppendJSON got\n%s", g.f.FilingID, fast, slow)
		}
		n++
		return n < 5000
	})
}

func TestAppendJSON(t *testing.T) {
	base := Filing{
		FilingID: "VZ-202610-6543210", Revision: 1, RegistryNo: "6543210", CompanyName: "Khan Soft LLC",
		ISIC4: "6201", Zone: "UB-01", Period: "2026-10",
		SubmittedAt: time.Date(2026, 11, 5, 1, 12, 0, 0, time.UTC), Currency: "MNT",
		Revenue: 125e6, IntermediateConsumption: 61e6, Wages: 30e6, Employees: 42, RnDExpense: 5e6,
		Exports: []Export{{"KZ", "SI2", 20e6}, {"JP", "SI21", 8e6}},
		AI:      true, Startup: true, Programs: []string{"accelerator-2026", "hackathon-2025"},
	}
	contract := `{"filing_id":"VZ-202610-6543210","revision":1,"registry_no":"6543210","company_name":"Khan Soft LLC",` +
		`"isic4":"6201","zone":"UB-01","period":"2026-10","submitted_at":"2026-11-05T09:12:00+08:00","currency":"MNT",` +
		`"revenue":125000000,"intermediate_consumption":61000000,"wages":30000000,"employees":42,"rnd_expense":5000000,` +
		`"exports":[{"country":"KZ","ebops":"SI2","amount":20000000},{"country":"JP","ebops":"SI21","amount":8000000}],` +
		`"flags":{"ai":true,"startup":true},"programs":["accelerator-2026","hackathon-2025"]}`
	tests := []struct {
		name   string
		change func(f *Filing)
		want   string // the contract example with these replacements, old, new, ...
		repl   []string
	}{
		{"contract example", func(*Filing) {}, contract, nil},
		{"no programs", func(f *Filing) { f.Programs = nil }, contract,
			[]string{`,"programs":["accelerator-2026","hackathon-2025"]`, ``}},
		{"no exports", func(f *Filing) { f.Exports = nil }, contract,
			[]string{`{"country":"KZ","ebops":"SI2","amount":20000000},{"country":"JP","ebops":"SI21","amount":8000000}`, ``}},
		{"amounts rounded", func(f *Filing) { f.Revenue = 125000000.6 }, contract,
			[]string{`125000000`, `125000001`}},
		{"not finite", func(f *Filing) { f.Wages = math.NaN() }, contract,
			[]string{`"wages":30000000`, `"wages":null`}},
		{"escaped name", func(f *Filing) { f.CompanyName = "Say \"hi\"\\\n\x01 Мэдээлэл" }, contract,
			[]string{`Khan Soft LLC`, `Say \"hi\"\\\n\u0001 Мэдээлэл`}},
		{"invalid utf-8", func(f *Filing) { f.CompanyName = "Khan\xff Soft" }, contract,
			[]string{`Khan Soft LLC`, `Khan\ufffd Soft`}},
		{"submitted in another zone", func(f *Filing) {
			f.SubmittedAt = f.SubmittedAt.In(time.FixedZone("", -5*3600))
		}, contract, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := base
			tt.change(&f)
			want := strings.NewReplacer(tt.repl...).Replace(tt.want)
			got := f.AppendJSON([]byte("prefix:"))
			if string(got) != "prefix:"+want {
				t.Errorf("got\n%s\nwant\n%s", got, "prefix:"+want)
			}
			if !json.Valid(got[len("prefix:"):]) {
				t.Errorf("got invalid JSON")
			}
		})
	}
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", "Мэдээллийн Технологи ХХК", "quote\" back\\ tab\t nl\n", "\x00\x1f", "日本語 €", "😀"} {
		t.Run("", func(t *testing.T) {
			var got string
			if err := json.Unmarshal(appendString(nil, s), &got); err != nil || got != s {
				t.Errorf("got %q (%v) after a round trip, want %q", got, err, s)
			}
		})
	}
}

func TestUSDCompanies(t *testing.T) {
	mnt := NewWorld(Options{Companies: 100, Months: 6})
	usd := NewWorld(Options{Companies: 100, Months: 6, USDShare: 1})
	var mntRev, usdRev float64
	for _, x := range []struct {
		w   *World
		sum *float64
		cur string
	}{{mnt, &mntRev, "MNT"}, {usd, &usdRev, "USD"}} {
		err := x.w.Filings(func(f *Filing) error {
			if f.Currency != x.cur {
				t.Errorf("%s: got currency %s, want %s", f.FilingID, f.Currency, x.cur)
			}
			*x.sum += f.Revenue
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if ratio := mntRev / usdRev; ratio < 3000 || ratio > 4000 {
		t.Errorf("got MNT/USD revenue ratio %.0f, want about the 2026 rate", ratio)
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		ok   bool
	}{
		{"zero value", Options{}, true},
		{"no amendments", Options{AmendRate: -1}, true},
		{"ten years", Options{Months: 120, EndPeriod: "2030-12"}, true},
		{"negative companies", Options{Companies: -1}, false},
		{"too many companies", Options{Companies: MaxCompanies + 1}, false},
		{"month 13", Options{EndPeriod: "2026-13"}, false},
		{"no dash", Options{EndPeriod: "202610"}, false},
		{"amend rate above one", Options{AmendRate: 1.5}, false},
		{"usd share above one", Options{USDShare: 2}, false},
		{"usd share NaN", Options{USDShare: math.NaN()}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.opts.Validate(); (err == nil) != tt.ok {
				t.Errorf("got error %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestNoAmendments(t *testing.T) {
	w := NewWorld(Options{AmendRate: -1})
	err := w.Filings(func(f *Filing) error {
		if f.Revision != 1 {
			t.Errorf("%s: got revision %d, want only originals", f.FilingID, f.Revision)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestProgrammesStartOnTime(t *testing.T) {
	w := NewWorld(Options{Companies: 4000, Months: 36})
	starts := map[string]string{"accelerator-2025": "2025-03", "hackathon-2025": "2025-06",
		"accelerator-2026": "2026-02", "jica-trade-mission-2026": "2026-04"}
	seen := map[string]bool{}
	err := w.Filings(func(f *Filing) error {
		for _, p := range f.Programs {
			seen[p] = true
			if f.Period < starts[p] {
				t.Errorf("%s: programme %s in period %s, before it started in %s", f.FilingID, p, f.Period, starts[p])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := range starts {
		if !seen[p] {
			t.Errorf("got no filing naming %s, want some", p)
		}
	}
}

func TestFilingsInConcatenatesToFilings(t *testing.T) {
	w := NewWorld(Options{Companies: 300, Months: 12})
	var all, parts []byte
	if err := w.Filings(func(f *Filing) error { all = append(f.AppendJSON(all), '\n'); return nil }); err != nil {
		t.Fatal(err)
	}
	for _, p := range w.Periods() {
		err := w.FilingsIn(p, func(f *Filing) error { parts = append(f.AppendJSON(parts), '\n'); return nil })
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(all, parts) {
		t.Errorf("got %d bytes from FilingsIn of every period, want the %d bytes of Filings", len(parts), len(all))
	}
	for _, p := range []string{"2025-10", "2026-11", "2026-1"} {
		if err := w.FilingsIn(p, func(*Filing) error { return nil }); err == nil {
			t.Errorf("FilingsIn(%q): got no error, want one", p)
		}
	}
}
