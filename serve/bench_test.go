package serve_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/npit-mn/ictstat/serve"
)

// BenchmarkCachedQuery is the per-request work of a cached named query,
// without the network: what bounds req/s on a busy machine.
func BenchmarkCachedQuery(b *testing.B) {
	_, wh := newServer(b)
	a := newAccess(b)
	h := serve.New(wh, a.options(serve.Options{})).Handler()
	url := "/api/v1/queries/sector_size?grain=quarter&subsector=division"
	req := httptest.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+a.byRole[serve.RoleResearcher])
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Fatalf("got %d %s", w.Code, w.Body)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
	}
}
