package warehouse

import (
	"os"
	"path/filepath"
)

// syncDir fsyncs a directory so that a rename or create inside it survives a
// power loss.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// writeFileAtomic writes data to path through a temporary file in tmpDir
// (same file system), fsyncs it, renames it into place and fsyncs the
// folder, so that readers see the old file or the new one, never a part.
func writeFileAtomic(tmpDir, path string, data []byte) error {
	f, err := os.CreateTemp(tmpDir, "tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}
