package ingest_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/ingest"
)

func ExampleOpenNDJSON() {
	in := strings.NewReader("{\"filing_id\":\"VZ-1\"}\r\n\r\n{\"filing_id\":\"VZ-2\"}\n")
	nd, err := ingest.OpenNDJSON(in, "filings.ndjson") // plain, gzip or zstd
	if err != nil {
		fmt.Println(err)
		return
	}
	defer nd.Close()
	for {
		c, err := nd.Next(1000)
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err) // the whole input is refused
			return
		}
		for i := range c.Len() {
			fmt.Printf("line %d: %s\n", c.Numbers[i], c.Line(i))
		}
	}
	// Output:
	// line 1: {"filing_id":"VZ-1"}
	// line 3: {"filing_id":"VZ-2"}
}

func ExampleDecodeFiling() {
	var rec ictstat.FilingRecord
	if err := ingest.DecodeFiling([]byte(`{"filing_id":"VZ-1","revision":2,"revenue":1000}`), &rec); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rec.FilingID, rec.Revision, rec.Revenue, rec.Employees, rec.Wages)

	err := ingest.DecodeFiling([]byte(`{"revenue":"a lot"}`), &rec)
	var ie *ictstat.InputError
	if errors.As(err, &ie) {
		fmt.Println("bad field:", ie.Field)
	}
	// Output:
	// VZ-1 2 1000 -1 NaN
	// bad field: revenue
}
