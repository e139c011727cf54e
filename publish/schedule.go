package publish

import (
	"context"
	"fmt"
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/warehouse"
)

// Store is the warehouse as the release scheduler uses it: its current
// snapshot, SQL over it, and the release log.
type Store interface {
	Querier
	Current() (*warehouse.Manifest, error)
	Releases() ([]ictstat.ReleaseRecord, error)
	RecordRelease(ictstat.ReleaseRecord) error
}

func (c Calendar) prepareAhead() time.Duration {
	if c.PrepareAhead <= 0 {
		return 24 * time.Hour
	}
	return c.PrepareAhead
}

// NextDue returns the next time after t at which the scheduler has work: a
// release to prepare (PrepareAhead before its publication) or to publish.
// The zero time means never; Schedule makes it a cron.Schedule.
func (c Calendar) NextDue(t time.Time) time.Time {
	var next time.Time
	for _, r := range c.Releases {
		for _, due := range []time.Time{r.PublishAt.Add(-c.prepareAhead()), r.PublishAt} {
			if due.After(t) && (next.IsZero() || due.Before(next)) {
				next = due
			}
		}
	}
	return next
}

// Schedule is a Calendar as a cron.Schedule for the job scheduler.
type Schedule struct{ Calendar Calendar }

// Next returns the next due time after t; when the calendar has nothing
// left, a day after t (the scheduler runs a job at the time Next gives, so
// it must not get the zero time; a run with nothing due does nothing).
func (s Schedule) Next(t time.Time) time.Time {
	if next := s.Calendar.NextDue(t); !next.IsZero() {
		return next
	}
	return t.Add(24 * time.Hour)
}

// Step does the release work due at now: it builds (pinning the current
// snapshot) every release whose preparation time has come and that is not
// built yet, and marks published every prepared release whose publication
// time has come. folder gives a release's folder. It returns the records
// it wrote.
func (c Calendar) Step(ctx context.Context, st Store, now time.Time, folder func(id string) string, opts Options) ([]ictstat.ReleaseRecord, error) {
	recs, err := st.Releases()
	if err != nil {
		return nil, err
	}
	have := map[string]ictstat.ReleaseRecord{}
	for _, r := range recs {
		have[r.ID] = r
	}
	var wrote []ictstat.ReleaseRecord
	for _, r := range c.Releases {
		rec, built := have[r.ID]
		switch {
		case !built && !now.Before(r.PublishAt.Add(-c.prepareAhead())):
			o := opts
			if next, ok := c.Next(r.PublishAt); ok {
				o.Next = &next
			}
			o.Now = func() time.Time { return now }
			rec, err := Publish(ctx, st, r, folder(r.ID), now, o)
			if err != nil {
				return wrote, err
			}
			wrote = append(wrote, rec)
		case built && rec.Status == ictstat.ReleasePrepared && !now.Before(rec.PublishAt):
			rec.Status, rec.RecordedAt = ictstat.ReleasePublished, now.UTC()
			if err := st.RecordRelease(rec); err != nil {
				return wrote, err
			}
			wrote = append(wrote, rec)
		}
	}
	return wrote, nil
}

// Publish builds release r now from the current snapshot, which the release
// pins, into dir and records it in the release log: prepared (under embargo)
// when its publication time is after now, else published.
func Publish(ctx context.Context, st Store, r Release, dir string, now time.Time, opts Options) (ictstat.ReleaseRecord, error) {
	cur, err := st.Current()
	if err != nil {
		return ictstat.ReleaseRecord{}, err
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return now }
	}
	m, err := Build(ctx, st, r, cur.ID, dir, opts)
	if err != nil {
		return ictstat.ReleaseRecord{}, err
	}
	_, sum, err := hashFile(dir + "/" + ManifestFile)
	if err != nil {
		return ictstat.ReleaseRecord{}, err
	}
	rec := ictstat.ReleaseRecord{ID: r.ID, PeriodStart: r.Period.Start.Format(time.DateOnly), PeriodEnd: r.Period.LastDay().String(),
		Status: ictstat.ReleasePrepared, Snapshot: m.Snapshot, PublishAt: r.PublishAt.UTC(), BuiltAt: m.BuiltAt,
		RecordedAt: now.UTC(), Folder: dir, Tables: r.Tables, Manifest: sum}
	if !now.Before(r.PublishAt) {
		rec.Status = ictstat.ReleasePublished
	}
	if err := st.RecordRelease(rec); err != nil {
		return rec, fmt.Errorf("record release %s: %w", r.ID, err)
	}
	return rec, nil
}
