package transform

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// SurveyRawWave is the key under which SurveyRaw records the wave a
// survey record was checked against. Kobo never writes a field path that
// starts with `_ictstat`, and the Kobo readers drop `_` keys they do not
// know, so the key never reaches a submission's fields.
const SurveyRawWave = "_ictstat_wave"

// SurveyRaw renders a submission's fields (field path → value as text, the
// Kobo metadata columns _uuid, _submission_time, ... included) and the id
// of the wave it was checked against as the quarantine's raw text of a
// survey record: one JSON object, keys sorted, no HTML escaping. It is
// canonical, so that quarantining the same record again is recognised, and
// ParseSurveyRaw reads it back for a replay.
func SurveyRaw(fields map[string]string, wave string) string {
	m := make(map[string]string, len(fields)+1)
	for k, v := range fields {
		m[k] = v
	}
	m[SurveyRawWave] = wave
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil { // a map of strings always encodes
		panic(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// ErrNotSurveyRaw reports a survey quarantine raw text that SurveyRaw did
// not write: the row text of a record that could not be split into fields,
// or a record quarantined before survey records were kept as JSON.
var ErrNotSurveyRaw = errors.New("not a JSON object of field paths with the wave it was checked against")

// ParseSurveyRaw reads the raw text SurveyRaw wrote back into the fields
// and the wave id. Any other text is refused with ErrNotSurveyRaw.
func ParseSurveyRaw(raw string) (fields map[string]string, wave string, err error) {
	t := strings.TrimSpace(raw)
	if !strings.HasPrefix(t, "{") {
		return nil, "", ErrNotSurveyRaw
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(t), &m); err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrNotSurveyRaw, err)
	}
	wave, ok := m[SurveyRawWave]
	if !ok || wave == "" {
		return nil, "", fmt.Errorf("%w: no %s key", ErrNotSurveyRaw, SurveyRawWave)
	}
	delete(m, SurveyRawWave)
	return m, wave, nil
}
