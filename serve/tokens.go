package serve

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/npit-mn/ictstat"
)

// Role is what a caller may see: the public, a researcher or an admin.
type Role int

// The roles, each seeing what the one before sees and more.
const (
	RolePublic Role = iota
	RoleResearcher
	RoleAdmin
)

var roleNames = []string{"public", "researcher", "admin"}

func (r Role) String() string { return roleNames[r] }

// ParseRole reads a role's name.
func ParseRole(s string) (Role, error) {
	for i, n := range roleNames {
		if s == n {
			return Role(i), nil
		}
	}
	return 0, fmt.Errorf("%w: role %q: want public, researcher or admin", ictstat.ErrUsage, s)
}

// Token is one entry of the token file: never the token, only its keyed
// hash.
type Token struct {
	Name    string     `json:"name"`
	Role    string     `json:"role"`
	Hash    string     `json:"hash"` // hex HMAC-SHA256 of the token under the secret's token key
	Created time.Time  `json:"created"`
	Expires *time.Time `json:"expires,omitempty"`
}

// Tokens is the token file, re-read when it changes on disk so that a
// `token revoke` reaches running servers within a second.
type Tokens struct {
	path string
	key  []byte

	mu      sync.Mutex
	list    []Token
	modTime time.Time
	size    int64
	checked time.Time // when Lookup last looked at the file
}

// recheck is how often Lookup looks whether the file changed: a revoked
// token stops working within it.
const recheck = time.Second

// maxTokenFile bounds the token file read into memory.
const maxTokenFile = 4 << 20

var tokenName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// OpenTokens reads the token file at path (missing: no tokens yet); key is
// the secret that keys the hashes (Secret.TokenKey).
func OpenTokens(path string, key []byte) (*Tokens, error) {
	t := &Tokens{path: path, key: key}
	if err := t.reload(); err != nil {
		return nil, err
	}
	return t, nil
}

// reload re-reads the file if it changed; callers hold no lock.
func (t *Tokens) reload() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	st, err := os.Stat(t.path)
	if errors.Is(err, os.ErrNotExist) {
		t.list, t.modTime, t.size = nil, time.Time{}, 0
		return nil
	}
	if err != nil {
		return err
	}
	if st.ModTime().Equal(t.modTime) && st.Size() == t.size && t.list != nil {
		return nil
	}
	f, err := os.Open(t.path)
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxTokenFile+1))
	if err != nil {
		return err
	}
	if len(b) > maxTokenFile {
		return fmt.Errorf("%w: token file %s: larger than %d bytes", ictstat.ErrBadInput, t.path, maxTokenFile)
	}
	var doc struct {
		Tokens []Token `json:"tokens"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("%w: token file %s: %v (fix or remove it; `ictstat token add` writes a new one)", ictstat.ErrBadInput, t.path, err)
	}
	for i, tk := range doc.Tokens {
		if _, err := ParseRole(tk.Role); err != nil {
			return fmt.Errorf("%w: token file %s: token %d (%q): %v", ictstat.ErrBadInput, t.path, i+1, tk.Name, err)
		}
		if h, err := hex.DecodeString(tk.Hash); err != nil || len(h) != sha256.Size {
			return fmt.Errorf("%w: token file %s: token %d (%q): hash is not 64 hex digits", ictstat.ErrBadInput, t.path, i+1, tk.Name)
		}
	}
	if doc.Tokens == nil {
		doc.Tokens = []Token{}
	}
	t.list, t.modTime, t.size = doc.Tokens, st.ModTime(), st.Size()
	return nil
}

// List returns the stored tokens (names, roles, dates; no secrets).
func (t *Tokens) List() ([]Token, error) {
	if err := t.reload(); err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Token(nil), t.list...), nil
}

// Add stores a new token for name with role, valid until expires (zero:
// no end), and returns the token: the only time it is ever shown.
func (t *Tokens) Add(name string, role Role, expires time.Time, now time.Time) (string, error) {
	if !tokenName.MatchString(name) {
		return "", fmt.Errorf("%w: token name %q: want 1-64 letters, digits, '.', '_', '@' or '-'", ictstat.ErrUsage, name)
	}
	if err := t.reload(); err != nil {
		return "", err
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	token := "ict_" + base64.RawURLEncoding.EncodeToString(raw)
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, tk := range t.list {
		if tk.Name == name {
			return "", fmt.Errorf("%w: a token named %q exists: revoke it first or choose another name", ictstat.ErrUsage, name)
		}
	}
	tk := Token{Name: name, Role: role.String(), Hash: t.hash(token), Created: now.UTC().Truncate(time.Second)}
	if !expires.IsZero() {
		e := expires.UTC()
		tk.Expires = &e
	}
	if err := t.save(append(append([]Token(nil), t.list...), tk)); err != nil {
		return "", err
	}
	return token, nil
}

// Revoke deletes the token named name.
func (t *Tokens) Revoke(name string) error {
	if err := t.reload(); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var keep []Token
	for _, tk := range t.list {
		if tk.Name != name {
			keep = append(keep, tk)
		}
	}
	if len(keep) == len(t.list) {
		return fmt.Errorf("%w: no token named %q (see `ictstat token list`)", ictstat.ErrNotFound, name)
	}
	return t.save(keep)
}

// save writes list atomically with mode 0600; t.mu is held.
func (t *Tokens) save(list []Token) error {
	if list == nil {
		list = []Token{}
	}
	b, err := json.MarshalIndent(map[string]any{"tokens": list}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(t.path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(t.path), ".tokens-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o600)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), t.path)
	}
	if err != nil {
		return fmt.Errorf("write token file %s: %w", t.path, err)
	}
	st, err := os.Stat(t.path)
	if err != nil {
		return err
	}
	t.list, t.modTime, t.size = list, st.ModTime(), st.Size()
	return nil
}

func (t *Tokens) hash(token string) string {
	m := hmac.New(sha256.New, t.key)
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// Lookup returns the live token matching token at now. Every stored hash
// is compared in constant time, so timing tells nothing about which
// matched or how closely.
func (t *Tokens) Lookup(token string, now time.Time) (Token, bool) {
	t.mu.Lock()
	due := now.Sub(t.checked) >= recheck || now.Before(t.checked)
	if due {
		t.checked = now
	}
	t.mu.Unlock()
	if due && t.reload() != nil {
		return Token{}, false
	}
	sum, _ := hex.DecodeString(t.hash(token))
	t.mu.Lock()
	defer t.mu.Unlock()
	var found Token
	ok := false
	for _, tk := range t.list {
		h, _ := hex.DecodeString(tk.Hash)
		if hmac.Equal(h, sum) {
			found, ok = tk, true
		}
	}
	if !ok || (found.Expires != nil && !now.Before(*found.Expires)) {
		return Token{}, false
	}
	return found, true
}

// Secret is the server's key material, one random value in a file beside
// the token file, from which the token hashes' and the pseudonyms' keys
// derive. Servers that share a warehouse share it, so pseudonyms agree.
type Secret struct{ key []byte }

// LoadSecret reads the secret at path, creating it (mode 0600) if missing.
func LoadSecret(path string) (*Secret, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		raw := make([]byte, 32)
		rand.Read(raw)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			return LoadSecret(path) // another process made it first
		}
		if err != nil {
			return nil, fmt.Errorf("create secret %s: %w", path, err)
		}
		_, err = f.WriteString(hex.EncodeToString(raw) + "\n")
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("write secret %s: %w", path, err)
		}
		return &Secret{key: raw}, nil
	}
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) < 16 {
		return nil, fmt.Errorf("%w: secret %s: want at least 32 hex digits (delete it to make a new one; tokens and pseudonyms then change)", ictstat.ErrBadInput, path)
	}
	return &Secret{key: key}, nil
}

func (s *Secret) derive(purpose string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// TokenKey keys the token hashes.
func (s *Secret) TokenKey() []byte { return s.derive("ictstat tokens") }

// PseudonymKey keys the researchers' pseudonyms.
func (s *Secret) PseudonymKey() []byte { return s.derive("ictstat pseudonyms") }
