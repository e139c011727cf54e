package queries

import (
	_ "embed"
)

//go:embed regions.csv
var regionsCSV []byte

// Reference returns the reference tables the named analytics read, as
// table name → CSV bytes, for warehouse.Options.Reference: "regions"
// (country, country_name, region; see queries/regions.csv for the method).
// The map is new on every call; the bytes must not be modified.
func Reference() map[string][]byte {
	return map[string][]byte{"regions": regionsCSV}
}
