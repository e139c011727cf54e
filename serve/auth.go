package serve

import (
	"context"
	"net/http"
	"strings"
)

// identity is who made a request: a token's name and role, or the public.
type identity struct {
	name string // "" for the public
	role Role
}

type identityKey struct{}

// RoleOf returns the role of the caller of r: the role of its bearer token,
// or RolePublic without one. Handlers behind Server.Handler may call it.
func RoleOf(r *http.Request) Role { return identityOf(r.Context()).role }

// TokenName returns the name of r's bearer token, or "" for the public.
func TokenName(r *http.Request) string { return identityOf(r.Context()).name }

func identityOf(ctx context.Context) identity {
	id, _ := ctx.Value(identityKey{}).(identity)
	return id
}

// authenticate resolves the request's bearer token to an identity. A
// wrong, expired or revoked token is 401 and nothing more is said; no
// Authorization header is the public.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		id, ok := s.lookup(h)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ictstat"`)
			s.fail(w, http.StatusUnauthorized, "unauthorized", nil)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), identityKey{}, id)))
	})
}

// lookup resolves an Authorization header value ("Bearer TOKEN").
func (s *Server) lookup(header string) (identity, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || s.opts.Tokens == nil {
		return identity{}, false
	}
	tk, ok := s.opts.Tokens.Lookup(strings.TrimSpace(token), s.opts.Now())
	if !ok {
		return identity{}, false
	}
	role, err := ParseRole(tk.Role)
	if err != nil {
		return identity{}, false
	}
	return identity{name: tk.Name, role: role}, true
}

// require answers 403 to callers below role: the route table in routes()
// names each route's role, in one place.
func (s *Server) require(role Role, h http.HandlerFunc) http.HandlerFunc {
	if role == RolePublic {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if got := RoleOf(r); got < role {
			msg := "needs the " + role.String() + " role"
			if got == RolePublic {
				msg += ": send Authorization: Bearer TOKEN (ask an admin for a token)"
			}
			s.fail(w, http.StatusForbidden, "forbidden", errString(msg))
			return
		}
		h(w, r)
	}
}

// errString is an error that is just its text.
type errString string

func (e errString) Error() string { return string(e) }
