package ingest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	goccy "github.com/goccy/go-json"

	"github.com/npit-mn/ictstat"
)

// filingExample is the example filing of sources.md, section 1.
var filingExample = filepath.Join("..", "testdata", "filings", "contract_example.json")

// compactExample is filingExample as one NDJSON line.
const compactExample = `{"filing_id":"VZ-202610-6543210","revision":1,"registry_no":"6543210","company_name":"Khan Soft LLC","isic4":"6201","zone":"UB-01","period":"2026-10","submitted_at":"2026-11-05T09:12:00+08:00","currency":"MNT","revenue":125000000,"intermediate_consumption":61000000,"wages":30000000,"employees":42,"rnd_expense":5000000,"exports":[{"country":"KZ","ebops":"SI2","amount":20000000},{"country":"JP","ebops":"SI21","amount":8000000}],"flags":{"ai":true,"startup":true},"programs":["accelerator-2026","hackathon-2025"]}`

// decodeStd decodes data as DecodeFiling did, with encoding/json.
func decodeStd(data []byte, rec *ictstat.FilingRecord) error {
	*rec = sentinelRecord()
	return json.Unmarshal(data, rec)
}

// decodeGoccy is DecodeFiling as it was before the hand-written decoder.
func decodeGoccy(data []byte, rec *ictstat.FilingRecord) error {
	*rec = sentinelRecord()
	return goccy.Unmarshal(data, rec)
}

func sentinelRecord() ictstat.FilingRecord {
	return ictstat.FilingRecord{
		Revision: -1, Employees: -1,
		Revenue: math.NaN(), IntermediateConsumption: math.NaN(), Wages: math.NaN(), RnDExpense: math.NaN(),
	}
}

// render writes the fields of rec that do not hold sentinels, so that a
// test can state a whole record on one line. Records are equal when their
// renderings are: it tells nil slices from empty ones and 0 from -0.
func render(rec *ictstat.FilingRecord) string {
	var parts []string
	add := func(k, v string) { parts = append(parts, k+"="+v) }
	for _, f := range [][2]string{{"filing_id", rec.FilingID}, {"registry_no", rec.RegistryNo},
		{"company_name", rec.CompanyName}, {"isic4", rec.ISIC4}, {"zone", rec.Zone}, {"period", rec.Period},
		{"submitted_at", rec.SubmittedAt}, {"currency", rec.Currency}} {
		if f[1] != "" {
			add(f[0], strconv.Quote(f[1]))
		}
	}
	whole := func(k string, v int64) {
		if v != -1 {
			add(k, strconv.FormatInt(v, 10))
		}
	}
	num := func(k string, v float64) {
		if !math.IsNaN(v) {
			add(k, strconv.FormatFloat(v, 'g', -1, 64))
		}
	}
	whole("revision", rec.Revision)
	whole("employees", rec.Employees)
	num("revenue", rec.Revenue)
	num("intermediate_consumption", rec.IntermediateConsumption)
	num("wages", rec.Wages)
	num("rnd_expense", rec.RnDExpense)
	if rec.Exports != nil {
		var ex []string
		for _, e := range rec.Exports {
			amount := "-"
			if e.Amount != nil {
				amount = strconv.FormatFloat(*e.Amount, 'g', -1, 64)
			}
			ex = append(ex, fmt.Sprintf("{%q %q %s}", e.Country, e.EBOPS, amount))
		}
		add("exports", "["+strings.Join(ex, ",")+"]")
	}
	if rec.Flags != nil {
		add("flags", string(rec.Flags))
	}
	if rec.Programs != nil {
		add("programs", fmt.Sprintf("%q", rec.Programs))
	}
	return strings.Join(parts, " ")
}

func TestDecodeFilingJSON(t *testing.T) {
	example, err := os.ReadFile(filingExample)
	if err != nil {
		t.Fatal(err)
	}
	const exampleWant = `filing_id="VZ-202610-6543210" registry_no="6543210" company_name="Khan Soft LLC" isic4="6201" zone="UB-01" period="2026-10" submitted_at="2026-11-05T09:12:00+08:00" currency="MNT" revision=1 employees=42 revenue=1.25e+08 intermediate_consumption=6.1e+07 wages=3e+07 rnd_expense=5e+06 exports=[{"KZ" "SI2" 2e+07},{"JP" "SI21" 8e+06}]`
	tests := []struct {
		name, in, want string
	}{
		{"contract example", string(example), exampleWant + ` flags={"ai": true, "startup": true} programs=["accelerator-2026" "hackathon-2025"]`},
		{"compact example", compactExample, exampleWant + ` flags={"ai":true,"startup":true} programs=["accelerator-2026" "hackathon-2025"]`},
		{"whitespace everywhere", " \t\r\n{ \"filing_id\" :\t\"X\" ,\n\"programs\" : [ \"a\" , \"b\" ] , \"exports\" : [ { \"amount\" : 1 } ] } \n", `filing_id="X" exports=[{"" "" 1}] programs=["a" "b"]`},
		{"empty object", `{}`, ``},
		{"null record", ` null `, ``},
		{"nulls keep sentinels", `{"filing_id":null,"revision":null,"employees":null,"revenue":null,"intermediate_consumption":null,"wages":null,"rnd_expense":null,"exports":null,"programs":null}`, ``},
		{"zeros", `{"revision":0,"employees":-0,"revenue":0,"wages":-0,"rnd_expense":0.0,"intermediate_consumption":0e5}`, `revision=0 employees=0 revenue=0 intermediate_consumption=0 wages=-0 rnd_expense=0`},
		{"last duplicate wins", `{"filing_id":"a","filing_id":"b","revenue":1,"revenue":2,"flags":1,"flags":[2]}`, `filing_id="b" revenue=2 flags=[2]`},
		{"duplicate null keeps", `{"filing_id":"a","filing_id":null,"revenue":1,"revenue":null}`, `filing_id="a" revenue=1`},
		{"flags null kept raw", `{"flags":null}`, `flags=null`},
		{"flags kept exactly", `{"flags": { "a" : [1, "x\u00e9"] , "b":{} } }`, `flags={ "a" : [1, "x\u00e9"] , "b":{} }`},
		{"flags scalar", `{"flags":"s","programs":[]}`, `flags="s" programs=[]`},
		{"exports empty", `{"exports":[]}`, `exports=[]`},
		{"exports null after array", `{"exports":[{"country":"KZ"}],"exports":null}`, ``},
		{"exports elements", `{"exports":[{"country":"KZ","ebops":"SI2","amount":-1.5,"note":{"x":[]}},null,{"amount":1,"amount":null},{"Country":"JP"}]}`, `exports=[{"KZ" "SI2" -1.5},{"" "" -},{"" "" -},{"" "" -}]`},
		{"repeated exports merge", `{"exports":[{"country":"a","amount":1}],"exports":[{"ebops":"b"},{"ebops":"c"}]}`, `exports=[{"a" "b" 1},{"" "c" -}]`},
		{"repeated exports keep truncated", `{"exports":[{"country":"a"},{"country":"b"}],"exports":[{}],"exports":[null,{}]}`, `exports=[{"a" "" -},{"b" "" -}]`},
		{"empty exports forget", `{"exports":[{"country":"a"}],"exports":[],"exports":[{}]}`, `exports=[{"" "" -}]`},
		{"programs", `{"programs":["a",null,""],"programs":[null,null,null,"d"]}`, `programs=["a" "" "" "d"]`},
		{"unknown keys skipped", `{"x":{"a":[1,-2.5E+3,"s\"\\\u00e9",true,false,null,{}],"b":{}},"y":[],"z":"\ud800","filing_id":"X"}`, `filing_id="X"`},
		{"case variant keys unknown", `{"Filing_ID":"X","REVENUE":1,"exports":[{"COUNTRY":"KZ"}]}`, `exports=[{"" "" -}]`},
		{"escaped key", `{"filing\u005fid":"X","\u0072evenue":1}`, `filing_id="X" revenue=1`},
		{"escapes", `{"filing_id":"\"\\\/\b\f\n\r\t\u00e9\u4e2d\ud83d\ude00"}`, `filing_id="\"\\/\b\f\n\r\té中😀"`},
		{"lone surrogates", `{"filing_id":"\ud800x","zone":"\udc00","period":"\ud800\u0041","currency":"\ud800\ud800\ude00"}`, `filing_id="�x" zone="�" period="�A" currency="�\U00010200"`},
		{"invalid UTF-8", "{\"filing_id\":\"a\xffb\",\"zone\":\"\xc3\",\"period\":\"\xed\xa0\x80\",\"programs\":[\"\xe2\x82\"]}", `filing_id="a�b" zone="�" period="���" programs=["��"]`},
		{"Cyrillic", `{"company_name":"Хан Софт ХХК","zone":"УБ-01"}`, `company_name="Хан Софт ХХК" zone="УБ-01"`},
		{"numbers", `{"revenue":1.5,"wages":1e2,"rnd_expense":1E+2,"intermediate_consumption":1e-400}`, `revenue=1.5 intermediate_consumption=0 wages=100 rnd_expense=100`},
		{"long numbers", `{"revenue":9007199254740993,"wages":123456789012345678901234567890,"rnd_expense":0.1000000000000000055511151231257827}`, `revenue=9.007199254740992e+15 wages=1.2345678901234568e+29 rnd_expense=0.1`},
		{"int64 range", `{"revision":-9223372036854775808,"employees":9223372036854775807}`, `revision=-9223372036854775808 employees=9223372036854775807`},
		{"19 digits", `{"revision":1000000000000000000,"employees":-999999999999999999}`, `revision=1000000000000000000 employees=-999999999999999999`},

		{"revenue a string", `{"revenue":"abc"}`, `revenue: want a number, got string`},
		{"revenue out of range", `{"revenue":1e400}`, `revenue: want a number, got number 1e400`},
		{"wages a boolean", `{"wages":false}`, `wages: want a number, got bool`},
		{"rnd_expense an object", `{"rnd_expense":{}}`, `rnd_expense: want a number, got object`},
		{"revision a fraction", `{"revision":1.0}`, `revision: want a whole number, got number 1.0`},
		{"revision exponent", `{"revision":1e3}`, `revision: want a whole number, got number 1e3`},
		{"revision too big", `{"revision":9223372036854775808}`, `revision: want a whole number, got number 9223372036854775808`},
		{"employees too small", `{"employees":-99999999999999999999}`, `employees: want a whole number, got number -99999999999999999999`},
		{"employees an array", `{"employees":[1]}`, `employees: want a whole number, got array`},
		{"filing_id a number", `{"filing_id":5}`, `filing_id: want a string, got number`},
		{"currency an array", `{"currency":["MNT"]}`, `currency: want a string, got array`},
		{"exports an object", `{"exports":{}}`, `exports: want an array, got object`},
		{"exports element a number", `{"exports":[{},1]}`, `exports.1: want ictstat.ExportRecord, got number`},
		{"exports country a number", `{"exports":[{},{"country":1}]}`, `exports.1.country: want a string, got number`},
		{"exports amount a string", `{"exports":[{"amount":"1"}]}`, `exports.0.amount: want a number, got string`},
		{"exports amount out of range", `{"exports":[{"amount":-1e400}]}`, `exports.0.amount: want a number, got number -1e400`},
		{"programs a string", `{"programs":"a"}`, `programs: want an array, got string`},
		{"programs element an object", `{"programs":["a",{}]}`, `programs.1: want a string, got object`},
		{"record an array", `[{"filing_id":"X"}]`, `(record): want ictstat.FilingRecord, got array`},
		{"record a number", `1`, `(record): want ictstat.FilingRecord, got number`},
		{"record a boolean", `true`, `(record): want ictstat.FilingRecord, got bool`},
		{"first type error wins", `{"revenue":"a","wages":"b"}`, `revenue: want a number, got string`},
		{"syntax error beats type error", `{"revenue":"a","x":tru}`, `not valid JSON at byte 23: invalid character '}' in literal true (expecting 'e')`},

		{"empty input", ``, `not valid JSON at byte 0: unexpected end of JSON input`},
		{"only whitespace", " \n\t", `not valid JSON at byte 3: unexpected end of JSON input`},
		{"not a value", `x`, `not valid JSON at byte 1: invalid character 'x' looking for beginning of value`},
		{"byte order mark", "\xef\xbb\xbf{}", `not valid JSON at byte 1: invalid character 'ï' looking for beginning of value`},
		{"garbage after the record", `{} x`, `not valid JSON at byte 4: invalid character 'x' after top-level value`},
		{"two records", `{}{}`, `not valid JSON at byte 3: invalid character '{' after top-level value`},
		{"unterminated object", `{"a":1`, `not valid JSON at byte 6: unexpected end of JSON input`},
		{"missing colon", `{"a" 1}`, `not valid JSON at byte 6: invalid character '1' after object key`},
		{"missing comma", `{"a":1 "b":2}`, `not valid JSON at byte 8: invalid character '"' after object key:value pair`},
		{"trailing comma in object", `{"a":1,}`, `not valid JSON at byte 8: invalid character '}' looking for beginning of object key string`},
		{"key not a string", `{a:1}`, `not valid JSON at byte 2: invalid character 'a' looking for beginning of object key string`},
		{"missing value", `{"a":}`, `not valid JSON at byte 6: invalid character '}' looking for beginning of value`},
		{"trailing comma in array", `{"programs":["a",]}`, `not valid JSON at byte 18: invalid character ']' looking for beginning of value`},
		{"missing comma in array", `{"exports":[{} {}]}`, `not valid JSON at byte 16: invalid character '{' after array element`},
		{"unterminated array", `{"flags":[1,`, `not valid JSON at byte 12: unexpected end of JSON input`},
		{"unterminated string", `{"filing_id":"X`, `not valid JSON at byte 15: unexpected end of JSON input`},
		{"control character", "{\"filing_id\":\"X\x01\"}", `not valid JSON at byte 16: invalid character '\x01' in string literal`},
		{"control character in key", "{\"a\tb\":1}", `not valid JSON at byte 4: invalid character '\t' in string literal`},
		{"control character skipped", "{\"x\":[\"\n\"]}", `not valid JSON at byte 8: invalid character '\n' in string literal`},
		{"bad escape", `{"zone":"\q"}`, `not valid JSON at byte 11: invalid character 'q' in string escape code`},
		{"bad escape skipped", `{"x":"\'"}`, `not valid JSON at byte 8: invalid character '\'' in string escape code`},
		{"bad hex", `{"zone":"\u12g4"}`, `not valid JSON at byte 14: invalid character 'g' in \u hexadecimal character escape`},
		{"bad hex after surrogate", `{"zone":"\ud800\u12x4"}`, `not valid JSON at byte 20: invalid character 'x' in \u hexadecimal character escape`},
		{"short hex", `{"zone":"\u12`, `not valid JSON at byte 13: invalid character ' ' in \u hexadecimal character escape`},
		{"NaN", `{"revenue":NaN}`, `not valid JSON at byte 12: invalid character 'N' looking for beginning of value`},
		{"plus sign", `{"revenue":+1}`, `not valid JSON at byte 12: invalid character '+' looking for beginning of value`},
		{"leading zero", `{"revenue":0125}`, `not valid JSON at byte 13: invalid character '1' after object key:value pair`},
		{"lone minus", `{"revenue":-}`, `not valid JSON at byte 13: invalid character '}' in numeric literal`},
		{"minus letter", `{"x":-a}`, `not valid JSON at byte 7: invalid character 'a' in numeric literal`},
		{"bare decimal point", `{"revision":1.}`, `not valid JSON at byte 15: invalid character '}' after decimal point in numeric literal`},
		{"bare exponent", `{"revision":1e}`, `not valid JSON at byte 15: invalid character '}' in exponent of numeric literal`},
		{"bare exponent sign", `{"x":[1E-]}`, `not valid JSON at byte 10: invalid character ']' in exponent of numeric literal`},
		{"number at the end", `-`, `not valid JSON at byte 1: invalid character ' ' in numeric literal`},
		{"escape at the end", `"\`, `not valid JSON at byte 2: invalid character ' ' in string escape code`},
		{"bad literal", `{"flags":{"ai":tru}}`, `not valid JSON at byte 19: invalid character '}' in literal true (expecting 'e')`},
		{"bad null", `{"revenue":nil}`, `not valid JSON at byte 13: invalid character 'i' in literal null (expecting 'u')`},
		{"bad false", `{"x":fals`, `not valid JSON at byte 9: invalid character ' ' in literal false (expecting 'e')`},
		{"too deep", `{"flags":` + strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth) + `}`, `not valid JSON at byte 10009: invalid character '[' exceeded max depth`},
		{"deep enough", `{"x":` + strings.Repeat(`{"a":`, maxDepth-1) + `1` + strings.Repeat("}", maxDepth-1) + `}`, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec ictstat.FilingRecord
			got := ""
			if err := DecodeFiling([]byte(tt.in), &rec); err != nil {
				var ie *ictstat.InputError
				if !errors.As(err, &ie) || !errors.Is(err, ictstat.ErrBadInput) {
					t.Fatalf("got %T (%v), want an *ictstat.InputError", err, err)
				}
				got = err.Error()
			} else {
				got = render(&rec)
			}
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			checkAgainstStd(t, []byte(tt.in))
		})
	}
}

// sharedInputs returns records of every kind that share the blocks of a
// decoder: plain, with escapes, with empty lists, bigger than a block.
func sharedInputs(n int) []string {
	in := make([]string, n)
	for i := range in {
		id := fmt.Sprintf(`"VZ-%d"`, i)
		switch i % 4 {
		case 0:
			in[i] = strings.Replace(compactExample, `"VZ-202610-6543210"`, id, 1)
		case 1:
			in[i] = strings.Replace(compactExample, `"Khan Soft LLC"`, `"Khan \"Soft\" \u00e9 `+id[1:], 1)
		case 2:
			in[i] = fmt.Sprintf(`{"filing_id":%s,"exports":[],"programs":null,"flags":[%d]}`, id, i)
		case 3:
			in[i] = strings.Replace(compactExample, `"Khan Soft LLC"`, `"`+strings.Repeat("Khan ", 1000)+id[1:], 1)
		}
	}
	return in
}

// TestDecodeFilingJSONShared checks that records which share blocks do not
// change each other, nor change with their input, and that appending to
// their slices leaves the others alone.
func TestDecodeFilingJSONShared(t *testing.T) {
	inputs := sharedInputs(300)
	recs := make([]ictstat.FilingRecord, len(inputs))
	want := make([]string, len(inputs))
	for i, in := range inputs {
		data := []byte(in)
		if err := DecodeFiling(data, &recs[i]); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		var std ictstat.FilingRecord
		if err := decodeStd(data, &std); err != nil {
			t.Fatal(err)
		}
		want[i] = render(&std)
		for j := range data {
			data[j] = 'x'
		}
	}
	for i := range recs {
		if got := render(&recs[i]); got != want[i] {
			t.Fatalf("record %d changed:\ngot  %s\nwant %s", i, got, want[i])
		}
	}
	// Appending to the slices of a record, or writing over its flags, must
	// leave the other records alone.
	for i := range recs {
		r := &recs[i]
		// Up to the capacity, which must be the length.
		_ = append(r.Flags, bytes.Repeat([]byte("x"), cap(r.Flags)-len(r.Flags))...)
		_ = append(r.Programs, slices.Repeat([]string{"x"}, cap(r.Programs)-len(r.Programs))...)
		_ = append(r.Exports, slices.Repeat([]ictstat.ExportRecord{{Country: "XX"}}, cap(r.Exports)-len(r.Exports))...)
		for j := range r.Flags {
			r.Flags[j] = 'x'
		}
		r.Flags = nil
	}
	for i := range recs {
		var std ictstat.FilingRecord
		if err := decodeStd([]byte(inputs[i]), &std); err != nil {
			t.Fatal(err)
		}
		std.Flags = nil
		if got, want := render(&recs[i]), render(&std); got != want {
			t.Fatalf("record %d changed with the others:\ngot  %s\nwant %s", i, got, want)
		}
	}
}

// TestDecodeFilingJSONConcurrent decodes from several goroutines at once,
// for the race detector to watch the pool and the shared blocks.
func TestDecodeFilingJSONConcurrent(t *testing.T) {
	inputs := sharedInputs(40)
	want := make([]string, len(inputs))
	for i, in := range inputs {
		var std ictstat.FilingRecord
		if err := decodeStd([]byte(in), &std); err != nil {
			t.Fatal(err)
		}
		want[i] = render(&std)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := range 4 {
		wg.Go(func() {
			var rec ictstat.FilingRecord
			for n := range 200 {
				i := (n + g*7) % len(inputs)
				if err := DecodeFiling([]byte(inputs[i]), &rec); err != nil || render(&rec) != want[i] {
					errs <- fmt.Sprintf("goroutine %d, record %d: got %s (%v), want %s", g, i, render(&rec), err, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// checkAgainstStd compares the decoder with encoding/json on data.
// checkAliasDecoder checks that a FilingDecoder decodes data as
// DecodeFiling did (want, wantErr), the first time and again after another
// record, with its buffers in use.
func checkAliasDecoder(t *testing.T, data []byte, want *ictstat.FilingRecord, wantErr error) {
	t.Helper()
	var dec FilingDecoder
	for i, other := range []string{"", compactExample} {
		var rec ictstat.FilingRecord
		if other != "" {
			if err := dec.Decode([]byte(other), &rec); err != nil {
				t.Fatal(err)
			}
		}
		err := dec.Decode(data, &rec)
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Fatalf("FilingDecoder (%d): error %v, DecodeFiling %v", i, err, wantErr)
		}
		if err == nil && render(&rec) != render(want) {
			t.Fatalf("FilingDecoder (%d):\n%s\nDecodeFiling:\n%s", i, render(&rec), render(want))
		}
	}
}

func checkAgainstStd(t *testing.T, data []byte) {
	t.Helper()
	var got, want ictstat.FilingRecord
	gerr := DecodeFiling(data, &got)
	werr := decodeStd(data, &want)
	checkAliasDecoder(t, data, &got, gerr)
	var ie *ictstat.InputError
	if gerr != nil && !errors.As(gerr, &ie) {
		t.Fatalf("got error %T %v, want an *ictstat.InputError", gerr, gerr)
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(werr, &se):
		msg := fmt.Sprintf("not valid JSON at byte %d: %s", se.Offset, se)
		if gerr == nil || ie.Reason != msg || ie.Field != "" {
			t.Fatalf("got error %v, want %s", gerr, msg)
		}
	case hasCaseVariantKey(data):
		// encoding/json matches keys ignoring case; this decoder does not.
	case errors.As(werr, &te):
		// encoding/json leaves the element indexes out of Field.
		var parts []string
		for p := range strings.SplitSeq(ie.Field, ".") {
			if _, err := strconv.Atoi(p); err != nil {
				parts = append(parts, p)
			}
		}
		want := map[reflect.Kind]string{reflect.Float64: "a number", reflect.Pointer: "a number",
			reflect.Int64: "a whole number", reflect.String: "a string", reflect.Slice: "an array"}[te.Type.Kind()]
		if want == "" {
			want = te.Type.String()
		}
		wantField, wantReason := cmp.Or(te.Field, "(record)"), "want "+want+", got "+te.Value
		if gerr == nil || strings.Join(parts, ".") != wantField || ie.Reason != wantReason {
			t.Fatalf("%q: got error %v, want %s: %s", data, gerr, wantField, wantReason)
		}
	case werr != nil:
		t.Fatalf("encoding/json: unexpected error %T %v", werr, werr)
	case gerr != nil:
		t.Fatalf("got error %v, want %s", gerr, render(&want))
	case render(&got) != render(&want):
		t.Fatalf("%q: got\n%s\nwant\n%s", data, render(&got), render(&want))
	}
}

// knownKeys are the keys of FilingRecord and ExportRecord.
var knownKeys = []string{"filing_id", "revision", "registry_no", "company_name", "isic4", "zone", "period",
	"submitted_at", "currency", "revenue", "intermediate_consumption", "wages", "employees", "rnd_expense",
	"exports", "flags", "programs", "country", "ebops", "amount"}

// hasCaseVariantKey reports whether valid JSON data holds, at any depth, a
// key that encoding/json takes for a known key spelt otherwise. It reads
// tokens rather than a decoded value, as a map keeps only the last of
// repeated keys while encoding/json decodes them all.
func hasCaseVariantKey(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()     // else a number out of range ends the walk
	var inObject []bool // per open object or array: is it an object
	wantKey := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			inObject = append(inObject, tok == json.Delim('{'))
			wantKey = tok == json.Delim('{')
			continue
		case json.Delim('}'), json.Delim(']'):
			inObject = inObject[:len(inObject)-1]
		default:
			if k, ok := tok.(string); ok && wantKey {
				for _, known := range knownKeys {
					if k != known && strings.EqualFold(k, known) {
						return true
					}
				}
				wantKey = false
				continue
			}
		}
		// A value ended: in an object, a key comes next.
		if len(inObject) == 0 {
			return false
		}
		wantKey = inObject[len(inObject)-1]
	}
}

// TestDecodeFilingJSONRandom checks records built at random from the parts
// the decoder tells apart, whole, cut short and with a byte changed,
// against encoding/json.
func TestDecodeFilingJSONRandom(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	pick := func(s ...string) string { return s[rnd.IntN(len(s))] }
	ws := func() string { return pick("", "", "", " ", "\t", "\n ", "\r\n") }
	var value func(depth int) string
	str := func() string {
		return `"` + pick("", "a", "VZ-1", "Хан", `\"`, `\\`, `\/`, `\n`, `\u00e9`, `\ud83d\ude00`, `\ud800`, `\udc00x`, "\xff", "\xc3", "x\x7f") +
			pick("", "b", `\t`, "é") + `"`
	}
	number := func() string {
		return pick("", "-") + pick("0", "1", "42", "125000000", "9007199254740993", "123456789012345678901", "9223372036854775807", "9223372036854775808") +
			pick("", "", ".5", ".0", ".25") + pick("", "", "e3", "E-2", "e+400", "e400")
	}
	object := func(keys []string, depth int) string {
		var b strings.Builder
		b.WriteString("{" + ws())
		for k := range rnd.IntN(6) {
			if k > 0 {
				b.WriteString("," + ws())
			}
			b.WriteString(`"` + pick(keys...) + `"` + ws() + ":" + ws() + value(depth+1) + ws())
		}
		return b.String() + "}"
	}
	value = func(depth int) string {
		switch n := rnd.IntN(9); {
		case n < 3:
			return str()
		case n < 5:
			return number()
		case n == 5:
			return pick("true", "false", "null", "null")
		case n == 6 && depth < 4:
			return object([]string{"country", "ebops", "amount", "x", ""}, depth)
		case depth < 4:
			var b strings.Builder
			b.WriteString("[" + ws())
			for k := range rnd.IntN(4) {
				if k > 0 {
					b.WriteString("," + ws())
				}
				b.WriteString(value(depth + 1))
			}
			return b.String() + ws() + "]"
		}
		return "null"
	}
	keys := append(slices.Clone(knownKeys[:17]), "x", "comment", "filing\\u005fid", "Revenue")
	for range 20000 {
		doc := ws() + object(keys, 0) + ws()
		checkAgainstStd(t, []byte(doc))
		cut := rnd.IntN(len(doc) + 1)
		checkAgainstStd(t, []byte(doc[:cut]))
		b := []byte(doc)
		b[rnd.IntN(len(b))] = pick(`"`, "\\", ",", ":", "}", "]", "{", "[", "0", "-", ".", "e", "x", " ", "\x01", "\xff")[0]
		checkAgainstStd(t, b)
	}
}

// FuzzDecodeFilingDiff checks the decoder against encoding/json: the same
// record when it accepts the input, an error when it finds no JSON.
func FuzzDecodeFilingDiff(f *testing.F) {
	example, err := os.ReadFile(filingExample)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add([]byte(compactExample))
	for _, r := range [][2]string{
		{`"Khan Soft LLC"`, `"Хан \"Софт\"\n\u00e9\ud83d\ude00"`},
		{`"6543210"`, `"65\ud800x\udc00"`},
		{`125000000`, `-1.25e+8`},
		{`125000000`, `"abc"`},
		{`125000000`, `1e400`},
		{`"revision":1`, `"revision":1.0`},
		{`"revision":1`, `"revision":-9223372036854775808`},
		{`42`, `null`},
		{`20000000`, `null`},
		{`{"ai":true,"startup":true}`, `[1, {"a": "\u00e9\ud800"}, null, false, -0.5E-3]`},
		{`{"ai":true,"startup":true}`, `null`},
		{`"programs":`, `"x":{"y":[[{}]]},"programs":null,"programs":`},
		{`"exports":`, `"exports":[{"country":"a"},{"ebops":"b"}],"exports":`},
		{`[{"country":"KZ"`, `[null,{"country":"KZ"`},
		{`"filing_id"`, `"filing\u005fid"`},
		{`"filing_id"`, `"Filing_ID"`},
		{`"MNT"}`, `"MNT"},"MNT"`},
		{`"2026-10"`, "\"2026\xff\xc3\""},
		{`"zone":"UB-01",`, `"zone":"UB-01",,`},
		{`8000000}`, `8000000]`},
		{`"hackathon-2025"]`, `"hackathon-2025",]`},
	} {
		f.Add([]byte(strings.Replace(compactExample, r[0], r[1], 1)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAgainstStd(t, data)
	})
}

// BenchmarkDecodeFiling compares the decoder with github.com/goccy/go-json,
// which DecodeFiling used before, on the contract example as a file holds
// it and as an NDJSON line, compact or with the spaces of Python's
// json.dumps.
func BenchmarkDecodeFiling(b *testing.B) {
	example, err := os.ReadFile(filingExample)
	if err != nil {
		b.Fatal(err)
	}
	for _, in := range []struct {
		name string
		data []byte
	}{
		{"pretty", example},
		{"compact", []byte(compactExample)},
		{"python", []byte(strings.NewReplacer(`,"`, `, "`, `":`, `": `).Replace(compactExample))},
	} {
		for _, dec := range []struct {
			name   string
			decode func([]byte, *ictstat.FilingRecord) error
		}{{"goccy", decodeGoccy}, {"new", DecodeFiling}} {
			b.Run(in.name+"/"+dec.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(in.data)))
				var rec ictstat.FilingRecord
				for b.Loop() {
					if err := dec.decode(in.data, &rec); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
