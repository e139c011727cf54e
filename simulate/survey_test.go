package simulate

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var updateSurvey = flag.Bool("update-survey", false, "rewrite the sample survey under testdata/survey")

// surveyWorld is the world of the sample survey: the demo's world.
func surveyWorld() *World {
	return NewWorld(Options{Seed: 1, Companies: 1500, Months: 60, USDShare: 0.1})
}

// TestSurveySample checks that the sample under testdata/survey is what the
// generator writes (run with -update-survey to rewrite it).
func TestSurveySample(t *testing.T) {
	w := surveyWorld()
	var csvOut, jsonOut, wave bytes.Buffer
	if err := w.WriteSurveyCSV(&csvOut, SurveyOptions{Responses: 400}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteSurveyJSON(&jsonOut, SurveyOptions{Responses: 400}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteSurveyWave(&wave); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "testdata", "survey")
	for name, got := range map[string][]byte{"responses.csv": csvOut.Bytes(), "responses.json": jsonOut.Bytes(), "wave.yaml": wave.Bytes()} {
		path := filepath.Join(dir, name)
		if *updateSurvey {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output: rerun go test ./simulate -run TestSurveySample -update-survey", path)
		}
	}
}

// TestSurveyConsistent checks the survey against its world: one response
// per company, each company's stratum and answers as the world has them,
// the population totals summing to the active companies, and the CSV and
// JSON forms holding the same answers.
func TestSurveyConsistent(t *testing.T) {
	w := surveyWorld()
	var csvOut, jsonOut bytes.Buffer
	if err := w.WriteSurveyCSV(&csvOut, SurveyOptions{Responses: 300}); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteSurveyJSON(&jsonOut, SurveyOptions{Responses: 300}); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(csvOut.Bytes(), []byte("\ufeff")) {
		t.Error("the CSV has no BOM")
	}
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(csvOut.Bytes(), []byte("\ufeff"))))
	cr.Comma = ';'
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 301 {
		t.Fatalf("got %d CSV rows, want 301 (header + 300)", len(recs))
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	var page struct {
		Count   int              `json:"count"`
		Next    *string          `json:"next"`
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(jsonOut.Bytes(), &page); err != nil {
		t.Fatal(err)
	}
	if page.Count != 300 || len(page.Results) != 300 || page.Next != nil {
		t.Fatalf("got count %d, %d results, next %v; want 300, 300, null", page.Count, len(page.Results), page.Next)
	}
	byReg := map[string]Company{}
	for _, c := range w.Companies() {
		byReg[c.RegistryNo] = c
	}
	pop, day := w.SurveyPopulation()
	var total int64
	for _, n := range pop {
		total += n
	}
	active := 0
	for _, c := range w.Companies() {
		if !c.Registered.After(day.Add(24*60*60*1e9-1)) && (c.Deregistered.IsZero() || c.Deregistered.After(day.Add(24*60*60*1e9-1))) {
			active++
		}
	}
	if total != int64(active) {
		t.Errorf("population totals sum to %d, want the %d companies active on %s", total, active, day.Format("2006-01-02"))
	}
	seen := map[string]bool{}
	cyr := 0
	for i, r := range recs[1:] {
		reg := r[col["group_company/registry_no"]]
		c, ok := byReg[reg]
		if !ok || seen[reg] {
			t.Fatalf("row %d: registry_no %q unknown or repeated", i+2, reg)
		}
		seen[reg] = true
		if got := r[col["group_company/isic_division"]]; got != c.ISIC4[:2] {
			t.Errorf("row %d: division %s, want %s", i+2, got, c.ISIC4[:2])
		}
		stratum := r[col["group_company/isic_division"]] + "/" + r[col["group_company/size_class"]]
		if pop[stratum] < 1 {
			t.Errorf("row %d: stratum %s has no population", i+2, stratum)
		}
		if want := map[bool]string{true: "yes", false: "no"}[c.AI]; r[col["group_outlook/uses_ai"]] != want {
			t.Errorf("row %d: uses_ai %s, want %s", i+2, r[col["group_outlook/uses_ai"]], want)
		}
		if e := r[col["group_company/employees"]]; e != "" {
			n, err := strconv.Atoi(e)
			size := r[col["group_company/size_class"]]
			lo := map[string]int{"micro": 1, "small": 10, "medium": 50, "large": 250}[size]
			hi := map[string]int{"micro": 9, "small": 49, "medium": 249, "large": 1 << 30}[size]
			if err != nil || n < lo || n > hi {
				t.Errorf("row %d: employees %q outside size class %s", i+2, e, size)
			}
		}
		// Both forms of each multi-select agree.
		for _, q := range []string{"group_barriers/barriers", "group_markets/markets_planned"} {
			list := strings.Fields(r[col[q]])
			for h, k := range col {
				if !strings.HasPrefix(h, q+"/") {
					continue
				}
				code := strings.TrimPrefix(h, q+"/")
				in := false
				for _, x := range list {
					in = in || x == code
				}
				want := map[bool]string{true: "1", false: "0"}[in]
				if len(list) == 0 {
					want = ""
				}
				if r[k] != want {
					t.Errorf("row %d: %s is %q, want %q from %q", i+2, h, r[k], want, r[col[q]])
				}
			}
		}
		// The JSON form holds the same answers.
		j := page.Results[i]
		for h, k := range col {
			if strings.HasPrefix(h, "_") && h != "_uuid" && h != "_submission_time" || h == "_index" || strings.Count(h, "/") == 2 {
				continue
			}
			got, ok := j[h]
			if r[k] == "" {
				if ok {
					t.Errorf("row %d: JSON has %s = %v for an unanswered field", i+2, h, got)
				}
				continue
			}
			if got != r[k] {
				t.Errorf("row %d: JSON %s = %v, CSV %q", i+2, h, got, r[k])
			}
		}
		if strings.ContainsAny(r[col["group_company/company_name"]]+r[col["group_outlook/comment"]], "АБВГДЕЁЖЗИЙКЛМНОӨПРСТУҮФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмноөпрстуүфхцчшщъыьэюя") {
			cyr++
		}
	}
	if cyr < 50 {
		t.Errorf("%d rows hold Mongolian Cyrillic text, want at least 50", cyr)
	}
}
