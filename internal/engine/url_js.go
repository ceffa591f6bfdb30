//go:build js

package engine

// parseCheck has nothing to add in the browser: the page's URL parser has
// parsed the URL already (resock's bridge parses every URL with it), and
// refused what does not parse. net/url would cost the browser build about
// 24 KB gzipped, and checks of its own some more, for nothing.
func parseCheck(string, string) string { return "" }
