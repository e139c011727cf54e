package serve

import (
	"context"
	"net/http"
	"time"
)

// contextWithTimeout bounds a request's work; the client going away cancels
// it too.
func contextWithTimeout(r *http.Request, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), d)
}
