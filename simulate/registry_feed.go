package simulate

import (
	"encoding/base64"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/npit-mn/ictstat"
)

// pageState is the reusable state of one page being rendered.
type pageState struct {
	buf  []byte
	g    *generator
	bk   breaker
	recs [maxRecs]rec
	mal  []int64 // positions of the malformed records of the page
}

// maxPooledBuf bounds the buffers kept for reuse: a page of MaxPageLimit
// filings takes about 4 MiB.
const maxPooledBuf = 32 << 20

// serveFeed answers one page of feed f: parameters, cursor, repeats, and
// the records from the cursor on.
func (r *Registry) serveFeed(w http.ResponseWriter, req *http.Request, f feed) {
	q := req.URL.Query()
	limit := DefaultPageLimit
	if v, ok := q["limit"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n <= 0 {
			writeError(w, http.StatusBadRequest, "bad limit",
				fmt.Sprintf("limit %q: want a whole number from 1 to %d (larger values are clamped)", v[0], MaxPageLimit))
			return
		}
		limit = min(n, MaxPageLimit)
	}
	var from int64
	if c := q.Get("after"); c != "" {
		pos, err := r.parseCursor(f, c)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad cursor", fmt.Sprintf("after %q: %v; send the next value of a page of this feed, or no after to start over", c, err))
			return
		}
		from = pos
	}

	st := r.state()
	end := st.length(f)
	// A cursor past what is published now (a registry restarted with fewer
	// months) waits at its position: the page is empty until the feed
	// grows past it.
	to := max(from, min(from+int64(limit), end))
	start := from
	if to > from && from > 0 && r.opts.RepeatRate > 0 {
		h := hash3(r.opts.Seed, saltRegRepeat, uint64(from), uint64(f))
		if unit(h) < r.opts.RepeatRate {
			start = from - min(int64(1+mix64(h)%3), from)
		}
	}

	ps := r.pool.Get().(*pageState)
	ps.mal = ps.mal[:0]
	b := append(ps.buf[:0], `{"`...)
	b = append(b, f.key()...)
	b = append(b, `":[`...)
	if f == feedFilings {
		b = r.appendFilings(b, ps, st.index, start, to)
	} else {
		b = r.appendRegistrations(b, ps, start, to)
	}
	if b[len(b)-1] == ',' {
		b = b[:len(b)-1]
	}
	b = append(b, `],"next":"`...)
	b = r.appendCursor(b, f, to)
	b = append(b, `","has_more":`...)
	b = strconv.AppendBool(b, to < end)
	b = append(b, "}\n"...)

	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(b) // an error means the client has gone

	r.noteMalformed(f, ps.mal)
	if cap(b) <= maxPooledBuf {
		ps.buf = b
		r.pool.Put(ps)
	}
}

// Cursors are base64url (no padding) of "v1:<feed>:<world tag>:<position>":
// the feed and the world's fingerprint make a cursor of another feed or
// another world a bad cursor rather than a silent jump.
const cursorVersion = "v1"

// errCursor is wrapped by the errors of parseCursor.
var errCursor = errors.New("not a cursor of this feed")

// appendCursor appends the cursor of position pos of feed f.
func (r *Registry) appendCursor(b []byte, f feed, pos int64) []byte {
	var raw [64]byte
	s := append(raw[:0], cursorVersion+":"...)
	s = append(s, f.key()...)
	s = append(s, ':')
	s = append(s, r.tag...)
	s = append(s, ':')
	s = strconv.AppendInt(s, pos, 10)
	return base64.RawURLEncoding.AppendEncode(b, s)
}

// parseCursor returns the position of cursor c of feed f. Positions up to
// the length of the whole world's feed are accepted, published or not.
func (r *Registry) parseCursor(f feed, c string) (int64, error) {
	if len(c) > 128 {
		return 0, fmt.Errorf("%w: too long", errCursor)
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(c)
	if err != nil {
		return 0, fmt.Errorf("%w: not base64url", errCursor)
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != 4 || parts[0] != cursorVersion {
		return 0, fmt.Errorf("%w: unknown format", errCursor)
	}
	if parts[1] != f.key() {
		return 0, fmt.Errorf("%w: a cursor of the %s feed", errCursor, parts[1])
	}
	if parts[2] != r.tag {
		return 0, fmt.Errorf("%w: a cursor of another registry", errCursor)
	}
	d := parts[3]
	if d == "" || len(d) > 18 || strings.Trim(d, "0123456789") != "" || len(d) > 1 && d[0] == '0' {
		return 0, fmt.Errorf("%w: bad position", errCursor)
	}
	pos, _ := strconv.ParseInt(d, 10, 64) // checked above
	total := int64(r.w.filings)
	if f == feedRegistrations {
		total = int64(len(r.events))
	}
	if pos > total {
		return 0, fmt.Errorf("%w: position %d past the end of the feed", errCursor, pos)
	}
	// The decoder skips \r and \n, and even a strict one accepts some
	// spellings of the same bytes; each position has exactly one cursor.
	if string(r.appendCursor(nil, f, pos)) != c {
		return 0, fmt.Errorf("%w: not the canonical spelling", errCursor)
	}
	return pos, nil
}

// worldTag fingerprints the options of w, so that cursors of one world are
// refused by a registry of another.
func worldTag(w *World) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%+v", w.opts)
	return fmt.Sprintf("%08x", h.Sum32())
}

// Filings index: the filings feed is rendered from a position without
// replaying it. Each period records its start in the feed, its length and
// where every ckEvery-th record of it lies (company and record within the
// company), found by counting records with World.plan, without generating
// a filing. Memory is a few bytes per ckEvery filings.
const ckEvery = 1024

// periodIndex locates the records of one period in the filings feed.
type periodIndex struct {
	start int64  // position of the period's first record
	n     int    // records at the period's stream position
	ck    []ckpt // ck[j]: where record j*ckEvery of the period lies
}

// ckpt is a company (index into World.cs) and a record within its records
// of a period (see recsIn).
type ckpt struct {
	ci  uint32
	sub uint8
}

// maxRecs bounds the records of one company at one period's position: the
// original and two amendments for each of the last maxLag+1 months.
const maxRecs = 1 + 2*(maxLag+1)

// rec is one record of a company at a period's position: revision rev of
// its filing for absolute month p.
type rec struct {
	p   int32
	rev uint8
}

// recsIn lists into out the records of company c at the stream position of
// absolute month q, in the order of eachIn, and returns how many.
func (w *World) recsIn(c *company, q int32, out *[maxRecs]rec) int {
	if c.reg > q || c.dereg < q-maxLag {
		return 0
	}
	first, last := w.activeRange(c)
	n := 0
	if q >= first && q <= last {
		out[n] = rec{q, 1}
		n++
	}
	for p := max(q-maxLag, first); p <= min(q, last); p++ {
		k, land1, land2 := w.plan(c.index, p)
		if k >= 1 && land1 == q {
			out[n] = rec{p, 2}
			n++
		}
		if k == 2 && land2 == q {
			out[n] = rec{p, 3}
			n++
		}
	}
	return n
}

// indexPeriod indexes the period k (from the world's first) whose records
// start at position start of the filings feed.
func (w *World) indexPeriod(k int, start int64) periodIndex {
	q := w.start + int32(k)
	var recs [maxRecs]rec
	ix := periodIndex{start: start}
	for ci := range w.cs {
		n := w.recsIn(&w.cs[ci], q, &recs)
		for next := len(ix.ck) * ckEvery; next < ix.n+n; next += ckEvery {
			ix.ck = append(ix.ck, ckpt{uint32(ci), uint8(next - ix.n)})
		}
		ix.n += n
	}
	return ix
}

// appendFilings renders positions from to to of the filings feed, each
// followed by a comma; idx must cover them.
func (r *Registry) appendFilings(b []byte, ps *pageState, idx []periodIndex, from, to int64) []byte {
	if from >= to {
		return b
	}
	w, g := r.w, ps.g
	k := sort.Search(len(idx), func(i int) bool { return idx[i].start+int64(idx[i].n) > from })
	local := int(from - idx[k].start)
	cp := idx[k].ck[local/ckEvery]
	ci, sub, skip := int(cp.ci), int(cp.sub), local%ckEvery
	for pos := from; pos < to; k, ci = k+1, 0 {
		q := w.start + int32(k)
		for ; ci < len(w.cs) && pos < to; ci++ {
			c := &w.cs[ci]
			n := w.recsIn(c, q, &ps.recs)
			for ; sub < n && pos < to; sub++ {
				if skip > 0 {
					skip--
					continue
				}
				if rc := ps.recs[sub]; rc.rev == 1 {
					g.original(c, q)
				} else {
					g.amendment(c, rc.p, int(rc.rev))
				}
				b = r.appendFilingAt(b, ps, pos)
				pos++
			}
			sub = 0
		}
	}
	return b
}

// appendFilingAt renders the generator's filing, at position pos of the
// feed, preceded by its malformed twin if pos draws one.
func (r *Registry) appendFilingAt(b []byte, ps *pageState, pos int64) []byte {
	if r.opts.MalformedRate > 0 {
		h := hash3(r.opts.Seed, saltRegMalformed, uint64(pos), uint64(feedFilings))
		if unit(h) < r.opts.MalformedRate {
			h = mix64(h)
			kinds := servedKinds()
			ps.g.filingID() // the breaker builds on it
			b = ps.bk.appendInvalid(b, &ps.g.f, kinds[h%uint64(len(kinds))], mix64(h))
			b = append(b, ',')
			ps.mal = append(ps.mal, pos)
		}
	}
	b = ps.g.appendJSON(b)
	return append(b, ',')
}

// servedKinds returns the kinds of invalid filing the registry serves:
// those that stay JSON objects.
func servedKinds() [9]string {
	return [9]string{KindBadRegistryNo, KindBadISIC, KindBadPeriod, KindFuturePeriod, KindNegativeAmount,
		KindBadCurrency, KindBadCountry, KindMissingField, KindBadType}
}

// regEvent is a registration or deregistration of a company.
type regEvent struct {
	day   int32  // date, days since 1970-01-01 (+08:00)
	ci    uint32 // company, index into World.cs
	dereg bool
}

// registrationEvents returns the registration events of w in feed order
// (date, then company, registration first) and, for each period, the number
// of events dated up to its last day.
func registrationEvents(w *World) ([]regEvent, []int) {
	day := func(sec int64) int32 {
		s := sec + ulaanbaatarOffset
		d := s / 86400
		if s%86400 < 0 {
			d--
		}
		return int32(d)
	}
	ev := make([]regEvent, 0, len(w.cs)+len(w.cs)/3)
	for ci := range w.cs {
		c := &w.cs[ci]
		ev = append(ev, regEvent{day(c.Registered.Unix()), uint32(ci), false})
		if !c.Deregistered.IsZero() {
			ev = append(ev, regEvent{day(c.Deregistered.Unix()), uint32(ci), true})
		}
	}
	slices.SortFunc(ev, func(a, b regEvent) int {
		switch {
		case a.day != b.day:
			return int(a.day - b.day)
		case a.ci != b.ci:
			return int(int64(a.ci) - int64(b.ci))
		case a.dereg == b.dereg:
			return 0
		case b.dereg:
			return -1
		}
		return 1
	})
	ends := make([]int, len(w.periods))
	for k := range ends {
		y, m := yearMonth(w.start + int32(k) + 1)
		next := int32(ictstat.DaysFromCivil(y, m, 1))
		ends[k] = sort.Search(len(ev), func(i int) bool { return ev[i].day >= next })
	}
	return ev, ends
}

// appendRegistrations renders positions from to to of the registrations
// feed, each followed by a comma.
func (r *Registry) appendRegistrations(b []byte, ps *pageState, from, to int64) []byte {
	for pos := from; pos < to; pos++ {
		ev := r.events[pos]
		c := &r.w.cs[ev.ci]
		if r.opts.MalformedRate > 0 {
			h := hash3(r.opts.Seed, saltRegMalformed, uint64(pos), uint64(feedRegistrations))
			if unit(h) < r.opts.MalformedRate {
				b = appendBadRegistration(b, c, ev, mix64(h))
				b = append(b, ',')
				ps.mal = append(ps.mal, pos)
			}
		}
		b = appendRegistration(b, c, ev, regFields{})
		b = append(b, ',')
	}
	return b
}

// regFields overrides fields of a registration record to break it: a
// non-empty raw value is written as it is (raw JSON), omit leaves a field out.
type regFields struct {
	registryNo, event, date string
	omit                    string // "registry_no", "event" or "date"
}

// appendRegistration renders the registration event ev of company c.
func appendRegistration(b []byte, c *company, ev regEvent, o regFields) []byte {
	b = append(b, '{')
	if o.omit != "registry_no" {
		b = append(b, `"registry_no":`...)
		if o.registryNo != "" {
			b = append(b, o.registryNo...)
		} else {
			b = appendString(b, c.RegistryNo)
		}
		b = append(b, ',')
	}
	b = append(b, `"company_name":`...)
	b = appendString(b, c.Name)
	b = append(b, `,"isic4":`...)
	b = appendString(b, c.ISIC4)
	b = append(b, `,"zone":`...)
	b = appendString(b, c.Zone)
	if o.omit != "event" {
		b = append(b, `,"event":`...)
		switch {
		case o.event != "":
			b = append(b, o.event...)
		case ev.dereg:
			b = append(b, `"deregistered"`...)
		default:
			b = append(b, `"registered"`...)
		}
	}
	if o.omit != "date" {
		b = append(b, `,"date":`...)
		if o.date != "" {
			b = append(b, o.date...)
		} else {
			y, m, d := civilFromDays(int64(ev.day))
			b = append(append2(append2(append(b, '"'), y/100), y%100), '-')
			b = append2(append(append2(b, m), '-'), d)
			b = append(b, '"')
		}
	}
	return append(b, '}')
}

// appendBadRegistration renders a malformed version of the event: a bad
// registry_no (letters, 6 or 8 digits), a bad date, an unknown event, a
// number where a string belongs, or a missing field, as h draws.
func appendBadRegistration(b []byte, c *company, ev regEvent, h uint64) []byte {
	no := c.RegistryNo
	y, m, d := civilFromDays(int64(ev.day))
	variant := (h >> 8) % 3
	var o regFields
	switch h % 5 {
	case 0:
		o.registryNo = [...]string{`"` + no[:2] + "AB" + no[4:] + `"`, `"` + no[:6] + `"`, `"` + no + `0"`}[variant]
	case 1:
		o.date = [...]string{
			fmt.Sprintf(`"%04d-13-%02d"`, y, d),
			fmt.Sprintf(`"%04d-%02d-32"`, y, m),
			fmt.Sprintf(`"%02d.%02d.%04d"`, d, m, y),
		}[variant]
	case 2:
		o.event = [...]string{`"moved"`, `""`, `"REGISTERED"`}[variant]
	case 3:
		o.registryNo = no // a JSON number, not a string
		if variant == 0 {
			o.registryNo = ""
			o.date = fmt.Sprintf("%04d%02d%02d", y, m, d)
		}
	default:
		o.omit = [...]string{"registry_no", "event", "date"}[variant]
	}
	return appendRegistration(b, c, ev, o)
}
