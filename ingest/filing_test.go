package ingest_test

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/ingest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// contractExample is the example filing of sources.md, section 1.
var contractExample = filepath.Join("..", "testdata", "filings", "contract_example.json")

func ptr(v float64) *float64 { return &v }

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeFilingContractExample(t *testing.T) {
	var got ictstat.FilingRecord
	if err := ingest.DecodeFiling(readFile(t, contractExample), &got); err != nil {
		t.Fatalf("got error %v, want nil", err)
	}
	want := ictstat.FilingRecord{
		FilingID:                "VZ-202610-6543210",
		Revision:                1,
		RegistryNo:              "6543210",
		CompanyName:             "Khan Soft LLC",
		ISIC4:                   "6201",
		Zone:                    "UB-01",
		Period:                  "2026-10",
		SubmittedAt:             "2026-11-05T09:12:00+08:00",
		Currency:                "MNT",
		Revenue:                 125000000,
		IntermediateConsumption: 61000000,
		Wages:                   30000000,
		Employees:               42,
		RnDExpense:              5000000,
		Exports: []ictstat.ExportRecord{
			{Country: "KZ", EBOPS: "SI2", Amount: ptr(20000000)},
			{Country: "JP", EBOPS: "SI21", Amount: ptr(8000000)},
		},
		Flags:    json.RawMessage(`{"ai": true, "startup": true}`),
		Programs: []string{"accelerator-2026", "hackathon-2025"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}

// isMissing reports which numbers of rec hold the "not sent" sentinels.
func isMissing(rec *ictstat.FilingRecord) map[string]bool {
	return map[string]bool{
		"revision":                 rec.Revision == -1,
		"employees":                rec.Employees == -1,
		"revenue":                  math.IsNaN(rec.Revenue),
		"intermediate_consumption": math.IsNaN(rec.IntermediateConsumption),
		"wages":                    math.IsNaN(rec.Wages),
		"rnd_expense":              math.IsNaN(rec.RnDExpense),
	}
}

func TestDecodeFilingMissing(t *testing.T) {
	all := []string{"revision", "employees", "revenue", "intermediate_consumption", "wages", "rnd_expense"}
	tests := []struct {
		name    string
		in      string
		present []string // numbers that were sent
		check   func(t *testing.T, rec *ictstat.FilingRecord)
	}{
		{"empty object", `{}`, nil, nil},
		{"null record", `null`, nil, nil},
		{"nulls are missing", `{"revision":null,"employees":null,"revenue":null,"intermediate_consumption":null,"wages":null,"rnd_expense":null}`, nil, nil},
		{"zeros are not missing", `{"revision":0,"employees":0,"revenue":0,"intermediate_consumption":0,"wages":0,"rnd_expense":0}`, all, func(t *testing.T, rec *ictstat.FilingRecord) {
			if rec.Revision != 0 || rec.Employees != 0 || rec.Revenue != 0 || rec.Wages != 0 {
				t.Errorf("got %d, %d, %g, %g, want zeros", rec.Revision, rec.Employees, rec.Revenue, rec.Wages)
			}
		}},
		{"some sent", `{"revenue":1.5,"employees":3}`, []string{"revenue", "employees"}, func(t *testing.T, rec *ictstat.FilingRecord) {
			if rec.Revenue != 1.5 || rec.Employees != 3 {
				t.Errorf("got revenue %g, employees %d, want 1.5, 3", rec.Revenue, rec.Employees)
			}
		}},
		{"export amount missing", `{"exports":[{"country":"KZ","ebops":"SI2"},{"country":"JP","ebops":"SI2","amount":null},{"country":"CN","ebops":"SI2","amount":0}]}`, nil, func(t *testing.T, rec *ictstat.FilingRecord) {
			if len(rec.Exports) != 3 || rec.Exports[0].Amount != nil || rec.Exports[1].Amount != nil || rec.Exports[2].Amount == nil || *rec.Exports[2].Amount != 0 {
				t.Errorf("got exports %+v, want amounts nil, nil, 0", rec.Exports)
			}
		}},
		{"optional lists absent", `{"filing_id":"X"}`, nil, func(t *testing.T, rec *ictstat.FilingRecord) {
			if rec.FilingID != "X" || rec.Exports != nil || rec.Programs != nil || rec.Flags != nil {
				t.Errorf("got %q, %v, %v, %q, want X and nils", rec.FilingID, rec.Exports, rec.Programs, rec.Flags)
			}
		}},
		{"unknown fields ignored", `{"filing_id":"X","comment":"hi","extra":{"a":[1,2]}}`, nil, func(t *testing.T, rec *ictstat.FilingRecord) {
			if rec.FilingID != "X" {
				t.Errorf("got filing_id %q, want X", rec.FilingID)
			}
		}},
		{"flags kept raw", `{"flags": {"ai": true, "women_led": false}}`, nil, func(t *testing.T, rec *ictstat.FilingRecord) {
			if got, want := string(rec.Flags), `{"ai": true, "women_led": false}`; got != want {
				t.Errorf("got flags %s, want %s", got, want)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Start from a full record: nothing of it may survive.
			var rec ictstat.FilingRecord
			if err := ingest.DecodeFiling(readFile(t, contractExample), &rec); err != nil {
				t.Fatal(err)
			}
			if err := ingest.DecodeFiling([]byte(tt.in), &rec); err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			got := isMissing(&rec)
			for _, f := range all {
				want := true
				for _, p := range tt.present {
					if p == f {
						want = false
					}
				}
				if got[f] != want {
					t.Errorf("%s: got missing %v, want %v", f, got[f], want)
				}
			}
			if tt.check != nil {
				tt.check(t, &rec)
			}
			if tt.in == "{}" {
				if rec.FilingID != "" || rec.CompanyName != "" || rec.Exports != nil || rec.Programs != nil || rec.Flags != nil {
					t.Errorf("got fields left from the previous record: %+v", rec)
				}
			}
		})
	}
}

// TestDecodeFilingErrors checks that a record that cannot be decoded gives
// an *ictstat.InputError naming the field when there is one.
func TestDecodeFilingErrors(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		field string // "" for syntax errors
	}{
		{"revenue a string", `{"revenue":"abc"}`, "revenue"},
		{"revenue quoted number", `{"revenue":"125000000"}`, "revenue"},
		{"revenue out of float range", `{"revenue":1e999}`, "revenue"},
		{"wages a boolean", `{"wages":true}`, "wages"},
		{"rnd_expense an object", `{"rnd_expense":{}}`, "rnd_expense"},
		{"intermediate_consumption an array", `{"intermediate_consumption":[1]}`, "intermediate_consumption"},
		{"revision a string", `{"revision":"1"}`, "revision"},
		{"revision a fraction", `{"revision":1.5}`, "revision"},
		{"revision out of int64 range", `{"revision":99999999999999999999}`, "revision"},
		{"employees in exponent form", `{"employees":1e3}`, "employees"},
		{"employees negative fraction", `{"employees":-0.5}`, "employees"},
		{"filing_id a number", `{"filing_id":5}`, "filing_id"},
		{"registry_no a number", `{"registry_no":6543210}`, "registry_no"},
		{"isic4 a number", `{"isic4":6201}`, "isic4"},
		{"period a number", `{"period":202610}`, "period"},
		{"currency an array", `{"currency":["MNT"]}`, "currency"},
		{"exports an object", `{"exports":{"country":"KZ"}}`, "exports"},
		{"exports amount a string", `{"exports":[{"country":"KZ","ebops":"SI2","amount":"x"}]}`, "exports.0.amount"},
		{"exports country a number", `{"exports":[{},{"country":1}]}`, "exports.1.country"},
		{"programs a string", `{"programs":"accelerator-2026"}`, "programs"},
		{"record an array", `[{"filing_id":"X"}]`, "(record)"},
		{"record a string", `"VZ-1"`, "(record)"},
		{"type error after good fields", `{"filing_id":"X","revision":1,"employees":"42"}`, "employees"},

		{"empty input", ``, ""},
		{"unterminated object", `{"filing_id":"X"`, ""},
		{"missing colon", `{"filing_id" "X"}`, ""},
		{"trailing comma", `{"filing_id":"X",}`, ""},
		{"single quotes", `{'filing_id':'X'}`, ""},
		{"NaN literal", `{"revenue":NaN}`, ""},
		{"Infinity literal", `{"revenue":Infinity}`, ""},
		{"leading zero", `{"revenue":0125}`, ""},
		{"two records", `{"filing_id":"X"} {"filing_id":"Y"}`, ""},
		{"garbage after the record", `{"filing_id":"X"}x`, ""},
		{"byte order mark", "\xef\xbb\xbf{}", ""},
		{"unterminated string", `{"filing_id":"X}`, ""},
		{"bad flags", `{"flags":{"ai":tru}}`, ""},
		{"control character in string", "{\"filing_id\":\"X\x01\"}", ""},
	}
	var golden strings.Builder
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec ictstat.FilingRecord
			err := ingest.DecodeFiling([]byte(tt.in), &rec)
			if err == nil {
				t.Fatalf("got no error, want one on field %q", tt.field)
			}
			var ie *ictstat.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("got %T (%v), want an *ictstat.InputError", err, err)
			}
			if !errors.Is(err, ictstat.ErrBadInput) {
				t.Errorf("errors.Is(%v, ErrBadInput) = false, want true", err)
			}
			if ie.Field != tt.field {
				t.Errorf("got Field %q, want %q (%v)", ie.Field, tt.field, err)
			}
			if ie.Reason == "" {
				t.Error("got empty Reason, want one")
			}
			if tt.field == "" && !strings.Contains(ie.Reason, "not valid JSON") {
				t.Errorf("got Reason %q, want it to say the JSON is not valid", ie.Reason)
			}
			fmt.Fprintf(&golden, "%s\t%s\n", tt.name, err)
		})
	}
	checkGolden(t, "decode_errors.golden", golden.String())
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
// The golden file lets a reviewer read every message a user may see.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("messages differ from %s (run go test -update and review the diff):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// FuzzDecodeFiling checks that no input makes DecodeFiling panic, that every
// error is an *ictstat.InputError, and that what it accepts survives a round
// trip through encoding/json.
func FuzzDecodeFiling(f *testing.F) {
	example := readFile(f, contractExample)
	f.Add(example)
	f.Add(example[:len(example)/2])
	f.Add([]byte(strings.Replace(string(example), "125000000", `"abc"`, 1)))
	f.Add([]byte(strings.Replace(string(example), `"revision": 1`, `"revision": 1e3`, 1)))
	f.Add([]byte(strings.Replace(string(example), `"amount": 20000000`, `"amount": null`, 1)))
	f.Add([]byte(strings.Replace(string(example), `{"ai": true, "startup": true}`, `[1, {"a": "\u00e9\ud800"}]`, 1)))
	f.Add([]byte(`{"filing_id":"VZ-\xff\u0000","revision":9223372036854775807}`))
	f.Add([]byte(`{"exports":[{"amount":-0},{}],"programs":[null,""]}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var rec ictstat.FilingRecord
		err := ingest.DecodeFiling(data, &rec)
		if err != nil {
			var ie *ictstat.InputError
			if !errors.As(err, &ie) || !errors.Is(err, ictstat.ErrBadInput) || ie.Reason == "" {
				t.Fatalf("got error %T %q, want an *ictstat.InputError with a reason", err, err)
			}
			return
		}
		// encoding/json cannot write NaN: send missing amounts as absent.
		out := rec
		for _, v := range []*float64{&out.Revenue, &out.IntermediateConsumption, &out.Wages, &out.RnDExpense} {
			if math.IsNaN(*v) {
				*v = 0
			}
		}
		enc, err := json.Marshal(&out)
		if err != nil {
			t.Fatalf("re-encoding an accepted record: %v (record %+v)", err, rec)
		}
		var again ictstat.FilingRecord
		if err := ingest.DecodeFiling(enc, &again); err != nil {
			t.Fatalf("decoding the re-encoded record %s: %v", enc, err)
		}
		if again.FilingID != rec.FilingID || again.Revision != rec.Revision {
			t.Errorf("got filing_id %q revision %d after the round trip, want %q %d", again.FilingID, again.Revision, rec.FilingID, rec.Revision)
		}
	})
}

// FuzzFilingDecoder checks FilingDecoder, the token reader bulk ingest
// uses, against DecodeFiling, which decodes through the wire struct: on
// any input, the same record or the same error, also when one decoder
// decodes one input after another.
func FuzzFilingDecoder(f *testing.F) {
	example := readFile(f, contractExample)
	f.Add(example)
	f.Add([]byte(strings.Replace(string(example), "125000000", `"abc"`, 1)))
	f.Add([]byte(`{"revision":-9223372036854775808,"employees":9223372036854775807,"revenue":1e999}`))
	f.Add([]byte(`{"employees":9223372036854775808}`))
	f.Add([]byte(`{"exports":[null,{"amount":null},{"country":"KZ","Country":"JP","x":[1]}],"exports":[{}]}`))
	f.Add([]byte(`{"programs":[null,"a"],"flags":null,"flags":{"ai":true},"revision":1,"revision":null}`))
	f.Add([]byte("{\"filing_id\":\"\xff\\ud800\",\"Filing_ID\":\"x\"}"))
	f.Add([]byte(`null`))
	f.Add([]byte(`[1]`))
	f.Add([]byte(`{"a":1} x`))
	var d ingest.FilingDecoder
	f.Fuzz(func(t *testing.T, data []byte) {
		var want, got ictstat.FilingRecord
		werr := ingest.DecodeFiling(data, &want)
		gerr := d.Decode(data, &got)
		if fmt.Sprint(werr) != fmt.Sprint(gerr) {
			t.Fatalf("%q: got error %v, DecodeFiling %v", data, gerr, werr)
		}
		if w, g := fmt.Sprintf("%#v", want), fmt.Sprintf("%#v", got); werr == nil && !reflect.DeepEqual(render(&want), render(&got)) {
			t.Fatalf("%q: got %s, DecodeFiling %s", data, g, w)
		}
	})
}

// render spells a record with its pointers followed and NaN written out,
// so that two records can be compared.
func render(r *ictstat.FilingRecord) string {
	s := fmt.Sprintf("%q %d %q %q %q %q %q %q %q %v %v %v %d %v flags=%q programs=%#v exports=",
		r.FilingID, r.Revision, r.RegistryNo, r.CompanyName, r.ISIC4, r.Zone, r.Period, r.SubmittedAt, r.Currency,
		r.Revenue, r.IntermediateConsumption, r.Wages, r.Employees, r.RnDExpense, r.Flags, r.Programs)
	if r.Exports == nil {
		return s + "nil"
	}
	for _, e := range r.Exports {
		a := "-"
		if e.Amount != nil {
			a = fmt.Sprint(*e.Amount)
		}
		s += fmt.Sprintf("{%q %q %s}", e.Country, e.EBOPS, a)
	}
	return s + "."
}
