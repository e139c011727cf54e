package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/disclosure"
)

// ManifestFile is the name of a release's manifest in its folder.
const ManifestFile = "manifest.json"

// AuditFile is the administrator-only list of suppressed cells of a
// release; it is in the release folder but never served to anyone else, and
// the manifest names only its checksum.
const AuditFile = "audit.json"

// Manifest describes a built release: what it covers, the snapshot it was
// computed from, when it is published, the disclosure rules, and every file
// with its sha256.
type Manifest struct {
	Release     string           `json:"release"`
	Period      Period           `json:"period"`
	Snapshot    int64            `json:"snapshot"`
	PublishAt   time.Time        `json:"publish_at"`
	BuiltAt     time.Time        `json:"built_at"`
	Tables      []string         `json:"tables"`
	Rules       disclosure.Rules `json:"rules"`
	Target      TargetPath       `json:"target_path"`
	Previous    string           `json:"previous_release,omitempty"`
	Next        *Release         `json:"next_release,omitempty"`
	Files       []FileEntry      `json:"files"`
	AuditSHA256 string           `json:"audit_sha256"`
}

// FileEntry is one artifact of a release.
type FileEntry struct {
	Name        string `json:"name"`
	Bytes       int64  `json:"bytes"`
	SHA256      string `json:"sha256"`
	ContentType string `json:"content_type"`
}

// File returns the entry of the named artifact.
func (m *Manifest) File(name string) (FileEntry, bool) {
	for _, f := range m.Files {
		if f.Name == name {
			return f, true
		}
	}
	return FileEntry{}, false
}

// ContentType returns the media type of an artifact by its name.
func ContentType(name string) string {
	switch {
	case strings.HasSuffix(name, ".sdmx.csv"):
		return "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8"
	case strings.HasSuffix(name, ".csv"):
		return "text/csv; charset=utf-8"
	case strings.HasSuffix(name, ".json"):
		return "application/json; charset=utf-8"
	case strings.HasSuffix(name, ".px"):
		return "text/plain; charset=utf-8"
	case strings.HasSuffix(name, ".xlsx"):
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case strings.HasSuffix(name, ".html"):
		return "text/html; charset=utf-8"
	}
	return "application/octet-stream"
}

// maxManifestBytes bounds a manifest read back (a release's lists a few
// dozen files).
const maxManifestBytes = 4 << 20

// ReadManifest reads the manifest of the release folder dir.
func ReadManifest(dir string) (*Manifest, error) {
	f, err := os.Open(filepath.Join(dir, ManifestFile))
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("%w: no release in %s", ictstat.ErrNotFound, dir)
		}
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxManifestBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxManifestBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes: not a release manifest", filepath.Join(dir, ManifestFile), maxManifestBytes)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ManifestFile), err)
	}
	return &m, nil
}

// hashFile returns a file's size and sha256.
func hashFile(path string) (int64, string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, "", err
	}
	sum := sha256.Sum256(b)
	return int64(len(b)), hex.EncodeToString(sum[:]), nil
}
