package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/internal/testutil"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/transform"
	"github.com/npit-mn/ictstat/warehouse"
)

// replayWave is a small wave: one numeric question, one single choice,
// strata by division. population is its population.
func replayWave(id string, population map[string]int64) transform.Wave {
	return transform.Wave{ID: id, Strata: []string{"div"}, Population: population,
		Questions: []transform.Question{
			{Name: "employees", Label: "Employees", Type: ictstat.QuestionNumeric},
			{Name: "cloud", Label: "Uses cloud", Type: ictstat.QuestionSingle, Choices: []transform.Choice{{Code: "yes"}, {Code: "no"}}},
		}}
}

// rowsText renders query rows one per line, for golden comparison.
func rowsText(rows [][]any) string {
	var b strings.Builder
	for _, r := range rows {
		for i, v := range r {
			if i > 0 {
				b.WriteByte('|')
			}
			switch x := v.(type) {
			case nil:
				b.WriteString("NULL")
			case *float64:
				fmt.Fprint(&b, *x)
			default:
				fmt.Fprint(&b, x)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestReplaySurvey(t *testing.T) {
	ctx := context.Background()
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	csvText := "_uuid;_submission_time;g/div;g/employees;g/cloud;_status\n" +
		"u1;2026-03-01T10:00:00;62;5;yes;ok\n" + // line 2: passes
		"u2;2026-03-02T11:00:00;63;7;no;ok\n" + // line 3: division 63 has no population total yet
		"u3;2026-03-03T12:00:00;62;3;maybe;ok\n" + // line 4: unknown choice, in either wave
		"u4;2026-03-04T12:00:00;62\n" + // line 5: 3 columns: kept as text
		"u5;2026-03-05T12:00:00;64;1;yes;ok\n" // line 6: division 64 has no total in either wave
	first := replayWave("w1", map[string]int64{"62": 10})
	if _, err := jobs.IngestSurveyFile(ctx, wh, strings.NewReader(csvText), "s.csv", jobs.SurveyOptions{Wave: first}); err != nil {
		t.Fatal(err)
	}
	// A record of another wave, and one quarantined by an older ictstat as
	// its bare row text.
	other := replayWave("w0", map[string]int64{"62": 10})
	if _, err := jobs.IngestSurveyFile(ctx, wh, strings.NewReader("_uuid;_submission_time;g/div;g/employees;g/cloud\nz1;2026-01-01T00:00:00;63;2;no\n"), "old-wave.csv", jobs.SurveyOptions{Wave: other}); err != nil {
		t.Fatal(err)
	}
	oldReason := `stratum "63" has no population total in wave w1: add it to the wave's population`
	appendQuarantine(t, wh, jobs.SourceSurvey, ictstat.Quarantined{Origin: "older.csv", Line: 2, Reason: oldReason, Raw: "u9;2026-03-01T10:00:00;63;1;yes"})
	if got := testutil.Count(t, wh, "SELECT count(*) FROM quarantine WHERE source = 'survey'"); got != 6 {
		t.Fatalf("got %d survey records quarantined before the replay, want 6", got)
	}

	if _, err := jobs.Replay(ctx, wh, jobs.ReplayOptions{Source: jobs.SourceSurvey}); !errors.Is(err, ictstat.ErrUsage) {
		t.Errorf("got %v, want a usage error for a survey replay without a wave", err)
	}
	all, err := jobs.Replay(ctx, wh, jobs.ReplayOptions{})
	if err != nil || all.Replayed != 0 || len(all.Notes) != 1 || !strings.Contains(all.Notes[0], "survey: 6 records not replayed") || !strings.Contains(all.Notes[0], "--wave") {
		t.Fatalf("got %+v, %v; want survey skipped with a note naming --wave", all, err)
	}

	fixed := replayWave("w1", map[string]int64{"62": 10, "63": 4})
	st, err := jobs.Replay(ctx, wh, jobs.ReplayOptions{Source: jobs.SourceSurvey, Survey: &jobs.SurveyOptions{Wave: fixed}})
	if err != nil {
		t.Fatal(err)
	}
	if st.Replayed != 1 || st.Remaining != 5 || len(st.Notes) != 1 || !strings.Contains(st.Notes[0], "1 records of other waves (w0)") {
		t.Fatalf("got %+v, want u2 replayed, 5 left and a note on wave w0", st)
	}
	// u2 by hand: employees 7; cloud "no" gives yes 0 and no 1; stratum 63 of 4 companies.
	want := "w1|u2|63|4|employees||7|s.csv\n" +
		"w1|u2|63|4|cloud|yes|0|s.csv\n" +
		"w1|u2|63|4|cloud|no|1|s.csv\n"
	got := rowsText(testutil.Rows(t, wh, -1, "SELECT wave, response_id, stratum, stratum_population, question, choice, value, source FROM survey_responses WHERE response_id = 'u2' ORDER BY question DESC, choice DESC"))
	if got != want {
		t.Errorf("got rows of u2\n%swant\n%s", got, want)
	}
	if n := testutil.Count(t, wh, "SELECT count(DISTINCT response_id) FROM survey_responses"); n != 2 {
		t.Errorf("got %d responses, want u1 and u2", n)
	}
	q := quarantineByOrigin(t, wh, jobs.SourceSurvey)
	checks := map[string]string{
		"s.csv:4":        `cloud: unknown choice code "maybe"`,
		"s.csv:5":        "3 columns: the header has 6 (the row is kept as its text, which a quarantine replay cannot split",
		"s.csv:6":        `stratum "64" has no population total in wave w1`,
		"old-wave.csv:2": `stratum "63" has no population total in wave w0`,
		"older.csv:2":    "cannot be replayed: the record was kept as its row text",
	}
	if len(q) != len(checks) {
		t.Errorf("got quarantine %v, want %d records", q, len(checks))
	}
	for at, reason := range checks {
		if !strings.Contains(q[at], reason) {
			t.Errorf("%s: got reason %q, want one with %q", at, q[at], reason)
		}
	}
	if !strings.HasSuffix(q["older.csv:2"], "It was quarantined for: "+oldReason) {
		t.Errorf("older.csv:2: got %q, want the old reason kept at the end", q["older.csv:2"])
	}

	again, err := jobs.Replay(ctx, wh, jobs.ReplayOptions{Survey: &jobs.SurveyOptions{Wave: fixed}})
	if err != nil || again.Replayed != 0 || again.Snapshot != st.Snapshot {
		t.Errorf("got %+v, %v; want a second replay to change nothing", again, err)
	}
	// Ingesting the file again with the corrected wave repeats nothing.
	re, err := jobs.IngestSurveyFile(ctx, wh, strings.NewReader(csvText), "s.csv", jobs.SurveyOptions{Wave: fixed})
	if err != nil || re.Changed {
		t.Errorf("got %+v, %v; want the file again with the corrected wave to change nothing", re, err)
	}
}

// appendQuarantine commits rows into the quarantine of source as an older
// ictstat, or an older code list, left them.
func appendQuarantine(t *testing.T, wh *warehouse.Warehouse, source string, rows ...ictstat.Quarantined) {
	t.Helper()
	ctx := context.Background()
	tx, err := wh.Begin(ctx, "test quarantine")
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.AppendQuarantine(source, rows); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(ctx, "test: quarantine as left by an older release"); err != nil {
		t.Fatal(err)
	}
}

// quarantineByOrigin maps "origin:line" to the reason of each record of
// source in quarantine.
func quarantineByOrigin(t *testing.T, wh *warehouse.Warehouse, source string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range testutil.Rows(t, wh, -1, "SELECT origin, line, reason FROM quarantine WHERE source = $1", source) {
		out[fmt.Sprintf("%v:%v", r[0], r[1])] = r[2].(string)
	}
	return out
}
