package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/npit-mn/ictstat"
)

// KoboPage is one page of submissions of the KoboToolbox API, or a whole
// saved JSON export.
type KoboPage struct {
	Submissions []ictstat.Submission
	Bad         []ictstat.Quarantined // records that are not JSON objects
	Next        string                // URL of the next page; "" on the last
	Count       int64                 // total submissions the server reports; -1 if not given
	URL         string                // where the page came from (file path or URL without token)
	Body        []byte                // the page as received, for archiving
}

// ReadKoboJSON reads one page of the KoboToolbox API v2 data endpoint,
// `{"count": N, "next": URL|null, "previous": ..., "results": [...]}`, or a
// bare array of submissions (a saved export). Each submission is an object
// whose keys are field paths (`group_company/employees`), a multi-select
// being one space-separated string, exactly as in the CSV export; numbers
// and booleans are kept as their text, null as unanswered. name is the file
// or URL named in errors and quarantine. A body that is not JSON, or has no
// results array, is refused with an *ictstat.InputError naming the line.
func ReadKoboJSON(data []byte, name string) (KoboPage, error) {
	p := KoboPage{Count: -1, URL: name, Body: data}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	lines := lineCounter{data: data, line: 1}
	fail := func(err error) (KoboPage, error) {
		off := dec.InputOffset()
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = se.Offset
		}
		return KoboPage{}, &ictstat.InputError{File: name, Line: lines.at(off), Reason: "not Kobo JSON: " + err.Error()}
	}
	tok, err := dec.Token()
	if err != nil {
		return fail(err)
	}
	switch tok {
	case json.Delim('['):
		if err := p.readResults(dec, &lines, data); err != nil {
			return fail(err)
		}
	case json.Delim('{'):
		sawResults := false
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return fail(err)
			}
			switch key, _ := kt.(string); key {
			case "results":
				if t, err := dec.Token(); err != nil {
					return fail(err)
				} else if t != json.Delim('[') {
					return fail(fmt.Errorf("results is %v: want an array of submissions", t))
				}
				if err := p.readResults(dec, &lines, data); err != nil {
					return fail(err)
				}
				sawResults = true
			case "next":
				var next *string
				if err := dec.Decode(&next); err != nil {
					return fail(fmt.Errorf("next: want a URL or null: %w", err))
				}
				if next != nil {
					p.Next = *next
				}
			case "count":
				var n json.Number
				if err := dec.Decode(&n); err != nil {
					return fail(fmt.Errorf("count: want a number: %w", err))
				}
				if c, err := n.Int64(); err == nil {
					p.Count = c
				}
			default:
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return fail(err)
				}
			}
		}
		if _, err := dec.Token(); err != nil {
			return fail(err)
		}
		if !sawResults {
			return KoboPage{}, &ictstat.InputError{File: name, Line: 1, Field: "results",
				Reason: "no results array: want the answer of /api/v2/assets/{uid}/data/?format=json or an array of submissions"}
		}
	default:
		return fail(fmt.Errorf("starts with %v: want an object with results, or an array", tok))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fail(errors.New("data after the end of the JSON value"))
	}
	return p, nil
}

// readResults reads the submissions of a results array up to its `]`.
func (p *KoboPage) readResults(dec *json.Decoder, lines *lineCounter, data []byte) error {
	for dec.More() {
		start := int64(skipJSONSpace(data, int(dec.InputOffset())))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		line := lines.at(start)
		sub, reason := koboObject(raw)
		if reason != "" {
			p.Bad = append(p.Bad, ictstat.Quarantined{Origin: p.URL, Line: line, Raw: string(raw),
				Reason: reason + " (kept as received, which a quarantine replay cannot read; fix it in Kobo and pull or ingest again)"})
			continue
		}
		sub.Origin, sub.Line, sub.Raw = p.URL, line, string(raw)
		p.Submissions = append(p.Submissions, sub)
	}
	_, err := dec.Token() // ]
	return err
}

// koboObject turns the JSON of one submission into its fields.
func koboObject(raw []byte) (ictstat.Submission, string) {
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return ictstat.Submission{}, "submission is not a JSON object"
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return ictstat.Submission{}, "submission: " + err.Error()
	}
	fields := make(map[string]string, len(m))
	for k, v := range m {
		if !koboKeep(k) {
			continue
		}
		switch v[0] {
		case 'n': // null: unanswered
		case '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return ictstat.Submission{}, fmt.Sprintf("%s: %v", k, err)
			}
			if s != "" {
				fields[k] = s
			}
		case '{', '[':
			var buf bytes.Buffer
			if json.Compact(&buf, v) == nil {
				fields[k] = buf.String()
			}
		default: // number, true, false
			fields[k] = string(v)
		}
	}
	return ictstat.Submission{Fields: fields}, ""
}

// skipJSONSpace returns the offset of the first byte at or after off that
// is neither JSON white space nor the comma between array elements.
func skipJSONSpace(data []byte, off int) int {
	for off < len(data) && strings.IndexByte(" \t\r\n,", data[off]) >= 0 {
		off++
	}
	return off
}

// lineCounter maps growing byte offsets to 1-based line numbers.
type lineCounter struct {
	data []byte
	off  int64
	line int64
}

// at returns the line of offset off; offsets must not decrease between
// calls (a smaller one is counted from the start).
func (l *lineCounter) at(off int64) int64 {
	off = min(max(off, 0), int64(len(l.data)))
	if off < l.off {
		l.off, l.line = 0, 1
	}
	l.line += int64(bytes.Count(l.data[l.off:off], []byte{'\n'}))
	l.off = off
	return l.line
}
