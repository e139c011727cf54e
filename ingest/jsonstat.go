package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/npit-mn/ictstat"
)

// JSON-stat 2.0 (https://json-stat.org/format/) is the format of PX-Web's
// json-stat2 answers and of many statistical offices' APIs. This reader
// takes the standard as written, not only the shape one server emits:
// category.index as an array or as an object of positions, value as a
// dense array or a sparse object, status as a string, array or object,
// any number of dimensions in row-major order (the last varies fastest).

// maxJSONStatCells bounds the cells of a dataset (the product of its
// sizes). A dense value array is bounded by the file anyway; the bound
// keeps a sparse dataset's positions within int and its iteration finite.
const maxJSONStatCells = 1 << 40

// JSONStat is one JSON-stat 2.0 dataset.
type JSONStat struct {
	Label      string              // the dataset's label, as published
	Source     string              // the dataset's source, as published
	Note       []string            // notes of the dataset
	Updated    string              // the `updated` field as published ("" when absent)
	Dimensions []JSONStatDimension // in the order of `id`
	Role       map[string][]string // role → dimension ids (time, geo, metric), when given
	Extension  json.RawMessage     // the dataset's `extension` object, raw; nil when absent

	n      int64       // cells: the product of the sizes
	dense  []float64   // value as an array: one per cell
	null   []bool      // value as an array: which cells are null (nil when none)
	sparse []sparseVal // value as an object: the cells given, by position

	statusAll string         // status as a string: of every cell
	statusArr []string       // status as an array: one per cell
	statusMap map[int]string // status as an object: position → status
	statusPos []int          // the keys of statusMap, sorted
}

// JSONStatDimension is one dimension of a dataset.
type JSONStatDimension struct {
	ID     string   // the dimension's id (a key of `dimension`)
	Label  string   // its label, as published
	Codes  []string // category codes in index order
	Labels []string // category labels, as published (untrimmed), in index order; the code when none
}

// JSONStatCell is one cell of a dataset, as Cells yields it. Its slices
// are reused from one cell to the next: copy what must outlive the step.
type JSONStatCell struct {
	Index  int64    // position in the row-major value order
	Pos    []int    // category position in each dimension
	Codes  []string // category code in each dimension
	Value  *float64 // nil when the value is null or absent
	Status string   // the cell's status, "" when none
}

type sparseVal struct {
	pos int64
	v   float64
	ok  bool // false: null
}

// rawJSONStat is the JSON shape of a dataset (2.0, and 1.0 where dimension
// holds id and size).
type rawJSONStat struct {
	Version   string                     `json:"version"`
	Class     string                     `json:"class"`
	Label     json.RawMessage            `json:"label"`
	Source    json.RawMessage            `json:"source"`
	Note      json.RawMessage            `json:"note"`
	Updated   json.RawMessage            `json:"updated"`
	ID        json.RawMessage            `json:"id"`
	Size      json.RawMessage            `json:"size"`
	Role      json.RawMessage            `json:"role"`
	Dimension map[string]json.RawMessage `json:"dimension"`
	Value     json.RawMessage            `json:"value"`
	Status    json.RawMessage            `json:"status"`
	Extension json.RawMessage            `json:"extension"`
	Link      json.RawMessage            `json:"link"`
	Dataset   json.RawMessage            `json:"dataset"` // a JSON-stat 1.0 bundle
}

type rawDimension struct {
	Label    json.RawMessage `json:"label"`
	Category *struct {
		Index json.RawMessage `json:"index"`
		Label json.RawMessage `json:"label"`
	} `json:"category"`
}

// ReadJSONStat reads a JSON-stat dataset: a 2.0 dataset, a 2.0 collection
// holding one (the first dataset of link.item), or a 1.0 bundle
// {"dataset": {...}} or {"<name>": {...}} of one. Errors are
// *ictstat.InputError values naming name and the JSON field
// (dimension.Он.category.index), so they match ictstat.ErrBadInput.
func ReadJSONStat(data []byte, name string) (*JSONStat, error) {
	bad := func(field, format string, args ...any) error {
		return &ictstat.InputError{File: name, Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var raw rawJSONStat
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, jsonSyntax(name, data, err)
	}
	for depth := 0; raw.Dimension == nil; depth++ {
		inner, field, err := unwrapJSONStat(data, &raw)
		if err != nil {
			return nil, bad(field, "%s", err)
		}
		if depth > 2 {
			return nil, bad("dimension", "missing: this is not a JSON-stat dataset")
		}
		raw = rawJSONStat{}
		if err := json.Unmarshal(inner, &raw); err != nil {
			return nil, bad(field, "%v", err)
		}
		data = inner
	}
	if raw.Class != "" && raw.Class != "dataset" {
		return nil, bad("class", "%q: want \"dataset\"", clipText(raw.Class))
	}
	d := &JSONStat{Extension: raw.Extension}
	var err error
	if d.Label, err = optString(raw.Label); err != nil {
		return nil, bad("label", "%v", err)
	}
	if d.Source, err = optString(raw.Source); err != nil {
		return nil, bad("source", "%v", err)
	}
	if d.Updated, err = optString(raw.Updated); err != nil {
		return nil, bad("updated", "%v", err)
	}
	if d.Updated != "" {
		if _, err := ParseJSONStatTime(d.Updated); err != nil {
			return nil, bad("updated", "%v", err)
		}
	}
	if len(raw.Note) > 0 && string(raw.Note) != "null" {
		var one string
		if json.Unmarshal(raw.Note, &one) == nil {
			d.Note = []string{one}
		} else if err := json.Unmarshal(raw.Note, &d.Note); err != nil {
			return nil, bad("note", "want a string or an array of strings")
		}
	}
	if len(raw.Role) > 0 && string(raw.Role) != "null" {
		if err := json.Unmarshal(raw.Role, &d.Role); err != nil {
			return nil, bad("role", "want an object of arrays of dimension ids")
		}
	}
	ids, sizes, err := jsonStatShape(&raw, bad)
	if err != nil {
		return nil, err
	}
	d.n = 1
	for i, id := range ids {
		dim, err := readDimension(id, raw.Dimension[id], bad)
		if err != nil {
			return nil, err
		}
		if len(dim.Codes) != sizes[i] {
			return nil, bad("size", "size[%d] is %d but dimension %s has %d categories", i, sizes[i], id, len(dim.Codes))
		}
		d.Dimensions = append(d.Dimensions, dim)
		if sizes[i] == 0 {
			d.n = 0
		} else if d.n > 0 {
			if d.n > maxJSONStatCells/int64(sizes[i]) {
				return nil, bad("size", "%v: more than %d cells", sizes, int64(maxJSONStatCells))
			}
			d.n *= int64(sizes[i])
		}
	}
	if err := d.readValues(raw.Value, bad); err != nil {
		return nil, err
	}
	if err := d.readStatus(raw.Status, bad); err != nil {
		return nil, err
	}
	return d, nil
}

// unwrapJSONStat returns the dataset inside a collection or a 1.0 bundle.
func unwrapJSONStat(data []byte, raw *rawJSONStat) (json.RawMessage, string, error) {
	switch {
	case raw.Class == "collection":
		var l struct {
			Item []json.RawMessage `json:"item"`
		}
		if len(raw.Link) == 0 || json.Unmarshal(raw.Link, &l) != nil {
			return nil, "link.item", errors.New("a collection without a link.item array")
		}
		for _, it := range l.Item {
			var c struct {
				Class string `json:"class"`
			}
			if json.Unmarshal(it, &c) == nil && c.Class == "dataset" {
				return it, "link.item", nil
			}
		}
		return nil, "link.item", errors.New("the collection embeds no dataset (class \"dataset\" with its dimensions)")
	case len(raw.Dataset) > 0:
		return raw.Dataset, "dataset", nil
	case raw.Class != "" || len(raw.ID) > 0 || len(raw.Value) > 0:
		return nil, "dimension", errors.New("missing: a dataset needs its dimensions")
	}
	// A 1.0 bundle names its datasets freely: {"GDP": {...}}.
	var bundle map[string]json.RawMessage
	if json.Unmarshal(data, &bundle) != nil || len(bundle) != 1 {
		return nil, "dimension", errors.New("missing: this is not a JSON-stat dataset (no id, size, dimension and value)")
	}
	for k, v := range bundle {
		if len(v) == 0 || v[0] != '{' {
			break
		}
		return v, k, nil
	}
	return nil, "dimension", errors.New("missing: this is not a JSON-stat dataset (no id, size, dimension and value)")
}

// jsonStatShape reads id and size (top level in 2.0, inside dimension in
// 1.0).
func jsonStatShape(raw *rawJSONStat, bad func(string, string, ...any) error) ([]string, []int, error) {
	idRaw, sizeRaw, idField, sizeField := raw.ID, raw.Size, "id", "size"
	if len(idRaw) == 0 && raw.Dimension["id"] != nil {
		idRaw, sizeRaw, idField, sizeField = raw.Dimension["id"], raw.Dimension["size"], "dimension.id", "dimension.size"
	}
	var ids []string
	if len(idRaw) == 0 || json.Unmarshal(idRaw, &ids) != nil {
		return nil, nil, bad(idField, "missing or not an array of dimension ids")
	}
	var sizes []int
	if len(sizeRaw) == 0 || json.Unmarshal(sizeRaw, &sizes) != nil {
		return nil, nil, bad(sizeField, "missing or not an array of non-negative integers")
	}
	if len(sizes) != len(ids) {
		return nil, nil, bad(sizeField, "%d sizes for %d dimensions in %s", len(sizes), len(ids), idField)
	}
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		switch {
		case seen[id]:
			return nil, nil, bad(idField, "dimension %q is listed twice", clipText(id))
		case raw.Dimension[id] == nil:
			return nil, nil, bad("dimension."+id, "missing: %s lists it", idField)
		case sizes[i] < 0:
			return nil, nil, bad(sizeField, "size[%d] is negative (%d)", i, sizes[i])
		}
		seen[id] = true
	}
	return ids, sizes, nil
}

// readDimension reads dimension.{id}.
func readDimension(id string, raw json.RawMessage, bad func(string, string, ...any) error) (JSONStatDimension, error) {
	field := "dimension." + id
	dim := JSONStatDimension{ID: id}
	var rd rawDimension
	if err := json.Unmarshal(raw, &rd); err != nil {
		return dim, bad(field, "want an object with a category")
	}
	var err error
	if dim.Label, err = optString(rd.Label); err != nil {
		return dim, bad(field+".label", "%v", err)
	}
	if rd.Category == nil {
		return dim, bad(field+".category", "missing")
	}
	labels := map[string]string{}
	var labelOrder []string
	if l := rd.Category.Label; len(l) > 0 && string(l) != "null" {
		if err := json.Unmarshal(l, &labels); err != nil {
			return dim, bad(field+".category.label", "want an object of category code → label text")
		}
		if labelOrder, err = objectKeys(l); err != nil {
			return dim, bad(field+".category.label", "%v", err)
		}
	}
	ix := rd.Category.Index
	switch {
	case len(ix) == 0 || string(ix) == "null":
		// Optional when the labels say it all (the standard asks for it
		// beyond one category; readers take the labels' order).
		if len(labelOrder) == 0 {
			return dim, bad(field+".category.index", "missing, and category.label gives no categories either")
		}
		dim.Codes = labelOrder
	case ix[0] == '[':
		if err := json.Unmarshal(ix, &dim.Codes); err != nil {
			return dim, bad(field+".category.index", "want an array of category codes (strings)")
		}
	case ix[0] == '{':
		var pos map[string]int
		if err := json.Unmarshal(ix, &pos); err != nil {
			return dim, bad(field+".category.index", "want an object of category code → position (integers)")
		}
		dim.Codes = make([]string, len(pos))
		set := make([]bool, len(pos))
		for code, p := range pos {
			if p < 0 || p >= len(pos) || set[p] {
				return dim, bad(field+".category.index", "position %d of category %q: want each of 0 to %d once", p, clipText(code), len(pos)-1)
			}
			dim.Codes[p], set[p] = code, true
		}
	default:
		return dim, bad(field+".category.index", "want an array of codes or an object of positions")
	}
	seen := make(map[string]bool, len(dim.Codes))
	dim.Labels = make([]string, len(dim.Codes))
	for i, c := range dim.Codes {
		if seen[c] {
			return dim, bad(field+".category.index", "category %q is listed twice", clipText(c))
		}
		seen[c] = true
		dim.Labels[i] = c
		if l, ok := labels[c]; ok {
			dim.Labels[i] = l
		}
	}
	for c := range labels {
		if !seen[c] {
			return dim, bad(field+".category.label", "label of category %q, which the index does not list", clipText(c))
		}
	}
	return dim, nil
}

// readValues reads `value`: a dense array or a sparse object.
func (d *JSONStat) readValues(raw json.RawMessage, bad func(string, string, ...any) error) error {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return bad("value", "missing")
	case raw[0] == '[':
		vals, null, err := parseValueArray(raw, d.n)
		if err != nil {
			return bad("value", "%v", err)
		}
		if int64(len(vals)) != d.n {
			return bad("value", "%d values, but the sizes make %d cells", len(vals), d.n)
		}
		d.dense, d.null = vals, null
	case raw[0] == '{':
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return bad("value", "%v", err)
		}
		d.sparse = make([]sparseVal, 0, len(m))
		for k, v := range m {
			p, err := cellPosition(k, d.n)
			if err != nil {
				return bad("value."+k, "%v", err)
			}
			f, ok, err := parseCell(v)
			if err != nil {
				return bad("value."+k, "%v", err)
			}
			d.sparse = append(d.sparse, sparseVal{pos: p, v: f, ok: ok})
		}
		sort.Slice(d.sparse, func(i, j int) bool { return d.sparse[i].pos < d.sparse[j].pos })
	default:
		return bad("value", "want an array or an object of values")
	}
	return nil
}

// readStatus reads `status`: one string for every cell, an array of one
// per cell (or a single one for all) or an object position → status.
func (d *JSONStat) readStatus(raw json.RawMessage, bad func(string, string, ...any) error) error {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
	case raw[0] == '"':
		return json.Unmarshal(raw, &d.statusAll)
	case raw[0] == '[':
		var arr []*string
		if err := json.Unmarshal(raw, &arr); err != nil {
			return bad("status", "want an array of strings or nulls")
		}
		if len(arr) == 1 && d.n != 1 {
			if arr[0] != nil {
				d.statusAll = *arr[0]
			}
			return nil
		}
		if int64(len(arr)) != d.n {
			return bad("status", "%d statuses, but the sizes make %d cells", len(arr), d.n)
		}
		d.statusArr = make([]string, len(arr))
		for i, s := range arr {
			if s != nil {
				d.statusArr[i] = *s
			}
		}
	case raw[0] == '{':
		var m map[string]*string
		if err := json.Unmarshal(raw, &m); err != nil {
			return bad("status", "want an object of position → string")
		}
		d.statusMap = make(map[int]string, len(m))
		for k, s := range m {
			p, err := cellPosition(k, d.n)
			if err != nil {
				return bad("status."+k, "%v", err)
			}
			if s != nil {
				d.statusMap[int(p)] = *s
				d.statusPos = append(d.statusPos, int(p))
			}
		}
		sort.Ints(d.statusPos)
	default:
		return bad("status", "want a string, an array or an object")
	}
	return nil
}

// cellPosition parses a key of a sparse value or status object.
func cellPosition(k string, n int64) (int64, error) {
	p, err := strconv.ParseInt(k, 10, 64)
	if err != nil || p < 0 || p >= n || strconv.FormatInt(p, 10) != k {
		return 0, fmt.Errorf("%q is not a cell position 0 to %d", clipText(k), n-1)
	}
	return p, nil
}

// Len returns the number of cells (the product of the sizes).
func (d *JSONStat) Len() int64 { return d.n }

// Sparse reports whether value was an object: Cells then yields only the
// cells it lists.
func (d *JSONStat) Sparse() bool { return d.sparse != nil }

// Dimension returns dimension i's id, category codes and labels: the
// methods Dims, Dimension and EachCell let package transform read the
// dataset through a small interface of its own.
func (d *JSONStat) Dimension(i int) (id string, codes, labels []string) {
	dim := &d.Dimensions[i]
	return dim.ID, dim.Codes, dim.Labels
}

// Dims returns the number of dimensions.
func (d *JSONStat) Dims() int { return len(d.Dimensions) }

// EachCell calls yield for each cell as Cells yields it, with the category
// position in each dimension, until yield returns false.
func (d *JSONStat) EachCell(yield func(pos []int, value *float64, status string) bool) {
	for c := range d.Cells() {
		if !yield(c.Pos, c.Value, c.Status) {
			return
		}
	}
}

// PXTableID returns PX-Web's table id from extension.px.tableid, or "".
func (d *JSONStat) PXTableID() string {
	var e struct {
		PX struct {
			TableID string `json:"tableid"`
		} `json:"px"`
	}
	if len(d.Extension) == 0 || json.Unmarshal(d.Extension, &e) != nil {
		return ""
	}
	return strings.TrimSpace(e.PX.TableID)
}

// UpdatedTime returns the parsed `updated` time, and false when absent.
func (d *JSONStat) UpdatedTime() (time.Time, bool) {
	if d.Updated == "" {
		return time.Time{}, false
	}
	t, err := ParseJSONStatTime(d.Updated)
	return t, err == nil
}

// Cells yields the cells in row-major order (the last dimension fastest):
// every cell when value was an array (nulls with a nil Value), the listed
// cells when it was an object.
func (d *JSONStat) Cells() iter.Seq[JSONStatCell] {
	return func(yield func(JSONStatCell) bool) {
		k := len(d.Dimensions)
		c := JSONStatCell{Pos: make([]int, k), Codes: make([]string, k)}
		var v float64
		next := 0 // the next of statusPos, as cells come in order
		set := func(i int64) {
			c.Index = i
			c.Status = d.statusAll
			if d.statusArr != nil {
				c.Status = d.statusArr[i]
				return
			}
			for next < len(d.statusPos) && int64(d.statusPos[next]) < i {
				next++
			}
			if next < len(d.statusPos) && int64(d.statusPos[next]) == i {
				c.Status = d.statusMap[int(i)]
			}
		}
		if d.sparse != nil {
			for _, s := range d.sparse {
				d.place(s.pos, &c)
				set(s.pos)
				c.Value = nil
				if s.ok {
					v = s.v
					c.Value = &v
				}
				if !yield(c) {
					return
				}
			}
			return
		}
		for j := range k {
			if d.n > 0 {
				c.Codes[j] = d.Dimensions[j].Codes[0]
			}
		}
		for i := int64(0); i < d.n; i++ {
			if i > 0 { // odometer: advance the last dimension, carrying left
				for j := k - 1; j >= 0; j-- {
					c.Pos[j]++
					if c.Pos[j] < len(d.Dimensions[j].Codes) {
						c.Codes[j] = d.Dimensions[j].Codes[c.Pos[j]]
						break
					}
					c.Pos[j] = 0
					c.Codes[j] = d.Dimensions[j].Codes[0]
				}
			}
			set(i)
			c.Value = nil
			if d.null == nil || !d.null[i] {
				v = d.dense[i]
				c.Value = &v
			}
			if !yield(c) {
				return
			}
		}
	}
}

// place sets c's positions and codes for cell position p.
func (d *JSONStat) place(p int64, c *JSONStatCell) {
	for j := len(d.Dimensions) - 1; j >= 0; j-- {
		n := int64(len(d.Dimensions[j].Codes))
		c.Pos[j] = int(p % n)
		c.Codes[j] = d.Dimensions[j].Codes[c.Pos[j]]
		p /= n
	}
}

// ParseJSONStatTime parses an `updated` time: ISO 8601 as JSON-stat asks
// (2024-03-15T09:00:00Z, with or without zone or seconds, or a date). A
// time without a zone is taken as UTC.
func ParseJSONStatTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04Z07:00", "2006-01-02T15:04",
		"2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() < 1900 || t.Year() > 2200 {
				break
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO 8601 time (2024-03-15T09:00:00Z) between 1900 and 2200", clipText(s))
}

// optString reads an optional JSON string (absent or null is "").
func optString(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errors.New("want a string")
	}
	return s, nil
}

// objectKeys returns the keys of a JSON object in their order.
func objectKeys(raw json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("want an object")
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, t.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// jsonSyntax turns a json.Unmarshal error of the whole document into an
// InputError with the line of the problem.
func jsonSyntax(name string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line := int64(bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n")) + 1)
		return &ictstat.InputError{File: name, Line: line, Reason: "not JSON: " + se.Error()}
	case errors.As(err, &te):
		f := te.Field
		if f == "" {
			f = "(top level)"
		}
		return &ictstat.InputError{File: name, Field: f, Reason: fmt.Sprintf("want a JSON-stat dataset object, found %s", te.Value)}
	}
	return &ictstat.InputError{File: name, Reason: "not JSON: " + err.Error()}
}

// parseCell reads one value: a number, null, or a string (a number in
// quotes is that number; other text, such as ".." for a confidential
// cell, is no value).
func parseCell(raw []byte) (float64, bool, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0:
		return 0, false, errors.New("empty value")
	case string(raw) == "null":
		return 0, false, nil
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, false, err
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return 0, false, nil
		}
		return f, true, nil
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return 0, false, fmt.Errorf("%q is not a finite number", clipText(string(raw)))
	}
	return f, true, nil
}

// parseValueArray reads a JSON array of values (already checked as JSON by
// encoding/json): numbers and nulls fast, strings through parseCell.
func parseValueArray(raw []byte, hint int64) ([]float64, []bool, error) {
	vals := make([]float64, 0, min(max(hint, 0), int64(len(raw)/2+1)))
	var null []bool
	i := 1 // past '['
	ws := func() {
		for i < len(raw) && (raw[i] == ' ' || raw[i] == '\n' || raw[i] == '\r' || raw[i] == '\t') {
			i++
		}
	}
	ws()
	if i < len(raw) && raw[i] == ']' {
		return vals, nil, nil
	}
	for i < len(raw) {
		ws()
		start := i
		var f float64
		ok := true
		switch {
		case i < len(raw) && raw[i] == 'n':
			i += 4
			ok = false
		case i < len(raw) && raw[i] == '"':
			i++
			for i < len(raw) && raw[i] != '"' {
				if raw[i] == '\\' {
					i++
				}
				i++
			}
			i++
			var err error
			if f, ok, err = parseCell(raw[start:min(i, len(raw))]); err != nil {
				return nil, nil, fmt.Errorf("value[%d]: %v", len(vals), err)
			}
		default:
			for i < len(raw) && raw[i] != ',' && raw[i] != ']' && raw[i] != ' ' && raw[i] != '\n' && raw[i] != '\r' && raw[i] != '\t' {
				i++
			}
			var err error
			if f, err = strconv.ParseFloat(string(raw[start:i]), 64); err != nil {
				return nil, nil, fmt.Errorf("value[%d]: %q is not a number or null (or out of range)", len(vals), clipText(string(raw[start:i])))
			}
		}
		if !ok {
			if null == nil {
				null = make([]bool, len(vals), cap(vals))
			}
		}
		if null != nil {
			null = append(null, !ok)
		}
		vals = append(vals, f)
		ws()
		if i >= len(raw) {
			break
		}
		if raw[i] == ']' {
			return vals, null, nil
		}
		if raw[i] != ',' {
			return nil, nil, fmt.Errorf("value[%d]: want a number, null or a string", len(vals)-1)
		}
		i++
	}
	return nil, nil, errors.New("the array is not closed")
}
