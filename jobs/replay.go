package jobs

import (
	"context"
	"fmt"
	"strings"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/transform"
	"github.com/npit-mn/ictstat/warehouse"
)

// ReplayStats reports a quarantine replay.
type ReplayStats struct {
	Replayed  int64 // records that passed and left quarantine
	Remaining int64 // records that still fail, with their current reason
	Snapshot  int64
	// Sources holds the counts of each source replayed that had records
	// in quarantine, in replay order.
	Sources []SourceReplay
	// Notes says what was not replayed and why (survey without a wave,
	// national accounts, survey records of another wave).
	Notes []string
}

// SourceReplay counts the replay of one source.
type SourceReplay struct {
	Source              string
	Replayed, Remaining int64
}

// ReplayOptions configure a quarantine replay.
type ReplayOptions struct {
	// Source is the source to replay: fx, registrations, filings, exports
	// or survey; "" replays each of them, survey only when Survey is set.
	Source string
	// Survey holds the (corrected) wave that quarantined survey records are
	// validated against; required to replay survey. Only the records
	// quarantined under the same wave id are replayed.
	Survey *SurveyOptions
}

// ReplaySources lists the replayable sources in the order a replay of
// every source takes them: rates before the filings they convert,
// registrations before a survey whose population counts companies.
var ReplaySources = []string{SourceFX, SourceRegistrations, SourceFilings, SourceExports, SourceSurvey}

// ErrNationalAccountsReplay is the answer to a replay of national
// accounts, which is done by pulling the table again.
var ErrNationalAccountsReplay = fmt.Errorf("%w: national_accounts cannot be replayed: a quarantined cell is kept as its text, "+
	"without the table and the mapping it was read with. Correct the mapping (national_accounts in the config file) and "+
	"pull the table again with ictstat ingest national_accounts: a pull is a new vintage anyway, and it reads every cell afresh", ictstat.ErrUsage)

// ReplayQuarantine replays the quarantine of source ("" for every source
// that needs no options: fx, registrations, filings, exports); see Replay.
func ReplayQuarantine(ctx context.Context, wh *warehouse.Warehouse, source string) (ReplayStats, error) {
	return Replay(ctx, wh, ReplayOptions{Source: source})
}

// Replay re-validates the quarantined records of a source (or of every
// replayable one) against the current reference data, rules and, for the
// survey, the given wave: those that now pass are committed, and leave
// quarantine, in one snapshot; the others stay, with the reason they fail
// for now. A record whose raw text a replay cannot read (quarantined by an
// older ictstat, or a row that could not be split into fields) stays, its
// reason saying so. A replay that changes nothing commits nothing.
func Replay(ctx context.Context, wh *warehouse.Warehouse, o ReplayOptions) (ReplayStats, error) {
	var st ReplayStats
	switch {
	case o.Source == SourceNationalAccounts:
		return st, ErrNationalAccountsReplay
	case o.Source == SourceSurvey && o.Survey == nil:
		return st, fmt.Errorf("%w: replaying survey needs the wave to validate against (--wave FILE, the corrected wave)", ictstat.ErrUsage)
	case o.Survey != nil && o.Source != "" && o.Source != SourceSurvey:
		return st, fmt.Errorf("%w: a wave is for replaying survey, not %s", ictstat.ErrUsage, o.Source)
	case o.Source != "" && !isReplayable(o.Source):
		return st, fmt.Errorf("%w: cannot replay source %q (replayable: %s)", ictstat.ErrUsage, o.Source, strings.Join(ReplaySources, ", "))
	}
	if o.Survey != nil {
		if err := o.Survey.Wave.Check(); err != nil {
			return st, fmt.Errorf("%w: %v", ictstat.ErrUsage, err)
		}
	}
	tx, err := wh.Begin(ctx, "quarantine replay")
	if err != nil {
		return st, err
	}
	defer tx.Rollback()
	st.Snapshot = tx.Base().ID
	steps := map[string]func(*replayRun) error{
		SourceFX:            func(r *replayRun) error { return replayFX(ctx, tx, r) },
		SourceRegistrations: func(r *replayRun) error { return replayRegistrations(ctx, tx, r) },
		SourceFilings:       func(r *replayRun) error { return replayFilings(ctx, tx, r) },
		SourceExports:       func(r *replayRun) error { return replayExports(tx, r) },
		SourceSurvey:        func(r *replayRun) error { return replaySurvey(ctx, tx, r, o.Survey, &st) },
	}
	for _, source := range ReplaySources {
		if o.Source != "" && o.Source != source {
			continue
		}
		if source == SourceSurvey && o.Survey == nil {
			if n, err := countQuarantined(tx, SourceSurvey); err != nil {
				return st, err
			} else if n > 0 {
				st.Notes = append(st.Notes, fmt.Sprintf("survey: %d records not replayed: a survey replay needs the corrected wave (--wave FILE)", n))
			}
			continue
		}
		rows, err := tx.Quarantined(source)
		if err != nil {
			return st, err
		}
		if len(rows) == 0 {
			continue
		}
		r := &replayRun{rows: rows}
		if err := steps[source](r); err != nil {
			return st, fmt.Errorf("replay %s: %w", source, err)
		}
		if err := r.finish(tx, source, &st); err != nil {
			return st, err
		}
	}
	if o.Source == "" {
		if n, err := countQuarantined(tx, SourceNationalAccounts); err != nil {
			return st, err
		} else if n > 0 {
			st.Notes = append(st.Notes, fmt.Sprintf("national_accounts: %d cells not replayed: correct the mapping and pull the table again", n))
		}
	}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	if !tx.Changed() {
		return st, nil
	}
	m, err := tx.Commit(ctx, fmt.Sprintf("%d records replayed, %d still quarantined", st.Replayed, st.Remaining))
	if err != nil {
		return st, err
	}
	st.Snapshot = m.ID
	return st, nil
}

func isReplayable(source string) bool {
	for _, s := range ReplaySources {
		if s == source {
			return true
		}
	}
	return false
}

func countQuarantined(tx *warehouse.Tx, source string) (int, error) {
	rows, err := tx.Quarantined(source)
	return len(rows), err
}

// replayRun gathers the outcome of replaying one source's quarantine.
type replayRun struct {
	rows    []ictstat.Quarantined // the quarantine before the replay
	keep    []ictstat.Quarantined // the records that still fail
	changed bool                  // a kept record's reason changed
}

// stay keeps q in quarantine with reason.
func (r *replayRun) stay(q ictstat.Quarantined, reason string) {
	if q.Reason != reason {
		q.Reason, r.changed = reason, true
	}
	r.keep = append(r.keep, q)
}

// finish counts the run and rewrites the source's quarantine when a record
// left it or a reason changed.
func (r *replayRun) finish(tx *warehouse.Tx, source string, st *ReplayStats) error {
	done := int64(len(r.rows) - len(r.keep))
	st.Replayed += done
	st.Remaining += int64(len(r.keep))
	st.Sources = append(st.Sources, SourceReplay{Source: source, Replayed: done, Remaining: int64(len(r.keep))})
	if done == 0 && !r.changed {
		return nil
	}
	return tx.ReplaceQuarantine(source, r.keep)
}

// cannotReplay starts the reason of a record whose raw text a replay cannot
// read.
const cannotReplay = "cannot be replayed: "

// unreplayable returns the reason of a record a replay cannot read: why,
// what to do, and the reason it was quarantined for. A reason that already
// says that a replay cannot read the record is kept as it is.
func unreplayable(q ictstat.Quarantined, why string) string {
	if strings.HasPrefix(q.Reason, cannotReplay) || strings.Contains(q.Reason, "quarantine replay cannot") {
		return q.Reason
	}
	return cannotReplay + why + "; fix the record and ingest its file again. It was quarantined for: " + q.Reason
}

// replayFX re-reads quarantined rate rows first, so that a filings replay in
// the same run sees the rates they add.
func replayFX(ctx context.Context, tx *warehouse.Tx, r *replayRun) error {
	var rates []ictstat.FXRate
	for _, q := range r.rows {
		got, bad, err := ingest.ReadFXRates(strings.NewReader("date,currency,mnt_per_unit\n"+q.Raw+"\n"), q.Origin)
		switch {
		case err != nil:
			r.stay(q, err.Error())
		case len(bad) > 0:
			r.stay(q, bad[0].Reason)
		default:
			rates = append(rates, got...)
		}
	}
	_, err := tx.MergeFXRates(ctx, rates, transform.MergeFXRates)
	return err
}

func replayFilings(ctx context.Context, tx *warehouse.Tx, r *replayRun) error {
	rates, err := tx.FXRates(ctx)
	if err != nil {
		return err
	}
	fx := transform.MonthlyFX(rates)
	merge := tx.MergeFilings(transform.ResolveFilings, 0)
	var filings []ictstat.Filing
	var v recordValidator
	type at struct {
		origin string
		line   int64
	}
	valid := map[at][]ictstat.Quarantined{} // the valid records, by where they came from
	for _, q := range r.rows {
		f, fixed := v.validate([]byte(q.Raw), fx, q.Origin, q.Line)
		if fixed != nil {
			r.stay(q, fixed.Reason)
			continue
		}
		filings = append(filings, f)
		valid[at{q.Origin, q.Line}] = append(valid[at{q.Origin, q.Line}], q)
	}
	if err := merge.Append(ctx, filings); err != nil {
		return err
	}
	ms, err := merge.Finish(ctx)
	// A record the filings rules refuse (a conflict, a collision) stays,
	// with its raw text as received and the rule's reason.
	for _, rej := range ms.Rejected {
		k := at{rej.Origin, rej.Line}
		if qs := valid[k]; len(qs) > 0 {
			r.stay(qs[0], rej.Reason)
			valid[k] = qs[1:]
		}
	}
	return err
}
