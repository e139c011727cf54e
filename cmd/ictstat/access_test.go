package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/npit-mn/ictstat/warehouse"
)

// TestTokenCommands adds, lists and revokes tokens, and checks what the
// token file keeps.
func TestTokenCommands(t *testing.T) {
	wh := filepath.Join(t.TempDir(), "wh")
	code, out, stderr := run(t, "token", "add", "--role", "researcher", "--name", "ana@nso.mn", "--expires", "2030-01-01", "--warehouse", wh)
	if code != 0 || !strings.HasPrefix(out, "ict_") {
		t.Fatalf("token add: exit %d, %q %q", code, out, stderr)
	}
	token := strings.TrimSpace(out)
	raw, err := os.ReadFile(filepath.Join(wh, "tokens.json"))
	if err != nil || strings.Contains(string(raw), token) {
		t.Errorf("token file: %v, holds the token: %v", err, strings.Contains(string(raw), token))
	}
	code, out, _ = run(t, "token", "list", "--warehouse", wh)
	if code != 0 || !strings.Contains(out, "ana@nso.mn") || !strings.Contains(out, "researcher") || !strings.Contains(out, "2030-01-01") || strings.Contains(out, token) {
		t.Errorf("token list: exit %d, %q", code, out)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown role", []string{"token", "add", "--role", "root", "--name", "x"}, "want public, researcher or admin"},
		{"no name", []string{"token", "add", "--role", "admin"}, "name"},
		{"bad expiry", []string{"token", "add", "--role", "admin", "--name", "x", "--expires", "soon"}, "YYYY-MM-DD"},
		{"taken name", []string{"token", "add", "--role", "admin", "--name", "ana@nso.mn"}, "exists"},
		{"revoke unknown", []string{"token", "revoke", "bob"}, "no token named"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := run(t, append(tc.args, "--warehouse", wh)...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("got exit %d, %q; want 2 and %q", code, stderr, tc.want)
			}
		})
	}
	if code, out, _ := run(t, "token", "revoke", "ana@nso.mn", "--warehouse", wh); code != 0 || !strings.Contains(out, "revoked") {
		t.Errorf("revoke: exit %d %q", code, out)
	}
	if _, out, _ := run(t, "token", "list", "--warehouse", wh); strings.Contains(out, "ana@nso.mn") {
		t.Errorf("list after revoke: %q", out)
	}
	bad := filepath.Join(t.TempDir(), "tokens.json")
	os.WriteFile(bad, []byte("{not json"), 0o600)
	if code, _, stderr := run(t, "token", "list", "--tokens", bad, "--warehouse", wh); code != 2 || !strings.Contains(stderr, bad) {
		t.Errorf("bad token file: exit %d %q, want 2 naming the file", code, stderr)
	}
	if code, _, stderr := run(t, "serve", "--addr", "127.0.0.1:0", "--tokens", bad, "--warehouse", wh); code != 2 || !strings.Contains(stderr, bad) {
		t.Errorf("serve with a bad token file: exit %d %q, want 2 naming the file", code, stderr)
	}
}

// TestServeFlightAddressInUse: a taken --flight-addr is exit 2 naming it.
func TestServeFlightAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	wh := filepath.Join(t.TempDir(), "wh")
	w, err := warehouse.Open(wh, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	code, _, stderr := run(t, "serve", "--addr", "127.0.0.1:0", "--flight-addr", ln.Addr().String(), "--warehouse", wh)
	if code != 2 || !strings.Contains(stderr, "--flight-addr "+ln.Addr().String()) {
		t.Errorf("got exit %d %q, want 2 naming --flight-addr", code, stderr)
	}
}
