package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/kpi"
)

// exampleConfig is printed by `ictstat config example`; a test checks that it
// parses and validates, so it cannot drift from Config.
//
//go:embed config.example.yaml
var exampleConfig string

// Config is the YAML configuration of `ictstat run`.
type Config struct {
	Warehouse string       `yaml:"warehouse"`
	Server    ServerConfig `yaml:"server"`
	Retention struct {
		KeepLast int      `yaml:"keep_last"`
		KeepAge  Duration `yaml:"keep_age"`
	} `yaml:"retention"`
	RawRetention Duration                `yaml:"raw_retention"`
	Sources      map[string]SourceConfig `yaml:"sources"`
	// KPIs are the key performance indicators of `ictstat query kpis`;
	// KPIFile, when set, names a YAML file that holds them instead.
	KPIs       []kpi.Def        `yaml:"kpis"`
	KPIFile    string           `yaml:"kpis_file"`
	Releases   ReleasesConfig   `yaml:"releases"`
	Disclosure DisclosureConfig `yaml:"disclosure"`
}

// ServerConfig is the HTTP server's part of the configuration.
type ServerConfig struct {
	Addr string `yaml:"addr"`
}

// SourceConfig configures one pulled source.
type SourceConfig struct {
	URL        string   `yaml:"url"`
	TokenFile  string   `yaml:"token_file"`
	Schedule   string   `yaml:"schedule"`
	Limit      int      `yaml:"limit"`
	Retries    int      `yaml:"retries"`
	Timeout    Duration `yaml:"timeout"`
	CommitRows int      `yaml:"commit_rows"`
	Wave       string   `yaml:"wave"` // survey: the wave file (YAML)
	// MinInterval paces a PX-Web source's requests (national_accounts).
	MinInterval Duration `yaml:"min_interval"`
	// Mapping maps a PX-Web table's dimensions (national_accounts only).
	Mapping *NationalAccountsMapping `yaml:"mapping"`

	demoToken string // the demo's sources' token, set by run --demo only
}

// Duration is a time.Duration written as "90s", "5m", "168h".
type Duration struct{ time.Duration }

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration (e.g. 90s, 5m, 168h)", n.Line, n.Value)
	}
	d.Duration = v
	return nil
}

// knownSources are the sources a configuration may name, sorted.
func knownSources() []string {
	names := slices.Collect(maps.Keys(sourceTasks))
	slices.Sort(names)
	return names
}

// DefaultConfig is the configuration before the file and environment.
func DefaultConfig() Config {
	var c Config
	c.Warehouse = "./data"
	c.Server.Addr = "127.0.0.1:8080"
	c.Retention.KeepLast = 10
	c.Retention.KeepAge = Duration{7 * 24 * time.Hour}
	c.RawRetention = Duration{30 * 24 * time.Hour}
	c.KPIs = defaultKPIs()
	c.Releases = defaultReleases()
	c.Disclosure = defaultDisclosure()
	return c
}

// defaultKPIs are the KPIs of the example configuration, which a test
// checks parse and validate.
func defaultKPIs() []kpi.Def {
	var doc struct {
		KPIs []kpi.Def `yaml:"kpis"`
	}
	yaml.Unmarshal([]byte(exampleConfig), &doc) // a test checks it parses
	return doc.KPIs
}

// readKPIFile reads the KPIs of a kpis_file: a YAML list of KPIs, or a
// document with a kpis key.
func readKPIFile(path string) ([]kpi.Def, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: config kpis_file: %v", ictstat.ErrUsage, err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, fmt.Errorf("%w: config kpis_file %s: %v", ictstat.ErrUsage, path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if len(root.Content) > 0 && root.Content[0].Kind == yaml.SequenceNode {
		var list []kpi.Def
		if err := dec.Decode(&list); err != nil {
			return nil, fmt.Errorf("%w: config kpis_file %s: %v", ictstat.ErrUsage, path, err)
		}
		return list, nil
	}
	var doc struct {
		KPIs []kpi.Def `yaml:"kpis"`
	}
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: config kpis_file %s: %v (want a list of KPIs or a kpis key)", ictstat.ErrUsage, path, err)
	}
	return doc.KPIs, nil
}

// ParseConfig reads YAML over the defaults, refusing unknown keys, then
// applies environment overrides and validates.
func ParseConfig(r io.Reader, getenv func(string) string) (Config, error) {
	c := DefaultConfig()
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && err != io.EOF {
		return c, fmt.Errorf("%w: config: %v", ictstat.ErrUsage, err)
	}
	if v := getenv("ICTSTAT_WAREHOUSE"); v != "" {
		c.Warehouse = v
	}
	if v := getenv("ICTSTAT_ADDR"); v != "" {
		c.Server.Addr = v
	}
	for name, s := range c.Sources {
		if v := getenv("ICTSTAT_" + strings.ToUpper(name) + "_URL"); v != "" {
			s.URL = v
		}
		c.Sources[name] = s
	}
	if c.KPIFile != "" {
		list, err := readKPIFile(c.KPIFile)
		if err != nil {
			return c, err
		}
		c.KPIs = list
	}
	return c, c.Validate()
}

// Validate names the first bad value.
func (c Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: config %s: %s", ictstat.ErrUsage, field, fmt.Sprintf(format, args...))
	}
	if c.Warehouse == "" {
		return bad("warehouse", "empty; give a folder")
	}
	if c.Server.Addr == "" || !strings.Contains(c.Server.Addr, ":") {
		return bad("server.addr", "%q is not HOST:PORT", c.Server.Addr)
	}
	if c.Retention.KeepLast < 1 {
		return bad("retention.keep_last", "%d; keep at least 1", c.Retention.KeepLast)
	}
	if err := kpi.Validate(c.KPIs); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := c.validateReleases(); err != nil {
		return err
	}
	for name, s := range c.Sources {
		if _, known := sourceTasks[name]; !known {
			return bad("sources."+name, "unknown source (known: %s)", strings.Join(knownSources(), ", "))
		}
		fileOK := name == "exports" && strings.HasPrefix(s.URL, "file:")
		if !strings.HasPrefix(s.URL, "http://") && !strings.HasPrefix(s.URL, "https://") && !fileOK {
			return bad("sources."+name+".url", "%q is not an http(s) URL", s.URL)
		}
		if _, err := cron.ParseStandard(s.Schedule); err != nil {
			return bad("sources."+name+".schedule", "%q: %v (e.g. \"*/5 * * * *\" or \"@every 5m\")", s.Schedule, err)
		}
		if s.Limit < 0 || s.Limit > 10000 {
			return bad("sources."+name+".limit", "%d; want 1 to 10000", s.Limit)
		}
		if s.Mapping != nil && name != "national_accounts" {
			return bad("sources."+name+".mapping", "only the national_accounts source has a mapping")
		}
		if s.CommitRows < 0 {
			return bad("sources."+name+".commit_rows", "%d; want 0 (default) or more", s.CommitRows)
		}
		if name == jobs.SourceSurvey && s.Wave == "" {
			return bad("sources."+name+".wave", "empty; give the wave file (questions, strata, population)")
		}
		if s.TokenFile != "" {
			if _, err := os.Stat(s.TokenFile); err != nil {
				return bad("sources."+name+".token_file", "%v", err)
			}
		}
	}
	return nil
}

func (a *app) configCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Configuration helpers"}
	cmd.AddCommand(&cobra.Command{
		Use:   "example",
		Short: "Print a complete, commented configuration",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := io.WriteString(a.stdout, exampleConfig)
			return err
		},
	})
	return cmd
}

// token returns a source's bearer token: the token file, else ICTSTAT_TOKEN.
func (s SourceConfig) token(getenv func(string) string) (string, error) {
	if s.TokenFile != "" {
		b, err := os.ReadFile(s.TokenFile)
		if err != nil {
			return "", err
		}
		return string(bytes.TrimSpace(b)), nil
	}
	if s.demoToken != "" {
		return s.demoToken, nil
	}
	return getenv("ICTSTAT_TOKEN"), nil
}
