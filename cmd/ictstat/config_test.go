package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat"
)

func TestConfigExampleParses(t *testing.T) {
	c, err := ParseConfig(strings.NewReader(exampleConfig), func(string) string { return "" })
	if err != nil {
		t.Fatalf("the example config does not validate: %v", err)
	}
	if got := c.Sources["filings"].Schedule; got != "*/5 * * * *" {
		t.Errorf("got schedule %q, want */5 * * * *", got)
	}
	if c.Retention.KeepAge.Hours() != 168 {
		t.Errorf("got keep_age %v, want 168h", c.Retention.KeepAge)
	}
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown key", "warehous: ./x\n", "warehous"},
		{"unknown nested key", "server:\n  adr: x\n", "adr"},
		{"bad duration", "raw_retention: forever\n", "forever"},
		{"bad addr", "server:\n  addr: nope\n", "server.addr"},
		{"unknown source", "sources:\n  weather:\n    url: http://x\n    schedule: '@hourly'\n", "sources.weather"},
		{"bad url", "sources:\n  filings:\n    url: ftp://x\n    schedule: '@hourly'\n", "sources.filings.url"},
		{"bad schedule", "sources:\n  filings:\n    url: http://x\n    schedule: 'every tuesday'\n", "sources.filings.schedule"},
		{"bad limit", "sources:\n  filings:\n    url: http://x\n    schedule: '@hourly'\n    limit: 20000\n", "sources.filings.limit"},
		{"missing token file", "sources:\n  filings:\n    url: http://x\n    schedule: '@hourly'\n    token_file: /nonexistent/token\n", "token_file"},
		{"keep_last", "retention:\n  keep_last: 0\n", "keep_last"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig(strings.NewReader(tc.yaml), func(string) string { return "" })
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ictstat.ErrUsage) {
				t.Errorf("got %v, want a usage error naming %q", err, tc.want)
			}
		})
	}
}

func TestConfigEnvironmentOverrides(t *testing.T) {
	env := map[string]string{"ICTSTAT_WAREHOUSE": "/srv/wh", "ICTSTAT_ADDR": "127.0.0.1:9999", "ICTSTAT_FILINGS_URL": "http://127.0.0.1:7000"}
	c, err := ParseConfig(strings.NewReader(exampleConfig), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Warehouse != "/srv/wh" || c.Server.Addr != "127.0.0.1:9999" || c.Sources["filings"].URL != "http://127.0.0.1:7000" {
		t.Errorf("got %+v, want the environment's values", c)
	}
}
