//go:build !js

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// orderedEcho installs on socket "o" of the harness a recorder of its echoes
// as text (binary ones decoded), and h.say(), which sends the next numbered
// message ("m0", "m1" …) as text, or as binary when asked: an ArrayBuffer
// or a Blob. Plain mode moves text in JavaScript, binary through Go, and a
// Blob holds the outbox while the browser reads it, so mixing them crosses
// every switch between the direct and the queued path.
const orderedEcho = `(() => {
	const ws = h.ws("o");
	ws.binaryType = "arraybuffer";
	const st = { got: [], sent: 0 };
	const decoder = new TextDecoder();
	ws.addEventListener("message", (e) => {
		st.got.push(typeof e.data === "string" ? e.data : decoder.decode(e.data));
	});
	h.say = (kind) => {
		const m = "m" + st.sent++;
		if (kind === "buffer") {
			ws.send(new TextEncoder().encode(m).buffer);
		} else if (kind === "blob") {
			ws.send(new Blob([m]));
		} else {
			ws.send(m);
		}
	};
	h.sayMany = (n) => {
		for (let i = 0; i < n; i++) {
			h.say(i % 17 === 5 ? "blob" : i % 13 === 7 ? "buffer" : "text");
		}
	};
	// The page sends from inside the socket's own events too: as the state
	// turns open and from the open listener, right when Go flushes the
	// queue and lets the page send directly.
	ws.addEventListener("statechange", (e) => {
		if (e.to === "open") h.sayMany(40);
	});
	ws.addEventListener("open", () => {
		h.sayMany(40);
		setTimeout(() => h.sayMany(200), 0);
	});
	h.ordered = st;
	return true;
})()`

// checkOrdered fails unless the echoes are m0 … m(n-1), each once, in order.
func checkOrdered(t *testing.T, got []string, n int) {
	t.Helper()
	if len(got) != n {
		t.Errorf("got %d echoes, want %d", len(got), n)
	}
	for i, m := range got {
		if want := fmt.Sprintf("m%d", i); m != want {
			t.Fatalf("echo %d is %q, want %q; echoes around it: %v", i, m, want, got[max(0, i-3):min(len(got), i+4)])
		}
	}
}

func TestPlainModeKeepsOrderAcrossDirectAndQueuedSends(t *testing.T) {
	ctx := testContext(t, 60*time.Second)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)

	// Sent while connecting: queued in Go, flushed on open.
	// 150 before the open, 40 + 40 + 200 from its events: 430 a round.
	p.run(fmt.Sprintf(`h.open("o", %s) && %s && (h.sayMany(150), true)`, js(srv.wsURL("/echo")), orderedEcho))
	p.waitFor("the echoes of the first connection", `h.ordered.sent === 430 && h.ordered.got.length === h.ordered.sent`)

	for round := range 3 {
		// Sent while reconnecting, then from the events and right after
		// the open, as above.
		p.run(`h.ws("o").reconnect(); h.sayMany(150); true`)
		p.waitFor(fmt.Sprintf("the echoes after reconnect %d", round+1),
			fmt.Sprintf(`h.count("o", "open") === %d && h.ordered.got.length === h.ordered.sent && h.ordered.sent === %d`, round+2, 430*(round+2)))
	}

	got := evaluate[[]string](p, `h.ordered.got`)
	sent := evaluate[int](p, `h.ordered.sent`)
	checkOrdered(t, got, sent)

	st := evaluate[socketStats](p, `h.ws("o").stats()`)
	if st.MessagesIn != sent || st.MessagesOut != sent {
		t.Errorf("stats count %d messages in and %d out, want %d each", st.MessagesIn, st.MessagesOut, sent)
	}
	if st.BytesIn != st.BytesOut || st.BytesIn < 2*sent {
		t.Errorf("stats count %d bytes in and %d out, want the same, at least %d", st.BytesIn, st.BytesOut, 2*sent)
	}
	if n := evaluate[int](p, `h.ws("o").bufferedAmount`); n != 0 {
		t.Errorf("bufferedAmount after every echo = %d, want 0", n)
	}
}

func TestPlainModeSwallowsTheHeartbeatAnswer(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	srv := startLifeServer(t)
	p := openLifeHarness(t, ctx, "page", srv)

	// /ws answers "ping" with "pong" and echoes the rest. The page's own
	// messages come slower than the heartbeat interval, so that probes go
	// out between them.
	opts := `{heartbeat: {message: "ping", expect: "pong"}, heartbeatInterval: 100, heartbeatTimeout: 2000}`
	p.run(fmt.Sprintf(`h.open("s", %s, undefined, %s)`, js(srv.wsURL("/ws?name=s")), opts))
	p.waitFor("the socket to open", `h.ws("s").readyState === 1`)
	p.run(`(() => {
		let i = 0;
		h.chatter = setInterval(() => h.ws("s").send("t" + i++), 250);
		return true;
	})()`)
	srv.waitUntil("three heartbeats", 10*time.Second, func() bool { return srv.pingsOf("s") >= 3 })
	p.waitFor("a round-trip time", `h.ws("s").rtt !== null`)
	p.run(`clearInterval(h.chatter); h.ws("s").send("last"); true`)
	p.waitFor("the last echo", `h.texts("s").at(-1) === "last"`)

	texts := evaluate[[]string](p, `h.texts("s")`)
	for i, m := range texts[:len(texts)-1] {
		if want := fmt.Sprintf("t%d", i); m != want {
			t.Fatalf("message %d is %q, want %q (the heartbeat's answer must not be delivered)", i, m, want)
		}
	}
	if n := evaluate[int](p, `h.count("s", "close")`); n != 0 {
		t.Errorf("%d close events while the server answered every heartbeat, want 0", n)
	}
	st := evaluate[socketStats](p, `h.ws("s").stats()`)
	if st.MessagesIn != len(texts) {
		t.Errorf("stats count %d messages in, want %d: the heartbeat's answers are not messages", st.MessagesIn, len(texts))
	}
}

func TestPlainModeHeartbeatHearsMessagesTheGlueDelivers(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	srv := startLifeServer(t)
	p := openLifeHarness(t, ctx, "page", srv)

	// The answer never comes as "expected": the echo of the probe is an
	// ordinary message, which the glue delivers without Go. The connection
	// is alive all the same and must not be declared dead.
	// The timeout leaves room for a loaded machine; the test runs longer
	// than one, so a probe whose answer went unseen fails it.
	opts := `{heartbeat: {message: "probe", expect: "never sent"}, heartbeatInterval: 100, heartbeatTimeout: 3000}`
	p.run(fmt.Sprintf(`h.open("s", %s, undefined, %s)`, js(srv.wsURL("/ws")), opts))
	p.waitFor("the socket to open", `h.ws("s").readyState === 1`)
	p.run(`h.startTimer("alive", 4000)`)
	p.waitForWithin("4 s on the page's clock", `h.timers.alive === true`, 15*time.Second)

	// The next probe is due an interval after the last answer.
	probes := evaluate[int](p, `h.texts("s").filter((m) => m === "probe").length`)
	if probes < 10 {
		t.Errorf("%d probes echoed in 4 s at a 100 ms interval, want at least 10", probes)
	}
	if n := evaluate[int](p, `h.count("s", "close")`); n != 0 {
		t.Errorf("%d close events on a connection that answered every probe, want 0: %s", n, p.state())
	}
}

func TestPlainModeEnforcesMaxMessageSize(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)

	for i, tc := range []struct {
		name, last string
	}{
		// 51 two-byte characters: 102 bytes, though only 51 code units.
		{"text", `"é".repeat(51)`},
		{"binary", `new Uint8Array(101)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p.run(fmt.Sprintf(`h.openTracked(%s, %s, undefined, {maxMessageSize: 100})`, js(tc.name), js(srv.wsURL("/echo"))))
			p.waitFor("the socket to open", fmt.Sprintf(`h.ws(%s).readyState === 1`, js(tc.name)))
			p.run(fmt.Sprintf(`(() => {
				const ws = h.ws(%s);
				ws.binaryType = "arraybuffer";
				ws.send("a".repeat(100));
				ws.send("é".repeat(50));
				ws.send(new Uint8Array(100));
				ws.send(%s);
				return true;
			})()`, js(tc.name), tc.last))
			p.waitFor("the close", fmt.Sprintf(`h.count(%s, "close") === 1`, js(tc.name)))

			msgs := evaluate[[]message](p, fmt.Sprintf(`h.rec(%s).messages`, js(tc.name)))
			if len(msgs) != 3 || msgs[0].Text != strings.Repeat("a", 100) || msgs[1].Text != strings.Repeat("é", 50) || len(msgs[2].Bytes) != 100 {
				t.Errorf("messages %v, want the three of at most 100 bytes and not the last", msgs)
			}
			closed := evaluate[map[string]any](p, fmt.Sprintf(`h.last(%s, "close")`, js(tc.name)))
			if closed["code"] != float64(1009) || closed["reason"] != "message too big" || closed["wasClean"] != false || closed["willReconnect"] != false {
				t.Errorf("close event %v, want code 1009, reason \"message too big\", not clean (the socket dropped the connection) and no reconnect", closed)
			}
			errors := evaluate[[]string](p, fmt.Sprintf(`h.full(%s, "error").map((e) => e.message)`, js(tc.name)))
			if len(errors) != 1 || !strings.Contains(errors[0], "MaxMessageSize") {
				t.Errorf("error events %q, want one about MaxMessageSize", errors)
			}
			st := evaluate[socketStats](p, fmt.Sprintf(`h.ws(%s).stats()`, js(tc.name)))
			if st.MessagesIn != 3 || st.BytesIn != 300 {
				t.Errorf("stats count %d messages and %d bytes in, want 3 and 300", st.MessagesIn, st.BytesIn)
			}

			// The browser sends 1009 as 1000, the reason kept: the server
			// sees the client leave with a close handshake, at once.
			for deadline := time.Now().Add(pollTimeout); srv.stats().Clients != 0; {
				if time.Now().After(deadline) {
					t.Fatalf("the server still has %d clients %v after the socket closed", srv.stats().Clients, pollTimeout)
				}
				time.Sleep(10 * time.Millisecond)
			}
			left := disconnects(srv.logs)
			if len(left) != i+1 || !strings.Contains(left[i], "close_code=1000 ") {
				t.Errorf("server log of clients leaving %q, want %d, the last with close_code=1000", left, i+1)
			}
		})
	}
}
