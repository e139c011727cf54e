package transform

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
)

// edgeWave is testdata/survey/edge/wave.yaml as the CLI parses it.
func edgeWave() *Wave {
	return &Wave{
		ID: "edge-2026", Strata: []string{"sector", "size"},
		Population: map[string]int64{"62/micro": 10, "62/small": 20, "63/small": 5},
		RegistryNo: "registry_no",
		Questions: []Question{
			{Name: "size", Label: "size", Type: ictstat.QuestionSingle, Choices: []Choice{{"micro", ""}, {"small", ""}}},
			{Name: "group_obstacles/barriers", Label: "barriers", Type: ictstat.QuestionMulti, Choices: []Choice{{"finance", ""}, {"talent", ""}, {"market_access", ""}}},
			{Name: "employees", Label: "employees (persons)", Type: ictstat.QuestionNumeric},
		},
	}
}

func sub(line int64, kv ...string) ictstat.Submission {
	f := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		f[kv[i]] = kv[i+1]
	}
	return ictstat.Submission{Origin: "t.csv", Line: line, Fields: f, Raw: strings.Join(kv, "|")}
}

// good is uuid-a of the edge fixtures, with both forms of the multi-select.
func good(extra ...string) ictstat.Submission {
	kv := []string{"_uuid", "uuid-a", "_submission_time", "2026-03-02T10:00:00", "g/sector", "62", "g/size", "micro",
		"g/employees", "4", "group_obstacles/barriers", "finance talent", "group_obstacles/barriers/finance", "1",
		"group_obstacles/barriers/talent", "1", "group_obstacles/barriers/market_access", "0"}
	s := sub(2, kv...)
	for i := 0; i < len(extra); i += 2 {
		if extra[i+1] == "<absent>" {
			delete(s.Fields, extra[i])
			continue
		}
		s.Fields[extra[i]] = extra[i+1]
	}
	return s
}

func f64(v float64) *float64 { return &v }

func TestSurveyResponsesRows(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC).UnixMicro()
	base := ictstat.SurveyResponse{Wave: "edge-2026", ResponseID: "uuid-a", SubmittedAt: at, Stratum: "62/micro", StratumPopulation: 10,
		RegistryNo: "1234567", Source: "src"}
	row := func(q, label, typ, choice string, v *float64) ictstat.SurveyResponse {
		r := base
		r.Question, r.QuestionLabel, r.QuestionType, r.Choice, r.Value = q, label, typ, choice, v
		return r
	}
	want := []ictstat.SurveyResponse{
		row("size", "size", "single", "micro", f64(1)),
		row("size", "size", "single", "small", f64(0)),
		row("barriers", "barriers", "multi", "finance", f64(1)),
		row("barriers", "barriers", "multi", "talent", f64(1)),
		row("barriers", "barriers", "multi", "market_access", f64(0)),
		row("employees", "employees (persons)", "numeric", "", f64(4)),
	}
	for _, tc := range []struct {
		name string
		s    ictstat.Submission
		edit func(rows []ictstat.SurveyResponse)
	}{
		{"both forms", good("registry_no", "1234567"), nil},
		{"list only", good("registry_no", "1234567", "group_obstacles/barriers/finance", "<absent>", "group_obstacles/barriers/talent", "<absent>", "group_obstacles/barriers/market_access", "<absent>"), nil},
		{"flags only", good("registry_no", "1234567", "group_obstacles/barriers", "<absent>"), nil},
		{"flags as true/false", good("registry_no", "1234567", "group_obstacles/barriers", "<absent>", "group_obstacles/barriers/finance", "True", "group_obstacles/barriers/talent", "true", "group_obstacles/barriers/market_access", "False"), nil},
		{"unanswered", good("registry_no", "1234567", "g/employees", "", "group_obstacles/barriers", "", "group_obstacles/barriers/finance", "", "group_obstacles/barriers/talent", "", "group_obstacles/barriers/market_access", ""),
			func(rows []ictstat.SurveyResponse) {
				for i := range rows[2:] {
					rows[2+i].Value = nil
				}
			}},
		{"zone and fraction", good("registry_no", "1234567", "_submission_time", "2026-03-02T18:00:00.000+08:00"), nil},
		{"numbers", good("registry_no", "1234567", "g/employees", " 4.0 "), nil},
		{"no registry number", good("registry_no", ""), func(rows []ictstat.SurveyResponse) {
			for i := range rows {
				rows[i].RegistryNo = ""
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := append([]ictstat.SurveyResponse(nil), want...)
			if tc.edit != nil {
				tc.edit(w)
			}
			rows, bad := SurveyResponses([]ictstat.Submission{tc.s}, edgeWave(), "src")
			if len(bad) != 0 {
				t.Fatalf("quarantined: %+v", bad)
			}
			if !reflect.DeepEqual(rows, w) {
				t.Errorf("got\n%+v\nwant\n%+v", rows, w)
			}
		})
	}
}

func TestSurveyResponsesQuarantine(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    ictstat.Submission
		want string
	}{
		{"no _uuid", good("_uuid", "<absent>"), "_uuid: missing"},
		{"blank _uuid", good("_uuid", "  "), "_uuid: missing"},
		{"no time", good("_submission_time", "<absent>"), "_submission_time: missing"},
		{"bad time", good("_submission_time", "yesterday"), `_submission_time: "yesterday"`},
		{"unknown single code", good("g/size", "huge"), `size: unknown choice code "huge"`},
		{"two codes for a single", good("g/size", "micro small"), "several choices"},
		{"unknown multi code", good("group_obstacles/barriers", "finance luck"), `unknown choice code "luck"`},
		{"unknown 0/1 column chosen", good("group_obstacles/barriers/luck", "1"), `unknown choice code "luck"`},
		{"0/1 value not 0/1", good("group_obstacles/barriers/talent", "yes"), `"yes" is not 0 or 1`},
		{"forms disagree", good("group_obstacles/barriers/market_access", "1"), "disagrees with its 0/1 columns, which choose finance talent market_access"},
		{"list empty, flags chosen", good("group_obstacles/barriers", ""), "empty, but its 0/1 columns choose finance talent"},
		{"not a number", good("g/employees", "12 persons"), `employees: "12 persons" is not a number`},
		{"NaN", good("g/employees", "NaN"), "is not a number"},
		{"Inf", good("g/employees", "+Inf"), "is not a number"},
		{"decimal comma", good("g/employees", "4,5"), "is not a number"},
		{"stratum unanswered", good("g/sector", ""), "sector: unanswered, so the stratum is unknown"},
		{"stratum without population", good("g/sector", "95"), `stratum "95/micro" has no population total in wave edge-2026`},
		{"bad registry number", good("registry_no", "12-34"), `registry_no: "12-34" is not a 7-digit registry number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, bad := SurveyResponses([]ictstat.Submission{tc.s}, edgeWave(), "src")
			if len(rows) != 0 || len(bad) != 1 {
				t.Fatalf("got %d rows, %d bad; want the submission quarantined", len(rows), len(bad))
			}
			q := bad[0]
			if !strings.Contains(q.Reason, tc.want) || q.Origin != "t.csv" || q.Line != 2 {
				t.Errorf("got %+v, want reason with %q at t.csv:2", q, tc.want)
			}
			fields, wave, err := ParseSurveyRaw(q.Raw)
			if err != nil || wave != "edge-2026" || !reflect.DeepEqual(fields, tc.s.Fields) {
				t.Errorf("raw %s reads back as %v, %q, %v; want the submission's fields and wave edge-2026", q.Raw, fields, wave, err)
			}
		})
	}
}

func TestSurveyResponsesDuplicates(t *testing.T) {
	first := good("g/employees", "4")
	edited := good("g/employees", "5", "_submission_time", "2026-03-05T10:00:00")
	stale := good("g/employees", "6", "_submission_time", "2026-03-01T10:00:00")
	other := good("_uuid", "uuid-z")
	rows, bad := SurveyResponses([]ictstat.Submission{first, other, edited, stale}, edgeWave(), "src")
	if len(bad) != 0 || len(rows) != 12 {
		t.Fatalf("got %d rows, %d bad; want 12 rows of two responses", len(rows), len(bad))
	}
	if rows[0].ResponseID != "uuid-a" || *rows[5].Value != 5 || rows[6].ResponseID != "uuid-z" {
		t.Errorf("got %s employees %v then %s; want uuid-a with the edited 5 employees, then uuid-z", rows[0].ResponseID, *rows[5].Value, rows[6].ResponseID)
	}
}

func TestWaveCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(w *Wave)
		want string
	}{
		{"ok", func(*Wave) {}, ""},
		{"no id", func(w *Wave) { w.ID = "" }, "id is empty"},
		{"no questions", func(w *Wave) { w.Questions = nil }, "no questions"},
		{"no strata", func(w *Wave) { w.Strata = nil }, "strata"},
		{"bad type", func(w *Wave) { w.Questions[0].Type = "text" }, `type "text"`},
		{"choice without code", func(w *Wave) { w.Questions[0].Choices[0].Code = "" }, "choice code"},
		{"repeated choice", func(w *Wave) { w.Questions[0].Choices[1].Code = "micro" }, "choice code"},
		{"choice with space", func(w *Wave) { w.Questions[0].Choices[1].Code = "very small" }, "choice code"},
		{"single without choices", func(w *Wave) { w.Questions[0].Choices = nil }, "needs its choices"},
		{"numeric with choices", func(w *Wave) { w.Questions[2].Choices = []Choice{{"a", ""}} }, "no choices"},
		{"same name twice", func(w *Wave) { w.Questions[2].Name = "g/size" }, "a second question named size"},
		{"empty population", func(w *Wave) { w.Population["62/micro"] = 0 }, "at least 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := edgeWave()
			tc.edit(w)
			err := w.Check()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestFieldIndexPrefersShorterPaths(t *testing.T) {
	for range 20 { // map order varies between runs
		ix := newFieldIndex(map[string]string{"g/barriers/finance": "1", "h/finance": "yes", "a/b/finance": "0", "x/employees": "3", "y/employees": "4"})
		if v, _ := ix.get("finance"); v != "yes" {
			t.Fatalf("finance: got %q, want the question h/finance (yes)", v)
		}
		if v, _ := ix.get("barriers/finance"); v != "1" {
			t.Fatalf("barriers/finance: got %q, want 1", v)
		}
		if v, _ := ix.get("employees"); v != "3" {
			t.Fatalf("employees: got %q, want x/employees (3), the smaller path", v)
		}
		if v, ok := ix.get("x/employees"); v != "3" || !ok {
			t.Fatalf("a full path: got %q, %v", v, ok)
		}
	}
}
