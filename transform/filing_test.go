package transform_test

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
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/transform"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func ptr(v float64) *float64 { return &v }

// validRecord returns the filing of the contract's example (sources.md,
// section 1) as the decoder would hand it on. Numbers a test wants missing
// must be set to the decoder's sentinels: math.NaN() for amounts, -1 for
// revision and employees.
func validRecord() ictstat.FilingRecord {
	return ictstat.FilingRecord{
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
}

// usdTable holds USD rates for October 2026 averaging 3410, and rates of
// other months and currencies that must not leak into it.
func usdTable() *transform.FXTable {
	oct := func(day int) ictstat.Date { return ictstat.DateOf(time.Date(2026, 10, day, 0, 0, 0, 0, time.UTC)) }
	return transform.MonthlyFX([]ictstat.FXRate{
		{Date: oct(1), Currency: "USD", MNTPerUnit: 3400},
		{Date: oct(15), Currency: "USD", MNTPerUnit: 3410},
		{Date: oct(31), Currency: "USD", MNTPerUnit: 3420},
		{Date: ictstat.MonthDate(2026, 9), Currency: "USD", MNTPerUnit: 3000},
		{Date: ictstat.MonthDate(2026, 11), Currency: "USD", MNTPerUnit: 4000},
		{Date: oct(2), Currency: "EUR", MNTPerUnit: 3900},
	})
}

// TestValidateFilingRules breaks one rule of the contract per case, starting
// from a valid record, and checks that the error names the field.
func TestValidateFilingRules(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(r *ictstat.FilingRecord)
		fx    *transform.FXTable // nil: no table (MNT needs none)
		field string
	}{
		// filing_id: present, at most 64 bytes of letters, digits and -_.:
		{"filing_id missing", func(r *ictstat.FilingRecord) { r.FilingID = "" }, nil, "filing_id"},
		{"filing_id too long", func(r *ictstat.FilingRecord) { r.FilingID = strings.Repeat("A", 65) }, nil, "filing_id"},
		{"filing_id invalid UTF-8", func(r *ictstat.FilingRecord) { r.FilingID = "VZ-\xff" }, nil, "filing_id"},
		{"filing_id control character", func(r *ictstat.FilingRecord) { r.FilingID = "VZ-\x01" }, nil, "filing_id"},
		{"filing_id space", func(r *ictstat.FilingRecord) { r.FilingID = "VZ 202610" }, nil, "filing_id"},
		{"filing_id slash", func(r *ictstat.FilingRecord) { r.FilingID = "VZ/202610" }, nil, "filing_id"},
		{"filing_id non-ASCII letter", func(r *ictstat.FilingRecord) { r.FilingID = "ВЗ-202610" }, nil, "filing_id"},

		// revision: present, 1 to MaxInt32.
		{"revision missing", func(r *ictstat.FilingRecord) { r.Revision = -1 }, nil, "revision"},
		{"revision zero", func(r *ictstat.FilingRecord) { r.Revision = 0 }, nil, "revision"},
		{"revision negative", func(r *ictstat.FilingRecord) { r.Revision = -2 }, nil, "revision"},
		{"revision beyond int32", func(r *ictstat.FilingRecord) { r.Revision = math.MaxInt32 + 1 }, nil, "revision"},

		// registry_no: 7 digits.
		{"registry_no missing", func(r *ictstat.FilingRecord) { r.RegistryNo = "" }, nil, "registry_no"},
		{"registry_no 6 digits", func(r *ictstat.FilingRecord) { r.RegistryNo = "654321" }, nil, "registry_no"},
		{"registry_no 8 digits", func(r *ictstat.FilingRecord) { r.RegistryNo = "65432100" }, nil, "registry_no"},
		{"registry_no letter", func(r *ictstat.FilingRecord) { r.RegistryNo = "65432a0" }, nil, "registry_no"},

		// company_name: present, at most 300 bytes of printable UTF-8.
		{"company_name missing", func(r *ictstat.FilingRecord) { r.CompanyName = "" }, nil, "company_name"},
		{"company_name too long", func(r *ictstat.FilingRecord) { r.CompanyName = strings.Repeat("x", 301) }, nil, "company_name"},
		{"company_name invalid UTF-8", func(r *ictstat.FilingRecord) { r.CompanyName = "Khan \xc3" }, nil, "company_name"},
		{"company_name newline", func(r *ictstat.FilingRecord) { r.CompanyName = "Khan\nSoft" }, nil, "company_name"},
		{"company_name DEL", func(r *ictstat.FilingRecord) { r.CompanyName = "Khan\x7fSoft" }, nil, "company_name"},

		// isic4: an ISIC Rev.4 class.
		{"isic4 missing", func(r *ictstat.FilingRecord) { r.ISIC4 = "" }, nil, "isic4"},
		{"isic4 group only", func(r *ictstat.FilingRecord) { r.ISIC4 = "620" }, nil, "isic4"},
		{"isic4 five digits", func(r *ictstat.FilingRecord) { r.ISIC4 = "62011" }, nil, "isic4"},
		{"isic4 unknown division", func(r *ictstat.FilingRecord) { r.ISIC4 = "0400" }, nil, "isic4"},
		{"isic4 letter", func(r *ictstat.FilingRecord) { r.ISIC4 = "62a1" }, nil, "isic4"},

		// zone: present, at most 32 ID characters.
		{"zone missing", func(r *ictstat.FilingRecord) { r.Zone = "" }, nil, "zone"},
		{"zone too long", func(r *ictstat.FilingRecord) { r.Zone = strings.Repeat("U", 33) }, nil, "zone"},
		{"zone space", func(r *ictstat.FilingRecord) { r.Zone = "UB 01" }, nil, "zone"},

		// period: YYYY-MM, not after the month of submitted_at.
		{"period missing", func(r *ictstat.FilingRecord) { r.Period = "" }, nil, "period"},
		{"period slash", func(r *ictstat.FilingRecord) { r.Period = "2026/10" }, nil, "period"},
		{"period month 13", func(r *ictstat.FilingRecord) { r.Period = "2026-13" }, nil, "period"},
		{"period with day", func(r *ictstat.FilingRecord) { r.Period = "2026-10-01" }, nil, "period"},
		{"period after submission month", func(r *ictstat.FilingRecord) { r.Period = "2026-12" }, nil, "period"},
		{"period after submission across year", func(r *ictstat.FilingRecord) {
			r.Period, r.SubmittedAt = "2027-01", "2026-12-31T23:59:59+08:00"
		}, nil, "period"},

		// submitted_at: RFC 3339.
		{"submitted_at missing", func(r *ictstat.FilingRecord) { r.SubmittedAt = "" }, nil, "submitted_at"},
		{"submitted_at date only", func(r *ictstat.FilingRecord) { r.SubmittedAt = "2026-11-05" }, nil, "submitted_at"},
		{"submitted_at no zone", func(r *ictstat.FilingRecord) { r.SubmittedAt = "2026-11-05T09:12:00" }, nil, "submitted_at"},
		{"submitted_at space", func(r *ictstat.FilingRecord) { r.SubmittedAt = "2026-11-05 09:12:00+08:00" }, nil, "submitted_at"},

		// currency: MNT or USD, USD with a rate for the period.
		{"currency missing", func(r *ictstat.FilingRecord) { r.Currency = "" }, nil, "currency"},
		{"currency EUR", func(r *ictstat.FilingRecord) { r.Currency = "EUR" }, usdTable(), "currency"},
		{"currency lower case", func(r *ictstat.FilingRecord) { r.Currency = "mnt" }, nil, "currency"},
		{"currency USD without table", func(r *ictstat.FilingRecord) { r.Currency = "USD" }, nil, "currency"},
		{"currency USD without rate of the month", func(r *ictstat.FilingRecord) {
			r.Currency, r.Period = "USD", "2026-08"
		}, usdTable(), "currency"},

		// Amounts: finite, non-negative; revenue and intermediate consumption required.
		{"revenue missing", func(r *ictstat.FilingRecord) { r.Revenue = math.NaN() }, nil, "revenue"},
		{"revenue negative", func(r *ictstat.FilingRecord) { r.Revenue = -1 }, nil, "revenue"},
		{"revenue infinite", func(r *ictstat.FilingRecord) { r.Revenue = math.Inf(1) }, nil, "revenue"},
		{"revenue huge", func(r *ictstat.FilingRecord) { r.Revenue = 1e19 }, nil, "revenue"},
		{"intermediate_consumption missing", func(r *ictstat.FilingRecord) { r.IntermediateConsumption = math.NaN() }, nil, "intermediate_consumption"},
		{"intermediate_consumption negative", func(r *ictstat.FilingRecord) { r.IntermediateConsumption = -0.01 }, nil, "intermediate_consumption"},
		{"intermediate_consumption -Inf", func(r *ictstat.FilingRecord) { r.IntermediateConsumption = math.Inf(-1) }, nil, "intermediate_consumption"},
		{"wages negative", func(r *ictstat.FilingRecord) { r.Wages = -5 }, nil, "wages"},
		{"wages infinite", func(r *ictstat.FilingRecord) { r.Wages = math.Inf(1) }, nil, "wages"},
		{"rnd_expense negative", func(r *ictstat.FilingRecord) { r.RnDExpense = -1 }, nil, "rnd_expense"},
		{"rnd_expense infinite", func(r *ictstat.FilingRecord) { r.RnDExpense = math.Inf(1) }, nil, "rnd_expense"},

		// employees: present, 0 to 10 million.
		{"employees missing", func(r *ictstat.FilingRecord) { r.Employees = -1 }, nil, "employees"},
		{"employees negative", func(r *ictstat.FilingRecord) { r.Employees = -2 }, nil, "employees"},
		{"employees too many", func(r *ictstat.FilingRecord) { r.Employees = 10_000_001 }, nil, "employees"},

		// exports: at most 1000 entries of an ISO country, an EBOPS code and an amount.
		{"exports too many", func(r *ictstat.FilingRecord) {
			r.Exports = make([]ictstat.ExportRecord, 1001)
			for i := range r.Exports {
				r.Exports[i] = ictstat.ExportRecord{Country: "KZ", EBOPS: "SI2", Amount: ptr(1)}
			}
		}, nil, "exports"},
		{"exports country missing", func(r *ictstat.FilingRecord) { r.Exports[0].Country = "" }, nil, "exports[0].country"},
		{"exports country lower case", func(r *ictstat.FilingRecord) { r.Exports[0].Country = "kz" }, nil, "exports[0].country"},
		{"exports country unassigned", func(r *ictstat.FilingRecord) { r.Exports[1].Country = "XX" }, nil, "exports[1].country"},
		{"exports country is Mongolia", func(r *ictstat.FilingRecord) { r.Exports[1].Country = "MN" }, nil, "exports[1].country"},
		{"exports country alpha-3", func(r *ictstat.FilingRecord) { r.Exports[1].Country = "JPN" }, nil, "exports[1].country"},
		{"exports ebops missing", func(r *ictstat.FilingRecord) { r.Exports[0].EBOPS = "" }, nil, "exports[0].ebops"},
		{"exports ebops not EBOPS", func(r *ictstat.FilingRecord) { r.Exports[1].EBOPS = "XI2" }, nil, "exports[1].ebops"},
		{"exports ebops lower case", func(r *ictstat.FilingRecord) { r.Exports[1].EBOPS = "si21" }, nil, "exports[1].ebops"},
		{"exports amount missing", func(r *ictstat.FilingRecord) { r.Exports[1].Amount = nil }, nil, "exports[1].amount"},
		{"exports amount NaN", func(r *ictstat.FilingRecord) { r.Exports[0].Amount = ptr(math.NaN()) }, nil, "exports[0].amount"},
		{"exports amount negative", func(r *ictstat.FilingRecord) { r.Exports[0].Amount = ptr(-1) }, nil, "exports[0].amount"},
		{"exports amount infinite", func(r *ictstat.FilingRecord) { r.Exports[1].Amount = ptr(math.Inf(1)) }, nil, "exports[1].amount"},

		// flags: absent, null or an object of booleans.
		{"flags array", func(r *ictstat.FilingRecord) { r.Flags = json.RawMessage(`[true]`) }, nil, "flags"},
		{"flags boolean", func(r *ictstat.FilingRecord) { r.Flags = json.RawMessage(`true`) }, nil, "flags"},
		{"flags string value", func(r *ictstat.FilingRecord) { r.Flags = json.RawMessage(`{"ai": "yes"}`) }, nil, "flags"},
		{"flags number value", func(r *ictstat.FilingRecord) { r.Flags = json.RawMessage(`{"ai": 1}`) }, nil, "flags"},

		// programs: at most 100 names of at most 100 printable bytes.
		{"programs too many", func(r *ictstat.FilingRecord) {
			r.Programs = make([]string, 101)
			for i := range r.Programs {
				r.Programs[i] = fmt.Sprintf("p%d", i)
			}
		}, nil, "programs"},
		{"programs empty name", func(r *ictstat.FilingRecord) { r.Programs[1] = "" }, nil, "programs[1]"},
		{"programs name too long", func(r *ictstat.FilingRecord) { r.Programs[0] = strings.Repeat("p", 101) }, nil, "programs[0]"},
		{"programs control character", func(r *ictstat.FilingRecord) { r.Programs[1] = "hack\tathon" }, nil, "programs[1]"},
	}
	var golden strings.Builder
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := validRecord()
			tt.edit(&rec)
			_, e := transform.ValidateFiling(&rec, tt.fx)
			if e == nil {
				t.Fatalf("got no error, want one on field %q", tt.field)
			}
			if e.Field != tt.field {
				t.Errorf("got Field %q, want %q (%v)", e.Field, tt.field, e)
			}
			if e.Reason == "" {
				t.Errorf("got empty Reason, want one")
			}
			if !errors.Is(e, ictstat.ErrBadInput) {
				t.Errorf("errors.Is(%v, ErrBadInput) = false, want true", e)
			}
			fmt.Fprintf(&golden, "%s\t%s\n", tt.name, e.Error())
		})
	}
	checkGolden(t, "validate_errors.golden", golden.String())
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

// TestValidateFilingContractExample checks every column of the contract's
// example filing, with the derived measures computed here independently.
func TestValidateFilingContractExample(t *testing.T) {
	rec := validRecord()
	got, e := transform.ValidateFiling(&rec, nil)
	if e != nil {
		t.Fatalf("got error %v, want nil", e)
	}
	period := ictstat.MonthDate(2026, 10)
	want := ictstat.Filing{
		FilingID:                "VZ-202610-6543210",
		Revision:                1,
		RegistryNo:              "6543210",
		CompanyName:             "Khan Soft LLC",
		ISIC4:                   "6201",
		ISICDivision:            "62",
		ICTSector:               true,
		Zone:                    "UB-01",
		Period:                  period,
		SubmittedAt:             time.Date(2026, 11, 5, 1, 12, 0, 0, time.UTC).UnixMicro(),
		Currency:                "MNT",
		Revenue:                 125000000,
		IntermediateConsumption: 61000000,
		Wages:                   ptr(30000000),
		Employees:               42,
		RnDExpense:              ptr(5000000),
		FXRate:                  1,
		RevenueMNT:              125000000,
		IntermediateMNT:         61000000,
		WagesMNT:                ptr(30000000),
		RnDExpenseMNT:           ptr(5000000),
		GVAMNT:                  64000000, // 125 000 000 - 61 000 000
		ExportsMNT:              28000000, // 20 000 000 + 8 000 000
		ExportLines:             2,
		AI:                      true,
		Startup:                 true,
		Flags:                   `{"ai": true, "startup": true}`,
		Programs:                []string{"accelerator-2026", "hackathon-2025"},
		Exports: []ictstat.Export{
			{FilingID: "VZ-202610-6543210", Revision: 1, RegistryNo: "6543210", Period: period, Country: "KZ", EBOPS: "SI2", ICTService: true, Amount: 20000000, Currency: "MNT", AmountMNT: 20000000},
			{FilingID: "VZ-202610-6543210", Revision: 1, RegistryNo: "6543210", Period: period, Country: "JP", EBOPS: "SI21", ICTService: true, Amount: 8000000, Currency: "MNT", AmountMNT: 8000000},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}

// TestValidateFilingAccepts covers records that are valid although they may
// look suspicious, and checks what is derived from them.
func TestValidateFilingAccepts(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(r *ictstat.FilingRecord)
		fx    *transform.FXTable
		check func(t *testing.T, f ictstat.Filing)
	}{
		{"optional amounts missing", func(r *ictstat.FilingRecord) {
			r.Wages, r.RnDExpense = math.NaN(), math.NaN()
		}, nil, func(t *testing.T, f ictstat.Filing) {
			if f.Wages != nil || f.WagesMNT != nil {
				t.Errorf("got Wages %v, WagesMNT %v, want nil, nil", f.Wages, f.WagesMNT)
			}
			if f.RnDExpense != nil || f.RnDExpenseMNT != nil {
				t.Errorf("got RnDExpense %v, RnDExpenseMNT %v, want nil, nil", f.RnDExpense, f.RnDExpenseMNT)
			}
		}},
		{"zero amounts are not missing", func(r *ictstat.FilingRecord) {
			r.Revenue, r.IntermediateConsumption, r.Wages, r.RnDExpense, r.Employees = 0, 0, 0, 0, 0
			r.Exports[0].Amount = ptr(0)
		}, nil, func(t *testing.T, f ictstat.Filing) {
			if f.Wages == nil || *f.Wages != 0 || f.RnDExpense == nil || *f.RnDExpense != 0 {
				t.Errorf("got Wages %v, RnDExpense %v, want pointers to 0", f.Wages, f.RnDExpense)
			}
			if f.GVAMNT != 0 || f.Employees != 0 || f.ExportsMNT != 8000000 {
				t.Errorf("got GVAMNT %g, Employees %d, ExportsMNT %g, want 0, 0, 8e6", f.GVAMNT, f.Employees, f.ExportsMNT)
			}
		}},
		{"USD converted at the monthly average, originals kept", func(r *ictstat.FilingRecord) {
			r.Currency = "USD"
			r.Revenue, r.IntermediateConsumption, r.Wages, r.RnDExpense = 36000, 10000, 5000, 1000
			r.Exports[0].Amount, r.Exports[1].Amount = ptr(2000), ptr(500)
		}, usdTable(), func(t *testing.T, f ictstat.Filing) {
			const rate = 3410 // (3400 + 3410 + 3420) / 3
			if f.Currency != "USD" || f.FXRate != rate {
				t.Errorf("got Currency %s, FXRate %g, want USD, %d", f.Currency, f.FXRate, rate)
			}
			if f.Revenue != 36000 || f.IntermediateConsumption != 10000 || *f.Wages != 5000 || *f.RnDExpense != 1000 {
				t.Errorf("got originals %g, %g, %g, %g, want 36000, 10000, 5000, 1000", f.Revenue, f.IntermediateConsumption, *f.Wages, *f.RnDExpense)
			}
			if f.RevenueMNT != 122760000 || f.IntermediateMNT != 34100000 || *f.WagesMNT != 17050000 || *f.RnDExpenseMNT != 3410000 {
				t.Errorf("got MNT %g, %g, %g, %g, want 122760000, 34100000, 17050000, 3410000", f.RevenueMNT, f.IntermediateMNT, *f.WagesMNT, *f.RnDExpenseMNT)
			}
			if f.GVAMNT != 88660000 { // (36000 - 10000) * 3410
				t.Errorf("got GVAMNT %g, want 88660000", f.GVAMNT)
			}
			if f.ExportsMNT != 8525000 { // (2000 + 500) * 3410
				t.Errorf("got ExportsMNT %g, want 8525000", f.ExportsMNT)
			}
			for i, want := range []struct{ amount, mnt float64 }{{2000, 6820000}, {500, 1705000}} {
				x := f.Exports[i]
				if x.Amount != want.amount || x.AmountMNT != want.mnt || x.Currency != "USD" {
					t.Errorf("exports[%d]: got %g %s = %g MNT, want %g USD = %g MNT", i, x.Amount, x.Currency, x.AmountMNT, want.amount, want.mnt)
				}
			}
		}},
		{"MNT ignores the table", func(r *ictstat.FilingRecord) {}, usdTable(), func(t *testing.T, f ictstat.Filing) {
			if f.FXRate != 1 || f.RevenueMNT != f.Revenue {
				t.Errorf("got FXRate %g, RevenueMNT %g, want 1, %g", f.FXRate, f.RevenueMNT, f.Revenue)
			}
		}},
		{"GVA negative when consumption exceeds revenue", func(r *ictstat.FilingRecord) {
			r.Revenue, r.IntermediateConsumption = 1000, 1500.5
		}, nil, func(t *testing.T, f ictstat.Filing) {
			if want := 1000 - 1500.5; f.GVAMNT != want {
				t.Errorf("got GVAMNT %g, want %g", f.GVAMNT, want)
			}
		}},
		{"period equal to the submission month", func(r *ictstat.FilingRecord) { r.Period = "2026-11" }, nil, func(t *testing.T, f ictstat.Filing) {
			if want := ictstat.MonthDate(2026, 11); f.Period != want {
				t.Errorf("got Period %s, want %s", f.Period, want)
			}
			for i, x := range f.Exports {
				if x.Period != f.Period {
					t.Errorf("exports[%d]: got Period %s, want %s", i, x.Period, f.Period)
				}
			}
		}},
		{"period of the previous year", func(r *ictstat.FilingRecord) {
			r.Period, r.SubmittedAt = "2026-12", "2027-01-02T10:00:00Z"
		}, nil, func(t *testing.T, f ictstat.Filing) {
			if want := ictstat.MonthDate(2026, 12); f.Period != want {
				t.Errorf("got Period %s, want %s", f.Period, want)
			}
		}},
		{"submission month read in its own offset", func(r *ictstat.FilingRecord) {
			// 2026-12-01 00:30 in Ulaanbaatar is still November in UTC.
			r.Period, r.SubmittedAt = "2026-12", "2026-12-01T00:30:00+08:00"
		}, nil, func(t *testing.T, f ictstat.Filing) {
			if want := time.Date(2026, 11, 30, 16, 30, 0, 0, time.UTC).UnixMicro(); f.SubmittedAt != want {
				t.Errorf("got SubmittedAt %d, want %d (UTC)", f.SubmittedAt, want)
			}
		}},
		{"non-ICT class kept but flagged", func(r *ictstat.FilingRecord) { r.ISIC4 = "4711" }, nil, func(t *testing.T, f ictstat.Filing) {
			if f.ICTSector || f.ISIC4 != "4711" || f.ISICDivision != "47" {
				t.Errorf("got ICTSector %v, ISIC4 %s, ISICDivision %s, want false, 4711, 47", f.ICTSector, f.ISIC4, f.ISICDivision)
			}
		}},
		{"other EBOPS code kept but flagged", func(r *ictstat.FilingRecord) { r.Exports[1].EBOPS = "SJ" }, nil, func(t *testing.T, f ictstat.Filing) {
			if !f.Exports[0].ICTService || f.Exports[1].ICTService || f.Exports[1].EBOPS != "SJ" {
				t.Errorf("got ICTService %v, %v (%s), want true, false (SJ)", f.Exports[0].ICTService, f.Exports[1].ICTService, f.Exports[1].EBOPS)
			}
			if f.ExportsMNT != 28000000 {
				t.Errorf("got ExportsMNT %g, want 28000000: flagged exports still count", f.ExportsMNT)
			}
		}},
		{"no exports", func(r *ictstat.FilingRecord) { r.Exports = nil }, nil, func(t *testing.T, f ictstat.Filing) {
			if f.Exports != nil || f.ExportLines != 0 || f.ExportsMNT != 0 {
				t.Errorf("got Exports %v, ExportLines %d, ExportsMNT %g, want nil, 0, 0", f.Exports, f.ExportLines, f.ExportsMNT)
			}
		}},
		{"no flags", func(r *ictstat.FilingRecord) { r.Flags = nil }, nil, func(t *testing.T, f ictstat.Filing) {
			if f.AI || f.Startup || f.Flags != "" {
				t.Errorf("got AI %v, Startup %v, Flags %q, want false, false, \"\"", f.AI, f.Startup, f.Flags)
			}
		}},
		{"flags null", func(r *ictstat.FilingRecord) { r.Flags = json.RawMessage("null") }, nil, func(t *testing.T, f ictstat.Filing) {
			if f.AI || f.Startup {
				t.Errorf("got AI %v, Startup %v, want false, false", f.AI, f.Startup)
			}
		}},
		{"unknown flags kept", func(r *ictstat.FilingRecord) {
			r.Flags = json.RawMessage(`{"ai": false, "startup": true, "women_led": true}`)
		}, nil, func(t *testing.T, f ictstat.Filing) {
			if f.AI || !f.Startup || !strings.Contains(f.Flags, "women_led") {
				t.Errorf("got AI %v, Startup %v, Flags %q, want false, true and women_led kept", f.AI, f.Startup, f.Flags)
			}
		}},
		{"no programs", func(r *ictstat.FilingRecord) { r.Programs = nil }, nil, func(t *testing.T, f ictstat.Filing) {
			if len(f.Programs) != 0 {
				t.Errorf("got Programs %q, want none", f.Programs)
			}
		}},
		{"limits reached but not passed", func(r *ictstat.FilingRecord) {
			r.FilingID = strings.Repeat("A", 64)
			r.CompanyName = "Хан Софт ХХК " + strings.Repeat("x", 300-len("Хан Софт ХХК "))
			r.Zone = strings.Repeat("Z", 32)
			r.Revision = math.MaxInt32
			r.Employees = 10_000_000
			r.Revenue = 1e18
		}, nil, func(t *testing.T, f ictstat.Filing) {
			if f.Revision != math.MaxInt32 || f.Employees != 10_000_000 || len(f.CompanyName) != 300 {
				t.Errorf("got Revision %d, Employees %d, len(CompanyName) %d, want %d, 10000000, 300", f.Revision, f.Employees, len(f.CompanyName), math.MaxInt32)
			}
		}},
	}
	var shared transform.Validator // one for every case in turn, as a worker uses it
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := validRecord()
			tt.edit(&rec)
			f, e := transform.ValidateFiling(&rec, tt.fx)
			if e != nil {
				t.Fatalf("got error %v, want nil", e)
			}
			if g, e := shared.Validate(&rec, tt.fx); e != nil || !reflect.DeepEqual(g, f) {
				t.Errorf("a reused Validator gives %+v, %v; ValidateFiling %+v", g, e, f)
			}
			if want := transform.GVA(f.RevenueMNT, f.IntermediateMNT); f.GVAMNT != want {
				t.Errorf("got GVAMNT %g, want %g", f.GVAMNT, want)
			}
			if int(f.ExportLines) != len(rec.Exports) || len(f.Exports) != len(rec.Exports) {
				t.Errorf("got ExportLines %d and %d exports, want %d", f.ExportLines, len(f.Exports), len(rec.Exports))
			}
			tt.check(t, f)
		})
	}
}

func TestGVA(t *testing.T) {
	tests := []struct{ revenue, ic, want float64 }{
		{125000000, 61000000, 64000000},
		{0, 0, 0},
		{100, 250, -150},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.revenue, "-", tt.ic), func(t *testing.T) {
			if got := transform.GVA(tt.revenue, tt.ic); got != tt.want {
				t.Errorf("GVA(%g, %g) = %g, want %g", tt.revenue, tt.ic, got, tt.want)
			}
		})
	}
}

func ExampleValidateFiling() {
	amount := 20000000.0
	rec := ictstat.FilingRecord{
		FilingID: "VZ-202610-6543210", Revision: 1, RegistryNo: "6543210", CompanyName: "Khan Soft LLC",
		ISIC4: "6201", Zone: "UB-01", Period: "2026-10", SubmittedAt: "2026-11-05T09:12:00+08:00",
		Currency: "MNT", Revenue: 125000000, IntermediateConsumption: 61000000,
		Wages: math.NaN(), RnDExpense: math.NaN(), // not reported
		Employees: 42,
		Exports:   []ictstat.ExportRecord{{Country: "KZ", EBOPS: "SI2", Amount: &amount}},
	}
	f, err := transform.ValidateFiling(&rec, nil) // MNT needs no exchange rates
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("GVA: %.0f MNT, ICT sector: %v, exports: %.0f MNT\n", f.GVAMNT, f.ICTSector, f.ExportsMNT)
	// Output: GVA: 64000000 MNT, ICT sector: true, exports: 20000000 MNT
}
