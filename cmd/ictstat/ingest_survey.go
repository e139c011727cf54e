package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/ingest"
	"github.com/npit-mn/ictstat/jobs"
	"github.com/npit-mn/ictstat/simulate"
	"github.com/npit-mn/ictstat/transform"
	"github.com/npit-mn/ictstat/warehouse"
)

// waveFile is the YAML of a survey wave (testdata/survey/wave.yaml is an
// example).
type waveFile struct {
	ID         string `yaml:"id"`
	Title      string `yaml:"title"`
	RegistryNo string `yaml:"registry_no"`
	Strata     struct {
		Fields   []string `yaml:"fields"`
		Template string   `yaml:"template"`
	} `yaml:"strata"`
	Population struct {
		Totals    map[string]int64 `yaml:"totals"`
		Companies *struct {
			At string `yaml:"at"`
			By string `yaml:"by"`
		} `yaml:"companies"`
	} `yaml:"population"`
	Questions []struct {
		Name    string `yaml:"name"`
		Label   string `yaml:"label"`
		Type    string `yaml:"type"`
		Choices []struct {
			Code  string `yaml:"code"`
			Label string `yaml:"label"`
		} `yaml:"choices"`
	} `yaml:"questions"`
}

// parseWave reads a wave's YAML into the survey ingest's options. Errors
// name the file and the key.
func parseWave(r io.Reader, name string) (jobs.SurveyOptions, error) {
	var o jobs.SurveyOptions
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: wave %s: %s", ictstat.ErrUsage, name, fmt.Sprintf(format, args...))
	}
	var f waveFile
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return o, bad("%s", plainYAMLError(err))
	}
	w := transform.Wave{ID: f.ID, Title: f.Title, RegistryNo: f.RegistryNo, Population: f.Population.Totals}
	switch {
	case len(f.Strata.Fields) > 0 && f.Strata.Template != "":
		return o, bad("strata: give fields or template, not both")
	case f.Strata.Template != "":
		for _, part := range strings.Split(f.Strata.Template, "/") {
			if len(part) < 3 || part[0] != '{' || part[len(part)-1] != '}' || strings.ContainsAny(part[1:len(part)-1], "{}") {
				return o, bad("strata.template %q: want {field} placeholders joined with / (e.g. {isic_division}/{size_class})", f.Strata.Template)
			}
			w.Strata = append(w.Strata, part[1:len(part)-1])
		}
	default:
		w.Strata = f.Strata.Fields
	}
	for _, q := range f.Questions {
		tq := transform.Question{Name: q.Name, Label: q.Label, Type: q.Type}
		for _, c := range q.Choices {
			tq.Choices = append(tq.Choices, transform.Choice{Code: c.Code, Label: c.Label})
		}
		w.Questions = append(w.Questions, tq)
	}
	if c := f.Population.Companies; c != nil {
		if len(f.Population.Totals) > 0 {
			return o, bad("population: give totals or companies, not both")
		}
		if c.By != "isic_division" {
			return o, bad("population.companies.by %q: only isic_division is supported", c.By)
		}
		if len(w.Strata) != 1 {
			return o, bad("population.companies counts by ISIC division: the strata must be the division's field alone")
		}
		d, err := time.Parse(time.DateOnly, c.At)
		if err != nil {
			return o, bad("population.companies.at %q: want a day YYYY-MM-DD", c.At)
		}
		at := ictstat.DateOf(d)
		o.CountCompaniesAt = &at
	} else if len(w.Population) == 0 {
		return o, bad("population: give totals per stratum, or companies: {at: YYYY-MM-DD, by: isic_division}")
	}
	if err := w.Check(); err != nil {
		return o, bad("%v", err)
	}
	o.Wave = w
	return o, nil
}

// readWave parses the wave file at path.
func readWave(path string) (jobs.SurveyOptions, error) {
	if path == "" {
		return jobs.SurveyOptions{}, fmt.Errorf("%w: ingest survey needs --wave FILE (the wave's questions, strata and population)", ictstat.ErrUsage)
	}
	f, err := os.Open(path)
	if err != nil {
		return jobs.SurveyOptions{}, fmt.Errorf("%w: %v", ictstat.ErrUsage, err)
	}
	defer f.Close()
	return parseWave(f, path)
}

// ingestSurvey loads a Kobo export (--file, CSV or JSON) or pulls a form's
// submissions through the Kobo API (--url, the asset data URL).
func (a *app) ingestSurvey(cmd *cobra.Command, in ingestArgs) error {
	if (in.file == "") == (in.url == "") {
		return fmt.Errorf("%w: ingest survey needs one of --file PATH (Kobo CSV or JSON export) or --url URL ({server}/api/v2/assets/{uid}/data/)", ictstat.ErrUsage)
	}
	opts, err := readWave(in.wave)
	if err != nil {
		return err
	}
	var pull func(ctx context.Context, wh *warehouse.Warehouse) (jobs.PullStats, error)
	from := in.file
	if in.file != "" {
		f, err := openInput(cmd.Context(), in.file)
		if err != nil {
			return err
		}
		defer f.Close()
		pull = func(ctx context.Context, wh *warehouse.Warehouse) (jobs.PullStats, error) {
			return jobs.IngestSurveyFile(ctx, wh, f, in.file, opts)
		}
	} else {
		k, err := a.koboClient(in.url, tokenOr(in.token), 0, a.log.With().Str(ictstat.LogSource, jobs.SourceSurvey).Logger())
		if err != nil {
			return err
		}
		from = k.URL()
		pull = func(ctx context.Context, wh *warehouse.Warehouse) (jobs.PullStats, error) {
			return jobs.PullSurvey(ctx, wh, k, opts)
		}
	}
	res, err := a.pullInto(cmd.Context(), pull)
	countRun(in.run, res)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "survey %s (wave %s): %d responses read, %d committed (new or edited), %d unchanged, %d quarantined; %s\n",
		from, opts.Wave.ID, res.Read, res.Committed, res.Superseded, res.Quarantined, commitState(res))
	return nil
}

// koboClient builds the Kobo API client, logging retries.
func (a *app) koboClient(url, token string, timeout time.Duration, log zerolog.Logger) (*ingest.Kobo, error) {
	return ingest.NewKobo(url, ingest.KoboOptions{Token: token,
		RetryOptions: ingest.RetryOptions{Timeout: timeout, OnRetry: logRetries(log, "Kobo")}})
}

// surveyTask pulls the configured Kobo form on schedule.
func surveyTask(wh *warehouse.Warehouse, name string, s SourceConfig, log zerolog.Logger) (sourcePull, error) {
	opts, err := readWave(s.Wave)
	if err != nil {
		return nil, fmt.Errorf("sources.%s.wave: %w", name, err)
	}
	token, err := s.token(os.Getenv)
	if err != nil {
		return nil, err
	}
	k, err := (&app{}).koboClient(s.URL, token, s.Timeout.Duration, log)
	if err != nil {
		return nil, fmt.Errorf("sources.%s: %w", name, err)
	}
	return func(ctx context.Context) (jobs.PullStats, error) {
		return jobs.PullSurvey(ctx, wh, k, opts)
	}, nil
}

// loadDemoSurvey loads the demo world's synthetic startup-ecosystem survey
// (the sample of testdata/survey: 400 responses and its wave).
func (a *app) loadDemoSurvey(ctx context.Context, wh *warehouse.Warehouse, world *simulate.World, run *ictstat.JobRun) error {
	var wave, export bytes.Buffer
	if err := world.WriteSurveyWave(&wave); err != nil {
		return err
	}
	if err := world.WriteSurveyCSV(&export, simulate.SurveyOptions{Responses: 400}); err != nil {
		return err
	}
	opts, err := parseWave(&wave, "demo wave")
	if err != nil {
		return err
	}
	st, err := jobs.IngestSurveyFile(ctx, wh, &export, "demo: synthetic startup-ecosystem survey", opts)
	countRun(run, st)
	if err != nil {
		return err
	}
	a.log.Info().Int64("responses", st.Read).Str("wave", opts.Wave.ID).Msg("demo survey loaded (synthetic)")
	return nil
}

// yamlLine and yamlUnknown parse the decoder's type errors.
var (
	yamlLine    = regexp.MustCompile(`line (\d+): `)
	yamlUnknown = regexp.MustCompile(`line (\d+): field (\S+) not found`)
)

// plainYAMLError says what is wrong with a wave file without the decoder's
// Go types.
func plainYAMLError(err error) string {
	const shape = "want a mapping with id, title, strata, population and questions (see testdata/survey/wave.yaml)"
	var te *yaml.TypeError
	switch {
	case errors.As(err, &te) && len(te.Errors) > 0:
		e := te.Errors[0]
		if m := yamlUnknown.FindStringSubmatch(e); m != nil {
			return "line " + m[1] + ": unknown key " + m[2]
		}
		if m := yamlLine.FindStringSubmatch(e); m != nil {
			return "line " + m[1] + ": not the shape of a wave file: " + shape
		}
		return "not the shape of a wave file: " + shape
	case errors.Is(err, io.EOF):
		return "empty: " + shape
	}
	return "not YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")
}
