package ingest

import (
	"fmt"
	"strconv"
	"sync"
	"unsafe"

	"github.com/npit-mn/ictstat"
)

// This file holds a single-pass JSON decoder for exactly the shape of
// ictstat.FilingRecord, the hot path of bulk ingest. For any input it gives
// the record or the error that encoding/json gives (and
// github.com/goccy/go-json, used before, which agrees), with the same syntax
// messages and offsets. One difference is deliberate: keys match exactly,
// while encoding/json also takes keys that differ only in case ("Revenue",
// "REVENUE") for known ones; here those are unknown keys and skipped, since
// the contract spells every key in lower case.
//
// Behaviours of encoding/json that it copies, some of them surprising:
//   - null leaves a field as it was; null for exports or programs sets nil;
//     for flags, a json.RawMessage, it keeps the bytes "null".
//   - when a key repeats, the last value wins, but a repeated array decodes
//     into the elements of the one before (they keep what the new element
//     does not set), unless that one was [] or null.
//   - a type error does not stop decoding: the first one is reported, unless
//     the input turns out not to be JSON, which is reported instead.
//   - invalid UTF-8 and lone surrogates in strings become U+FFFD.

// The keys of FilingRecord and ExportRecord as they end in compact JSON,
// with the closing quote and the colon, in the order of the contract: the
// order to expect them in. anyKey stands for keys that do not matter.
var (
	filingKeys = newKeys(`filing_id":`, `revision":`, `registry_no":`, `company_name":`,
		`isic4":`, `zone":`, `period":`, `submitted_at":`, `currency":`, `revenue":`,
		`intermediate_consumption":`, `wages":`, `employees":`, `rnd_expense":`, `exports":`, `flags":`, `programs":`)
	exportKeys = newKeys(`country":`, `ebops":`, `amount":`)
	anyKey     = newKeys(`":`)
)

// Indexes in filingKeys.
const (
	kFilingID = iota
	kRevision
	kRegistryNo
	kCompanyName
	kISIC4
	kZone
	kPeriod
	kSubmittedAt
	kCurrency
	kRevenue
	kIntermediate
	kWages
	kEmployees
	kRnD
	kExports
	kFlags
	kPrograms
	kUnknown // also the record itself, in field
)

// field locates a value for type errors.
type field struct {
	k      int    // index in filingKeys
	idx    int    // element of exports or programs, or -1
	member string // member of an exports element, or ""
}

// String spells f as github.com/goccy/go-json did in type errors:
// "revenue", "programs.2", "exports.0", "exports.1.amount", "(record)".
func (f field) String() string {
	if f.k == kUnknown {
		return "(record)"
	}
	s := filingKeys[f.k].s[:len(filingKeys[f.k].s)-2]
	if f.idx >= 0 {
		s += "." + strconv.Itoa(f.idx)
	}
	if f.member != "" {
		s += "." + f.member
	}
	return s
}

// depth is how deep the value of f is nested.
func (f field) depth() int {
	switch {
	case f.k == kUnknown:
		return 0
	case f.idx < 0:
		return 1
	case f.member == "":
		return 2
	}
	return 3
}

// span is a string of the record: off indexes the input followed by arena.
type span struct{ off, n int }

// export is an exports[] element being decoded.
type export struct {
	country, ebops span
	amount         float64
	hasAmount      bool
}

// filingDecoder decodes one record at a time. Strings are kept as spans of
// the input until finish copies them.
type filingDecoder struct {
	data     []byte
	arena    []byte // strings with escapes or invalid UTF-8, decoded
	key      []byte // scratch for keys with escapes and skipped strings
	strs     [kUnknown]span
	flags    span
	ex       []export // its len is the elements ever decoded: see exports
	exLen    int
	exSet    bool
	progs    []span
	progsLen int
	progsSet bool
	terr     *ictstat.InputError          // the first type error
	nums     [kRnD - kRevenue + 1]float64 // by key, less kRevenue
	ints     [2]int64                     // revision, employees
	strSlab  []byte                       // room for the next records: see finish
	exSlab   []ictstat.ExportRecord
	amSlab   []float64
	progSlab []string

	// alias makes the strings, flags and slices of a record share the
	// input and the decoder's memory instead of copies (see FilingDecoder),
	// and the slices below hold them.
	alias   bool
	exOut   []ictstat.ExportRecord
	amOut   []float64
	progOut []string
}

var filingDecoders = sync.Pool{New: func() any { return new(filingDecoder) }}

// decodeFilingJSON decodes data into rec. The numbers that data lacks keep
// the values they have in rec, the sentinels that DecodeFiling sets; every
// other field is replaced. When it fails, rec holds nothing but those
// numbers.
func decodeFilingJSON(data []byte, rec *ictstat.FilingRecord) error {
	d := filingDecoders.Get().(*filingDecoder)
	err := d.decodeInto(data, rec)
	filingDecoders.Put(d)
	return err
}

// decodeInto decodes data into rec with d.
func (d *filingDecoder) decodeInto(data []byte, rec *ictstat.FilingRecord) error {
	d.nums = [...]float64{rec.Revenue, rec.IntermediateConsumption, rec.Wages, 0, rec.RnDExpense}
	d.ints = [...]int64{rec.Revision, rec.Employees}
	err := d.decode(data)
	d.finish(rec, err == nil)
	// Keep the buffers small: one huge record must not pin memory. (A
	// record decoded with alias set may use arena, ex and progs: those
	// are let go, not cleared.)
	if cap(d.arena) > 64<<10 || cap(d.key) > 4<<10 || cap(d.ex) > 1024 || cap(d.progs) > 1024 {
		*d = filingDecoder{strSlab: d.strSlab, exSlab: d.exSlab, amSlab: d.amSlab, progSlab: d.progSlab, alias: d.alias}
	}
	d.data, d.terr = nil, nil
	return err
}

func (d *filingDecoder) decode(data []byte) (err error) {
	d.data, d.arena, d.terr = data, d.arena[:0], nil
	d.strs, d.flags = [kUnknown]span{}, span{}
	d.ex, d.exLen, d.exSet = d.ex[:0], 0, false
	d.progs, d.progsLen, d.progsSet = d.progs[:0], 0, false
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(*syntaxError)
			if !ok {
				panic(r)
			}
			err = &ictstat.InputError{Reason: fmt.Sprintf("not valid JSON at byte %d: %s", se.offset, se.msg)}
		}
	}()
	i := d.ws(0)
	switch c := d.at(i); c {
	case '{':
		i = d.record(i + 1)
	case 'n':
		i = d.literal(i, "null")
	default:
		d.typeError(field{k: kUnknown}, "ictstat.FilingRecord", kindOf(c))
		i = d.skip(i, 0)
	}
	if i = d.ws(i); i < len(data) {
		d.fail(i, "after top-level value")
	}
	if d.terr != nil {
		return d.terr
	}
	return nil
}

// record decodes the members of the top-level object; i is past its '{'.
func (d *filingDecoder) record(i int) int {
	data, next := d.data, 0
	for first := true; ; first = false {
		// The common case inline: a comma and the key expected next.
		k, v, done := next, 0, false
		if j := i + 1; !first && len(data)-i > 3 && data[i] == ',' {
			if data[j] == ' ' {
				j++ // as in json.dumps of Python
			}
			if want := &filingKeys[next]; data[j] == '"' && want.at(data, j+1) {
				v = d.ws(j + 1 + len(want.s))
			}
		}
		if v == 0 {
			if k, v, done = d.member(i, first, filingKeys, next); done {
				return v
			}
		}
		switch k {
		case kFilingID, kRegistryNo, kCompanyName, kISIC4, kZone, kPeriod, kSubmittedAt, kCurrency:
			// The common case inline: ASCII, no escapes.
			if j := plainRun(data, v+1); j < len(data) && data[j] == '"' && data[v] == '"' {
				d.strs[k], i = span{v + 1, j - v - 1}, j+1
			} else {
				i = d.str(v, &d.strs[k], field{k, -1, ""})
			}
		case kRevision:
			i = d.int(v, &d.ints[0], k)
		case kEmployees:
			i = d.int(v, &d.ints[1], k)
		case kRevenue, kIntermediate, kWages, kRnD:
			if f, j, ok := quickNumber(data, v); ok {
				d.nums[k-kRevenue], i = f, j
			} else {
				i, _ = d.float(v, &d.nums[k-kRevenue], field{k, -1, ""})
			}
		case kExports:
			i = d.exports(v)
		case kFlags:
			if i = commonFlagsAt(data, v); i < 0 {
				i = d.skip(v, 1)
			}
			d.flags = span{v, i - v}
		case kPrograms:
			i = d.programs(v)
		default:
			i = d.skip(v, 1)
			continue
		}
		if next = k + 1; next == kUnknown {
			next = 0
		}
	}
}

// exports decodes the value of "exports" at i.
func (d *filingDecoder) exports(i int) int {
	switch c := d.at(i); c {
	case '[':
	case 'n':
		d.ex, d.exLen, d.exSet = d.ex[:0], 0, false
		return d.literal(i, "null")
	default:
		d.typeError(field{kExports, -1, ""}, "an array", kindOf(c))
		return d.skip(i, 1)
	}
	d.exSet = true
	for n, i, first := 0, i+1, true; ; n, first = n+1, false {
		v, done := d.element(i, first)
		if done {
			if d.exLen = n; n == 0 {
				d.ex = d.ex[:0] // [] is a new empty slice: earlier elements are gone
			}
			return v
		}
		if n == len(d.ex) {
			d.ex = append(d.ex, export{})
		}
		i = d.export(v, n)
	}
}

// export decodes element n of exports, at i.
func (d *filingDecoder) export(i, n int) int {
	switch c := d.at(i); c {
	case '{':
	case 'n':
		return d.literal(i, "null")
	default:
		d.typeError(field{kExports, n, ""}, "ictstat.ExportRecord", kindOf(c))
		return d.skip(i, 2)
	}
	data, next := d.data, 0
	for i, first := i+1, true; ; first = false {
		// The common cases inline, as in record.
		k, v, done := next, 0, false
		if j := i + 1; !first && len(data)-i > 3 && data[i] == ',' {
			if data[j] == ' ' {
				j++ // as in json.dumps of Python
			}
			if want := &exportKeys[next]; data[j] == '"' && want.at(data, j+1) {
				v = d.ws(j + 1 + len(want.s))
			}
		}
		if v == 0 {
			if k, v, done = d.member(i, first, exportKeys, next); done {
				return v
			}
		}
		e := &d.ex[n]
		switch k {
		case 0, 1:
			s := &e.country
			if k == 1 {
				s = &e.ebops
			}
			if j := plainRun(data, v+1); j < len(data) && data[j] == '"' && data[v] == '"' {
				*s, i = span{v + 1, j - v - 1}, j+1
			} else {
				i = d.str(v, s, field{kExports, n, exportKeys[k].s[:len(exportKeys[k].s)-2]})
			}
		case 2:
			if f, j, ok := quickNumber(data, v); ok {
				e.amount, e.hasAmount, i = f, true, j
				break
			}
			var got byte
			if i, got = d.float(v, &e.amount, field{kExports, n, "amount"}); got != 't' {
				e.hasAmount = got == '0'
			}
		default:
			i = d.skip(v, 3)
			continue
		}
		if next = k + 1; next == len(exportKeys) {
			next = 0
		}
	}
}

// programs decodes the value of "programs" at i.
func (d *filingDecoder) programs(i int) int {
	switch c := d.at(i); c {
	case '[':
	case 'n':
		d.progs, d.progsLen, d.progsSet = d.progs[:0], 0, false
		return d.literal(i, "null")
	default:
		d.typeError(field{kPrograms, -1, ""}, "an array", kindOf(c))
		return d.skip(i, 1)
	}
	d.progsSet = true
	for n, i, first := 0, i+1, true; ; n, first = n+1, false {
		v, done := d.element(i, first)
		if done {
			if d.progsLen = n; n == 0 {
				d.progs = d.progs[:0]
			}
			return v
		}
		if n == len(d.progs) {
			d.progs = append(d.progs, span{})
		}
		i = d.str(v, &d.progs[n], field{kPrograms, n, ""})
	}
}

// Sizes of the blocks that the records of a decoder share: bytes for their
// strings, elements for their exports, amounts and programs.
const (
	slabBytes = 4 << 10
	slabLen   = 32
)

// finish moves what was decoded into rec, or clears rec but for its
// numbers when ok is not set. The strings and flags, exports, amounts and
// programs of a record are cut from blocks that the records decoded before
// and after it share, which saves all but a few allocations; a record kept
// alive keeps those blocks alive, some kilobytes. (Copying the whole input
// at once instead of string by string is no faster on two cores: the
// garbage collector has twice the bytes to deal with.) Every slice gets a
// capacity of its own length, so that an append to it copies instead of
// writing over another.
func (d *filingDecoder) finish(rec *ictstat.FilingRecord, ok bool) {
	if !ok {
		*rec = ictstat.FilingRecord{Revision: rec.Revision, Employees: rec.Employees, Revenue: rec.Revenue,
			IntermediateConsumption: rec.IntermediateConsumption, Wages: rec.Wages, RnDExpense: rec.RnDExpense}
		return
	}
	var buf []byte
	if !d.alias {
		total := d.flags.n
		for _, s := range d.strs {
			total += s.n
		}
		for _, e := range d.ex[:d.exLen] {
			total += e.country.n + e.ebops.n
		}
		for _, s := range d.progs[:d.progsLen] {
			total += s.n
		}
		buf = carve(&d.strSlab, total, slabBytes)[:0]
	}
	bytesOf := func(s span) []byte {
		if s.off < len(d.data) {
			return d.data[s.off : s.off+s.n : s.off+s.n]
		}
		return d.arena[s.off-len(d.data) : s.off-len(d.data)+s.n : s.off-len(d.data)+s.n]
	}
	str := func(s span) string {
		if s.n == 0 {
			return ""
		}
		if d.alias {
			return unsafe.String(&bytesOf(s)[0], s.n)
		}
		buf = append(buf, bytesOf(s)...)
		return unsafe.String(&buf[len(buf)-s.n], s.n)
	}
	var exports []ictstat.ExportRecord
	if d.exSet {
		amounts := 0
		for _, e := range d.ex[:d.exLen] {
			if e.hasAmount {
				amounts++
			}
		}
		var am []float64
		if d.alias {
			exports, am = reuse(&d.exOut, d.exLen), reuse(&d.amOut, amounts)[:0]
		} else {
			exports, am = carve(&d.exSlab, d.exLen, slabLen), carve(&d.amSlab, amounts, slabLen)[:0]
		}
		for k, e := range d.ex[:d.exLen] {
			exports[k].Country, exports[k].EBOPS = str(e.country), str(e.ebops)
			if e.hasAmount {
				am = append(am, e.amount)
				exports[k].Amount = &am[len(am)-1]
			}
		}
	}
	var programs []string
	if d.progsSet {
		if d.alias {
			programs = reuse(&d.progOut, d.progsLen)
		} else {
			programs = carve(&d.progSlab, d.progsLen, slabLen)
		}
		for k, s := range d.progs[:d.progsLen] {
			programs[k] = str(s)
		}
	}
	var flags []byte
	if f := d.flags; f.n > 0 {
		if d.alias {
			flags = bytesOf(f)
		} else {
			str(f)
			flags = buf[len(buf)-f.n : len(buf) : len(buf)]
		}
	}
	// Field by field: assigning a whole struct goes through a bulk write
	// barrier, much slower while the garbage collector runs.
	rec.FilingID, rec.Revision, rec.RegistryNo = str(d.strs[kFilingID]), d.ints[0], str(d.strs[kRegistryNo])
	rec.CompanyName, rec.ISIC4, rec.Zone = str(d.strs[kCompanyName]), str(d.strs[kISIC4]), str(d.strs[kZone])
	rec.Period, rec.SubmittedAt, rec.Currency = str(d.strs[kPeriod]), str(d.strs[kSubmittedAt]), str(d.strs[kCurrency])
	rec.Revenue, rec.IntermediateConsumption, rec.Wages = d.nums[0], d.nums[1], d.nums[2]
	rec.Employees, rec.RnDExpense = d.ints[1], d.nums[kRnD-kRevenue]
	rec.Exports, rec.Flags, rec.Programs = exports, flags, programs
}

// reuse returns n zero elements of *buf, made larger when too small.
func reuse[T any](buf *[]T, n int) []T {
	if n == 0 {
		return []T{} // present but empty, as carve gives it
	}
	if cap(*buf) < n {
		*buf = make([]T, n)
	}
	s := (*buf)[:n:n]
	clear(s)
	return s
}

// carve returns n zero elements from *slab, which holds size elements, or
// from a new one when it has no room left.
func carve[T any](slab *[]T, n, size int) []T {
	switch {
	case n == 0:
		return []T{}
	case n > size/4:
		return make([]T, n)
	case n > cap(*slab)-len(*slab):
		*slab = make([]T, 0, size)
	}
	s := *slab
	*slab = s[:len(s)+n]
	return s[len(s) : len(s)+n : len(s)+n]
}

// typeError records a value of the wrong type, unless one was recorded.
func (d *filingDecoder) typeError(f field, want, got string) {
	if d.terr == nil {
		d.terr = &ictstat.InputError{Field: f.String(), Reason: "want " + want + ", got " + got}
	}
}

// kindOf names the JSON type of a value from its first byte, as
// encoding/json does in an UnmarshalTypeError.
func kindOf(c byte) string {
	switch c {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	}
	return "number" // or not JSON, which skip reports
}

// commonFlagsAt returns the end of the flags object at i when it is one of
// ictstat.CommonFlags, else -1: nearly every record's, taken without
// parsing it.
func commonFlagsAt(data []byte, i int) int {
	if i < len(data) && data[i] == '{' {
		for _, c := range ictstat.CommonFlags {
			if len(data)-i >= len(c) && string(data[i:i+len(c)]) == c {
				return i + len(c)
			}
		}
	}
	return -1
}
