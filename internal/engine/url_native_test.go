//go:build !js

package engine

import "testing"

// Natively there is no URL parser before ValidateURL, as the page's is in
// the browser: it refuses what does not parse itself.
func TestValidateURLRefusesWhatDoesNotParse(t *testing.T) {
	checkRefused(t, []struct{ name, url, why string }{
		{"IPv6 not closed", "ws://[::1/", "closing ']'"},
		{"IPv6 not an address", "ws://[example.com]/", "not an IPv6 address"},
		{"empty IPv6", "ws://[]/", "not an IPv6 address"},
		{"junk after IPv6", "ws://[::1]x/", "other than a port"},
		{"port not a number", "ws://example.com:http/", "not a number"},
		{"two ports", "ws://example.com:80:81/", "not a number"},
		{"port too large", "ws://example.com:65536/", "over 65535"},
		{"space in the host", "ws://exa mple.com/", "no host may hold"},
		{"caret in the host", "ws://exa^mple.com/", "no host may hold"},
		{"backslash in the host", `ws://example.com\chat`, "no host may hold"},
		{"bad escape", "ws://example.com/%zz", "invalid URL escape"},
		{"control character in the path", "ws://example.com/a\x7fb", "invalid control character"},
	})
}
