package main

import (
	"path/filepath"

	"github.com/google/renameio/v2"
)

// createOut starts an --out file: the bytes go to a temporary file in the
// same folder, which CloseAtomicallyReplace renames to path once the
// output is whole; Cleanup (deferred) removes it otherwise, so that a
// failed or timed-out command leaves no file, and an older file of that
// name stays as it was.
func createOut(path string) (*renameio.PendingFile, error) {
	return renameio.NewPendingFile(path, renameio.WithTempDir(filepath.Dir(path)), renameio.WithPermissions(0o666))
}
