//go:build !js

package e2e

import (
	"fmt"
	"slices"
	"strings"
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
	for _, mode := range modes {
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

// modes are the two modes of the socket, whose data paths in the glue differ.
var modes = []struct{ name, options string }{
	{"plain", "{}"},
	{"resume", "{resume: true}"},
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
	// resock's own properties: as WebSocket's getters and setters on an
	// object that is not a socket, and as its read-only properties assigned
	// in strict mode, they throw a TypeError.
	for _, name := range []string{"state", "queuedMessages", "retryCount", "rtt", "onreconnecting", "onstatechange", "ondropped"} {
		cases := []string{name + " read on another object"}
		if strings.HasPrefix(name, "on") {
			cases = append(cases, name+" set on another object")
		} else {
			cases = append(cases, name+" assigned in strict mode")
		}
		for _, c := range cases {
			if got[c] != "TypeError" {
				t.Errorf("%s: threw %q, want TypeError", c, got[c])
			}
		}
	}
	checkRuntimeAlive(t, p, srv)
}

// TestSocketDrivenFromItsOwnListeners closes, reconnects and sends from
// inside the socket's own listeners, in a chain of 200 echoes, then calls
// it from inside its final close listener, in each mode.
func TestSocketDrivenFromItsOwnListeners(t *testing.T) {
	const chain = 200
	ctx := testContext(t, time.Minute)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			st := evaluate[struct {
				Opens        int      `json:"opens"`
				Echoes       int      `json:"echoes"`
				ErrorsCaught []string `json:"errorsCaught"`
				Closes       []struct {
					Code          int  `json:"code"`
					WillReconnect bool `json:"willReconnect"`
				} `json:"closes"`
				ReadyState int `json:"readyState"`
			}](p, fmt.Sprintf(`h.inListeners(%s, %d, %s)`, js(srv.wsURL("/echo")), chain, mode.options))
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
		})
	}
	checkRuntimeAlive(t, p, srv)
}

// TestEmptyAndHugePayloadsAsWebSocket echoes empty and large payloads of
// every kind, and sends one message over the server's read limit, on both
// classes, then queues messages of the default maxQueuedBytes and more, in
// each mode.
func TestEmptyAndHugePayloadsAsWebSocket(t *testing.T) {
	ctx := testContext(t, time.Minute)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)
	url := js(srv.wsURL("/echo"))
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			type echoes struct {
				Got  []string `json:"got"`
				Want []string `json:"want"`
			}
			e := evaluate[echoes](p, fmt.Sprintf(`h.payloads(%s, %s)`, url, mode.options))
			t.Logf("echoes: %q", e.Got)
			if !slices.Equal(e.Got, e.Want) || len(e.Want) != 6 {
				t.Errorf("echoes %q, WebSocket got %q", e.Got, e.Want)
			}
			type closes struct {
				Got  map[string]any `json:"got"`
				Want map[string]any `json:"want"`
			}
			c := evaluate[closes](p, fmt.Sprintf(`h.tooBig(%s, %d, %s)`, url, server.DefaultReadLimit+1, mode.options))
			t.Logf("a message over the server's read limit: resock %v, WebSocket %v", c.Got, c.Want)
			if c.Got["code"] != c.Want["code"] || c.Want["code"] != float64(1009) {
				t.Errorf("close %v, WebSocket's %v, want both 1009", c.Got, c.Want)
			}
			if c.Got["willReconnect"] != false {
				t.Errorf("close %v: want no reconnect, which would send the message again", c.Got)
			}
			wantHugePayloads(t, p, url, mode.options)
		})
	}
	checkRuntimeAlive(t, p, srv)
}

// wantHugePayloads checks that the outbox takes a message of the default
// maxQueuedBytes, 8 MiB, as text and binary, and refuses one byte more, and
// any message larger, with a QuotaExceededError that says why.
func wantHugePayloads(t *testing.T, p *page, url, options string) {
	t.Helper()
	type result struct {
		Thrown         string `json:"thrown"`
		Message        string `json:"message"`
		QueuedMessages int    `json:"queuedMessages"`
		BufferedAmount int    `json:"bufferedAmount"`
	}
	got := evaluate[map[string]result](p, fmt.Sprintf(`h.hugePayloads(%s, %s)`, url, options))
	const limit = 8 << 20
	for name, want := range map[string]result{
		"8 MiB text":                {"none", "", 1, limit},
		"8 MiB binary":              {"none", "", 1, limit},
		"8 MiB text, then 1 byte":   {"QuotaExceededError", fmt.Sprintf("%d bytes queued, 1 more would pass the limit of %d", limit, limit), 1, limit},
		"8 MiB binary, then 1 byte": {"QuotaExceededError", fmt.Sprintf("%d bytes queued, 1 more would pass the limit of %d", limit, limit), 1, limit},
		"8 MiB + 1 text":            {"QuotaExceededError", fmt.Sprintf("0 bytes queued, %d more would pass the limit of %d", limit+1, limit), 0, 0},
		"8 MiB + 1 binary":          {"QuotaExceededError", fmt.Sprintf("0 bytes queued, %d more would pass the limit of %d", limit+1, limit), 0, 0},
		"16 MiB + 1 binary":         {"QuotaExceededError", fmt.Sprintf("0 bytes queued, %d more would pass the limit of %d", 16<<20+1, limit), 0, 0},
	} {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s: no result", name)
		case g.Thrown != want.Thrown || !strings.Contains(g.Message, want.Message) ||
			want.Thrown != "none" && !(strings.HasPrefix(g.Message, "Failed to execute 'send' on 'ReconnectingWebSocket'") && strings.Contains(g.Message, "maxQueuedBytes")):
			t.Errorf("%s: threw %s %q, want %s from 'send' saying %q and naming maxQueuedBytes", name, g.Thrown, g.Message, want.Thrown, want.Message)
		case g.QueuedMessages != want.QueuedMessages || g.BufferedAmount != want.BufferedAmount:
			t.Errorf("%s: queuedMessages %d, bufferedAmount %d after; want %d, %d", name, g.QueuedMessages, g.BufferedAmount, want.QueuedMessages, want.BufferedAmount)
		}
	}
}

// TestManySocketsAtOnce opens 100 sockets on one page at once, echoes on
// each and closes them all, in each mode.
func TestManySocketsAtOnce(t *testing.T) {
	const n = 100
	ctx := testContext(t, time.Minute)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)
	for i, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			r := evaluate[struct {
				Echoes int `json:"echoes"`
				Closed int `json:"closed"`
			}](p, fmt.Sprintf(`h.manySockets(%s, %d, %s)`, js(srv.wsURL("/echo")), n, mode.options))
			if r.Echoes != n || r.Closed != n {
				t.Errorf("%d echoes and %d closed of %d sockets", r.Echoes, r.Closed, n)
			}
			srv.waitStats("every socket gone", func(st server.Stats) bool { return st.Clients == 0 && st.Accepted >= uint64((i+1)*n) })
		})
	}
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
