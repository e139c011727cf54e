package simulate

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func FuzzRegistryCursor(f *testing.F) {
	reg := NewRegistry(NewWorld(Options{Companies: 20, Months: 3}), RegistryOptions{})
	f.Add(string(reg.appendCursor(nil, feedFilings, 3)))
	f.Add(string(reg.appendCursor(nil, feedRegistrations, 0)))
	f.Add("djE6ZmlsaW5nczp4Ojk5")
	f.Add("")
	f.Fuzz(func(t *testing.T, c string) {
		for _, fd := range []feed{feedFilings, feedRegistrations} {
			pos, err := reg.parseCursor(fd, c)
			if err != nil {
				continue
			}
			if back := string(reg.appendCursor(nil, fd, pos)); back != c {
				t.Errorf("cursor %q parses to %d, which prints as %q", c, pos, back)
			}
		}
	})
}

func BenchmarkRegistryPage(b *testing.B) {
	w := NewWorld(Options{Companies: 20_000, Months: 24})
	for _, bc := range []struct {
		name string
		opts RegistryOptions
	}{
		{"clean", RegistryOptions{Token: "t", StartMonths: 24}},
		{"faults", RegistryOptions{Token: "t", StartMonths: 24, RepeatRate: 0.2, MalformedRate: 0.01}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			reg := NewRegistry(w, bc.opts)
			srv := httptest.NewServer(reg)
			defer srv.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			var filings, bytesIn int64
			cursor := ""
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodGet, pageURL(srv.URL, "/v1/filings", cursor, MaxPageLimit), nil)
				req.Header.Set("Authorization", "Bearer t")
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 {
					b.Fatalf("status %d, %v", resp.StatusCode, err)
				}
				// Count the records without decoding them: the client's
				// cost is not measured here.
				filings += int64(bytes.Count(body, []byte(`{"filing_id"`)))
				bytesIn += int64(len(body))
				i := bytes.LastIndex(body, []byte(`"next":"`))
				j := bytes.IndexByte(body[i+8:], '"')
				cursor = string(body[i+8 : i+8+j])
				if bytes.HasSuffix(body, []byte("false}\n")) {
					cursor = "" // start over at the end of the feed
				}
			}
			b.SetBytes(bytesIn / int64(b.N))
			b.ReportMetric(float64(filings)/b.Elapsed().Seconds(), "filings/s")
		})
	}
}
