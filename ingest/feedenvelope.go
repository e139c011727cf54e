package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// feedEnvelope is a parsed 200 response body.
type feedEnvelope struct {
	records []json.RawMessage
	next    string
	hasMore bool
}

// feedSyntaxError is a body that is not JSON, or not the envelope's shape.
type feedSyntaxError struct {
	off   int    // byte offset in the body; -1 for the body as a whole
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

// feedSpan is the offsets of one record in the body.
type feedSpan struct{ start, end int }

// parseFeedEnvelope reads {"<key>": [...], "next": "...", "has_more": bool}
// in one pass that validates the whole body as JSON (as strictly as
// encoding/json) and notes where each record lies, then copies the records
// into one buffer. Unknown members are skipped; a member given twice, a
// missing record array and wrong member types are errors; a null array or
// next counts as empty and a missing has_more as false, as servers that
// omit empty fields write them.
func parseFeedEnvelope(body []byte, key string) (feedEnvelope, error) {
	var env feedEnvelope
	s := feedScanner{b: body}
	s.ws()
	if s.i >= len(s.b) {
		return env, &feedSyntaxError{off: s.i, msg: "empty body, want a JSON object", eof: true}
	}
	if s.b[s.i] != '{' {
		return env, s.fail(fmt.Sprintf("not a JSON object: the body starts with %q", feedSnippet(s.b[s.i:])))
	}
	s.i++
	var (
		spans                     []feedSpan
		haveRecs, haveNext, haveM bool
		others                    []string // unknown member names, for the message
	)
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
	} else {
		for {
			if s.i >= len(s.b) {
				return env, s.eofErr()
			}
			if s.b[s.i] != '"' {
				return env, s.fail(fmt.Sprintf("invalid character %q, want a member name", s.b[s.i]))
			}
			name, err := s.name()
			if err != nil {
				return env, err
			}
			s.ws()
			if s.i >= len(s.b) {
				return env, s.eofErr()
			}
			if s.b[s.i] != ':' {
				return env, s.fail(fmt.Sprintf("invalid character %q after member name, want ':'", s.b[s.i]))
			}
			s.i++
			s.ws()
			if s.i >= len(s.b) {
				return env, s.eofErr()
			}
			switch name {
			case key:
				if haveRecs {
					return env, s.dup(key)
				}
				haveRecs = true
				if spans, err = s.records(key); err != nil {
					return env, err
				}
			case "next":
				if haveNext {
					return env, s.dup("next")
				}
				haveNext = true
				if env.next, err = s.nextValue(); err != nil {
					return env, err
				}
			case "has_more":
				if haveM {
					return env, s.dup("has_more")
				}
				haveM = true
				if env.hasMore, err = s.boolValue("has_more"); err != nil {
					return env, err
				}
			default:
				if len(others) < 5 {
					others = append(others, strconv.Quote(name))
				}
				if err := s.value(1); err != nil {
					return env, err
				}
			}
			s.ws()
			if s.i >= len(s.b) {
				return env, s.eofErr()
			}
			if s.b[s.i] == ',' {
				s.i++
				s.ws()
				continue
			}
			if s.b[s.i] == '}' {
				s.i++
				break
			}
			return env, s.fail(fmt.Sprintf("invalid character %q after a member, want ',' or '}'", s.b[s.i]))
		}
	}
	s.ws()
	if s.i < len(s.b) {
		return env, s.fail(fmt.Sprintf("data after the JSON object: %q", feedSnippet(s.b[s.i:])))
	}
	if !haveRecs {
		msg := fmt.Sprintf("no %q array", key)
		if len(others) > 0 {
			msg += fmt.Sprintf(" (the object has %s): is this the %s feed?", strings.Join(others, ", "), key)
		}
		return env, &feedSyntaxError{off: -1, field: key, msg: msg}
	}
	if len(spans) == 0 {
		return env, nil
	}
	// One copy of the stretch holding the records, separators included:
	// append, unlike make, does not zero the memory first.
	first := spans[0].start
	buf := append([]byte(nil), body[first:spans[len(spans)-1].end]...)
	env.records = make([]json.RawMessage, len(spans))
	for k, sp := range spans {
		env.records[k] = buf[sp.start-first : sp.end-first : sp.end-first]
	}
	return env, nil
}

// feedSnippet returns the first bytes of b for a message.
func feedSnippet(b []byte) string {
	if len(b) > 20 {
		b = b[:20]
	}
	return string(b)
}

// feedScanner validates JSON as encoding/json does: RFC 8259 syntax,
// control characters refused in strings, invalid UTF-8 let through.
type feedScanner struct {
	b []byte
	i int
}

func (s *feedScanner) fail(msg string) error { return &feedSyntaxError{off: s.i, msg: msg} }

func (s *feedScanner) eofErr() error {
	return &feedSyntaxError{off: len(s.b), msg: "the body ends inside the JSON (cut off?)", eof: true}
}

func (s *feedScanner) dup(field string) error {
	return &feedSyntaxError{off: s.i, field: field, msg: fmt.Sprintf("member %q given twice", field)}
}

func (s *feedScanner) typeErr(field, want string) error {
	return &feedSyntaxError{off: s.i, field: field, msg: fmt.Sprintf("%q is %s, want %s", field, feedKindOf(s.b[s.i]), want)}
}

// feedKindOf names the JSON type of a value starting with c.
func feedKindOf(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func (s *feedScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// records reads the record array (or null) and returns the records' spans.
func (s *feedScanner) records(key string) ([]feedSpan, error) {
	switch s.b[s.i] {
	case 'n':
		return nil, s.lit("null")
	case '[':
	default:
		err := s.typeErr(key, "an array of records")
		if verr := s.value(1); verr != nil {
			return nil, verr // not JSON at all says more
		}
		return nil, err
	}
	s.i++
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		return nil, nil
	}
	spans := make([]feedSpan, 0, min(len(s.b)/256, 1<<16))
	for {
		if s.i >= len(s.b) {
			return nil, s.eofErr()
		}
		start := s.i
		if err := s.value(2); err != nil {
			return nil, err
		}
		spans = append(spans, feedSpan{start, s.i})
		s.ws()
		if s.i >= len(s.b) {
			return nil, s.eofErr()
		}
		switch s.b[s.i] {
		case ',':
			s.i++
			s.ws()
		case ']':
			s.i++
			return spans, nil
		default:
			return nil, s.fail(fmt.Sprintf("invalid character %q after record %d, want ',' or ']'", s.b[s.i], len(spans)))
		}
	}
}

// nextValue reads the cursor: a string, or null for none.
func (s *feedScanner) nextValue() (string, error) {
	switch s.b[s.i] {
	case 'n':
		return "", s.lit("null")
	case '"':
		return s.name()
	}
	err := s.typeErr("next", "a string")
	if verr := s.value(1); verr != nil {
		return "", verr
	}
	return "", err
}

// boolValue reads true or false.
func (s *feedScanner) boolValue(field string) (bool, error) {
	switch s.b[s.i] {
	case 't':
		return true, s.lit("true")
	case 'f':
		return false, s.lit("false")
	}
	err := s.typeErr(field, "true or false")
	if verr := s.value(1); verr != nil {
		return false, verr
	}
	return false, err
}

// name reads a string and returns its value.
func (s *feedScanner) name() (string, error) {
	start := s.i
	esc, err := s.str()
	if err != nil {
		return "", err
	}
	raw := s.b[start+1 : s.i-1]
	if !esc && utf8.Valid(raw) {
		return string(raw), nil
	}
	var v string
	if err := json.Unmarshal(s.b[start:s.i], &v); err != nil {
		return "", s.fail("unreadable string: " + err.Error())
	}
	return v, nil
}

// value skips one JSON value at s.i, validating it; depth is the nesting
// of the value's container.
func (s *feedScanner) value(depth int) error {
	if s.i >= len(s.b) {
		return s.eofErr()
	}
	switch c := s.b[s.i]; c {
	case '{', '[':
		if depth >= feedMaxDepth {
			return s.fail(fmt.Sprintf("JSON nested more than %d levels deep", feedMaxDepth))
		}
		return s.container(depth + 1)
	case '"':
		_, err := s.str()
		return err
	case 't':
		return s.lit("true")
	case 'f':
		return s.lit("false")
	case 'n':
		return s.lit("null")
	default:
		if c == '-' || '0' <= c && c <= '9' {
			return s.number()
		}
		return s.fail(fmt.Sprintf("invalid character %q, want a JSON value", c))
	}
}

// container skips an object or array.
func (s *feedScanner) container(depth int) error {
	obj := s.b[s.i] == '{'
	closer := byte(']')
	if obj {
		closer = '}'
	}
	s.i++
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == closer {
		s.i++
		return nil
	}
	for {
		if obj {
			if s.i >= len(s.b) {
				return s.eofErr()
			}
			if s.b[s.i] != '"' {
				return s.fail(fmt.Sprintf("invalid character %q, want a member name", s.b[s.i]))
			}
			if _, err := s.str(); err != nil {
				return err
			}
			s.ws()
			if s.i >= len(s.b) {
				return s.eofErr()
			}
			if s.b[s.i] != ':' {
				return s.fail(fmt.Sprintf("invalid character %q after member name, want ':'", s.b[s.i]))
			}
			s.i++
			s.ws()
		}
		if err := s.value(depth); err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) {
			return s.eofErr()
		}
		switch s.b[s.i] {
		case ',':
			s.i++
			s.ws()
		case closer:
			s.i++
			return nil
		default:
			return s.fail(fmt.Sprintf("invalid character %q, want ',' or %q", s.b[s.i], closer))
		}
	}
}

// str skips a string at s.i and reports whether it holds escapes.
func (s *feedScanner) str() (escaped bool, err error) {
	b := s.b
	i := s.i + 1
	for {
		for i < len(b) && b[i] >= 0x20 && b[i] != '"' && b[i] != '\\' {
			i++
		}
		if i >= len(b) {
			s.i = i
			return escaped, s.eofErr()
		}
		switch b[i] {
		case '"':
			s.i = i + 1
			return escaped, nil
		case '\\':
			escaped = true
			if i+1 >= len(b) {
				s.i = i + 1
				return escaped, s.eofErr()
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for k := i + 2; k < i+6; k++ {
					if k >= len(b) {
						s.i = k
						return escaped, s.eofErr()
					}
					if !feedIsHex(b[k]) {
						s.i = k
						return escaped, s.fail(fmt.Sprintf("invalid character %q in \\u escape", b[k]))
					}
				}
				i += 6
			default:
				s.i = i + 1
				return escaped, s.fail(fmt.Sprintf("invalid escape \\%c in string", b[i+1]))
			}
		default:
			s.i = i
			return escaped, s.fail(fmt.Sprintf("control character %q in string", b[i]))
		}
	}
}

func feedIsHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func feedIsDigit(c byte) bool { return '0' <= c && c <= '9' }

// number skips a number at s.i.
func (s *feedScanner) number() error {
	b, i := s.b, s.i
	if b[i] == '-' {
		i++
	}
	digits := func(what string) error {
		if i >= len(b) {
			s.i = i
			return s.eofErr()
		}
		if !feedIsDigit(b[i]) {
			s.i = i
			return s.fail(fmt.Sprintf("invalid character %q in number, want a digit %s", b[i], what))
		}
		for i < len(b) && feedIsDigit(b[i]) {
			i++
		}
		return nil
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if err := digits("after '-'"); err != nil {
		return err
	}
	if i < len(b) && b[i] == '.' {
		i++
		if err := digits("after '.'"); err != nil {
			return err
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if err := digits("in the exponent"); err != nil {
			return err
		}
	}
	s.i = i
	return nil
}

// lit skips the literal word at s.i.
func (s *feedScanner) lit(word string) error {
	for k := 0; k < len(word); k++ {
		if s.i >= len(s.b) {
			return s.eofErr()
		}
		if s.b[s.i] != word[k] {
			return s.fail(fmt.Sprintf("invalid character %q in literal %s", s.b[s.i], word))
		}
		s.i++
	}
	return nil
}
