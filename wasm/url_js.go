//go:build js && wasm

package main

import (
	"strings"

	"github.com/hack-pad/safejs"
)

// resolveURL checks and resolves a WebSocket URL the way the WebSocket
// constructor does: relative to the document's base URL, http and https
// mapped to ws and wss, any other scheme or a fragment a SyntaxError. It
// returns the URL to dial and its origin, the origin of message events.
func resolveURL(raw string) (url, origin string, err error) {
	u, err := js.url.New(raw, baseURL())
	if err != nil {
		return "", "", domException("SyntaxError", "The URL '%s' is invalid.", raw)
	}
	protocol, err := stringProp(u, "protocol")
	if err != nil {
		return "", "", err
	}
	switch protocol {
	case "ws:", "wss:":
	case "http:", "https:":
		if err := u.Set("protocol", "ws"+strings.TrimPrefix(protocol, "http")); err != nil {
			return "", "", err
		}
	default:
		return "", "", domException("SyntaxError", "The URL's scheme must be either 'http', 'https', 'ws', or 'wss'. '%s' is not allowed.", strings.TrimSuffix(protocol, ":"))
	}
	href, err := stringProp(u, "href")
	if err != nil {
		return "", "", err
	}
	// A parsed URL has a '#' exactly when it has a fragment, even an empty one.
	if i := strings.IndexByte(href, '#'); i >= 0 {
		return "", "", domException("SyntaxError", "The URL contains a fragment identifier ('%s'). Fragment identifiers are not allowed in WebSocket URLs.", href[i+1:])
	}
	origin, err = stringProp(u, "origin")
	if err != nil {
		return "", "", err
	}
	return href, origin, nil
}

// baseURL is what relative URLs resolve against: the document's base URL
// in a page, the script's location in a worker, or nothing.
func baseURL() safejs.Value {
	if doc, err := js.global.Get("document"); err == nil && typeOf(doc) == safejs.TypeObject {
		if base, err := doc.Get("baseURI"); err == nil && typeOf(base) == safejs.TypeString {
			return base
		}
	}
	if loc, err := js.global.Get("location"); err == nil && typeOf(loc) == safejs.TypeObject {
		if href, err := loc.Get("href"); err == nil && typeOf(href) == safejs.TypeString {
			return href
		}
	}
	return safejs.Undefined()
}

func stringProp(v safejs.Value, name string) (string, error) {
	p, err := v.Get(name)
	if err != nil {
		return "", err
	}
	return p.String()
}

// parseProtocols converts the constructor's protocols argument, a string or
// a sequence of strings, and checks each is a distinct HTTP token as the
// WebSocket constructor does.
func parseProtocols(v safejs.Value) ([]string, error) {
	if v.IsUndefined() {
		return nil, nil
	}
	elems, isSeq, err := iterate(v)
	if err != nil {
		return nil, err
	}
	if !isSeq {
		elems = []safejs.Value{v}
	}
	protocols := make([]string, 0, len(elems))
	seen := make(map[string]bool, len(elems))
	for _, e := range elems {
		p, err := toString(e)
		if err != nil {
			return nil, err
		}
		if !isToken(p) {
			return nil, domException("SyntaxError", "The subprotocol '%s' is invalid.", p)
		}
		if seen[p] {
			return nil, domException("SyntaxError", "The subprotocol '%s' is duplicated.", p)
		}
		seen[p] = true
		protocols = append(protocols, p)
	}
	return protocols, nil
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
