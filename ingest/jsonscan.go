package ingest

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// This file holds the scanning side of the filing decoder of filingjson.go:
// whitespace, objects and arrays, strings, numbers and literals, checked as
// encoding/json checks them and reported in its words; string and number
// values decoded, other values skipped.

// maxDepth is the nesting depth that encoding/json accepts.
const maxDepth = 10000

// key is a key with its first 16 bytes as two little-endian words and
// masks for the bytes it has of them, for a quick comparison.
type key struct {
	s                string
	lo, hi, mlo, mhi uint64
}

// newKeys prepares names for key.at.
func newKeys(names ...string) []key {
	keys := make([]key, len(names))
	for k, s := range names {
		var b, m [16]byte
		copy(b[:], s)
		for j := range min(len(s), 16) {
			m[j] = 0xff
		}
		le := binary.LittleEndian
		keys[k] = key{s, le.Uint64(b[:]), le.Uint64(b[8:]), le.Uint64(m[:]), le.Uint64(m[8:])}
	}
	return keys
}

// at reports whether data[i:] starts with the key. The common case, with
// 16 bytes to read and a short key, is inlined.
func (k *key) at(data []byte, i int) bool {
	if len(data)-i >= 16 && len(k.s) <= 16 {
		return binary.LittleEndian.Uint64(data[i:])&k.mlo == k.lo && binary.LittleEndian.Uint64(data[i+8:])&k.mhi == k.hi
	}
	return len(data)-i >= len(k.s) && string(data[i:i+len(k.s)]) == k.s
}

// syntaxError is what the decoder panics with when the input is not JSON;
// decode recovers it. Panicking keeps the checks of a recursive descent
// parser off the paths that valid input takes.
type syntaxError struct {
	msg    string
	offset int // bytes read when the error was found, as encoding/json counts
}

// member reads up to the value of the next member of an object: i is past
// the '{' when first is set, else past the previous value. It returns the
// index of the key in keys, or len(keys), and where the value starts; or
// done and the position past the closing '}'. It tries keys[next] first.
// Keys match case-sensitively on purpose: see the top of filingjson.go.
func (d *filingDecoder) member(i int, first bool, keys []key, next int) (k, v int, done bool) {
	data := d.data
	if i = d.ws(i); !first && i < len(data) && data[i] == ',' {
		i = d.ws(i + 1)
	} else if i >= len(data) || data[i] != '"' || !first {
		if d.at(i) != '}' {
			if !first {
				d.fail(i, "after object key:value pair")
			}
			d.fail(i, "looking for beginning of object key string")
		}
		return 0, i + 1, true
	}
	if want := &keys[next]; i < len(data) && data[i] == '"' && want.at(data, i+1) {
		return next, d.ws(i + 1 + len(want.s)), false
	}
	if d.at(i) != '"' {
		d.fail(i, "looking for beginning of object key string")
	}
	key, i := d.keyEnd(i+1, len(keys) > 1)
	if i = d.ws(i); d.at(i) != ':' {
		d.fail(i, "after object key")
	}
	for k := range keys {
		if s := keys[k].s; len(s) == len(key)+2 && string(key) == s[:len(key)] {
			return k, d.ws(i + 1), false
		}
	}
	return len(keys), d.ws(i + 1), false
}

// keyEnd reads the rest of a key from ks, past its opening quote, and
// returns it (decoded if needKey is set) and the position past it.
func (d *filingDecoder) keyEnd(ks int, needKey bool) ([]byte, int) {
	i := plainRun(d.data, ks)
	if d.at(i) == '"' {
		return d.data[ks:i], i + 1
	}
	d.key, i = d.appendString(d.key[:0], ks)
	if !needKey {
		return nil, i
	}
	return d.key, i
}

// element reads up to the next element of an array, as member does for
// objects, and returns where it starts.
func (d *filingDecoder) element(i int, first bool) (int, bool) {
	i = d.ws(i)
	c := d.at(i)
	if c == ']' {
		return i + 1, true
	}
	if !first {
		if c != ',' {
			d.fail(i, "after array element")
		}
		i = d.ws(i + 1)
	}
	return i, false
}

// fail reports the byte at i as not allowed there; context says what was
// expected, in the words of encoding/json.
func (d *filingDecoder) fail(i int, context string) {
	c, s := d.data[i], ""
	switch c {
	case '\'':
		s = `'\''`
	case '"':
		s = `'"'`
	default:
		q := strconv.Quote(string(rune(c)))
		s = "'" + q[1:len(q)-1] + "'"
	}
	panic(&syntaxError{msg: "invalid character " + s + " " + context, offset: i + 1})
}

// at returns the byte at i, and reports the end of the input as an error.
func (d *filingDecoder) at(i int) byte {
	if i >= len(d.data) {
		panic(&syntaxError{msg: "unexpected end of JSON input", offset: len(d.data)})
	}
	return d.data[i]
}

// need is at for a byte that must follow: encoding/json reports the end of
// the input there as a space, the byte it feeds its scanner at the end.
func (d *filingDecoder) need(i int, context string) byte {
	if i >= len(d.data) {
		panic(&syntaxError{msg: "invalid character ' ' " + context, offset: len(d.data)})
	}
	return d.data[i]
}

// ws skips the whitespace JSON allows. Compact JSON has none: that case is
// inlined.
func (d *filingDecoder) ws(i int) int {
	if i < len(d.data) && d.data[i] > ' ' {
		return i
	}
	return d.wsSlow(i)
}

func (d *filingDecoder) wsSlow(i int) int {
	for ; i < len(d.data); i++ {
		if c := d.data[i]; c > ' ' || !isSpace[c] {
			break
		}
	}
	return i
}

// str decodes the string value of f at i into *dst; null leaves *dst.
func (d *filingDecoder) str(i int, dst *span, f field) int {
	c := d.at(i)
	if c != '"' {
		if c == 'n' {
			return d.literal(i, "null")
		}
		d.typeError(f, "a string", kindOf(c))
		return d.skip(i, f.depth())
	}
	data, start := d.data, i+1
	if i = plainRun(data, start); i < len(data) && data[i] >= utf8.RuneSelf {
		for i < len(data) && (data[i] >= utf8.RuneSelf || plain[data[i]]) {
			i++
		}
		if !utf8.Valid(data[start:i]) {
			i = start // for appendString to replace the invalid bytes
		}
	}
	if i < len(data) && data[i] == '"' {
		*dst = span{start, i - start}
		return i + 1
	}
	off := len(d.arena)
	d.arena, i = d.appendString(d.arena, start)
	*dst = span{len(data) + off, len(d.arena) - off}
	return i
}

// plainRun returns the position of the first byte at or after i that is
// not plain, or len(data). It reads eight bytes at a time: a byte gets its
// top bit set in m when it is 0x80 or more, below 0x20, or 0x22 or 0x5C
// (then zero once xor-ed, and borrowing). Borrows may mark bytes after the
// first marked one, never before it.
func plainRun(data []byte, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(data); i += 8 {
		x := binary.LittleEndian.Uint64(data[i:])
		m := (x | (x - 0x20*ones) | ((x ^ '"'*ones) - ones) | ((x ^ '\\'*ones) - ones)) & highs
		if m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for i < len(data) && plain[data[i]] {
		i++
	}
	return i
}

// appendString decodes the string whose first byte is at i onto dst, as
// encoding/json does, and returns the position past its closing quote.
func (d *filingDecoder) appendString(dst []byte, i int) ([]byte, int) {
	for {
		switch c := d.at(i); {
		case c == '"':
			return dst, i + 1
		case c == '\\':
			e := d.need(i+1, "in string escape code")
			if u := unescape[e]; u != 0 {
				dst, i = append(dst, u), i+2
				continue
			}
			if e != 'u' {
				d.fail(i+1, "in string escape code")
			}
			r := d.hex4(i+2, true)
			if i += 6; utf16.IsSurrogate(r) {
				// A pair only if the next escape completes it; else the
				// next escape stands alone, as in encoding/json.
				if r = utf16.DecodeRune(r, d.hex4(i+2, false)); r != utf8.RuneError {
					i += 6
				}
			}
			dst = utf8.AppendRune(dst, r)
		case c < 0x20:
			d.fail(i, "in string literal")
		case c < utf8.RuneSelf:
			dst, i = append(dst, c), i+1
		default:
			r, size := utf8.DecodeRune(d.data[i:])
			if r == utf8.RuneError && size == 1 {
				dst = utf8.AppendRune(dst, r)
			} else {
				dst = append(dst, d.data[i:i+size]...)
			}
			i += size
		}
	}
}

// hex4 reads the four hexadecimal digits of a \u escape at i. Unless
// strict, it does not report errors, and returns -1 when there is no \u
// escape at i-2.
func (d *filingDecoder) hex4(i int, strict bool) rune {
	if !strict && (i+4 > len(d.data) || d.data[i-2] != '\\' || d.data[i-1] != 'u') {
		return -1
	}
	var r rune
	for k := i; k < i+4; k++ {
		v := unhex(d.need(k, `in \u hexadecimal character escape`))
		if v < 0 {
			if !strict {
				return -1
			}
			d.fail(k, `in \u hexadecimal character escape`)
		}
		r = r<<4 | v
	}
	return r
}

// skip checks the value at i, nested depth deep, and returns the position
// past it.
func (d *filingDecoder) skip(i, depth int) int {
	switch c := d.at(i); c {
	case '"':
		d.key, i = d.appendString(d.key[:0], i+1)
		return i
	case '{', '[':
		if depth++; depth > maxDepth {
			d.fail(i, "exceeded max depth")
		}
		for i, first := i+1, true; ; first = false {
			var v int
			var done bool
			if c == '{' {
				_, v, done = d.member(i, first, anyKey, 0)
			} else {
				v, done = d.element(i, first)
			}
			if done {
				return v
			}
			i = d.skip(v, depth)
		}
	case 't':
		return d.literal(i, "true")
	case 'f':
		return d.literal(i, "false")
	case 'n':
		return d.literal(i, "null")
	}
	if c := d.data[i]; c != '-' && !isDigit(c) {
		d.fail(i, "looking for beginning of value")
	}
	end, _, _ := d.number(i)
	return end
}

// literal checks that the literal lit is at i and returns the position past it.
func (d *filingDecoder) literal(i int, lit string) int {
	for k := 1; k < len(lit); k++ {
		if i+k >= len(d.data) || d.data[i+k] != lit[k] {
			context := "in literal " + lit + " (expecting '" + lit[k:k+1] + "')"
			d.need(i+k, context)
			d.fail(i+k, context)
		}
	}
	return i + len(lit)
}

// number checks the number at i and returns the position past it. When it
// has no fraction and no exponent, it also returns the magnitude of its
// first 19 digits and, as digits, how many it has.
func (d *filingDecoder) number(i int) (end int, mant uint64, digits int) {
	data := d.data
	if data[i] == '-' {
		i++
	}
	switch c := d.need(i, "in numeric literal"); {
	case c == '0':
		i, digits = i+1, 1
	case '1' <= c && c <= '9':
		for ; i < len(data) && isDigit(data[i]); i++ {
			mant = mant*10 + uint64(data[i]-'0')
			digits++
		}
	default:
		d.fail(i, "in numeric literal")
	}
	if i < len(data) && data[i] == '.' {
		if i++; !isDigit(d.need(i, "after decimal point in numeric literal")) {
			d.fail(i, "after decimal point in numeric literal")
		}
		for i < len(data) && isDigit(data[i]) {
			i++
		}
		digits = -1
	}
	if i < len(data) && data[i]|0x20 == 'e' {
		if i++; d.need(i, "in exponent of numeric literal") == '+' || data[i] == '-' {
			i++
		}
		if !isDigit(d.need(i, "in exponent of numeric literal")) {
			d.fail(i, "in exponent of numeric literal")
		}
		for i < len(data) && isDigit(data[i]) {
			i++
		}
		digits = -1
	}
	return i, mant, digits
}

// quickNumber reads the common numbers: a whole number of up to 15 digits,
// exact as a float64, with no fraction or exponent after it. It returns the
// number and its end, or not ok for float to deal with.
func quickNumber(data []byte, i int) (float64, int, bool) {
	var mant uint64
	j := i
	for ; j < len(data) && j-i < 15 && isDigit(data[j]); j++ {
		mant = mant*10 + uint64(data[j]-'0')
	}
	ok := j > i && j < len(data) && (data[i] != '0' || j == i+1) && !isDigit(data[j]) && data[j] != '.' && data[j]|0x20 != 'e'
	return float64(mant), j, ok
}

// float decodes the number value of f at i into *dst. It returns the
// position past the value and '0' for a number, 'n' for null or 't' for a
// value of another type.
func (d *filingDecoder) float(i int, dst *float64, f field) (int, byte) {
	c := d.at(i)
	if c != '-' && !isDigit(c) {
		if c == 'n' {
			return d.literal(i, "null"), 'n'
		}
		d.typeError(f, "a number", kindOf(c))
		return d.skip(i, f.depth()), 't'
	}
	end, mant, digits := d.number(i)
	v := float64(mant)
	if digits < 0 || digits > 15 { // else below 2^53: exact
		var err error
		if v, err = strconv.ParseFloat(unsafeString(d.data[i:end]), 64); err != nil {
			// Out of range: number checked the syntax.
			d.typeError(f, "a number", "number "+string(d.data[i:end]))
			return end, 't'
		}
	} else if c == '-' {
		v = -v
	}
	*dst = v
	return end, '0'
}

// int decodes the whole number value of filingKeys[k] at i into *dst.
func (d *filingDecoder) int(i int, dst *int64, k int) int {
	c := d.at(i)
	if c != '-' && !isDigit(c) {
		if c == 'n' {
			return d.literal(i, "null")
		}
		d.typeError(field{k, -1, ""}, "a whole number", kindOf(c))
		return d.skip(i, 1)
	}
	end, mant, digits := d.number(i)
	switch {
	case digits >= 0 && digits <= 18:
		*dst = int64(mant)
		if c == '-' {
			*dst = -*dst
		}
		return end
	case digits >= 0:
		if v, err := strconv.ParseInt(unsafeString(d.data[i:end]), 10, 64); err == nil {
			*dst = v
			return end
		}
	}
	d.typeError(field{k, -1, ""}, "a whole number", "number "+string(d.data[i:end]))
	return end
}

// unsafeString views b as a string, for a call that does not keep it.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// unhex returns the value of a hexadecimal digit, or -1.
func unhex(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

var (
	// isSpace marks the whitespace JSON allows.
	isSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}
	// unescape maps the byte after a backslash to what it stands for,
	// apart from u.
	unescape = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}
	// plain marks the ASCII bytes a string holds as they are: not a
	// quote, a backslash or a control character.
	plain = func() (t [256]bool) {
		for c := 0x20; c < utf8.RuneSelf; c++ {
			t[c] = c != '"' && c != '\\'
		}
		return t
	}()
)
