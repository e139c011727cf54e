package jobs

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/transform"
	"github.com/npit-mn/ictstat/warehouse"
)

// replayRegistrations decodes and validates the quarantined feed records
// again and merges those that pass, rebuilding companies.
func replayRegistrations(ctx context.Context, tx *warehouse.Tx, r *replayRun) error {
	var events []ictstat.Registration
	var rec ictstat.RegistrationRecord
	for _, q := range r.rows {
		if err := ingest.DecodeRegistration([]byte(q.Raw), &rec); err != nil {
			r.stay(q, err.Error())
			continue
		}
		e, verr := transform.ValidateRegistration(&rec)
		if verr != nil {
			r.stay(q, verr.Error())
			continue
		}
		e.Source, e.SourceLine = q.Origin, q.Line
		events = append(events, e)
	}
	if len(events) == 0 {
		return nil
	}
	_, err := tx.MergeRegistrations(ctx, events, transform.Companies)
	return err
}

// replayExports reads each quarantined row again as the one-row SDMX-CSV
// message its raw text is (header and row) and applies the rows that pass
// by their ACTION, in the order they were received: by receipt time, then
// origin, then line.
func replayExports(tx *warehouse.Tx, r *replayRun) error {
	rows := append([]ictstat.Quarantined(nil), r.rows...)
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := &rows[i], &rows[j]
		if a.ReceivedAt != b.ReceivedAt {
			return a.ReceivedAt < b.ReceivedAt
		}
		if a.Origin != b.Origin {
			return a.Origin < b.Origin
		}
		return a.Line < b.Line
	})
	var changes []ictstat.BopChange
	for _, q := range rows {
		ch, bad, _, err := ingest.ReadSDMXCSV(strings.NewReader(q.Raw), q.Origin)
		switch {
		case err != nil || len(ch)+len(bad) != 1:
			r.stay(q, unreplayable(q, "the row was quarantined without its header (by an older ictstat), so it cannot be read alone"))
		case len(bad) == 1:
			r.stay(q, bad[0].Reason)
		default:
			ch[0].Row.SourceLine = q.Line
			changes = append(changes, ch[0])
		}
	}
	if len(changes) == 0 {
		return nil
	}
	held, err := warehouse.ReadTable[ictstat.BopExport](tx, warehouse.TableBopExports)
	if err != nil {
		return fmt.Errorf("read bop_exports: %w", err)
	}
	out, ms := transform.ApplyBopChanges(held, changes)
	if !ms.Changed() {
		return nil
	}
	return warehouse.ReplaceTable(tx, warehouse.TableBopExports, out)
}

// replaySurvey validates the quarantined survey records of the wave of
// opts against it again and merges the responses that pass. Records of
// another wave stay as they are; a note counts them.
func replaySurvey(ctx context.Context, tx *warehouse.Tx, r *replayRun, opts *SurveyOptions, st *ReplayStats) error {
	wave, err := surveyWave(tx, *opts)
	if err != nil {
		return err
	}
	var rows []ictstat.SurveyResponse
	others := map[string]int{}
	for _, q := range r.rows {
		fields, id, err := transform.ParseSurveyRaw(q.Raw)
		if err != nil {
			r.stay(q, unreplayable(q, "the record was kept as its row text, not as its fields (by an older ictstat, or a row that could not be split)"))
			continue
		}
		if id != wave.ID {
			others[id]++
			r.stay(q, q.Reason)
			continue
		}
		s := ictstat.Submission{Origin: q.Origin, Line: q.Line, Fields: fields, Raw: q.Raw}
		got, bad := transform.SurveyResponses([]ictstat.Submission{s}, &wave, q.Origin)
		if len(bad) > 0 {
			r.stay(q, bad[0].Reason)
			continue
		}
		rows = append(rows, got...)
	}
	if len(others) > 0 {
		ids := make([]string, 0, len(others))
		n := 0
		for id, c := range others {
			ids = append(ids, id)
			n += c
		}
		sort.Strings(ids)
		st.Notes = append(st.Notes, fmt.Sprintf("survey: %d records of other waves (%s) left as they are: replay them with their wave", n, strings.Join(ids, ", ")))
	}
	if len(rows) == 0 {
		return nil
	}
	err = tx.MergeSurveyResponses(ctx, func(held []ictstat.SurveyResponse) []ictstat.SurveyResponse {
		all, _ := transform.MergeSurveyResponses(held, rows)
		return all
	})
	if err != nil {
		return err
	}
	// The corrected wave's strata, as an ingest of the wave stores them.
	_, err = tx.ReplaceSurveyStrata(wave.ID, wave.StrataRows())
	return err
}
