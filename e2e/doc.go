// Package e2e holds resock's end-to-end tests: the real server, the wasm build
// of the client and its JavaScript module, driven in headless Chromium through
// github.com/chromedp/chromedp.
//
// TestMain builds resock.wasm with the current toolchain, and bundles
// resock.js, into a temporary directory, so "go test ./e2e" needs no earlier
// "make build". The tests skip when Chromium is missing, unless the CI
// environment variable is set, in which case they fail.
package e2e
