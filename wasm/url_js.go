//go:build js && wasm

package main

import (
	"github.com/hack-pad/safejs"

	"github.com/resock/resock/internal/engine"
)

// resolveURL checks and resolves a WebSocket URL the way the WebSocket
// constructor does: the page's URL parser resolves it relative to the
// document's base URL, which the engine cannot do, and the engine's
// ValidateURL applies the rest of the constructor's rules (http and https
// mapped to ws and wss, any other scheme or a fragment refused). Either
// refusal is a SyntaxError. It returns the URL to dial and its origin, the
// origin of message events.
func resolveURL(raw string) (url, origin string, err error) {
	u, err := js.url.New(raw, baseURL())
	if err != nil {
		return "", "", domException("SyntaxError", "The URL '%s' is invalid.", raw)
	}
	href, err := stringProp(u, "href")
	if err != nil {
		return "", "", err
	}
	if url, err = engine.ValidateURL(href); err != nil {
		return "", "", err
	}
	if url != href {
		// The scheme changed, and with it the origin.
		if u, err = js.url.New(url); err != nil {
			return "", "", err
		}
	}
	origin, err = stringProp(u, "origin")
	if err != nil {
		return "", "", err
	}
	return url, origin, nil
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
// a sequence of strings, and checks them as the WebSocket constructor does,
// with the engine's ValidateProtocols.
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
	for _, e := range elems {
		p, err := toString(e)
		if err != nil {
			return nil, err
		}
		protocols = append(protocols, p)
	}
	if err := engine.ValidateProtocols(protocols); err != nil {
		return nil, err
	}
	return protocols, nil
}
