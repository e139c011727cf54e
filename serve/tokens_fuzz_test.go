package serve_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/npit-mn/ictstat"
	"github.com/npit-mn/ictstat/serve"
)

// FuzzTokenFile: any token file either loads, with every token's role
// valid, or is refused as bad input; a lookup never matches a token that
// was not added.
func FuzzTokenFile(f *testing.F) {
	f.Add([]byte(`{"tokens":[{"name":"a","role":"admin","hash":"` + "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" + `"}]}`))
	f.Add([]byte(`{"tokens":null}`))
	f.Add([]byte(`{"tokens":[{"name":"a","role":"root","hash":"zz"}]}`))
	f.Add([]byte(`[]`))
	key := []byte("0123456789abcdef0123456789abcdef")
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "tokens.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		tokens, err := serve.OpenTokens(path, key)
		if err != nil {
			if !errors.Is(err, ictstat.ErrBadInput) {
				t.Fatalf("got %v, want ErrBadInput", err)
			}
			return
		}
		list, err := tokens.List()
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range list {
			if _, err := serve.ParseRole(tk.Role); err != nil {
				t.Fatalf("loaded a token with role %q", tk.Role)
			}
		}
		if _, ok := tokens.Lookup("ict_guess", time.Now()); ok {
			t.Fatal("a guessed token matched")
		}
	})
}
