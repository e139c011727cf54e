package serve

import (
	"html/template"
	"net/http"
)

// indexPage is the landing page until the dashboard exists: where the
// warehouse stands and where the API is.
var indexPage = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ictstat</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:46em;margin:2em auto;padding:0 1em}code{background:#f3f3f3;padding:0 .2em}</style>
</head><body>
<h1>ictstat</h1>
<p>Statistics pipeline and analytics warehouse for Mongolia's ICT sector.
The warehouse is at snapshot <b>{{.Snapshot}}</b>{{if .Operation}} ({{.Operation}}, {{.Created}}){{end}}.</p>
<h2>API</h2>
<ul>
<li><a href="/api/v1/queries">/api/v1/queries</a>: the named analytics and their parameters</li>
<li><a href="/api/v1/queries/sector_size?grain=year&amp;subsector=all&amp;format=csv">/api/v1/queries/sector_size?grain=year&amp;subsector=all&amp;format=csv</a></li>
<li><a href="/api/v1/snapshots">/api/v1/snapshots</a>, <a href="/api/v1/jobs">/api/v1/jobs</a></li>
<li><a href="/metrics">/metrics</a> (Prometheus), <a href="/healthz">/healthz</a></li>
</ul>
<p>Formats: <code>format=json|csv|parquet|arrow</code>; time travel: <code>snapshot=N</code>.</p>
</body></html>
`))

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	m, err := s.wh.Current()
	if err != nil {
		s.fail(w, http.StatusServiceUnavailable, "warehouse unreadable", err)
		return
	}
	data := map[string]any{"Snapshot": m.ID, "Operation": m.Operation, "Created": m.CreatedAt.Format("2006-01-02 15:04 UTC")}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	indexPage.Execute(w, data)
}
