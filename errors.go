package ictstat

import (
	"errors"
	"fmt"
)

// Error kinds that callers branch on with errors.Is. The command line maps
// ErrBadInput and ErrUsage to exit code 2 and everything else to 1.
var (
	// ErrBadInput marks input that cannot be accepted as a whole: a file that
	// is not the format it claims, a truncated stream, a malformed header.
	ErrBadInput = errors.New("bad input")
	// ErrUsage marks a bad command-line argument or request parameter.
	ErrUsage = errors.New("bad usage")
	// ErrNotFound marks a missing snapshot, table, query or release.
	ErrNotFound = errors.New("not found")
	// ErrLocked marks a warehouse whose writer lock is held by another process.
	ErrLocked = errors.New("warehouse locked by another writer")
	// ErrForbidden marks a request the caller's role may not make.
	ErrForbidden = errors.New("forbidden")
)

// InputError locates a problem in outside input: which file, which line and
// which field, so that the message says what to fix and where.
type InputError struct {
	File   string // path or URL; empty when unknown
	Line   int64  // 1-based line or record number; 0 when unknown
	Field  string // JSON field, CSV column or parameter; empty when unknown
	Reason string // what is wrong, in words a user can act on
}

// Error implements error as "file:line: field: reason".
func (e *InputError) Error() string {
	s := ""
	if e.File != "" {
		s = e.File
		if e.Line > 0 {
			s += fmt.Sprintf(":%d", e.Line)
		}
		s += ": "
	} else if e.Line > 0 {
		s = fmt.Sprintf("line %d: ", e.Line)
	}
	if e.Field != "" {
		s += e.Field + ": "
	}
	return s + e.Reason
}

// Unwrap makes every InputError match ErrBadInput.
func (e *InputError) Unwrap() error { return ErrBadInput }
