//go:build !js

package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/resock/resock/server"
)

// TestEveryMisuseThrowsAsWebSocketDoes calls every method and property of
// ReconnectingWebSocket wrongly, through the real module, and the same on
// the browser's own WebSocket: wrong types, wrong receivers, read-only
// properties assigned, values that throw when converted. Each call must
// throw what WebSocket throws (or nothing when it throws nothing).
func TestEveryMisuseThrowsAsWebSocketDoes(t *testing.T) {
	ctx := testContext(t, time.Minute)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)
	// Each mode has its own send path in the glue.
	for _, mode := range []struct{ name, options string }{
		{"plain", "{}"},
		{"resume", "{resume: true}"},
	} {
		t.Run(mode.name, func(t *testing.T) {
			results := evaluate[[]struct {
				Name string `json:"name"`
				Got  string `json:"got"`
				Want string `json:"want"`
			}](p, fmt.Sprintf(`h.misuseAll(%s, %s)`, js(srv.wsURL("/echo")), mode.options))
			if len(results) < 90 {
				t.Fatalf("only %d cases ran", len(results))
			}
			same := 0
			for _, r := range results {
				if r.Got == r.Want {
					same++
					continue
				}
				t.Errorf("%s: ReconnectingWebSocket threw %s, WebSocket %s", r.Name, r.Got, r.Want)
			}
			t.Logf("%d of %d misuses throw what WebSocket throws", same, len(results))
		})
	}
	checkRuntimeAlive(t, p, srv)
}

// TestMisuseOfResockOwnOptionsAndState covers what WebSocket has no
// counterpart for: the options, send after close (which WebSocket ignores
// and resock refuses, so that nothing is dropped silently), a full outbox,
// reconnect.
func TestMisuseOfResockOwnOptionsAndState(t *testing.T) {
	ctx := testContext(t, time.Minute)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)
	got := evaluate[map[string]string](p, fmt.Sprintf(`h.onlyResock(%s)`, js(srv.wsURL("/echo"))))
	for name, want := range map[string]string{
		"options a number":              "TypeError",
		"options.initialDelay a string": "TypeError",
		"options.initialDelay 0":        "RangeError",
		"options.maxRetries NaN":        "RangeError",
		"options.maxRetries -1":         "RangeError",
		"options.delays []":             "RangeError",
		"options.delays [-1]":           "RangeError",
		"options.delays a string":       "TypeError",
		"options.binaryType 'text'":     "TypeError",
		"options.heartbeat a string":    "TypeError",
		"options whose getter throws":   "EvalError",
		"options a Proxy that throws":   "URIError",
		"send after close":              "InvalidStateError",
		"send over maxQueuedBytes":      "QuotaExceededError",
		"reconnect(1001)":               "InvalidAccessError",
		"reconnect on another object":   "TypeError",
		"stats on another object":       "TypeError",
	} {
		if got[name] != want {
			t.Errorf("%s: threw %q, want %s", name, got[name], want)
		}
	}
	checkRuntimeAlive(t, p, srv)
}

// TestSocketDrivenFromItsOwnListeners closes, reconnects and sends from
// inside the socket's own listeners, in a chain of 200 echoes, then calls
// it from inside its final close listener.
func TestSocketDrivenFromItsOwnListeners(t *testing.T) {
	const chain = 200
	ctx := testContext(t, time.Minute)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)
	st := evaluate[struct {
		Opens        int      `json:"opens"`
		Echoes       int      `json:"echoes"`
		ErrorsCaught []string `json:"errorsCaught"`
		Closes       []struct {
			Code          int  `json:"code"`
			WillReconnect bool `json:"willReconnect"`
		} `json:"closes"`
		ReadyState int `json:"readyState"`
	}](p, fmt.Sprintf(`h.inListeners(%s, %d)`, js(srv.wsURL("/echo")), chain))
	t.Logf("%+v", st)
	// The echo of the last extra message arrives after close(): as on
	// WebSocket, a closing socket delivers nothing more.
	if st.Opens != 2 || st.Echoes != 2*chain-2 || st.ReadyState != 3 {
		t.Errorf("opens %d, echoes %d, readyState %d; want 2, %d, 3", st.Opens, st.Echoes, st.ReadyState, 2*chain-2)
	}
	if len(st.Closes) != 2 || st.Closes[0].Code != 4000 || st.Closes[0].WillReconnect || st.Closes[1].Code != 1000 || st.Closes[1].WillReconnect {
		t.Errorf("closes %+v, want 4000 from the open listener and 1000 from the message listener, both final", st.Closes)
	}
	if want := []string{"InvalidStateError", "none", "InvalidAccessError", "none"}; !slices.Equal(st.ErrorsCaught, want) {
		t.Errorf("calls from the final close listener threw %q, want %q", st.ErrorsCaught, want)
	}
	checkRuntimeAlive(t, p, srv)
}

// TestEmptyAndHugePayloadsAsWebSocket echoes empty and large payloads of
// every kind, and sends one message over the server's read limit, on both
// classes.
func TestEmptyAndHugePayloadsAsWebSocket(t *testing.T) {
	ctx := testContext(t, time.Minute)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)
	type echoes struct {
		Got  []string `json:"got"`
		Want []string `json:"want"`
	}
	e := evaluate[echoes](p, fmt.Sprintf(`h.payloads(%s)`, js(srv.wsURL("/echo"))))
	t.Logf("echoes: %q", e.Got)
	if !slices.Equal(e.Got, e.Want) || len(e.Want) != 6 {
		t.Errorf("echoes %q, WebSocket got %q", e.Got, e.Want)
	}
	type closes struct {
		Got  map[string]any `json:"got"`
		Want map[string]any `json:"want"`
	}
	c := evaluate[closes](p, fmt.Sprintf(`h.tooBig(%s, %d)`, js(srv.wsURL("/echo")), server.DefaultReadLimit+1))
	t.Logf("a message over the server's read limit: resock %v, WebSocket %v", c.Got, c.Want)
	if c.Got["code"] != c.Want["code"] || c.Want["code"] != float64(1009) {
		t.Errorf("close %v, WebSocket's %v, want both 1009", c.Got, c.Want)
	}
	checkRuntimeAlive(t, p, srv)
}

// TestManySocketsAtOnce opens 100 sockets on one page at once, echoes on
// each and closes them all.
func TestManySocketsAtOnce(t *testing.T) {
	const n = 100
	ctx := testContext(t, time.Minute)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)
	r := evaluate[struct {
		Echoes int `json:"echoes"`
		Closed int `json:"closed"`
	}](p, fmt.Sprintf(`h.manySockets(%s, %d)`, js(srv.wsURL("/echo")), n))
	if r.Echoes != n || r.Closed != n {
		t.Errorf("%d echoes and %d closed of %d sockets", r.Echoes, r.Closed, n)
	}
	srv.waitStats("every socket gone", func(st server.Stats) bool { return st.Clients == 0 && st.Accepted >= n })
	checkRuntimeAlive(t, p, srv)
}

// checkRuntimeAlive proves the Go runtime behind the page survived: a new
// socket opens and echoes.
func checkRuntimeAlive(t *testing.T, p *page, srv *demoServer) {
	t.Helper()
	p.run(fmt.Sprintf(`h.open("alive", %s)`, js(srv.wsURL("/echo"))))
	p.waitFor("a new socket to open", `h.count("alive", "open") === 1`)
	p.run(`h.ws("alive").send("the runtime survived")`)
	p.waitFor("its echo", `h.texts("alive").includes("the runtime survived")`)
	p.run(`h.ws("alive").close()`)
}
