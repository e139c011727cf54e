package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// feedEnvelope is a parsed 200 response body.
type feedEnvelope struct {
	records []json.RawMessage
	next    string
	hasMore bool
}

// feedSyntaxError is a body that is not JSON, or not the envelope's shape.
type feedSyntaxError struct {
	off   int64  // byte offset in the body; -1 for the body as a whole
	field string // envelope member concerned, if any
	msg   string
	eof   bool // the body ends inside the JSON
}

func (e *feedSyntaxError) Error() string {
	if e.off < 0 {
		return e.msg
	}
	return fmt.Sprintf("%s (byte %d of the body)", e.msg, e.off)
}

// feedErrField returns the envelope member an envelope error concerns.
func feedErrField(err error) string {
	var se *feedSyntaxError
	if errors.As(err, &se) {
		return se.field
	}
	return ""
}

// parseFeedEnvelope reads {"<key>": [...], "next": "...", "has_more": bool}
// with a streaming JSON decoder that validates the whole body and hands
// each record over as its raw text. Unknown members are skipped; a member
// given twice, a missing record array and wrong member types are errors; a
// null array or next counts as empty and a missing has_more as false, as
// servers that omit empty fields write them. Member names match exactly.
// Records keep their own repeated keys and invalid UTF-8 for DecodeFiling
// to judge.
func parseFeedEnvelope(body []byte, key string) (feedEnvelope, error) {
	var env feedEnvelope
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	fail := func(err error) error {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return &feedSyntaxError{off: int64(len(body)), msg: "the body ends inside the JSON", eof: true}
		}
		msg, off := err.Error(), dec.InputOffset()
		var se *jsontext.SyntacticError
		if errors.As(err, &se) && se.Err != nil {
			msg, off = se.Err.Error(), se.ByteOffset
		}
		return &feedSyntaxError{off: off, msg: "not valid JSON: " + strings.TrimPrefix(msg, "jsontext: ")}
	}
	switch start := bytes.TrimLeft(body, " \t\r\n"); {
	case len(start) == 0:
		return env, &feedSyntaxError{off: int64(len(body)), msg: "empty body, want a JSON object", eof: true}
	case start[0] != '{':
		return env, &feedSyntaxError{off: int64(len(body) - len(start)), msg: fmt.Sprintf("not a JSON object: the body starts with %q", feedSnippet(start))}
	}
	if _, err := dec.ReadToken(); err != nil {
		return env, fail(err)
	}
	var (
		buf                       []byte // the records, one after the other
		ends                      []int
		haveRecs, haveNext, haveM bool
		others                    []string // unknown member names, for the message
	)
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return env, fail(err)
		}
		name := tok.String()
		kind := dec.PeekKind()
		if kind == 0 {
			_, err := dec.ReadValue()
			return env, fail(err)
		}
		off := dec.InputOffset()
		seen := map[string]*bool{key: &haveRecs, "next": &haveNext, "has_more": &haveM}[name]
		if seen != nil {
			if *seen {
				return env, &feedSyntaxError{off: off, field: name, msg: fmt.Sprintf("member %q given twice", name)}
			}
			*seen = true
		}
		switch {
		case name == key && kind == '[':
			dec.ReadToken()
			for dec.PeekKind() != ']' {
				v, err := dec.ReadValue()
				if err != nil {
					return env, fail(err)
				}
				buf = append(buf, v...)
				ends = append(ends, len(buf))
			}
			if _, err := dec.ReadToken(); err != nil {
				return env, fail(err)
			}
			continue
		case name == "next" && kind == '"':
			tok, err := dec.ReadToken()
			if err != nil {
				return env, fail(err)
			}
			env.next = tok.String()
			continue
		case name == "has_more" && (kind == 't' || kind == 'f'):
			tok, err := dec.ReadToken()
			if err != nil {
				return env, fail(err)
			}
			env.hasMore = tok.Bool()
			continue
		case seen == nil && len(others) < 5:
			others = append(others, strconv.Quote(name))
		}
		v, err := dec.ReadValue()
		if err != nil {
			return env, fail(err)
		}
		if seen != nil && kind != 'n' {
			want := map[string]string{key: "an array", "next": "a string", "has_more": "true or false"}[name]
			return env, &feedSyntaxError{off: off, field: name, msg: fmt.Sprintf("%q is %s, want %s", name, kindWord(v.Kind()), want)}
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return env, fail(err)
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		off := dec.InputOffset()
		return env, &feedSyntaxError{off: off, msg: fmt.Sprintf("data after the JSON object: %q", feedSnippet(bytes.TrimSpace(body[min(int(off), len(body)):])))}
	}
	if !haveRecs {
		msg := fmt.Sprintf("no %q array", key)
		if len(others) > 0 {
			msg += fmt.Sprintf(" (the object has %s): is this the %s feed?", strings.Join(others, ", "), key)
		}
		return env, &feedSyntaxError{off: -1, field: key, msg: msg}
	}
	env.records = make([]json.RawMessage, len(ends))
	start := 0
	for k, end := range ends {
		env.records[k] = buf[start:end:end]
		start = end
	}
	return env, nil
}

// kindWord names the kind of a JSON value for a message.
func kindWord(k jsontext.Kind) string {
	switch k {
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "not JSON"
}

// feedSnippet returns the first bytes of b for a message.
func feedSnippet(b []byte) string {
	if len(b) > 20 {
		b = b[:20]
	}
	return string(b)
}
