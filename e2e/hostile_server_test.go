//go:build !js

package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/resock/resock/internal/hostile"
	"github.com/resock/resock/internal/wire"
)

// A hostile or broken server (internal/hostile) in front of the real module
// in Chromium: its first resume connections misbehave, later ones reach the
// real server. Each misbehaviour must give an error event that says what went wrong and
// the reconnect the close policy calls for, the page must stay responsive,
// and every message the page sent must reach the good server once, in order.

// hostileCase opens a page, points a resume socket with options at url,
// sends n messages at once and waits until the good server applied them.
// It returns the page for more checks.
func hostileCase(t *testing.T, url string, n int, options string, errorParts ...string) *page {
	t.Helper()
	ctx := testContext(t, time.Minute)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)
	p.run(`h.watchLag()`)
	p.run(fmt.Sprintf(`h.openTracked("s", %s, [], {resume: true, delays: [20], ...%s})`, js(url), options))
	p.run(fmt.Sprintf(`for (let i = 0; i < %d; i++) h.ws("s").send("m" + i)`, n))
	p.waitFor("the socket to be open on the good server, with nothing queued",
		`h.full("s", "error").length > 0 && h.ws("s").readyState === 1 && h.ws("s").queuedMessages === 0`)
	errs := evaluate[[]string](p, `h.full("s", "error").map((e) => e.message)`)
	found := false
	for _, e := range errs {
		all := true
		for _, part := range errorParts {
			all = all && strings.Contains(e, part)
		}
		found = found || all
	}
	if !found {
		t.Errorf("no error event mentions %q; got %q", errorParts, errs)
	}
	if evaluate[int](p, `h.full("s", "reconnecting").length`) == 0 {
		t.Errorf("no reconnect; events %s", evaluate[string](p, `JSON.stringify(h.full("s"))`))
	}
	lag := evaluate[float64](p, `h.lagMax()`)
	t.Logf("error events %q; the page's timers were at most %.0f ms late", errs, lag)
	if lag > 1000 {
		t.Errorf("the page's event loop was held up for %.0f ms", lag)
	}
	return p
}

// wantApplied waits until the good server applied exactly the page's n
// messages, once each and in order.
func wantApplied(t *testing.T, h *hostile.Server, n int) {
	t.Helper()
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprint("m", i)
	}
	deadline := time.Now().Add(pollTimeout)
	for {
		got, errs := h.Applied()
		if len(got) >= n || time.Now().After(deadline) {
			if !slices.Equal(got, want) {
				t.Errorf("the good server applied %q, want %q", got, want)
			}
			for _, e := range errs {
				t.Errorf("the good server: %s", e)
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// runHostile starts a hostile server with script, runs the case and checks
// what the good server applied.
func runHostile(t *testing.T, n int, options string, errorParts []string, script ...hostile.Conn) *page {
	t.Helper()
	h := hostile.Start(t, script...)
	p := hostileCase(t, h.URL, n, options, errorParts...)
	wantApplied(t, h, n)
	return p
}

func TestHostileServerGarbageInChromium(t *testing.T) {
	// Valid frames first, every one of which the page must get, then one it
	// cannot parse.
	const valid = 500
	var frames [][]byte
	for i := range valid {
		frames = append(frames, wire.AppendData(nil, true, []byte(fmt.Sprint("s", i))))
	}
	frames = append(frames, []byte{0x7f, 1, 2, 3})
	p := runHostile(t, 10, `{}`, []string{"protocol error", "0x7f"}, hostile.WelcomeThen(2, frames...))
	if got := evaluate[int](p, `h.full("s", "message").length`); got != valid {
		t.Errorf("the page got %d of the %d valid messages before the garbage", got, valid)
	}
}

func TestHostileServerTruncatedFrameInChromium(t *testing.T) {
	runHostile(t, 10, `{}`, []string{"protocol error", "malformed"}, hostile.WelcomeThen(1, []byte{byte(wire.TypeAck), 0x80}))
}

func TestHostileServerImpossibleResumeInChromium(t *testing.T) {
	// A session that drops after a few frames, then a resume answer that
	// claims frames the page never sent.
	impossible := wire.Welcome{Resumed: true, Session: hostile.Session, Token: hostile.Session, Received: 1 << 40}
	runHostile(t, 10, `{}`, []string{"invalid resume answer"}, hostile.DropAfter(3), hostile.Welcome(impossible, 0))
}

func TestHostileServerSilentInChromium(t *testing.T) {
	runHostile(t, 5, `{connectTimeout: 300}`, []string{"no answer within 300ms"}, hostile.Silent)
}

func TestHostileServerNeverWelcomesInChromium(t *testing.T) {
	runHostile(t, 5, `{connectTimeout: 300}`, []string{"welcome", "300ms"}, hostile.NeverWelcome)
}

func TestHostileServerOversizedMessageInChromium(t *testing.T) {
	ctx := testContext(t, time.Minute)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)
	h := hostile.Start(t, hostile.WelcomeThen(1, wire.AppendData(nil, true, make([]byte, 5000))))
	p.run(`h.watchLag()`)
	p.run(fmt.Sprintf(`h.openTracked("s", %s, [], {resume: true, delays: [20], maxMessageSize: 1000})`, js(h.URL)))
	p.run(`h.ws("s").send("m0")`)
	p.waitFor("the close for the big message", `h.full("s", "close").some((e) => e.code === 1009)`)
	closeEv := evaluate[event](p, `h.full("s", "close").find((e) => e.code === 1009)`)
	errs := evaluate[[]string](p, `h.full("s", "error").map((e) => e.message)`)
	t.Logf("close %+v; errors %q; the page's timers were at most %.0f ms late", closeEv, errs, evaluate[float64](p, `h.lagMax()`))
	if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, "1000") && strings.Contains(e, "exceeds") }) {
		t.Errorf("no error event says the message exceeds the limit of 1000 bytes: %q", errs)
	}
	// 1009 says the message was too big: retrying would bring it again, so
	// the default policy gives up.
	if closeEv.WillReconnect {
		t.Errorf("close %+v: willReconnect, want the default policy to stop on 1009", closeEv)
	}
}
