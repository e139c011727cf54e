package ingest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/npit-mn/ictstat"
)

// obs is the part of a change the table tests compare.
type obs struct {
	action  byte
	key     string // dataflow|freq|ref|cp|flow|item|period
	agg     bool
	value   string // "" when the row gives none, "nil" for NaN, else the scaled value
	mult    int32
	unit    string
	status  string
	line    int64
	hasMult bool
}

func toObs(ch ictstat.BopChange) obs {
	r := ch.Row
	o := obs{action: byte(ch.Action), agg: r.Aggregate, mult: r.UnitMult, unit: r.UnitMeasure, status: r.ObsStatus, line: r.SourceLine, hasMult: ch.HasUnitMult,
		key: strings.Join([]string{r.Dataflow, r.Freq, r.RefArea, r.CounterpartArea, r.Flow, r.ServiceItem, r.TimePeriod}, "|")}
	switch {
	case !ch.HasValue:
	case r.Value == nil:
		o.value = "nil"
	default:
		o.value = strconv.FormatFloat(*r.Value, 'f', -1, 64)
	}
	return o
}

func TestReadSDMXCSV(t *testing.T) {
	const df = "BOM:ICT_SERV(1.0)"
	cases := []struct {
		name    string
		in      string
		version SDMXVersion
		sep     byte
		want    []obs
		bad     []int64 // lines quarantined
	}{
		{
			name:    "1.0 as in the contract",
			in:      "DATAFLOW,FREQ,REF_AREA,COUNTERPART_AREA,FLOW,SERVICE_ITEM,TIME_PERIOD,OBS_VALUE,UNIT_MULT,UNIT_MEASURE,OBS_STATUS\nBOM:ICT_SERV(1.0),Q,MN,KZ,C,SI2,2025-Q4,3.25,6,USD,P\n",
			version: 1, sep: ',',
			want: []obs{{action: 'I', key: df + "|Q|MN|KZ|C|SI2|2025-Q4", value: "3250000", mult: 6, unit: "USD", status: "P", line: 2, hasMult: true}},
		},
		{
			name: "1.0 without UNIT_MULT, CRLF, W1 aggregate, missing value with M, extra columns",
			in: "DATAFLOW,KEY,FREQ,REF_AREA,COUNTERPART_AREA,FLOW,SERVICE_ITEM,TIME_PERIOD,OBS_VALUE,OBS_STATUS,DECIMALS\r\n" +
				"BOM:ICT_SERV(1.0),Q.MN.W1,A,MN,W1,C,SI,2024,120.5,A,1\r\n" +
				"BOM:ICT_SERV(1.0),x,M,MN,4A,C,SI,2024-07,,M,1\r\n",
			version: 1, sep: ',',
			want: []obs{
				{action: 'I', key: df + "|A|MN|W1|C|SI|2024", agg: true, value: "120.5", status: "A", line: 2},
				{action: 'I', key: df + "|M|MN|4A|C|SI|2024-07", agg: true, status: "M", line: 3},
			},
		},
		{
			name: "2.0 with ; BOM, quoted fields, any column order, decimal comma, ACTION",
			in: "\ufeffSTRUCTURE;STRUCTURE_ID;ACTION;OBS_VALUE;TIME_PERIOD;SERVICE_ITEM;FLOW;COUNTERPART_AREA;REF_AREA;FREQ;OBS_STATUS;UNIT_MULT;COMMENT\n" +
				"dataflow;BOM:ICT_SERV(1.0);A;\"1,5\";2024-Q1;SI;C;JP;MN;Q;E;3;\"a; b \"\"quoted\"\"\n second line\"\n" +
				"dataflow;\"BOM:ICT_SERV(1.0)\";R;2.25;2024-M02;SI1;C;US;MN;M;;;\n" +
				"datastructure;BOM:ICT_SERV(1.0);D;;2024-Q1;SI;C;JP;MN;Q;;;\n" +
				"dataflow;BOM:ICT_SERV(1.0);D;-;;;C;RU;MN;;;;\n",
			version: 2, sep: ';',
			want: []obs{
				{action: 'A', key: df + "|Q|MN|JP|C|SI|2024-Q1", value: "1500", mult: 3, status: "E", line: 2, hasMult: true},
				{action: 'R', key: df + "|M|MN|US|C|SI1|2024-02", value: "2.25", line: 4},
				{action: 'D', key: df + "|Q|MN|JP|C|SI|2024-Q1", line: 5},
				{action: 'D', key: df + "||MN|RU|C||", line: 6},
			},
		},
		{
			name: "2.0 tab, STRUCTURE[;], no ACTION column, labels=both",
			in: "STRUCTURE[;]\tSTRUCTURE_ID\tFREQ: Frequency\tREF_AREA: Reference area\tCOUNTERPART_AREA: Counterpart\tFLOW: Flow\tSERVICE_ITEM: Item\tTIME_PERIOD: Time\tOBS_VALUE: Value\tUNIT_MEASURE: Unit\n" +
				"dataflow\tBOM:ICT_SERV(1.0): ICT services\tS: Half-yearly\tMN: Mongolia\tKR: Korea\tC: Credit\tSI3: Information services\t2023-S2: 2023-S2\t7\tUSD: US dollar\n",
			version: 2, sep: '\t',
			want: []obs{{action: 'I', key: df + "|S|MN|KR|C|SI3|2023-S2", value: "7", unit: "USD", line: 2}},
		},
		{
			name: "records quarantined, the rest kept",
			in: "DATAFLOW,FREQ,REF_AREA,COUNTERPART_AREA,FLOW,SERVICE_ITEM,TIME_PERIOD,OBS_VALUE,UNIT_MULT,OBS_STATUS\n" +
				"BOM:ICT_SERV(1.0),Q,MN,KZ,C,SI,2024-13,1,6,A\n" + // 2 bad period
				"BOM:ICT_SERV(1.0),Q,MN,KZ,C,SI,2024-07,1,6,A\n" + // 3 period not of FREQ
				"BOM:ICT_SERV(1.0),Q,MN,KZ,C,SI,2024-Q1,1.2.3,6,A\n" + // 4 not a number
				"BOM:ICT_SERV(1.0),W,MN,KZ,C,SI,2024-Q1,1,6,A\n" + // 5 FREQ
				"BOM:ICT_SERV(1.0),Q,MN,XX,C,SI,2024-Q1,1,6,A\n" + // 6 area
				"BOM:ICT_SERV(1.0),Q,MN,KZ,C,SI,2024-Q1,1,6\n" + // 7 ragged row
				"BOM:ICT_SERV(1.0),Q,MN,KZ,X,SI,2024-Q1,1,6,A\n" + // 8 FLOW
				"BOM:ICT_SERV(1.0),Q,MN,KZ,C,SI,2024-Q1,1,six,A\n" + // 9 UNIT_MULT
				"BOM:ICT_SERV(1.0),Q,MN,,C,SI,2024-Q1,1,6,A\n" + // 10 empty key in a non-D row
				"BOM:ICT_SERV(1.0),Q,MN,KZ,C,SI,2024-Q1,1e400,0,A\n" + // 11 overflow
				"BOM:ICT_SERV(1.0),Q,MN,KZ,C,SI,2024-Q2,0x10,0,A\n" + // 12 hex is not SDMX
				"BOM:ICT_SERV(1.0),Q,MN,KZ,C,SI,2024-Q3,NaN,0,M\n", // 13 good: NaN is missing
			version: 1, sep: ',',
			want: []obs{{action: 'I', key: df + "|Q|MN|KZ|C|SI|2024-Q3", value: "nil", status: "M", line: 13, hasMult: true}},
			bad:  []int64{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			changes, bad, info, err := ReadSDMXCSV(strings.NewReader(c.in), "f.csv")
			if err != nil {
				t.Fatal(err)
			}
			if info.Version != c.version || info.Separator != c.sep {
				t.Errorf("got version %d separator %q, want %d %q", info.Version, info.Separator, c.version, c.sep)
			}
			if len(changes) != len(c.want) {
				t.Fatalf("got %d changes %+v, want %d", len(changes), changes, len(c.want))
			}
			for i, w := range c.want {
				if got := toObs(changes[i]); got != w {
					t.Errorf("change %d: got %+v, want %+v", i, got, w)
				}
			}
			var lines []int64
			for _, b := range bad {
				lines = append(lines, b.Line)
				if b.Reason == "" || b.Raw == "" || b.Origin != "f.csv" {
					t.Errorf("quarantined %+v: want origin, reason and raw", b)
				}
			}
			if fmt.Sprint(lines) != fmt.Sprint(c.bad) {
				t.Errorf("got quarantined lines %v, want %v; %+v", lines, c.bad, bad)
			}
		})
	}
}

func TestReadSDMXCSVReasons(t *testing.T) {
	in := "DATAFLOW,FREQ,REF_AREA,COUNTERPART_AREA,FLOW,SERVICE_ITEM,TIME_PERIOD,OBS_VALUE\n" +
		"BOM:ICT_SERV(1.0),Q,MN,KZ,C,SI,2024-07,1\n" +
		"BOM:ICT_SERV(1.0),Q,MN,KZ,C,SI,2024-Q1,abc\n" +
		"BOM:ICT_SERV(1.0),Q,MN,XX,C,SI,2024-Q1,1\n"
	_, bad, _, err := ReadSDMXCSV(strings.NewReader(in), "f.csv")
	if err != nil || len(bad) != 3 {
		t.Fatalf("got %v, %+v", err, bad)
	}
	for i, want := range []string{"TIME_PERIOD: \"2024-07\" is a month (FREQ M) but FREQ is Q", "OBS_VALUE: \"abc\" is not a number", "COUNTERPART_AREA: \"XX\""} {
		if !strings.Contains(bad[i].Reason, want) {
			t.Errorf("reason %d: got %q, want it to contain %q", i, bad[i].Reason, want)
		}
	}
}

func TestReadSDMXCSVRefusesFiles(t *testing.T) {
	head := "DATAFLOW,FREQ,REF_AREA,COUNTERPART_AREA,FLOW,SERVICE_ITEM,TIME_PERIOD,OBS_VALUE\n"
	cases := []struct {
		name, in string
		line     int64
		field    string
	}{
		{"empty", "", 1, "column 1"},
		{"plain CSV", "date,currency,mnt_per_unit\n2026-10-01,USD,3450\n", 1, "column 1"},
		{"JSON", `{"filing_id":"VZ-1"}`, 1, "column 1"},
		{"header only word", "STRUCTURE\n", 1, "column 1"},
		{"STRUCTURE_ID first", "STRUCTURE_ID,STRUCTURE\n", 1, "column 1"},
		{"missing column", "DATAFLOW,FREQ,REF_AREA,FLOW,SERVICE_ITEM,TIME_PERIOD,OBS_VALUE\n", 1, "COUNTERPART_AREA"},
		{"2.0 missing STRUCTURE_ID", "STRUCTURE,ACTION,FREQ,REF_AREA,COUNTERPART_AREA,FLOW,SERVICE_ITEM,TIME_PERIOD\n", 1, "STRUCTURE_ID"},
		{"doubled column", "DATAFLOW,FREQ,REF_AREA,COUNTERPART_AREA,FLOW,SERVICE_ITEM,TIME_PERIOD,OBS_VALUE,freq\n", 1, "FREQ"},
		{"bare quote", head + "BOM:ICT_SERV(1.0),Q,MN,KZ,C,SI,2024-Q1,1\nBOM:ICT_SERV(1.0),Q,M\"N,KZ,C,SI,2024-Q1,1\n", 3, "character 22"},
		{"unterminated quote", head + "BOM:ICT_SERV(1.0),Q,MN,KZ,C,SI,2024-Q1,\"1\n", 2, "character"},
		{"text after quote", head + "BOM:ICT_SERV(1.0),\"Q\"x,MN,KZ,C,SI,2024-Q1,1\n", 2, "character"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ch, bad, _, err := ReadSDMXCSV(strings.NewReader(c.in), "f.csv")
			var ie *ictstat.InputError
			if !errors.As(err, &ie) || !errors.Is(err, ictstat.ErrBadInput) {
				t.Fatalf("got %v (%d changes, %d bad), want an InputError", err, len(ch), len(bad))
			}
			if ie.File != "f.csv" || ie.Line != c.line || !strings.HasPrefix(ie.Field, c.field) {
				t.Errorf("got %q (line %d, field %q), want line %d field %s", err, ie.Line, ie.Field, c.line, c.field)
			}
		})
	}
}

func TestParseSDMXPeriod(t *testing.T) {
	cases := []struct {
		in, freq, label string
		start           string
		ok              bool
	}{
		{"2024", "A", "2024", "2024-01-01", true},
		{"2024-A1", "", "2024", "2024-01-01", true},
		{"2024-S2", "S", "2024-S2", "2024-07-01", true},
		{"2024-Q3", "Q", "2024-Q3", "2024-07-01", true},
		{"2024-Q4", "", "2024-Q4", "2024-10-01", true},
		{"2024-07", "M", "2024-07", "2024-07-01", true},
		{"2024-M12", "M", "2024-12", "2024-12-01", true},
		{"2024-Q3", "M", "", "", false},
		{"2024", "Q", "", "", false},
		{"2024-Q5", "", "", "", false},
		{"2024-Q0", "", "", "", false},
		{"2024-S3", "", "", "", false},
		{"2024-00", "", "", "", false},
		{"2024-13", "", "", "", false},
		{"2024-7", "", "", "", false},
		{"2024-q3", "", "", "", false},
		{"24-Q3", "", "", "", false},
		{"1899", "", "", "", false},
		{"2024-01-15", "", "", "", false},
		{"2024-W01", "", "", "", false},
	}
	for _, c := range cases {
		p, err := ParseSDMXPeriod(c.in, c.freq)
		if (err == nil) != c.ok {
			t.Errorf("%s (FREQ %q): got %+v, %v; want ok=%v", c.in, c.freq, p, err, c.ok)
			continue
		}
		if c.ok && (p.Label != c.label || p.Start.String() != c.start || int(p.Year) != 2024) {
			t.Errorf("%s: got %s starting %s year %d, want %s starting %s", c.in, p.Label, p.Start, p.Year, c.label, c.start)
		}
	}
}

func TestScaledValue(t *testing.T) {
	cases := []struct {
		obs  float64
		mult int32
		want float64
	}{{3.1, 6, 3_100_000}, {3.25, 6, 3_250_000}, {0.001, 3, 1}, {1.5, 0, 1.5}, {-2.5, 2, -250}, {12345, -3, 12.345}, {0.1, 1, 1}}
	for _, c := range cases {
		if got := ictstat.ScaledValue(c.obs, c.mult); got != c.want {
			t.Errorf("ScaledValue(%v, %d) = %v, want %v", c.obs, c.mult, got, c.want)
		}
	}
}

// TestSDMXSamples reads the bundled synthetic files without a bad row.
func TestSDMXSamples(t *testing.T) {
	for name, want := range map[string]int{"bop_2019q1_2025q3.csv": 1296, "bop_update_2025q4.csv": 148} {
		f, err := os.Open(filepath.Join("..", "testdata", "exports", name))
		if err != nil {
			t.Fatal(err)
		}
		ch, bad, _, err := ReadSDMXCSV(f, name)
		f.Close()
		if err != nil || len(bad) != 0 || len(ch) != want {
			t.Errorf("%s: got %d changes, %d bad (%+v), %v; want %d clean rows", name, len(ch), len(bad), bad, err, want)
		}
	}
}

func FuzzSDMXCSV(f *testing.F) {
	f.Add([]byte("DATAFLOW,FREQ,REF_AREA,COUNTERPART_AREA,FLOW,SERVICE_ITEM,TIME_PERIOD,OBS_VALUE,UNIT_MULT,UNIT_MEASURE,OBS_STATUS\nBOM:ICT_SERV(1.0),Q,MN,KZ,C,SI2,2025-Q4,3.25,6,USD,P\n"))
	f.Add([]byte("\ufeffSTRUCTURE[;];STRUCTURE_ID;ACTION;FREQ;REF_AREA;COUNTERPART_AREA;FLOW;SERVICE_ITEM;TIME_PERIOD;OBS_VALUE;UNIT_MULT\r\ndataflow;A:B(1.0);D;;MN;W1;C;;;-;\r\ndataflow;A:B(1.0);R;M;MN;US;C;SI;2024-M02;\"1,5\";30\r\n"))
	f.Add([]byte("STRUCTURE\tSTRUCTURE_ID\tFREQ: F\tREF_AREA\tCOUNTERPART_AREA\tFLOW\tSERVICE_ITEM\tTIME_PERIOD\ndataflow\tX: y\tS: s\tMN\t4A\tD\tS\t2023-S1\n"))
	f.Add([]byte("\"DATAFLOW\",x\n\"a\"\"b\",\n"))
	f.Add([]byte("DATAFLOW,FREQ,REF_AREA,COUNTERPART_AREA,FLOW,SERVICE_ITEM,TIME_PERIOD,OBS_VALUE\n\"\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		changes, bad, _, err := ReadSDMXCSV(strings.NewReader(string(data)), "fuzz.csv")
		if err != nil {
			if !errors.Is(err, ictstat.ErrBadInput) || len(changes)+len(bad) != 0 {
				t.Fatalf("error %v with %d changes: want an ErrBadInput and nothing else", err, len(changes))
			}
			return
		}
		for _, ch := range changes {
			r := ch.Row
			if ch.Action != ictstat.BopDelete {
				if r.Freq == "" || r.RefArea == "" || r.CounterpartArea == "" || r.Flow == "" || r.ServiceItem == "" || r.TimePeriod == "" {
					t.Fatalf("change %+v: an observation without its whole key", ch)
				}
				if p, err := ParseSDMXPeriod(r.TimePeriod, r.Freq); err != nil || p.Label != r.TimePeriod || p.Start != r.PeriodStart {
					t.Fatalf("change %+v: period %q does not parse back: %v", ch, r.TimePeriod, err)
				}
			}
			if (r.ObsValue == nil) != (r.Value == nil) {
				t.Fatalf("change %+v: obs_value and value disagree", ch)
			}
		}
		for _, b := range bad {
			if b.Reason == "" || b.Line < 2 {
				t.Fatalf("quarantined %+v without a reason or line", b)
			}
			if !utf8.Valid(data) {
				continue // raw holds U+FFFD in place of the bad bytes
			}
			// What a quarantine replay relies on: the raw text reads again
			// as the same bad row.
			ch, again, _, err := ReadSDMXCSV(strings.NewReader(b.Raw), "fuzz.csv")
			if err != nil || len(ch) != 0 || len(again) != 1 || again[0].Reason != b.Reason {
				t.Fatalf("raw %q of %+v reads again as %v, %v, %v", b.Raw, b, ch, again, err)
			}
		}
	})
}

// TestParseSDMXNumberExact checks the fast path against strconv: the
// number and its scaled value are the float64 nearest the exact decimal.
func TestParseSDMXNumberExact(t *testing.T) {
	seed := uint64(1)
	for i := range 20000 {
		seed = seed*6364136223846793005 + 1442695040888963407
		digits := strconv.FormatUint(seed>>(seed%40), 10)
		frac := int(seed>>50) % (len(digits) + 1)
		s := digits[:len(digits)-frac] + "." + digits[len(digits)-frac:]
		if i%3 == 0 {
			s = "-" + s
		}
		mult := int32(seed>>56)%13 - 3
		v, sv, ok := parseSDMXNumber(s, ',', mult)
		want, err := strconv.ParseFloat(s, 64)
		wantScaled, err2 := strconv.ParseFloat(s+"e"+strconv.Itoa(int(mult)), 64)
		if !ok || err != nil || err2 != nil || v != want || sv != wantScaled {
			t.Fatalf("%s × 10^%d: got %v %v %v, want %v %v", s, mult, v, sv, ok, want, wantScaled)
		}
	}
}

// TestSDMXQuarantineRaw checks that a quarantined row's raw text is the
// header and the row, with the file's separator and quoting, and that
// ReadSDMXCSV reads it again to the same reason: what a quarantine replay
// relies on.
func TestSDMXQuarantineRaw(t *testing.T) {
	for _, tc := range []struct {
		name, in, raw, reason string
	}{
		{
			name: "1.0 with labels and a quoted separator",
			in: "\ufeffDATAFLOW;FREQ: Frequency;REF_AREA;COUNTERPART_AREA: Partner area;FLOW;SERVICE_ITEM;TIME_PERIOD;OBS_VALUE\n" +
				"BOM:ICT_SERV(1.0);Q: Quarterly;MN;\"XK: Kosovo; region\";C;SI2;2025-Q4;3,5\n",
			raw: "DATAFLOW;FREQ: Frequency;REF_AREA;COUNTERPART_AREA: Partner area;FLOW;SERVICE_ITEM;TIME_PERIOD;OBS_VALUE\n" +
				"BOM:ICT_SERV(1.0);Q: Quarterly;MN;\"XK: Kosovo; region\";C;SI2;2025-Q4;3,5",
			reason: `COUNTERPART_AREA: "XK" is neither`,
		},
		{
			name:   "2.0 with ACTION and a wrong field count",
			in:     "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,COUNTERPART_AREA,FLOW,SERVICE_ITEM,TIME_PERIOD,OBS_VALUE\r\ndataflow,BOM:ICT_SERV(1.0),D,Q,MN\r\n",
			raw:    "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,COUNTERPART_AREA,FLOW,SERVICE_ITEM,TIME_PERIOD,OBS_VALUE\ndataflow,BOM:ICT_SERV(1.0),D,Q,MN",
			reason: "5 fields: the header has 10",
		},
		{
			name:   "a lone empty quoted field",
			in:     "DATAFLOW|FREQ|REF_AREA|COUNTERPART_AREA|FLOW|SERVICE_ITEM|TIME_PERIOD|OBS_VALUE\n\"\"\n",
			raw:    "DATAFLOW|FREQ|REF_AREA|COUNTERPART_AREA|FLOW|SERVICE_ITEM|TIME_PERIOD|OBS_VALUE\n\"\"",
			reason: "1 fields: the header has 8",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, bad, _, err := ReadSDMXCSV(strings.NewReader(tc.in), "f.csv")
			if err != nil || len(bad) != 1 {
				t.Fatalf("got %v, %v; want one bad row", bad, err)
			}
			if bad[0].Raw != tc.raw || !strings.Contains(bad[0].Reason, tc.reason) {
				t.Fatalf("got raw %q, reason %q; want raw %q, reason with %q", bad[0].Raw, bad[0].Reason, tc.raw, tc.reason)
			}
			ch, again, _, err := ReadSDMXCSV(strings.NewReader(bad[0].Raw), "f.csv")
			if err != nil || len(ch) != 0 || len(again) != 1 || again[0].Reason != bad[0].Reason || again[0].Raw != bad[0].Raw {
				t.Errorf("re-reading the raw text gave %v, %v, %v; want the same bad row", ch, again, err)
			}
		})
	}
}
