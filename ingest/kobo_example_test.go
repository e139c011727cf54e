package ingest_test

import (
	"fmt"
	"strings"

	"github.com/npit-mn/ictstat/ingest"
)

func ExampleReadKoboCSV() {
	export := "\ufeff_uuid;_submission_time;group_company/employees;group_company/name;barriers;barriers/finance;barriers/talent;_status\n" +
		"a1;2026-03-02T10:00:00;12;\"Хан Софт; ХХК\";finance talent;1;1;submitted_via_web\n" +
		"b2;2026-03-03T11:30:00;4\n"
	subs, bad, err := ingest.ReadKoboCSV(strings.NewReader(export), "survey.csv")
	if err != nil {
		fmt.Println(err) // the file is refused: nothing to commit
		return
	}
	for _, s := range subs {
		f := s.Fields
		fmt.Printf("line %d: %s employees=%s name=%s barriers=%q finance=%s\n", s.Line, f["_uuid"], f["group_company/employees"],
			f["group_company/name"], f["barriers"], f["barriers/finance"])
	}
	for _, q := range bad {
		fmt.Printf("quarantined line %d: %s\n", q.Line, q.Reason)
	}
	// Output:
	// line 2: a1 employees=12 name=Хан Софт; ХХК barriers="finance talent" finance=1
	// quarantined line 3: 3 columns: the header has 8 (the row is kept as its text, which a quarantine replay cannot split into fields: fix the row and ingest the file again)
}
