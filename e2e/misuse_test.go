//go:build !js

package e2e

import (
	"fmt"
	"testing"
	"time"
)

// misuse lists calls that WebSocket refuses, each with the name of the
// exception WebSocket throws. %[1]s is the class under test, %[2]s an open
// socket of that class.
var misuse = []struct {
	name, call, want string
}{
	{"URL that does not parse", `new %[1]s("ws://[::1/")`, "SyntaxError"},
	{"URL with another scheme", `new %[1]s("ftp://127.0.0.1/")`, "SyntaxError"},
	{"URL with a fragment", `new %[1]s("ws://127.0.0.1:1/echo#frag")`, "SyntaxError"},
	{"close code 1001", `%[2]s.close(1001)`, "InvalidAccessError"},
	{"close code 2999", `%[2]s.close(2999)`, "InvalidAccessError"},
	{"close code 5000", `%[2]s.close(5000)`, "InvalidAccessError"},
	{"close reason over 123 bytes", `%[2]s.close(1000, "é".repeat(62))`, "SyntaxError"},
	{"send a Symbol", `%[2]s.send(Symbol("x"))`, "TypeError"},
}

func TestMisuseThrowsAsWebSocketDoesAndRuntimeSurvives(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)

	url := js(srv.wsURL("/echo"))
	p.run(fmt.Sprintf(`h.open("victim", %s)`, url))
	p.run(fmt.Sprintf(`window.native = new WebSocket(%s)`, url))
	p.waitFor("both sockets to open", `h.ws("victim").readyState === 1 && native.readyState === 1`)

	for _, m := range misuse {
		call := fmt.Sprintf(m.call, "h.RWS", `h.ws("victim")`)
		got := evaluate[string](p, fmt.Sprintf(`h.errorName(() => %s)`, call))
		native := evaluate[string](p, fmt.Sprintf(`h.errorName(() => %s)`, fmt.Sprintf(m.call, "WebSocket", "native")))
		if native != m.want {
			t.Errorf("%s: this browser's WebSocket throws %s, the test expects %s", m.name, native, m.want)
		}
		if got != m.want {
			t.Errorf("%s: %s threw %s, want %s as WebSocket throws", m.name, call, got, m.want)
		}
	}
	p.run(`native.close()`)

	// None of that may have hurt the socket or the Go runtime behind it.
	if rs := evaluate[int](p, `h.ws("victim").readyState`); rs != 1 {
		t.Errorf("readyState after the refused calls = %d, want 1 (OPEN)", rs)
	}
	// Listeners that throw, as a property and added, must not stop delivery
	// to the listener after them.
	p.run(`(() => {
		const ws = h.ws("victim");
		ws.onmessage = () => { throw new Error("onmessage fails on purpose"); };
		ws.addEventListener("message", () => { throw new Error("listener fails on purpose"); });
		window.delivered = [];
		ws.addEventListener("message", (e) => delivered.push(e.data));
		ws.send("still here");
	})()`)
	p.waitFor("the echo on the socket that was misused", `h.texts("victim").includes("still here") && delivered.includes("still here")`)
	p.run(fmt.Sprintf(`h.open("fresh", %s)`, url))
	p.waitFor("a new socket to open", `h.count("fresh", "open") === 1`)
	p.run(`h.ws("fresh").send("new socket works")`)
	p.waitFor("the echo on the new socket", `h.texts("fresh").includes("new socket works")`)
	if errs := evaluate[int](p, `h.count("victim", "error") + h.count("fresh", "error")`); errs != 0 {
		t.Errorf("%d error events, want none: %s", errs, p.state())
	}
}
