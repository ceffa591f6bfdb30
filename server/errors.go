//go:build !js

package server

import (
	"fmt"
	"net/http"
)

// HTTPError refuses a connection with an HTTP status, from
// Options.Authenticate: 401 for a request without credentials, 403 for one
// whose credentials do not allow it, and so on. Message goes in the body.
type HTTPError struct {
	Status  int
	Message string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

// CloseWrongUser closes a reconnection that presents a resume session
// opened by another user (Options.Authenticate). It is in the 4400–4499
// range resock clients take as final: retrying cannot help.
const CloseWrongUser StatusCode = 4403
