package main

import (
	"fmt"
	"path/filepath"

	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/disclosure"
	"github.com/npit-mn/ictstat/publish"
)

// ReleasesConfig is the release calendar of the configuration.
type ReleasesConfig struct {
	Folder         string         `yaml:"folder"`           // default <warehouse>/releases
	LagWorkingDays int            `yaml:"lag_working_days"` // default publication: this many working days after the period
	PublishTime    string         `yaml:"publish_time"`     // HH:MM, Asia/Ulaanbaatar
	PrepareAhead   Duration       `yaml:"prepare_ahead"`    // build this long before publication
	Holidays       []string       `yaml:"holidays"`         // YYYY-MM-DD, non-working days besides weekends
	Tables         []string       `yaml:"tables"`           // default tables of every release
	Target         TargetConfig   `yaml:"target"`
	Calendar       []ReleaseEntry `yaml:"calendar"`
}

// TargetConfig is the ICT share of GDP target path.
type TargetConfig struct {
	BaseYear    int     `yaml:"base_year"`
	BaseShare   float64 `yaml:"base_share"`
	TargetYear  int     `yaml:"target_year"`
	TargetShare float64 `yaml:"target_share"`
}

// ReleaseEntry is one release of the calendar.
type ReleaseEntry struct {
	ID        string   `yaml:"id"`
	PublishAt string   `yaml:"publish_at"` // "YYYY-MM-DD HH:MM" Ulaanbaatar time; default from the rule
	Tables    []string `yaml:"tables"`
}

// DisclosureConfig is the disclosure-control rules of every release.
type DisclosureConfig struct {
	MinCompanies int     `yaml:"min_companies"`
	DominanceN   int     `yaml:"dominance_n"`
	DominanceK   float64 `yaml:"dominance_k"`
	PPercent     float64 `yaml:"p_percent"`
	MinFrequency int     `yaml:"min_frequency"`
	SurveyMinN   int     `yaml:"survey_min_n"`
}

func defaultReleases() ReleasesConfig {
	return ReleasesConfig{LagWorkingDays: 30, PublishTime: "09:30", PrepareAhead: Duration{24 * time.Hour},
		Tables: publish.TableNames(), Target: TargetConfig{BaseYear: 2024, BaseShare: 1.7, TargetYear: 2030, TargetShare: 5}}
}

func defaultDisclosure() DisclosureConfig {
	r := disclosure.DefaultRules()
	return DisclosureConfig{r.MinCompanies, r.DominanceN, r.DominanceK, r.PPercent, r.MinFrequency, r.SurveyMinN}
}

// Rules returns the disclosure rules.
func (d DisclosureConfig) Rules() disclosure.Rules {
	return disclosure.Rules{MinCompanies: d.MinCompanies, DominanceN: d.DominanceN, DominanceK: d.DominanceK,
		PPercent: d.PPercent, MinFrequency: d.MinFrequency, SurveyMinN: d.SurveyMinN}
}

// validateReleases names the first bad key of the releases and disclosure
// sections.
func (c Config) validateReleases() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: config %s: %s", ictstat.ErrUsage, field, fmt.Sprintf(format, args...))
	}
	if err := c.Disclosure.Rules().Validate(); err != nil {
		return fmt.Errorf("%w: config %v", ictstat.ErrUsage, err)
	}
	if _, err := c.calendar(); err != nil {
		return err
	}
	tp := c.Releases.Target
	if tp.TargetYear <= tp.BaseYear || tp.BaseShare <= 0 || tp.TargetShare <= 0 {
		return bad("releases.target", "want base_year < target_year and positive shares")
	}
	return nil
}

// calendar builds the release calendar, naming the first bad key.
func (c Config) calendar() (publish.Calendar, error) {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: config %s: %s", ictstat.ErrUsage, field, fmt.Sprintf(format, args...))
	}
	rc := c.Releases
	rule, err := c.calendarRule()
	if err != nil {
		return publish.Calendar{}, err
	}
	if err := publish.CheckTables(rc.Tables); err != nil {
		return publish.Calendar{}, bad("releases.tables", "%v", err)
	}
	cal := publish.Calendar{PrepareAhead: rc.PrepareAhead.Duration}
	seen := map[string]bool{}
	for i, e := range rc.Calendar {
		key := fmt.Sprintf("releases.calendar[%d]", i)
		if e.ID == "" {
			return cal, bad(key+".id", "empty; give the period the release covers (2026Q3, 2026-10 or 2026)")
		}
		p, err := publish.ParsePeriod(e.ID)
		if err != nil {
			return cal, bad(key+".id", "%q is not a period: want 2026, 2026Q3 or 2026-10", e.ID)
		}
		if seen[e.ID] {
			return cal, bad(key+".id", "%q is listed twice", e.ID)
		}
		seen[e.ID] = true
		r := publish.Release{ID: e.ID, Period: p, PublishAt: rule.PublishAt(p), Tables: rc.Tables}
		if e.PublishAt != "" {
			t, err := time.ParseInLocation("2006-01-02 15:04", e.PublishAt, publish.Ulaanbaatar)
			if err != nil {
				return cal, bad(key+".publish_at", "%q: want YYYY-MM-DD HH:MM (Ulaanbaatar time)", e.PublishAt)
			}
			r.PublishAt = t
		}
		if !r.PublishAt.After(p.End) {
			return cal, bad(key+".publish_at", "%s is before the period %s ends", r.PublishAt.Format("2006-01-02 15:04"), e.ID)
		}
		if len(e.Tables) > 0 {
			if err := publish.CheckTables(e.Tables); err != nil {
				return cal, bad(key+".tables", "%v", err)
			}
			r.Tables = e.Tables
		}
		cal.Releases = append(cal.Releases, r)
	}
	return cal, nil
}

// calendarRule is the default publication rule of the configuration.
func (c Config) calendarRule() (publish.CalendarRule, error) {
	rc := c.Releases
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: config %s: %s", ictstat.ErrUsage, field, fmt.Sprintf(format, args...))
	}
	if rc.LagWorkingDays < 1 || rc.LagWorkingDays > 250 {
		return publish.CalendarRule{}, bad("releases.lag_working_days", "%d; want 1 to 250", rc.LagWorkingDays)
	}
	hm, err := time.Parse("15:04", rc.PublishTime)
	if err != nil {
		return publish.CalendarRule{}, bad("releases.publish_time", "%q: want HH:MM (Ulaanbaatar time)", rc.PublishTime)
	}
	rule := publish.CalendarRule{LagWorkingDays: rc.LagWorkingDays, Hour: hm.Hour(), Minute: hm.Minute()}
	for i, h := range rc.Holidays {
		d, err := time.Parse(time.DateOnly, h)
		if err != nil {
			return rule, bad(fmt.Sprintf("releases.holidays[%d]", i), "%q: want YYYY-MM-DD", h)
		}
		rule.Holidays = append(rule.Holidays, ictstat.DateOf(d))
	}
	return rule, nil
}

// releasesFolder is where release folders go: releases.folder, or
// releases/ beside the warehouse's tables.
func (c Config) releasesFolder() string {
	if c.Releases.Folder != "" {
		return c.Releases.Folder
	}
	return filepath.Join(c.Warehouse, "releases")
}

// targetPath returns the configured target path.
func (c Config) targetPath() publish.TargetPath {
	t := c.Releases.Target
	return publish.TargetPath{BaseYear: t.BaseYear, BaseShare: t.BaseShare, TargetYear: t.TargetYear, TargetShare: t.TargetShare}
}
