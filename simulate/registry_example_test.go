package simulate_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/npit-mn/ictstat/simulate"
)

func ExampleRegistry() {
	w := simulate.NewWorld(simulate.Options{Companies: 50, Months: 12})
	reg := simulate.NewRegistry(w, simulate.RegistryOptions{Token: "secret"})
	srv := httptest.NewServer(reg)
	defer srv.Close()

	var page struct {
		Filings []json.RawMessage `json:"filings"`
		Next    string            `json:"next"`
		HasMore bool              `json:"has_more"`
	}
	req, _ := http.NewRequest("GET", srv.URL+"/v1/filings?limit=10", nil)
	req.Header.Set("Authorization", "Bearer secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		fmt.Println(err)
		return
	}
	truth := reg.Truth()
	fmt.Println(resp.StatusCode, len(page.Filings), page.HasMore, truth.Months, truth.Through)
	// Output: 200 10 true 10 2026-08
}
