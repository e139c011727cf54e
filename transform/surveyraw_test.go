package transform

import (
	"errors"
	"reflect"
	"testing"
	"unicode/utf8"
)

func TestSurveyRaw(t *testing.T) {
	fields := map[string]string{"_uuid": "u1", "g/name": "Хан <Софт> & Co", "b": "", "a": "x \"y\""}
	raw := SurveyRaw(fields, "w1")
	// Keys sorted, no HTML escaping, the wave under its own key: written by hand.
	want := `{"_ictstat_wave":"w1","_uuid":"u1","a":"x \"y\"","b":"","g/name":"Хан <Софт> & Co"}`
	if raw != want {
		t.Fatalf("got %s\nwant %s", raw, want)
	}
	got, wave, err := ParseSurveyRaw(raw)
	if err != nil || wave != "w1" || !reflect.DeepEqual(got, fields) {
		t.Errorf("got %v, %q, %v; want the fields back and wave w1", got, wave, err)
	}
	for _, old := range []string{
		"u1;2026-03-01T10:00:00;12",     // a CSV row's text, as quarantined before
		`{"_uuid":"u1","employees":12}`, // a Kobo JSON record, as quarantined before
		`{"_uuid":"u1"}`,                // no wave
		`[1,2]`, ``, `{"_ictstat_wave":""}`,
	} {
		if _, _, err := ParseSurveyRaw(old); !errors.Is(err, ErrNotSurveyRaw) {
			t.Errorf("ParseSurveyRaw(%q) = %v, want ErrNotSurveyRaw", old, err)
		}
	}
}

// FuzzSurveyRaw checks that any fields written by SurveyRaw read back the
// same, and that ParseSurveyRaw never panics on other text.
func FuzzSurveyRaw(f *testing.F) {
	f.Add("_uuid", "u1", "g/q", "a b", "w1", `{"_ictstat_wave":"w"}`)
	f.Add("", "", "x", "\u2028<&>", "w", "u1;2;3")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, wave, other string) {
		ParseSurveyRaw(other)
		// Survey fields are valid UTF-8: the Kobo readers refuse or replace the rest.
		for _, s := range []string{k1, v1, k2, v2, wave} {
			if !utf8.ValidString(s) {
				return
			}
		}
		if wave == "" || k1 == SurveyRawWave || k2 == SurveyRawWave {
			return
		}
		fields := map[string]string{k1: v1, k2: v2}
		got, w, err := ParseSurveyRaw(SurveyRaw(fields, wave))
		if err != nil || w != wave || !reflect.DeepEqual(got, fields) {
			t.Fatalf("round trip of %q, %q: got %q, %q, %v", fields, wave, got, w, err)
		}
	})
}
