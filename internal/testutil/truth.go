package testutil

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat/simulate"
	"github.com/npit-mn/ictstat/warehouse"
)

// SimLines generates rows lines of a synthetic NDJSON filings file with
// simulate.WriteNDJSON and tells which are valid: a line is valid when it is
// byte for byte the JSON of the world's filing at that position (the writer
// replaces a filing by an invalid record, line for line). opts must describe
// a world with at least rows filings, so that the writer does not resize it.
func SimLines(t testing.TB, opts simulate.Options, rows int, invalidRate float64) (lines [][]byte, valid []bool) {
	t.Helper()
	w := simulate.NewWorld(opts)
	if w.FilingCount() < rows {
		t.Fatalf("world of %+v has %d filings, want at least %d", opts, w.FilingCount(), rows)
	}
	var buf bytes.Buffer
	st, err := simulate.WriteNDJSON(&buf, opts, rows, invalidRate)
	if err != nil {
		t.Fatal(err)
	}
	lines = bytes.Split(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n"))
	if len(lines) != rows {
		t.Fatalf("WriteNDJSON wrote %d lines, want %d", len(lines), rows)
	}
	valid = make([]bool, 0, rows)
	var js []byte
	err = w.Filings(func(f *simulate.Filing) error {
		i := len(valid)
		if i == rows {
			return errStop
		}
		js = f.AppendJSON(js[:0])
		valid = append(valid, bytes.Equal(js, lines[i]))
		return nil
	})
	if err != nil && err != errStop {
		t.Fatal(err)
	}
	n := 0
	for _, v := range valid {
		if v {
			n++
		}
	}
	if n != st.Valid {
		t.Fatalf("%d lines equal the world's filings, but WriteNDJSON reports %d valid", n, st.Valid)
	}
	return lines, valid
}

var errStop = fmt.Errorf("stop")

// Truth is what a warehouse must hold after ingesting NDJSON lines, computed
// from the lines alone with encoding/json: for every filing_id the newest
// revision (the first line of equal revisions wins), every accepted
// revision (a revision above all earlier ones of its filing, in input
// order), and the distinct invalid lines for the quarantine.
type Truth struct {
	Current   map[string]TruthFiling
	Revisions int64 // accepted revisions: rows of filing_revisions
	Invalid   int   // invalid lines ingested
	bad       map[string]bool
}

// TruthFiling is the current revision of one filing.
type TruthFiling struct {
	Revision int64
	Revenue  float64
	Exports  int // exports[] entries: rows of filing_exports
}

// NewTruth returns the truth of an empty warehouse.
func NewTruth() *Truth {
	return &Truth{Current: map[string]TruthFiling{}, bad: map[string]bool{}}
}

// Clone returns an independent copy of tr.
func (tr *Truth) Clone() *Truth {
	c := &Truth{Current: make(map[string]TruthFiling, len(tr.Current)), Revisions: tr.Revisions, Invalid: tr.Invalid, bad: make(map[string]bool, len(tr.bad))}
	for k, v := range tr.Current {
		c.Current[k] = v
	}
	for k := range tr.bad {
		c.bad[k] = true
	}
	return c
}

// Quarantine returns the rows the quarantine must hold: one per distinct
// invalid line.
func (tr *Truth) Quarantine() int { return len(tr.bad) }

// Exports returns the rows filing_exports must hold.
func (tr *Truth) Exports() int {
	n := 0
	for _, f := range tr.Current {
		n += f.Exports
	}
	return n
}

// Add applies one input line.
func (tr *Truth) Add(t testing.TB, line []byte, valid bool) {
	t.Helper()
	if !valid {
		tr.Invalid++
		tr.bad[string(bytes.TrimSpace(line))] = true
		return
	}
	var rec struct {
		FilingID string            `json:"filing_id"`
		Revision int64             `json:"revision"`
		Revenue  float64           `json:"revenue"`
		Exports  []json.RawMessage `json:"exports"`
	}
	if err := json.Unmarshal(line, &rec); err != nil {
		t.Fatalf("valid line %.80s: %v", line, err)
	}
	if cur, ok := tr.Current[rec.FilingID]; ok && rec.Revision <= cur.Revision {
		return
	}
	tr.Revisions++
	tr.Current[rec.FilingID] = TruthFiling{Revision: rec.Revision, Revenue: rec.Revenue, Exports: len(rec.Exports)}
}

// AddLines applies lines in order.
func (tr *Truth) AddLines(t testing.TB, lines [][]byte, valid []bool) {
	t.Helper()
	for i, l := range lines {
		tr.Add(t, l, valid[i])
	}
}

// Observed is what a snapshot of a warehouse holds, in the terms of Truth.
type Observed struct {
	Snapshot         int64
	Filings          map[string]TruthFiling // exports counted from filing_exports
	DupFilings       int64                  // filings rows beyond one per filing_id
	Revisions        int64                  // rows of filing_revisions
	DupRevisions     int64                  // rows beyond one per (filing_id, revision)
	StaleExports     int64                  // filing_exports rows of a revision that is not current
	FilingsNotInRevs int64                  // filings rows missing from filing_revisions
	Quarantine       int64
}

// Observe reads snapshot snap of wh.
func Observe(ctx context.Context, wh *warehouse.Warehouse, snap int64) (*Observed, error) {
	o := &Observed{Filings: map[string]TruthFiling{}}
	rows, m, err := QueryRows(ctx, wh, snap, `SELECT f.filing_id, f.revision, f.revenue, coalesce(e.n, 0)
		FROM filings f LEFT JOIN (SELECT filing_id, revision, count(*) AS n FROM filing_exports GROUP BY ALL) e
		ON e.filing_id = f.filing_id AND e.revision = f.revision`)
	if err != nil {
		return nil, err
	}
	o.Snapshot = m.ID
	for _, r := range rows {
		id := r[0].(string)
		if _, dup := o.Filings[id]; dup {
			o.DupFilings++
		}
		rev, _ := AsInt(r[1])
		n, _ := AsInt(r[3])
		o.Filings[id] = TruthFiling{Revision: rev, Revenue: r[2].(float64), Exports: int(n)}
	}
	rows, _, err = QueryRows(ctx, wh, m.ID, `SELECT
		(SELECT count(*) FROM filing_revisions),
		(SELECT count(*) - count(DISTINCT (filing_id, revision)) FROM filing_revisions),
		(SELECT count(*) FROM filing_exports e WHERE NOT EXISTS (SELECT 1 FROM filings f WHERE f.filing_id = e.filing_id AND f.revision = e.revision)),
		(SELECT count(*) FROM filings f WHERE NOT EXISTS (SELECT 1 FROM filing_revisions r WHERE r.filing_id = f.filing_id AND r.revision = f.revision)),
		(SELECT count(*) FROM quarantine)`)
	if err != nil {
		return nil, err
	}
	for i, p := range []*int64{&o.Revisions, &o.DupRevisions, &o.StaleExports, &o.FilingsNotInRevs, &o.Quarantine} {
		if *p, err = AsInt(rows[0][i]); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// Diff returns nil when o holds exactly tr, else an error listing the first
// differences.
func (tr *Truth) Diff(o *Observed) error {
	var d []string
	add := func(format string, args ...any) {
		if len(d) < 12 {
			d = append(d, fmt.Sprintf(format, args...))
		}
	}
	if len(o.Filings) != len(tr.Current) {
		add("filings: got %d filing_ids, want %d", len(o.Filings), len(tr.Current))
	}
	if o.DupFilings > 0 {
		add("filings: %d duplicate filing_id rows", o.DupFilings)
	}
	if o.Revisions != tr.Revisions {
		add("filing_revisions: got %d rows, want %d", o.Revisions, tr.Revisions)
	}
	if o.DupRevisions > 0 {
		add("filing_revisions: %d duplicate (filing_id, revision) rows", o.DupRevisions)
	}
	if o.StaleExports > 0 {
		add("filing_exports: %d rows of a revision that is not the current one", o.StaleExports)
	}
	if o.FilingsNotInRevs > 0 {
		add("filings: %d rows missing from filing_revisions", o.FilingsNotInRevs)
	}
	if o.Quarantine != int64(tr.Quarantine()) {
		add("quarantine: got %d rows, want %d", o.Quarantine, tr.Quarantine())
	}
	ids := make([]string, 0, len(tr.Current))
	for id := range tr.Current {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		want := tr.Current[id]
		got, ok := o.Filings[id]
		switch {
		case !ok:
			add("filings: %s missing, want revision %d", id, want.Revision)
		case got != want:
			add("filings: %s: got %+v, want %+v", id, got, want)
		}
	}
	extra := 0
	for id := range o.Filings {
		if _, ok := tr.Current[id]; !ok {
			if extra++; extra <= 3 {
				add("filings: %s should not be there", id)
			}
		}
	}
	if len(d) == 0 {
		return nil
	}
	return fmt.Errorf("snapshot %d:\n  %s", o.Snapshot, strings.Join(d, "\n  "))
}

// Split cuts lines (and their validity) into n consecutive parts of about
// equal size, moving each cut forward so that no part starts with a line
// that is not a JSON object (a file whose first record is not an object is
// refused as a whole).
func Split(lines [][]byte, valid []bool, n int) (parts [][][]byte, valids [][]bool) {
	start := 0
	for k := 1; k <= n; k++ {
		end := len(lines) * k / n
		for k < n && end < len(lines) && !bytes.HasPrefix(lines[end], []byte("{")) {
			end++
		}
		end = max(end, start)
		parts = append(parts, slices.Clone(lines[start:end]))
		valids = append(valids, slices.Clone(valid[start:end]))
		start = end
	}
	return parts, valids
}
