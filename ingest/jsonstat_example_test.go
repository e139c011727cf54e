package ingest_test

import (
	"fmt"

	"github.com/npit-mn/ictstat/ingest"
)

func ExampleReadJSONStat() {
	// NSO's shape: Cyrillic codes, indented labels, index as an object,
	// years newest first, a sparse status.
	data := []byte(`{"version":"2.0","class":"dataset","updated":"2025-03-14T09:00:00Z",
	 "id":["Эдийн засгийн салбар","Он"],"size":[2,2],
	 "dimension":{
	  "Эдийн засгийн салбар":{"category":{"index":{"0":0,"10":1},"label":{"0":"Total","10":"   Information and communication"}}},
	  "Он":{"category":{"index":{"0":0,"1":1},"label":{"0":"2024","1":"2023"}}}},
	 "value":[80663051,70441516,1371272,null],"status":{"3":".."}}`)
	d, err := ingest.ReadJSONStat(data, "gdp.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	for c := range d.Cells() {
		v := "null"
		if c.Value != nil {
			v = fmt.Sprint(*c.Value)
		}
		if c.Status != "" {
			v += " [" + c.Status + "]"
		}
		fmt.Println(c.Codes, v)
	}
	_, err = ingest.ReadJSONStat([]byte(`{"id":["Он"],"size":[1],"dimension":{"Он":{"category":{"index":{"2024":3}}}},"value":[1]}`), "bad.json")
	fmt.Println(err)
	// Output:
	// [0 0] 8.0663051e+07
	// [0 1] 7.0441516e+07
	// [10 0] 1.371272e+06
	// [10 1] null [..]
	// bad.json: dimension.Он.category.index: position 3 of category "2024": want each of 0 to 0 once
}
