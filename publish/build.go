package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/disclosure"
)

// Options configure a build; the zero value uses the default rules and path.
type Options struct {
	Rules  disclosure.Rules // zero: disclosure.DefaultRules()
	Target TargetPath       // zero: 1.7% in 2024 to 5% in 2030
	// Next is the release after this one, named in the bulletin.
	Next *Release
	// Now is the build time recorded in the manifest; default time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() (Options, error) {
	if o.Rules == (disclosure.Rules{}) {
		o.Rules = disclosure.DefaultRules()
	}
	if err := o.Rules.Validate(); err != nil {
		return o, fmt.Errorf("%w: %v", ictstat.ErrUsage, err)
	}
	o.Target = o.Target.withDefaults()
	if o.Now == nil {
		o.Now = time.Now
	}
	return o, nil
}

// Tables computes the release's tables from snapshot snap only, with
// disclosure control applied.
func Tables(ctx context.Context, q Querier, rel Release, snap int64, opts Options) ([]*Table, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := CheckTables(rel.Tables); err != nil {
		return nil, err
	}
	b := &builder{q: q, snap: snap, period: rel.Period, rules: opts.Rules, target: opts.Target}
	var out []*Table
	for _, name := range rel.Tables {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t, err := b.table(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("release %s table %s: %w", rel.ID, name, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// PublicTable answers one release table, disclosure-controlled, from any
// snapshot: what the public may see of it for the period ending with
// period (a release id: 2026Q3, 2026-10 or 2026). Zero rules mean the
// defaults; rules below the defaults are raised to them, so no caller can
// lower the protection.
func PublicTable(ctx context.Context, q Querier, snap int64, table, period string, rules disclosure.Rules) (*Table, error) {
	p, err := ParsePeriod(period)
	if err != nil {
		return nil, err
	}
	tabs, err := Tables(ctx, q, Release{ID: period, Period: p, Tables: []string{table}}, snap, Options{Rules: atLeastDefaults(rules)})
	if err != nil {
		return nil, err
	}
	return tabs[0], nil
}

// atLeastDefaults raises every threshold of r to at least the default's.
func atLeastDefaults(r disclosure.Rules) disclosure.Rules {
	d := disclosure.DefaultRules()
	r.MinCompanies = max(r.MinCompanies, d.MinCompanies)
	r.DominanceN = max(r.DominanceN, d.DominanceN)
	if r.DominanceK == 0 || r.DominanceK > d.DominanceK {
		r.DominanceK = d.DominanceK
	}
	r.PPercent = max(r.PPercent, d.PPercent)
	r.MinFrequency = max(r.MinFrequency, d.MinFrequency)
	r.SurveyMinN = max(r.SurveyMinN, d.SurveyMinN)
	return r
}

// Build computes release rel from snapshot snap and writes its artifacts
// into dir (replacing an earlier build of the same release), with the
// manifest last. The folders beside dir hold earlier releases, which give
// revisions.csv and the bulletin's revisions.
func Build(ctx context.Context, q Querier, rel Release, snap int64, dir string, opts Options) (*Manifest, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	tables, err := Tables(ctx, q, rel, snap, opts)
	if err != nil {
		return nil, err
	}
	m := &Manifest{Release: rel.ID, Period: rel.Period, Snapshot: snap, PublishAt: rel.PublishAt, BuiltAt: opts.Now().UTC(),
		Tables: rel.Tables, Rules: opts.Rules, Target: opts.Target, Next: opts.Next}
	prev, err := previousRelease(filepath.Dir(dir), rel)
	if err != nil {
		return nil, err
	}
	if prev != nil {
		m.Previous = prev.manifest.Release
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(parent, ".build-"+rel.ID+"-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	write := func(name string, fn func(io.Writer) error) error {
		f, err := os.Create(filepath.Join(tmp, name))
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			f.Close()
			return fmt.Errorf("release %s %s: %w", rel.ID, name, err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		if name == AuditFile {
			_, sum, err := hashFile(filepath.Join(tmp, name))
			m.AuditSHA256 = sum
			return err
		}
		n, sum, err := hashFile(filepath.Join(tmp, name))
		m.Files = append(m.Files, FileEntry{Name: name, Bytes: n, SHA256: sum, ContentType: ContentType(name)})
		return err
	}
	for _, t := range tables {
		steps := []struct {
			name string
			fn   func(io.Writer) error
		}{
			{t.Name + ".csv", func(w io.Writer) error { return writeCSV(w, t) }},
			{t.Name + ".json", func(w io.Writer) error { return writeJSONStat(w, t, "en", rel.PublishAt) }},
			{t.Name + ".sdmx.csv", func(w io.Writer) error { return writeSDMXCSV(w, t) }},
			{t.Name + ".px", func(w io.Writer) error { return writePX(w, t, rel.ID, rel.PublishAt) }},
		}
		for _, s := range steps {
			if err := write(s.name, s.fn); err != nil {
				return nil, err
			}
		}
	}
	revs := revisions(prev, tables)
	if err := write("revisions.csv", func(w io.Writer) error { return writeRevisions(w, revs) }); err != nil {
		return nil, err
	}
	if err := write(rel.ID+".xlsx", func(w io.Writer) error { return writeXLSX(w, m, tables) }); err != nil {
		return nil, err
	}
	for _, lang := range []string{"mn", "en"} {
		if err := write("bulletin."+lang+".html", func(w io.Writer) error { return writeBulletin(w, lang, m, tables, revs) }); err != nil {
			return nil, err
		}
	}
	if err := write(AuditFile, func(w io.Writer) error { return writeAudit(w, tables) }); err != nil {
		return nil, err
	}
	if err := writeJSONFile(filepath.Join(tmp, ManifestFile), m); err != nil {
		return nil, err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, err
	}
	if err := replaceDir(tmp, dir); err != nil {
		return nil, err
	}
	return m, nil
}

// writeAudit writes every suppressed cell of every table.
func writeAudit(w io.Writer, tables []*Table) error {
	type tableAudit struct {
		Table string       `json:"table"`
		Cells []AuditEntry `json:"cells"`
	}
	out := make([]tableAudit, 0, len(tables))
	for _, t := range tables {
		out = append(out, tableAudit{Table: t.Name, Cells: append([]AuditEntry{}, t.Audit...)})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(out)
}

func writeJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// replaceDir puts the finished folder tmp in place of dir: an earlier
// build moves aside first, so dir is never half written.
func replaceDir(tmp, dir string) error {
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return err
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}
