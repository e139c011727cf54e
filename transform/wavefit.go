package transform

import "github.com/npit-mn/ictstat"

// AbsentFields returns the fields the wave names (its strata, its
// questions and its registry number field) that none of subs carries, in
// the wave's order: when it is not empty and no response fits the wave,
// the file was most likely exported from another form or wave.
func (w *Wave) AbsentFields(subs []ictstat.Submission) []string {
	names := append([]string(nil), w.Strata...)
	for _, q := range w.Questions {
		names = append(names, q.Name)
	}
	if w.RegistryNo != "" {
		names = append(names, w.RegistryNo)
	}
	found := make([]bool, len(names))
	left := len(names)
	for i := range subs {
		ix := newFieldIndex(subs[i].Fields)
		for j, n := range names {
			if !found[j] && (hasField(ix, n) || hasChoiceColumn(subs[i].Fields, n)) {
				found[j] = true
				left--
			}
		}
		if left == 0 {
			return nil
		}
	}
	var out []string
	seen := map[string]bool{}
	for j, n := range names {
		if !found[j] && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// hasField reports whether a submission has the field as a question names it.
func hasField(ix fieldIndex, name string) bool {
	_, ok := ix.get(name)
	return ok
}

// hasChoiceColumn reports whether fields hold a 0/1 column of the
// multi-select name (name/code, under any group), the only form of a
// multi-select in some exports.
func hasChoiceColumn(fields map[string]string, name string) bool {
	last := lastSegment(name)
	for p := range fields {
		if parent, _ := splitLast(p); parent == name || lastSegment(parent) == last {
			return true
		}
	}
	return false
}
