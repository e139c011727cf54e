package main

import (
	"context"
	"fmt"
	"os"

	"github.com/npit-mn/ictstat"
)

// inputFile is an input file whose reads fail once ctx is done, so that a
// command reading a file that never ends (/dev/zero, a FIFO) stops on
// SIGINT or SIGTERM at its next read, whatever the reader above it does
// with the bytes.
type inputFile struct {
	ctx context.Context
	f   *os.File
}

// openInput opens path for reading; a file that cannot be opened is bad
// input (exit 2).
func openInput(ctx context.Context, path string) (*inputFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ictstat.ErrBadInput, err)
	}
	return &inputFile{ctx: ctx, f: f}, nil
}

func (r *inputFile) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, fmt.Errorf("reading %s stopped: %w", r.f.Name(), context.Cause(r.ctx))
	}
	return r.f.Read(p)
}

// Close closes the file.
func (r *inputFile) Close() error { return r.f.Close() }

// Stat describes the file.
func (r *inputFile) Stat() (os.FileInfo, error) { return r.f.Stat() }
