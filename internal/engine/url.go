package engine

import (
	"fmt"
	"strings"
)

// ValidateURL checks raw as the WebSocket constructor checks its URL
// (WHATWG WebSockets, "new WebSocket(url)") and returns the URL to dial.
// As in the browser, http and https become ws and wss, and the spaces and
// control characters a URL parser ignores around a URL (and the tabs and
// newlines it ignores within) are removed; the rest is kept as given.
//
// It refuses, with an error that wraps ErrInvalidURL and says why, a URL
// that is empty or not absolute, whose scheme is not ws, wss, http or
// https, that has a fragment, or that has no host. Natively it also
// refuses what does not parse: a host or port no URL may have, or
// anything net/url, with which the transport dials, refuses. There is no
// base URL to resolve a relative URL against, as there is in a page:
// resock's browser bridge parses the page's URL with the browser's URL
// parser first, which resolves it and refuses what does not parse, and
// passes the result here.
func ValidateURL(raw string) (string, error) {
	fail := func(why string) error {
		return fmt.Errorf("%w %q: %s", ErrInvalidURL, raw, why)
	}
	u := trimURL(raw)
	if u == "" {
		return "", fail("it is empty")
	}
	colon := strings.IndexByte(u, ':')
	if colon <= 0 || !isScheme(u[:colon]) {
		return "", fail("it has no scheme; a WebSocket URL is absolute, such as ws://host/path")
	}
	scheme := lowerASCII(u[:colon])
	switch scheme {
	case "ws", "wss":
	case "http":
		scheme = "ws"
	case "https":
		scheme = "wss"
	default:
		return "", fail(`the scheme must be ws, wss, http or https, not "` + scheme + `"`)
	}
	rest := u[colon+1:]
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		return "", fail("a WebSocket URL may not have a fragment (" + rest[i:] + ")")
	}
	authority, ok := strings.CutPrefix(rest, "//")
	if !ok {
		return "", fail("it has no host; a WebSocket URL is " + scheme + "://host/path")
	}
	if i := strings.IndexAny(authority, "/?"); i >= 0 {
		authority = authority[:i]
	}
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		authority = authority[i+1:]
	}
	if authority == "" || authority[0] == ':' {
		return "", fail("it has no host")
	}
	u = scheme + ":" + rest
	if why := parseCheck(u, authority); why != "" {
		return "", fail(why)
	}
	return u, nil
}

// trimURL removes what a URL parser ignores: spaces and control characters
// around the URL, tabs and newlines within it. Byte by byte: the unicode
// tables and the replacers of package strings would cost the browser build
// more than this.
func trimURL(s string) string {
	for s != "" && s[0] <= ' ' {
		s = s[1:]
	}
	for s != "" && s[len(s)-1] <= ' ' {
		s = s[:len(s)-1]
	}
	if strings.IndexByte(s, '\t') < 0 && strings.IndexByte(s, '\n') < 0 && strings.IndexByte(s, '\r') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '\t' && c != '\n' && c != '\r' {
			b = append(b, c)
		}
	}
	return string(b)
}

// lowerASCII is s, a URL scheme, in lower case.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// isScheme reports whether s is a URL scheme: a letter, then letters,
// digits, '+', '-' or '.'.
func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		switch {
		case 'a' <= c && c <= 'z':
		case i > 0 && ('0' <= s[i] && s[i] <= '9' || s[i] == '+' || s[i] == '-' || s[i] == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// ValidateProtocols checks subprotocols as the WebSocket constructor does:
// each must be a token of HTTP (RFC 9110: visible ASCII other than
// separators), and none may be offered twice. An error wraps
// ErrInvalidProtocol.
func ValidateProtocols(protocols []string) error {
	for i, p := range protocols {
		if !isToken(p) {
			return fmt.Errorf("%w %q: a subprotocol is a token of HTTP (RFC 9110): visible ASCII other than separators", ErrInvalidProtocol, p)
		}
		for _, q := range protocols[:i] {
			if q == p {
				return fmt.Errorf("%w %q: it is offered twice", ErrInvalidProtocol, p)
			}
		}
	}
	return nil
}

// isToken reports whether s is a token of RFC 9110: one or more visible
// ASCII characters other than separators.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
