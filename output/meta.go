package output

import "github.com/npit-mn/ictstat/queries"

// QueryMeta describes a run of named query q with the given parameters:
// units and meanings of its columns, its documentation and the parameter
// values used (defaults filled in). The caller sets Snapshot and MaxRows.
func QueryMeta(q *queries.Query, given map[string]string) Meta {
	m := Meta{Query: q.Name, Title: q.Title, Answers: q.Answers, Method: q.Method,
		Units: map[string]string{}, Docs: map[string]string{}}
	for _, c := range q.Columns {
		m.Units[c.Name], m.Docs[c.Name] = c.Unit, c.Doc
	}
	for _, p := range q.Resolved(given) {
		v := p[1]
		if v == "" {
			v = "(empty: " + q.ParamDoc(p[0]) + ")"
		}
		m.Params = append(m.Params, ParamValue{Name: p[0], Value: v})
	}
	return m
}
