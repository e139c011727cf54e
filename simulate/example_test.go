package simulate_test

import (
	"fmt"
	"io"

	"github.com/npit-mn/ictstat/simulate"
)

func ExampleWriteNDJSON() {
	st, err := simulate.WriteNDJSON(io.Discard, simulate.Options{Seed: 42}, 10_000, 0.01)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st.Rows == st.Valid+st.Invalid, st.Rows)
	// Output: true 10000
}

func ExampleWorld_Filings() {
	w := simulate.NewWorld(simulate.Options{Companies: 50, Months: 12})
	var originals, amendments int
	err := w.Filings(func(f *simulate.Filing) error {
		if f.Revision == 1 {
			originals++
		} else {
			amendments++
		}
		return nil
	})
	fmt.Println(err, originals+amendments == w.FilingCount(), w.Periods()[0])
	// Output: <nil> true 2025-11
}

func ExampleFiling_AppendJSON() {
	f := simulate.Filing{FilingID: "VZ-202610-6543210", Revision: 1, RegistryNo: "6543210",
		CompanyName: "Khan Soft LLC", ISIC4: "6201", Zone: "UB-01", Period: "2026-10", Currency: "MNT",
		Revenue: 125e6, IntermediateConsumption: 61e6, Wages: 30e6, Employees: 42}
	fmt.Println(string(f.AppendJSON(nil)))
	// Output: {"filing_id":"VZ-202610-6543210","revision":1,"registry_no":"6543210","company_name":"Khan Soft LLC","isic4":"6201","zone":"UB-01","period":"2026-10","submitted_at":"0001-01-01T08:00:00+08:00","currency":"MNT","revenue":125000000,"intermediate_consumption":61000000,"wages":30000000,"employees":42,"rnd_expense":0,"exports":[],"flags":{"ai":false,"startup":false}}
}
