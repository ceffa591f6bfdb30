//go:build !js

package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// The tests here run every payload over the data path in JavaScript, which
// sends and delivers messages without Go while the engine allows it, and
// compare what resock does with what the browser's own WebSocket does in the
// same page.

// clients are the sockets each test runs: the browser's WebSocket as the
// reference, and resock in both modes.
var clients = []struct{ name, construct string }{
	{"WebSocket", `(url) => new WebSocket(url)`},
	{"plain", `(url) => new h.RWS(url, [], {maxRetries: 0})`},
	{"resume", `(url) => new h.RWS(url, [], {resume: true})`},
}

// openClient is page code that opens a client and resolves to it.
const openClient = `async function openClient(construct, url) {
	const ws = construct(url);
	await new Promise((resolve, reject) => {
		ws.addEventListener("open", resolve, { once: true });
		ws.addEventListener("close", () => reject(new Error("closed before it opened")), { once: true });
	});
	return ws;
}`

// TestBinaryTypeAppliesFromTheNextMessageAsOnWebSocket switches binaryType
// in the listener of one message and between messages, on each client, and
// records the type each binary message arrived as: resock must agree with
// WebSocket on every message.
func TestBinaryTypeAppliesFromTheNextMessageAsOnWebSocket(t *testing.T) {
	ctx := testContext(t, 60*time.Second)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)
	results := map[string][]string{}
	for _, c := range clients {
		results[c.name] = evaluate[[]string](p, fmt.Sprintf(`(async () => {
			%s
			const ws = await openClient(%s, %s);
			const kinds = [];
			const next = (n) => new Promise((resolve) => {
				const got = [];
				const onMessage = (e) => {
					got.push(e.data instanceof Blob ? "Blob" : e.data instanceof ArrayBuffer ? "ArrayBuffer" : typeof e.data);
					// Switched inside the listener: the messages already
					// received but not dispatched follow the new type.
					if (got.length === 1 && n > 1) {
						ws.binaryType = ws.binaryType === "blob" ? "arraybuffer" : "blob";
					}
					if (got.length === n) {
						ws.removeEventListener("message", onMessage);
						resolve(got);
					}
				};
				ws.addEventListener("message", onMessage);
			});
			const bytes = new Uint8Array([1, 2, 3]);
			// The default, then set between messages, then an invalid value
			// that must be ignored, then switched within a burst.
			ws.send(bytes);
			kinds.push(...await next(1));
			ws.binaryType = "arraybuffer";
			ws.send(bytes);
			kinds.push(...await next(1));
			ws.binaryType = "Blob";
			kinds.push(ws.binaryType);
			ws.send(bytes);
			kinds.push(...await next(1));
			for (let i = 0; i < 4; i++) ws.send(bytes);
			kinds.push(...await next(4));
			ws.close();
			return kinds;
		})()`, openClient, c.construct, js(srv.wsURL("/echo"))))
	}
	want := results["WebSocket"]
	if len(want) != 8 {
		t.Fatalf("WebSocket recorded %v", want)
	}
	for _, c := range clients[1:] {
		if got := results[c.name]; !slices.Equal(got, want) {
			t.Errorf("%s: binary messages arrived as %v, WebSocket's as %v", c.name, got, want)
		}
	}
}

// TestBinaryTypeFromTheOptionsAppliesToTheFirstMessage checks that the
// binaryType given at construction holds from the first message, in both
// modes.
func TestBinaryTypeFromTheOptionsAppliesToTheFirstMessage(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)
	for _, mode := range []string{"false", "true"} {
		got := evaluate[string](p, fmt.Sprintf(`(async () => {
			%s
			const ws = await openClient((url) => new h.RWS(url, [], {resume: %s, binaryType: "arraybuffer"}), %s);
			const e = await new Promise((resolve) => { ws.addEventListener("message", resolve, { once: true }); ws.send(new Uint8Array([5])); });
			ws.close();
			return ws.binaryType + " " + Object.prototype.toString.call(e.data);
		})()`, openClient, mode, js(srv.wsURL("/echo"))))
		if want := "arraybuffer [object ArrayBuffer]"; got != want {
			t.Errorf("resume %s: %s, want %s", mode, got, want)
		}
	}
}

// burst is page code that sends, in one task, every kind of payload with a
// Blob large enough to take a while to read between strings, and returns
// what it sent: the size of each message in bytes on the wire and its
// content as text, so that echoes can be checked in order.
const burst = `function burst(ws) {
	const big = new Uint8Array(256 << 10);
	for (let i = 0; i < big.length; i++) big[i] = i % 251;
	const backing = new Uint8Array([9, 9, 1, 2, 3, 4, 9]);
	const payloads = [
		"before the blob",
		new Blob([big]),
		"after the blob",
		new Uint8Array(backing.buffer, 2, 4),
		new Blob(["small ", "blob"]),
		new DataView(backing.buffer, 1, 2),
		new Float64Array([1.5]),
		backing.buffer,
		"héllo ✓",
		new Blob([]),
		"last",
	];
	const sizes = [];
	for (const d of payloads) {
		ws.send(d);
		sizes.push(typeof d === "string" ? new TextEncoder().encode(d).length : d instanceof Blob ? d.size : d.byteLength);
	}
	return sizes;
}`

// describe is page code that turns a received message into a short text
// that tells the messages of burst apart.
const describe = `async function describe(data) {
	if (typeof data === "string") return "text " + data;
	const b = new Uint8Array(data instanceof Blob ? await data.arrayBuffer() : data);
	let sum = 0;
	for (const x of b) sum = (sum + x) % 65521;
	return "binary " + b.length + " " + sum;
}`

// TestEveryPayloadKeepsItsPlaceAndEveryCountIsExact sends burst on each
// client, with both binaryTypes, and checks that the echoes arrive in the
// order sent, each once, that bufferedAmount right after the burst is what
// WebSocket says (plain mode) or the frames' size (resume mode), and that
// stats() counts every message and byte both ways.
func TestEveryPayloadKeepsItsPlaceAndEveryCountIsExact(t *testing.T) {
	ctx := testContext(t, 90*time.Second)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)
	type outcome struct {
		Echoes   []string `json:"echoes"`
		Sizes    []int    `json:"sizes"`
		Buffered int      `json:"buffered"`
		Stats    struct {
			MessagesIn  int `json:"messagesIn"`
			MessagesOut int `json:"messagesOut"`
			BytesIn     int `json:"bytesIn"`
			BytesOut    int `json:"bytesOut"`
		} `json:"stats"`
		Drained int `json:"drained"`
	}
	for _, binaryType := range []string{"blob", "arraybuffer"} {
		results := map[string]outcome{}
		for _, c := range clients {
			results[c.name] = evaluate[outcome](p, fmt.Sprintf(`(async () => {
				%s
				%s
				%s
				const ws = await openClient(%s, %s);
				ws.binaryType = %s;
				const echoes = [];
				const done = new Promise((resolve) => ws.addEventListener("message", (e) => {
					echoes.push(describe(e.data));
					if (e.data === "last") resolve();
				}));
				const sizes = burst(ws);
				const buffered = ws.bufferedAmount;
				await done;
				// In resume mode the socket acknowledges the last echoes once
				// the stream has been quiet for 10 ms (wire.AckQuiet), and
				// bufferedAmount counts that frame until the browser writes
				// it: wait until it is quiet for ten times as long and the
				// buffer is empty.
				const lastAt = performance.now();
				const deadline = lastAt + 5000;
				while ((ws.bufferedAmount > 0 || performance.now() - lastAt < 100) && performance.now() < deadline) {
					await new Promise((resolve) => setTimeout(resolve, 5));
				}
				const out = { echoes: await Promise.all(echoes), sizes, buffered, drained: ws.bufferedAmount };
				if (ws.stats) out.stats = ws.stats();
				ws.close();
				return out;
			})()`, openClient, burst, describe, c.construct, js(srv.wsURL("/echo")), js(binaryType)))
		}
		ref := results["WebSocket"]
		total := 0
		for _, n := range ref.Sizes {
			total += n
		}
		if ref.Buffered != total {
			t.Fatalf("WebSocket's bufferedAmount after the burst = %d, the payloads' size %d", ref.Buffered, total)
		}
		for _, c := range clients[1:] {
			got := results[c.name]
			name := c.name + ", binaryType " + binaryType
			if !slices.Equal(got.Echoes, ref.Echoes) {
				t.Errorf("%s: echoes\n%q\nWebSocket's\n%q", name, got.Echoes, ref.Echoes)
			}
			want := ref.Buffered
			if c.name == "resume" {
				// The first message went out as a frame, with its type byte;
				// the rest wait behind the Blob being read, by their payloads.
				want = total + 1
			}
			if got.Buffered != want {
				t.Errorf("%s: bufferedAmount after the burst = %d, want %d", name, got.Buffered, want)
			}
			if got.Drained != 0 {
				t.Errorf("%s: bufferedAmount after every echo = %d, want 0", name, got.Drained)
			}
			s := got.Stats
			n := len(ref.Sizes)
			if s.MessagesOut != n || s.MessagesIn != n || s.BytesOut != total || s.BytesIn != total {
				t.Errorf("%s: stats %+v, want %d messages and %d bytes each way", name, s, n, total)
			}
		}
	}
}

// TestHeldMessagesSurviveAReconnect sends, in resume mode, a Blob and the
// messages behind it, and reconnects in the same task, before the Blob can
// have been read: everything arrives once, in order, on the next
// connection.
func TestHeldMessagesSurviveAReconnect(t *testing.T) {
	ctx := testContext(t, 60*time.Second)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)
	got := evaluate[[]string](p, fmt.Sprintf(`(async () => {
		%s
		%s
		const ws = await openClient((url) => new h.RWS(url, [], {resume: true, binaryType: "arraybuffer"}), %s);
		const echoes = [];
		const done = new Promise((resolve) => ws.addEventListener("message", (e) => {
			echoes.push(describe(e.data));
			if (e.data === "end") resolve();
		}));
		const queued = [];
		ws.send("a");
		ws.send(new Blob([new Uint8Array(64 << 10).fill(7)]));
		ws.send("b");
		ws.send(new Uint8Array([1, 2]));
		queued.push(ws.queuedMessages);
		ws.reconnect();
		ws.send("c");
		ws.send(new Blob(["d"]));
		ws.send("end");
		await done;
		const out = await Promise.all(echoes);
		out.push("queued " + queued[0] + " then " + ws.queuedMessages);
		ws.close();
		return out;
	})()`, openClient, describe, js(srv.wsURL("/echo"))))
	want := []string{"text a", fmt.Sprintf("binary %d %d", 64<<10, (64<<10)*7%65521), "text b", "binary 2 3", "text c", "binary 1 100", "text end", "queued 3 then 0"}
	if !slices.Equal(got, want) {
		t.Errorf("echoes\n%q\nwant\n%q", got, want)
	}
}

// TestMessagesHeldBehindABlobAreKeptThroughClose sends, in resume mode, a
// Blob and a text behind it, and closes the socket in the same task, before
// the Blob can have been read: both were accepted before close(), so as
// queued messages they are kept, without an error, and reconnect()
// delivers them.
func TestMessagesHeldBehindABlobAreKeptThroughClose(t *testing.T) {
	ctx := testContext(t, 60*time.Second)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)
	got := evaluate[[]string](p, fmt.Sprintf(`(async () => {
		%s
		%s
		const ws = await openClient((url) => new h.RWS(url, [], {resume: true, binaryType: "arraybuffer"}), %s);
		const out = [];
		ws.addEventListener("error", (e) => out.push("error " + e.message));
		const closed = new Promise((resolve) => ws.addEventListener("close", resolve, { once: true }));
		ws.send(new Blob(["blob"]));
		ws.send("after");
		ws.close();
		await closed;
		out.push("queued " + ws.queuedMessages);
		const echoes = [];
		const done = new Promise((resolve) => ws.addEventListener("message", (e) => {
			echoes.push(describe(e.data));
			if (e.data === "after") resolve();
		}));
		ws.reconnect();
		await done;
		out.push(...await Promise.all(echoes));
		ws.close();
		return out;
	})()`, openClient, describe, js(srv.wsURL("/echo"))))
	want := []string{"queued 2", "binary 4 " + fmt.Sprint('b'+'l'+'o'+'b'), "text after"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestAFullWindowHoldsMessagesWithinTheOutboxLimits sends, in resume mode
// with a window of 256 bytes, more messages than the window and the outbox
// together take: those the window has no room for wait, counted as queued
// and never more than maxQueuedMessages; past that send() throws
// QuotaExceededError as with a full outbox; everything accepted arrives
// once, in order.
func TestAFullWindowHoldsMessagesWithinTheOutboxLimits(t *testing.T) {
	ctx := testContext(t, 60*time.Second)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)
	type outcome struct {
		Accepted  []string `json:"accepted"`
		Refused   []string `json:"refused"`
		MaxQueued int      `json:"maxQueued"`
		Echoes    []string `json:"echoes"`
		Stats     struct {
			MessagesOut int `json:"messagesOut"`
			Queued      int `json:"queued"`
		} `json:"stats"`
	}
	got := evaluate[outcome](p, fmt.Sprintf(`(async () => {
		%s
		const ws = await openClient((url) => new h.RWS(url, [], {resume: true, maxUnackedBytes: 256, maxQueuedMessages: 20}), %s);
		const out = { accepted: [], refused: [], maxQueued: 0, echoes: [] };
		const all = new Promise((resolve) => ws.addEventListener("message", (e) => {
			out.echoes.push(e.data);
			if (out.echoes.length === out.accepted.length) resolve();
		}));
		for (let i = 0; i < 40; i++) {
			const m = String(i).padStart(3, "0") + "x".repeat(97);
			try {
				ws.send(i %% 3 === 1 ? new TextEncoder().encode(m) : m);
				out.accepted.push(m);
			} catch (e) {
				out.refused.push(e.name);
			}
			out.maxQueued = Math.max(out.maxQueued, ws.queuedMessages);
		}
		ws.binaryType = "arraybuffer";
		await all;
		out.echoes = out.echoes.map((d) => typeof d === "string" ? d : new TextDecoder().decode(d));
		out.stats = ws.stats();
		ws.close();
		return out;
	})()`, openClient, js(srv.wsURL("/echo"))))
	if len(got.Refused) == 0 || len(got.Accepted)+len(got.Refused) != 40 {
		t.Fatalf("accepted %d, refused %v: want some refused once the outbox is full", len(got.Accepted), got.Refused)
	}
	for _, name := range got.Refused {
		if name != "QuotaExceededError" {
			t.Errorf("send() threw %s, want QuotaExceededError", name)
		}
	}
	if got.MaxQueued > 20 || got.MaxQueued < 10 {
		t.Errorf("at most %d messages queued, want between 10 and maxQueuedMessages, 20", got.MaxQueued)
	}
	if !slices.Equal(got.Echoes, got.Accepted) {
		t.Errorf("echoes\n%q\nwant what was accepted\n%q", got.Echoes, got.Accepted)
	}
	if got.Stats.MessagesOut != len(got.Accepted) || got.Stats.Queued != 0 {
		t.Errorf("stats %+v, want %d sent and none queued", got.Stats, len(got.Accepted))
	}
}
