package queries_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/warehouse"
)

// surveyStratum is a stratum of the fixture: its population and how many
// companies answered.
type surveyStratum struct {
	name      string
	pop       int64
	responses int
}

// surveyFixture builds a wave of tidy responses as the Kobo ingest writes
// them: a single-choice question "cloud" (yes, no, plan) and a numeric
// question "it_staff", with some questions left unanswered (NULL).
func surveyFixture(wave string, strata []surveyStratum, seed uint64, at time.Time) []ictstat.SurveyResponse {
	rng := rand.New(rand.NewPCG(seed, 1))
	var rows []ictstat.SurveyResponse
	for _, s := range strata {
		for i := 0; i < s.responses; i++ {
			id := fmt.Sprintf("%s-%s-%d", wave, s.name, i)
			base := ictstat.SurveyResponse{Wave: wave, ResponseID: id, SubmittedAt: at.Add(time.Duration(i) * time.Minute).UnixMicro(),
				Stratum: s.name, StratumPopulation: s.pop, Source: "fixture"}
			// cloud: every 7th response skips it.
			chosen := []string{"yes", "no", "plan"}[rng.IntN(3)]
			for _, c := range []string{"yes", "no", "plan"} {
				r := base
				r.Question, r.QuestionLabel, r.QuestionType, r.Choice = "cloud", "Does the company use cloud services?", ictstat.QuestionSingle, c
				if i%7 != 6 {
					v := 0.0
					if c == chosen {
						v = 1
					}
					r.Value = &v
				}
				rows = append(rows, r)
			}
			// it_staff: every 5th response skips it; stratum "63" never answers.
			r := base
			r.Question, r.QuestionLabel, r.QuestionType = "it_staff", "IT staff employed", ictstat.QuestionNumeric
			if i%5 != 4 && s.name != "63" {
				v := float64(rng.IntN(40)) + 0.5*float64(rng.IntN(2))
				r.Value = &v
			}
			rows = append(rows, r)
		}
	}
	return rows
}

// estimate is one expected row of survey_estimates.
type estimate struct {
	pop, n                   int64
	est, se, low, high, deff float64
	suppressed, lonely       bool
}

// referenceEstimates works the textbook stratified estimator out from the
// raw answers, independently of the SQL: weights w = N_h/n_h, the ratio
// estimator sum(w y)/sum(w), its Taylor-linearised variance from the
// residuals u = w (y - R) / sum(w) with the finite population correction,
// the Korn-Graubard or Wald interval, and Kish's design effect. Keys are
// "choice|stratum".
func referenceEstimates(rows []ictstat.SurveyResponse, wave, question string, minN int64) map[string]estimate {
	type obs struct {
		stratum string
		pop     int64
		y       float64
	}
	byChoice := map[string][]obs{}
	statistic := "share"
	for _, r := range rows {
		if r.Wave != wave || r.Question != question || r.Value == nil {
			continue
		}
		if r.QuestionType == ictstat.QuestionNumeric {
			statistic = "mean"
		}
		byChoice[r.Choice] = append(byChoice[r.Choice], obs{r.Stratum, r.StratumPopulation, *r.Value})
	}
	const z = 1.959963984540054
	out := map[string]estimate{}
	for choice, all := range byChoice {
		strata := map[string][]obs{}
		for _, o := range all {
			strata[o.stratum] = append(strata[o.stratum], o)
		}
		// design is one set of observations (a stratum, or all of them)
		// estimated as a stratified sample.
		design := func(obsv []obs) estimate {
			nh := map[string]float64{}
			Nh := map[string]float64{}
			for _, o := range obsv {
				nh[o.stratum]++
				Nh[o.stratum] = float64(o.pop)
			}
			var sw, swy float64
			for _, o := range obsv {
				w := Nh[o.stratum] / nh[o.stratum]
				sw += w
				swy += w * o.y
			}
			R := swy / sw
			// Taylor linearisation: residuals, centred within strata.
			u := map[string][]float64{}
			for _, o := range obsv {
				w := Nh[o.stratum] / nh[o.stratum]
				u[o.stratum] = append(u[o.stratum], w*(o.y-R)/sw)
			}
			var v float64
			lonely := false
			for h, us := range u {
				n := float64(len(us))
				if n < 2 {
					lonely = true
					continue
				}
				var m float64
				for _, x := range us {
					m += x
				}
				m /= n
				var ss float64
				for _, x := range us {
					ss += (x - m) * (x - m)
				}
				v += math.Max(0, 1-n/Nh[h]) * n / (n - 1) * ss
			}
			n := float64(len(obsv))
			e := estimate{pop: int64(sw + 0.5), n: int64(n), est: R, se: math.Sqrt(v), lonely: lonely, deff: math.NaN()}
			if len(u) == 1 && lonely {
				e.se = math.NaN()
			}
			// Kish: simple random sampling of the same n from N = sum(w).
			if n > 1 {
				var sd float64
				for _, o := range obsv {
					w := Nh[o.stratum] / nh[o.stratum]
					sd += w * (o.y - R) * (o.y - R)
				}
				S2 := n / (n - 1) * sd / sw
				if vsrs := (1 - n/sw) * S2 / n; vsrs > 0 && !math.IsNaN(e.se) {
					e.deff = v / vsrs
				}
			}
			if statistic == "mean" {
				e.low, e.high = R-z*e.se, R+z*e.se
			} else {
				// Korn-Graubard (R survey's svyciprop, method "beta"):
				// Clopper-Pearson on the effective sample size, with the
				// design's degrees of freedom; n itself where the
				// effective size is not defined.
				nEff := n
				if R > 0 && R < 1 && v > 0 && !math.IsNaN(e.se) {
					nEff = R * (1 - R) / v
				}
				if df := n - float64(len(u)); df > 0 && n > 1 {
					q := func(df float64) float64 { return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(0.025) }
					nEff *= math.Pow(q(n-1)/q(df), 2)
				}
				x := nEff * R
				e.low, e.high = 0, 1
				if x > 0 {
					e.low = distuv.Beta{Alpha: x, Beta: nEff - x + 1}.Quantile(0.025)
				}
				if x < nEff {
					e.high = distuv.Beta{Alpha: x + 1, Beta: nEff - x}.Quantile(0.975)
				}
			}
			e.suppressed = e.n < minN
			return e
		}
		for h, obsv := range strata {
			out[choice+"|"+h] = design(obsv)
		}
		out[choice+"|all"] = design(all)
	}
	return out
}

func openSurveyWarehouse(t *testing.T) (*warehouse.Warehouse, []ictstat.SurveyResponse, int64) {
	t.Helper()
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	ctx := context.Background()
	commit := func(rows []ictstat.SurveyResponse) int64 {
		tx, err := wh.Begin(ctx, "survey fixture")
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if err := warehouse.AppendRows(tx, warehouse.TableSurveyResponses, rows); err != nil {
			t.Fatal(err)
		}
		m, err := tx.Commit(ctx, "survey fixture")
		if err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	old := surveyFixture("pilot-2025", []surveyStratum{{"62/small", 100, 8}}, 1, time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC))
	first := commit(old)
	now := surveyFixture("startup-2026", []surveyStratum{
		{"61/small", 40, 14}, {"62/small", 120, 30}, {"62/large", 15, 9}, {"63", 30, 3},
	}, 2, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	commit(now)
	return wh, append(old, now...), first
}

// TestSurveyEstimatesGolden checks survey_estimates against the separate
// reference implementation above on a wave of four strata: shares of a
// single-choice question and the mean of a numeric one, with unanswered
// questions, a stratum below min_n and a stratum that never answers.
func TestSurveyEstimatesGolden(t *testing.T) {
	wh, rows, first := openSurveyWarehouse(t)
	for _, tc := range []struct {
		name   string
		params map[string]string
		snap   int64
		wave   string
		minN   int64
	}{
		{"shares, latest wave", map[string]string{"question": "cloud"}, -1, "startup-2026", 10},
		{"mean, min_n 5", map[string]string{"question": "it_staff", "min_n": "5"}, -1, "startup-2026", 5},
		{"older wave by name", map[string]string{"question": "it_staff", "wave": "pilot-2025", "min_n": "1"}, -1, "pilot-2025", 1},
		{"time travel: latest wave then", map[string]string{"question": "cloud"}, first, "pilot-2025", 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := referenceEstimates(rows, tc.wave, tc.params["question"], tc.minN)
			got := runSurvey(t, wh, tc.snap, tc.params)
			if len(got) != len(want) || len(got) == 0 {
				t.Fatalf("got %d rows, want %d", len(got), len(want))
			}
			for _, r := range got {
				key := r["choice"].(string) + "|" + r["stratum"].(string)
				w, ok := want[key]
				if !ok {
					t.Errorf("got row %s, want none", key)
					continue
				}
				if r["wave"] != tc.wave || r["population"] != w.pop || r["n"] != w.n {
					t.Errorf("%s: got wave %v, population %v, n %v; want %s, %d, %d", key, r["wave"], r["population"], r["n"], tc.wave, w.pop, w.n)
				}
				flag := r["flag"].(string)
				if w.suppressed {
					if r["estimate"] != nil || r["se"] != nil || r["ci_low"] != nil || !strings.Contains(flag, fmt.Sprintf("n<%d", tc.minN)) {
						t.Errorf("%s: got estimate %v, flag %q; want it suppressed with n<%d", key, r["estimate"], flag, tc.minN)
					}
					continue
				}
				for _, c := range []struct {
					col  string
					want float64
				}{{"estimate", w.est}, {"se", w.se}, {"ci_low", w.low}, {"ci_high", w.high}, {"deff", w.deff}} {
					if !near(r[c.col], c.want) {
						t.Errorf("%s %s: got %v, want %v", key, c.col, r[c.col], c.want)
					}
				}
				if w.lonely != strings.Contains(flag, "1 answer") {
					t.Errorf("%s: got flag %q, want lonely=%v", key, flag, w.lonely)
				}
			}
		})
	}
}

// TestSurveyEstimatesFlags checks the flags a reader relies on in the
// latest wave: stratum 63 never answers it_staff and is named as left out
// of the total; the three answers of stratum 63 to cloud are suppressed.
func TestSurveyEstimatesFlags(t *testing.T) {
	wh, _, _ := openSurveyWarehouse(t)
	byKey := map[string]map[string]any{}
	for _, r := range runSurvey(t, wh, -1, map[string]string{"question": "it_staff"}) {
		byKey[r["choice"].(string)+"|"+r["stratum"].(string)] = r
	}
	all := byKey["|all"]
	if all == nil || !strings.Contains(all["flag"].(string), "left out, no answers: 63 (population 30)") || all["population"] != int64(175) || all["statistic"] != "mean" {
		t.Errorf("got %v, want the total over 175 companies flagged as leaving out stratum 63", all)
	}
	if _, ok := byKey["|63"]; ok {
		t.Errorf("got a row for stratum 63, which has no answers")
	}
	cloud := runSurvey(t, wh, -1, map[string]string{"question": "cloud", "min_n": "4"})
	for _, r := range cloud {
		if r["stratum"] == "63" && (r["estimate"] != nil || r["flag"] != "n<4: suppressed") {
			t.Errorf("got %v, want stratum 63 (3 answers) suppressed with flag n<4", r)
		}
	}
}

// TestSurveyEstimatesParams checks that bad parameters are refused before
// any SQL runs, naming the parameter.
func TestSurveyEstimatesParams(t *testing.T) {
	checkBadParams(t, "survey_estimates", []badParams{
		{nil, "parameter question"},
		{map[string]string{"question": ""}, "parameter question"},
		{map[string]string{"question": "cloud", "min_n": "ten"}, "parameter min_n"},
		{map[string]string{"question": "cloud", "stratum": "61"}, `no parameter "stratum"`},
	})
}

// TestSurveyEstimatesUnknown checks that a wave or question the snapshot
// does not hold is bad input naming what it does hold, not an empty table.
func TestSurveyEstimatesUnknown(t *testing.T) {
	wh, _, first := openSurveyWarehouse(t)
	for _, tc := range []struct {
		params map[string]string
		snap   int64
		want   []string
	}{
		{map[string]string{"question": "clouds"}, -1, []string{`parameter question: wave "startup-2026" has no question "clouds"`, "cloud, "}},
		{map[string]string{"question": "cloud", "wave": "startup-2027"}, -1, []string{`parameter wave: no survey wave "startup-2027"`, "pilot-2025, startup-2026"}},
		// Snapshot first holds the pilot wave only.
		{map[string]string{"question": "cloud", "wave": "startup-2026"}, first, []string{`no survey wave "startup-2026"`, "waves: pilot-2025"}},
	} {
		_, sql, args := bindQuery(t, "survey_estimates", tc.params)
		res, err := wh.Query(context.Background(), tc.snap, sql, args...)
		if err == nil {
			res.Release()
			t.Fatalf("%v at snapshot %d: no error", tc.params, tc.snap)
		}
		if !errors.Is(err, ictstat.ErrBadInput) {
			t.Errorf("%v: got %v, want ictstat.ErrBadInput", tc.params, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q does not say %q", tc.params, err, w)
			}
		}
	}
}

// runSurvey runs survey_estimates and returns its rows by column name.
func runSurvey(t *testing.T, wh *warehouse.Warehouse, snap int64, params map[string]string) []map[string]any {
	t.Helper()
	return runNamed(t, wh, snap, "survey_estimates", params)
}

// near compares a result value with an expected float: NaN means NULL.
func near(got any, want float64) bool {
	if math.IsNaN(want) {
		return got == nil
	}
	g, ok := got.(float64)
	if !ok {
		return false
	}
	return math.Abs(g-want) <= 1e-9*math.Max(1, math.Abs(want))
}

// TestSurveyEstimatesCoverage checks issue 11 item 7 on a wave of three
// strata: a (population 40) with ten answers, none choosing "yes"; b
// (population 13) whose companies never responded, known only from the
// wave's configuration (survey_strata). The share 0 gets the exact
// Clopper-Pearson interval on its 10 answers, [0, 1 - 0.025^(1/10)], where
// a logit interval has none; the total says it covers 40 of the wave's 53
// companies and names b.
func TestSurveyEstimatesCoverage(t *testing.T) {
	wh, err := warehouse.Open(t.TempDir(), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	var rows []ictstat.SurveyResponse
	zero := 0.0
	for i := range 10 {
		rows = append(rows, ictstat.SurveyResponse{Wave: "w", ResponseID: fmt.Sprint(i), Stratum: "a", StratumPopulation: 40,
			Question: "export", QuestionType: ictstat.QuestionSingle, Choice: "yes", Value: &zero})
	}
	ctx := context.Background()
	tx, err := wh.Begin(ctx, "survey")
	if err != nil {
		t.Fatal(err)
	}
	if err := warehouse.AppendRows(tx, warehouse.TableSurveyResponses, rows); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ReplaceSurveyStrata("w", []ictstat.SurveyStratum{{Wave: "w", Stratum: "a", Population: 40}, {Wave: "w", Stratum: "b", Population: 13}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(ctx, "survey"); err != nil {
		t.Fatal(err)
	}
	high := 1 - math.Pow(0.025, 0.1)
	for _, r := range runSurvey(t, wh, -1, map[string]string{"question": "export"}) {
		if r["estimate"] != 0.0 || r["ci_low"] != 0.0 || !near(r["ci_high"], high) {
			t.Errorf("%v: got %v [%v, %v], want 0 [0, %v]", r["stratum"], r["estimate"], r["ci_low"], r["ci_high"], high)
		}
		flag := r["flag"].(string)
		if !strings.Contains(flag, "Clopper-Pearson interval on the 10 answers") {
			t.Errorf("%v: got flag %q", r["stratum"], flag)
		}
		if r["stratum"] == "all" && !strings.Contains(flag, "covers 40 of the wave's 53 companies; left out, no answers: b (population 13)") {
			t.Errorf("all: got flag %q, want it to say the total covers 40 of 53 and name b", flag)
		}
	}
}
