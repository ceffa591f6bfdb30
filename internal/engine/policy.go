package engine

import (
	"strings"
	"time"
)

// DefaultShouldReconnect is the close-code policy used unless
// Options.ShouldReconnect replaces it. A close the server means as final —
// the message broke its policy or was malformed, too big, or needed an
// extension it lacks, or the application said "do not retry" with a code in
// 4400–4499 — ends the Socket. So does an opening handshake the server
// refused with HTTP status 401 (unauthorized), 403 (forbidden) or 404 (not
// found): the same request would be refused again. Everything else is a
// drop worth retrying: 1000 and 1001 (the server closed or went away), 1002
// (protocol error), 1005 and 1006 (no code, connection lost, attempt failed,
// including a handshake refused with any other status, such as 500 or 503),
// 1011 to 1014 (server error, restart, try again later, bad gateway), and
// every other 3000–4999 code. The browser never sees the HTTP status (see
// CloseEvent.HTTPStatus), so there a refused handshake is retried as 1006.
func DefaultShouldReconnect(e CloseEvent) bool {
	switch e.HTTPStatus {
	case 401, 403, 404:
		return false
	}
	switch e.Code {
	case 1003, 1007, 1008, 1009, 1010:
		return false
	}
	return e.Code < 4400 || e.Code > 4499
}

// maxRetryAfter bounds the wait a server may ask for.
const maxRetryAfter = time.Hour

// retryAfterHint reads the plain-mode hint a server closing with 1012 or
// 1013 may give in its close reason: "retry-after=SECONDS".
func retryAfterHint(code int, reason string) time.Duration {
	if code != 1012 && code != 1013 {
		return 0
	}
	v, ok := strings.CutPrefix(strings.Trim(reason, " \t"), "retry-after=")
	v = strings.Trim(v, " \t")
	if !ok || v == "" {
		return 0
	}
	// Whole seconds, as HTTP's Retry-After. Read by hand: strconv's
	// parsing and its errors cost the browser build more than this.
	var secs time.Duration
	for _, c := range []byte(v) {
		if c < '0' || c > '9' {
			return 0
		}
		secs = secs*10 + time.Duration(c-'0')
		if secs*time.Second >= maxRetryAfter {
			return maxRetryAfter
		}
	}
	if secs == 0 {
		return 0
	}
	return secs * time.Second
}
