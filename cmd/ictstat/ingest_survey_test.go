package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/simulate"
	"github.com/npit-mn/ictstat/warehouse"
)

func TestParseSampleWave(t *testing.T) {
	o, err := readWave(filepath.Join("..", "..", "testdata", "survey", "wave.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	w := o.Wave
	if w.ID != "startup-2026" || !strings.Contains(w.Title, "SYNTHETIC") || strings.Join(w.Strata, ",") != "isic_division,size_class" || len(w.Questions) != 9 {
		t.Errorf("got id %q, title %q, strata %v, %d questions", w.ID, w.Title, w.Strata, len(w.Questions))
	}
	var total int64
	for _, n := range w.Population {
		total += n
	}
	if total != 1281 || w.Population["62/micro"] != 391 {
		t.Errorf("got population %d (62/micro %d), want 1281 (391) as the world has it", total, w.Population["62/micro"])
	}
	edge, err := readWave(filepath.Join("..", "..", "testdata", "survey", "edge", "wave.yaml"))
	if err != nil || strings.Join(edge.Wave.Strata, ",") != "sector,size" {
		t.Errorf("edge wave: got %v, %v", edge.Wave.Strata, err)
	}
}

func TestParseWaveErrors(t *testing.T) {
	q := "questions:\n  - {name: e, label: E, type: numeric}\n"
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown key", "id: w\nstrata: {fields: [a]}\npopulation: {totals: {x: 1}}\n" + q + "colour: red\n", "colour"},
		{"both strata forms", "id: w\nstrata: {fields: [a], template: '{a}'}\npopulation: {totals: {x: 1}}\n" + q, "fields or template"},
		{"bad template", "id: w\nstrata: {template: '{a}-{b}'}\npopulation: {totals: {x: 1}}\n" + q, "strata.template"},
		{"no population", "id: w\nstrata: {fields: [a]}\n" + q, "population"},
		{"both populations", "id: w\nstrata: {fields: [a]}\npopulation: {totals: {x: 1}, companies: {at: 2026-01-01, by: isic_division}}\n" + q, "not both"},
		{"companies by zone", "id: w\nstrata: {fields: [a]}\npopulation: {companies: {at: 2026-01-01, by: zone}}\n" + q, "isic_division"},
		{"companies, two strata", "id: w\nstrata: {fields: [a, b]}\npopulation: {companies: {at: 2026-01-01, by: isic_division}}\n" + q, "division's field alone"},
		{"companies bad day", "id: w\nstrata: {fields: [a]}\npopulation: {companies: {at: soon, by: isic_division}}\n" + q, "population.companies.at"},
		{"bad type", "id: w\nstrata: {fields: [a]}\npopulation: {totals: {x: 1}}\nquestions:\n  - {name: e, type: text}\n", `type "text"`},
		{"no id", "strata: {fields: [a]}\npopulation: {totals: {x: 1}}\n" + q, "id is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseWave(strings.NewReader(tc.yaml), "w.yaml")
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "w.yaml") {
				t.Errorf("got %v, want an error naming w.yaml and %q", err, tc.want)
			}
		})
	}
	o, err := parseWave(strings.NewReader("id: w\nstrata: {template: '{division}'}\npopulation: {companies: {at: 2026-03-31, by: isic_division}}\n"+q), "w.yaml")
	if err != nil || o.CountCompaniesAt == nil || o.CountCompaniesAt.String() != "2026-03-31" {
		t.Errorf("got %+v, %v; want companies counted on 2026-03-31", o, err)
	}
}

func TestIngestSurveyCLI(t *testing.T) {
	dir := t.TempDir()
	wh := filepath.Join(dir, "wh")
	sample := filepath.Join("..", "..", "testdata", "survey")
	wave := filepath.Join(sample, "wave.yaml")
	broken := filepath.Join(dir, "broken.csv")
	os.WriteFile(broken, []byte("\ufeff_uuid;group_company/isic_division\nx;62\ny;\"62\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no wave", []string{"ingest", "survey", "--file", filepath.Join(sample, "responses.csv")}, 2, "--wave"},
		{"no file or url", []string{"ingest", "survey", "--wave", wave}, 2, "--file"},
		{"missing wave file", []string{"ingest", "survey", "--file", broken, "--wave", filepath.Join(dir, "nope.yaml")}, 2, "nope.yaml"},
		{"malformed file", []string{"ingest", "survey", "--file", broken, "--wave", wave}, 2, "broken.csv:3: column"},
		{"bad url", []string{"ingest", "survey", "--url", "http://127.0.0.1:1/api/v1/data/3", "--wave", wave}, 2, "api/v2/assets"},
		{"csv", []string{"ingest", "survey", "--file", filepath.Join(sample, "responses.csv"), "--wave", wave}, 0, "400 responses read, 400 committed"},
		{"json again", []string{"ingest", "survey", "--file", filepath.Join(sample, "responses.json"), "--wave", wave}, 0, "400 unchanged, 0 quarantined; nothing new"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, append(tc.args, "--warehouse", wh)...)
			if code != tc.code || !strings.Contains(out+errOut, tc.want) {
				t.Errorf("got exit %d, %q %q; want %d with %q", code, out, errOut, tc.code, tc.want)
			}
			if tc.name == "malformed file" {
				if ids := testutil.ManifestIDs(t, wh); len(ids) > 1 {
					t.Errorf("got snapshots %v after a malformed file, want none", ids)
				}
			}
		})
	}
}

func TestDemoSurveyIsTheSample(t *testing.T) {
	ctx := context.Background()
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	a := &app{log: zerolog.Nop()}
	world := simulate.NewWorld(simulate.Options{Seed: 1, Companies: 1500, Months: 60, USDShare: 0.1}) // as startDemoRegistry
	if err := a.loadDemoSurvey(ctx, wh, world, nil); err != nil {
		t.Fatal(err)
	}
	opts, err := readWave(filepath.Join("..", "..", "testdata", "survey", "wave.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join("..", "..", "testdata", "survey", "responses.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := jobs.IngestSurveyFile(ctx, wh, f, "responses.csv", opts)
	if err != nil || st.Changed || st.Superseded != 400 {
		t.Errorf("got %+v, %v; want the sample to change nothing after the demo's survey", st, err)
	}
}
