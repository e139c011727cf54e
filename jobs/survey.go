package jobs

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/transform"
	"github.com/npit-mn/ictstat/warehouse"
)

// SourceSurvey is the source name of the startup-ecosystem survey
// (KoboToolbox exports and API).
const SourceSurvey = "survey"

// SurveyOptions configure a survey ingest. Wave is required.
type SurveyOptions struct {
	// Wave is the wave's configuration; it must pass Check.
	Wave transform.Wave
	// CountCompaniesAt, when set, replaces Wave.Population with the
	// companies of the warehouse's companies table active on that day, by
	// ISIC division (the strata must then be the division alone).
	CountCompaniesAt *ictstat.Date
}

// IngestSurveyFile reads a Kobo export, CSV or JSON (told apart by the
// first character that is not white space or a BOM: `{` or `[` is JSON),
// and commits its responses as one snapshot. A file that cannot be read
// as such an export is refused before anything is committed.
func IngestSurveyFile(ctx context.Context, wh *warehouse.Warehouse, r io.Reader, name string, opts SurveyOptions) (PullStats, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(512)
	lead := strings.TrimLeft(strings.TrimPrefix(string(head), "\ufeff"), " \t\r\n")
	var subs []ictstat.Submission
	var bad []ictstat.Quarantined
	var raw [][]byte
	if strings.HasPrefix(lead, "{") || strings.HasPrefix(lead, "[") {
		data, err := ingest.ReadDocument(br, name, ingest.MaxJSONDocumentBytes)
		if err != nil {
			return PullStats{}, err
		}
		page, err := ingest.ReadKoboJSON(data, name)
		if err != nil {
			return PullStats{}, err
		}
		subs, bad = page.Submissions, page.Bad
	} else {
		var err error
		if subs, bad, err = ingest.ReadKoboCSV(br, name); err != nil {
			return PullStats{}, err
		}
	}
	return commitSurvey(ctx, wh, subs, bad, raw, name, opts)
}

// PullSurvey pulls every submission of a Kobo form through the API, page
// after page, and commits them as one snapshot with the raw pages. A pull
// that fails on any page commits nothing: the next pull starts over, which
// repeats nothing since responses are keyed by their _uuid.
func PullSurvey(ctx context.Context, wh *warehouse.Warehouse, k *ingest.Kobo, opts SurveyOptions) (PullStats, error) {
	var subs []ictstat.Submission
	var bad []ictstat.Quarantined
	var raw [][]byte
	err := k.Pages(ctx, func(p ingest.KoboPage) error {
		subs = append(subs, p.Submissions...)
		bad = append(bad, p.Bad...)
		raw = append(raw, p.Body)
		return ctx.Err()
	})
	if err != nil {
		return PullStats{}, err
	}
	return commitSurvey(ctx, wh, subs, bad, raw, k.URL(), opts)
}

// commitSurvey validates submissions and merges them in one commit.
func commitSurvey(ctx context.Context, wh *warehouse.Warehouse, subs []ictstat.Submission, bad []ictstat.Quarantined, raw [][]byte, origin string, opts SurveyOptions) (PullStats, error) {
	st := PullStats{Read: int64(len(subs) + len(bad))}
	if err := opts.Wave.Check(); err != nil {
		return st, fmt.Errorf("%w: %v", ictstat.ErrUsage, err)
	}
	tx, err := wh.Begin(ctx, "ingest survey")
	if err != nil {
		return st, err
	}
	defer tx.Rollback()
	wave, err := surveyWave(tx, opts)
	if err != nil {
		return st, err
	}
	rows, rejected := transform.SurveyResponses(subs, &wave, origin)
	if len(rows) == 0 && len(rejected) > 0 {
		// Not one response fits: refuse the file when the wave's fields are
		// not even its columns (another form's export, or the wrong wave
		// file). Responses that fail on their answers alone are quarantined,
		// for a replay once the wave is corrected.
		if absent := wave.AbsentFields(subs); len(absent) > 0 {
			return st, noneFits(origin, &wave, absent, len(rejected))
		}
	}
	bad = append(bad, rejected...)
	var m transform.SurveyMerge
	err = tx.MergeSurveyResponses(ctx, func(held []ictstat.SurveyResponse) []ictstat.SurveyResponse {
		var all []ictstat.SurveyResponse
		all, m = transform.MergeSurveyResponses(held, rows)
		return all
	})
	if err != nil {
		return st, err
	}
	// Every stratum of the wave, with respondents or not: an estimate
	// names the strata it leaves out.
	if _, err := tx.ReplaceSurveyStrata(wave.ID, wave.StrataRows()); err != nil {
		return st, err
	}
	if _, err := tx.AppendQuarantine(SourceSurvey, bad); err != nil {
		return st, err
	}
	st.Committed = int64(m.Added + m.Replaced)
	st.Superseded = int64(m.Unchanged)
	st.Quarantined = int64(len(bad))
	st.Snapshot = tx.Base().ID
	if err := ctx.Err(); err != nil {
		return st, err
	}
	if !tx.Changed() {
		return st, nil
	}
	for _, p := range raw {
		if _, err := tx.StageRaw(SourceSurvey, p); err != nil {
			return st, err
		}
	}
	man, err := tx.Commit(ctx, fmt.Sprintf("%s: wave %s, %d responses read, %d new, %d replaced, %d quarantined",
		origin, wave.ID, st.Read, m.Added, m.Replaced, len(bad)))
	if err != nil {
		return st, err
	}
	st.Snapshot, st.Changed = man.ID, true
	return st, nil
}

// noneFits is the error of a survey file none of whose responses fits the
// wave, which names fields the file has no column for.
func noneFits(origin string, w *transform.Wave, absent []string, responses int) error {
	shown, more := absent, ""
	if len(shown) > 8 {
		shown, more = shown[:8], fmt.Sprintf(" and %d more", len(absent)-8)
	}
	return &ictstat.InputError{File: origin, Reason: fmt.Sprintf("none of the %d responses fits wave %s: the file has no column for its fields %s%s; is it the export of this wave's form? Nothing was committed",
		responses, w.ID, strings.Join(shown, ", "), more)}
}

// surveyWave returns the wave of opts, its population counted from the
// companies table of tx when CountCompaniesAt is set.
func surveyWave(tx *warehouse.Tx, opts SurveyOptions) (transform.Wave, error) {
	wave := opts.Wave
	if opts.CountCompaniesAt == nil {
		return wave, nil
	}
	cs, err := warehouse.ReadTable[ictstat.Company](tx, warehouse.TableCompanies)
	if err != nil {
		return wave, err
	}
	counts := transform.ActiveByDivision(cs, *opts.CountCompaniesAt)
	if len(counts) == 0 {
		return wave, fmt.Errorf("%w: wave %s: population from companies on %s: the companies table has no active company then (pull registrations first)",
			ictstat.ErrUsage, wave.ID, opts.CountCompaniesAt)
	}
	wave.Population = counts
	return wave, nil
}
