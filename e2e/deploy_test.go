//go:build !js

package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/resock/resock/server"
)

// A deploy that shuts the server down with a retry-after hint holds a
// resume-mode page back for at least the hint, rather than letting it find
// the port closed and back off on its own schedule.
func TestShutdownRetryAfterHoldsResumeClientsBack(t *testing.T) {
	const hint = time.Second
	ctx := testContext(t, 45*time.Second)
	srv := startDemoWith(t, server.Options{ShutdownRetryAfter: hint})
	p := openHarness(t, ctx, "page", srv)

	// Without the hint the schedule would retry after 50 ms.
	p.run(fmt.Sprintf(`h.open("s", %s, [], {resume: true, delays: [50]})`, js(srv.wsURL("/echo"))))
	p.waitFor("the socket to open", `h.count("s", "open") === 1`)
	p.run(`h.ws("s").send("before")`)
	p.waitFor("the echo", `h.texts("s").length === 1`)

	srv.stop()
	p.waitFor("the reconnecting event of the shutdown", `h.count("s", "reconnecting") >= 1`)
	closed := evaluate[event](p, `h.events("s", "close")[0]`)
	if !closed.CloseEvent || closed.Code != 1012 || !closed.WillReconnect {
		t.Errorf("close on shutdown = %+v, want a CloseEvent with code 1012 and willReconnect true", closed)
	}
	retry := evaluate[event](p, `h.events("s", "reconnecting")[0]`)
	// The server tells each client a wait in [hint, 2×hint); the client
	// spreads its return over up to half the wait it was told.
	maxDelay := float64(3 * hint / time.Millisecond)
	if retry.Attempt != 1 || retry.Code != 1012 || retry.Delay < float64(hint/time.Millisecond) || retry.Delay >= maxDelay {
		t.Errorf("reconnecting event = %+v, want attempt 1, code 1012 and a delay in [%d, %.0f) ms", retry, hint/time.Millisecond, maxDelay)
	}

	// Back at once: the page still waits for its delay, then resumes
	// service on a fresh session.
	srv.start()
	p.waitFor("the socket to reopen", `h.count("s", "open") === 2`)
	reopened := evaluate[event](p, `h.last("s", "open")`)
	// The wait starts when the engine handles the drop, a little before
	// the page's listener records the reconnecting event.
	const slack = 50
	if waited := reopened.At - retry.At; waited < retry.Delay-slack {
		t.Errorf("reopened %.0f ms after the reconnecting event, want at least its delay of %.0f ms", waited, retry.Delay)
	}
	if n := evaluate[int](p, `h.count("s", "reconnecting")`); n != 1 {
		t.Errorf("%d reconnecting events, want 1: the first attempt after the wait should have found the server", n)
	}
	p.run(`h.ws("s").send("after")`)
	p.waitFor("the echo after the restart", `h.texts("s").includes("after")`)
	t.Logf("told to wait %.0f ms (hint %v); reopened after %.0f ms", retry.Delay, hint, reopened.At-closed.At)
}
