//go:build !js

package e2e

import (
	"net"
	"net/http"
	"testing"
	"time"
)

// TestShutdownIsPromptWithABrowserAttached stops the demo the way the binary
// does on SIGTERM while a page is open; the binary gives Shutdown 4 s.
// Chromium keeps spare connections that never carry a request, and
// net/http's Shutdown waits up to 5 s for a connection that has not sent a
// request yet, so the demo has to close such connections itself. The spare
// connection is opened by hand so that the test does not depend on when
// Chromium opens one.
func TestShutdownIsPromptWithABrowserAttached(t *testing.T) {
	const budget = 4 * time.Second
	ctx := testContext(t, 30*time.Second)
	srv := startDemo(t)
	p := openBoard(t, ctx, "page", srv)

	spare, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatalf("failed to open a spare connection: %v", err)
	}
	defer spare.Close()
	// The server accepts connections in order: once a later one is
	// answered, the spare one has been accepted too.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(srv.url("/"))
	if err != nil {
		t.Fatalf("failed to get the page: %v", err)
	}
	resp.Body.Close()

	took, err := srv.shutdown(budget)
	switch {
	case err != nil:
		t.Errorf("Shutdown with a page and a spare connection open failed after %v (the binary allows %v): %v", took.Round(time.Millisecond), budget, err)
	case took > time.Second:
		t.Errorf("Shutdown took %v with a page and a spare connection open, want under 1s", took.Round(time.Millisecond))
	default:
		t.Logf("Shutdown took %v", took.Round(time.Millisecond))
	}
	p.waitFor("the page to be told of the restart", badgeIs("reconnecting"))
}
