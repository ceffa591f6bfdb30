//go:build !js

package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/resock/resock/internal/hostile"
	"github.com/resock/resock/internal/wire"
	"github.com/resock/resock/server"
)

// A hostile or broken server (internal/hostile) in front of the real module
// in Chromium: its first resume connections misbehave, later ones reach the
// real server. Each misbehaviour must give an error event that says what went wrong and
// the reconnect the close policy calls for, the page must stay responsive,
// and every message the page sent must reach the good server once, in order.

// hostileServer is a hostile server in front of the real one, and the
// ledger of what the real one applied.
type hostileServer struct {
	*hostile.Server
	*hostile.Ledger
}

// startHostile serves script, then the real server, until the test ends.
// The real server accepts pages of any origin; its app applies each client
// message once, by id, in the ledger.
func startHostile(t *testing.T, script ...hostile.Conn) *hostileServer {
	t.Helper()
	ledger := &hostile.Ledger{}
	srv := server.New(server.Options{
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		OriginPatterns: []string{"*"},
	})
	h := hostile.Start(t, srv.Handler(func(ctx context.Context, c *server.Conn) {
		for {
			m, err := c.ReadMessage(ctx)
			if err != nil {
				return
			}
			ledger.Apply(m.ID.N, m.Data)
		}
	}), script...)
	// After Start's, so that it runs before: the real server is shut down
	// before the hostile one closes.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return &hostileServer{Server: h, Ledger: ledger}
}

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
	// A page that reads the whole message before refusing it, or spins,
	// stalls for far longer; the bound leaves room for a loaded machine.
	if lag > 3000 {
		t.Errorf("the page's event loop was held up for %.0f ms", lag)
	}
	return p
}

// wantApplied waits until the good server applied exactly the page's n
// messages, once each and in order.
func wantApplied(t *testing.T, h *hostileServer, n int) {
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
	h := startHostile(t, script...)
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
	h := startHostile(t, hostile.WelcomeThen(1, wire.AppendData(nil, true, make([]byte, 5000))))
	p.run(`h.watchLag()`)
	p.run(fmt.Sprintf(`h.openTracked("s", %s, [], {resume: true, delays: [20], maxMessageSize: 1000})`, js(h.URL)))
	p.run(`h.ws("s").send("m0")`)
	p.waitFor("the close for the big message", `h.full("s", "close").some((e) => e.code === 1009)`)
	closeEv := evaluate[event](p, `h.full("s", "close").find((e) => e.code === 1009)`)
	errs := evaluate[[]string](p, `h.full("s", "error").map((e) => e.message)`)
	lag := evaluate[float64](p, `h.lagMax()`)
	t.Logf("close %+v; errors %q; the page's timers were at most %.0f ms late", closeEv, errs, lag)
	if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, "1000") && strings.Contains(e, "exceeds") }) {
		t.Errorf("no error event says the message exceeds the limit of 1000 bytes: %q", errs)
	}
	// A page that reads the whole message before refusing it, or spins,
	// stalls for far longer; the bound leaves room for a loaded machine.
	if lag > 3000 {
		t.Errorf("the page's event loop was held up for %.0f ms", lag)
	}
	// 1009 says the message was too big: retrying would bring it again, so
	// the default policy gives up.
	if closeEv.WillReconnect {
		t.Errorf("close %+v: willReconnect, want the default policy to stop on 1009", closeEv)
	}
	// m0 reached the hostile server, which never acknowledged it: the
	// session keeps it (outside the outbox, so queuedMessages is 0), and
	// reconnect() brings it to the good server. m1, sent after, shows that
	// m0 came exactly once: a copy would come before it.
	if st := evaluate[string](p, `h.ws("s").state`); st != "closed" {
		t.Errorf("state %q after the final close, want closed", st)
	}
	p.run(`h.ws("s").reconnect()`)
	p.run(`h.ws("s").send("m1")`)
	p.waitFor("the socket to open on the good server", `h.ws("s").readyState === 1 && h.ws("s").queuedMessages === 0`)
	wantApplied(t, h, 2)
}

func TestHostileServerClosesInTheMiddleOfTheHandshakeInChromium(t *testing.T) {
	// The server takes the hello and closes with 1011 instead of welcoming.
	p := runHostile(t, 5, `{}`, []string{"closed during the resock.v1 handshake", "1011", "boom"}, func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		c, _ := hostile.AcceptResume(t, w, r)
		if c == nil {
			return
		}
		c.Close(websocket.StatusInternalError, "boom")
	})
	if c := evaluate[event](p, `h.full("s", "close")[0]`); c.Code != 1011 || !c.WillReconnect {
		t.Errorf("close %+v, want 1011 and a reconnect", c)
	}
}

func TestHostileServerDropsTheUpgradeInChromium(t *testing.T) {
	// The server takes the upgrade request and drops the connection
	// without an answer. The browser tells the page no more than that the
	// connection failed (the reason goes to the console only), so the error
	// says which URL failed.
	h := startHostile(t, func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		c, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			c.Close()
		}
	})
	p := hostileCase(t, h.URL, 5, `{}`, "failed to connect to", h.URL)
	wantApplied(t, h, 5)
	if c := evaluate[event](p, `h.full("s", "close")[0]`); c.Code != 1006 || !c.WillReconnect {
		t.Errorf("close %+v, want 1006 and a reconnect", c)
	}
}
