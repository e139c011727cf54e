package transform

import (
	"encoding/json"
	"testing"
)

// FuzzCheckFlags compares the flags reader with encoding/json on every valid
// JSON value: both accept exactly the objects of booleans, with the same
// ai and startup values (the last of repeated keys wins in both).
func FuzzCheckFlags(f *testing.F) {
	for _, s := range []string{`{"ai":true,"startup":false}`, `{}`, `null`, `{ "ai" : true }`, `{"a\"i":true}`, `{"ai":1}`,
		`[true]`, `{"ai":true,"ai":false}`, `{"a\/b":true,"ai":true}`, ` null `, `{"\u0061i":true}`, `{"x":{"ai":true}}`, `true`, `{"startup":null}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid([]byte(s)) {
			return
		}
		ai, startup, text, err := checkFlags([]byte(s))
		if err == nil && text != s {
			t.Fatalf("%s: got text %q, want the input", s, text)
		}
		var m map[string]bool
		jerr := json.Unmarshal([]byte(s), &m)
		if s == "null" {
			jerr = nil
		}
		if jerr == nil && hasNullValue(s) {
			return // encoding/json leaves a null as false; we refuse it
		}
		if (err == nil) != (jerr == nil) {
			t.Fatalf("%s: got error %v, encoding/json %v", s, err, jerr)
		}
		if err == nil && (ai != m["ai"] || startup != m["startup"]) {
			t.Fatalf("%s: got ai=%v startup=%v, want %v %v", s, ai, startup, m["ai"], m["startup"])
		}
	})
}

// hasNullValue reports whether an object has a null member value.
func hasNullValue(s string) bool {
	var m map[string]any
	if json.Unmarshal([]byte(s), &m) != nil {
		return false
	}
	for _, v := range m {
		if v == nil {
			return true
		}
	}
	return false
}
