//go:build !js

package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// message is a message as the harness recorded it.
type message struct {
	MessageEvent bool   `json:"messageEvent"`
	Origin       string `json:"origin"`
	Kind         string `json:"kind"`
	Text         string `json:"text"`
	Bytes        []int  `json:"bytes"`
}

func (m message) String() string {
	if m.Kind == "string" {
		return fmt.Sprintf("%s %q", m.Kind, m.Text)
	}
	if len(m.Bytes) > 16 {
		return fmt.Sprintf("%s of %d bytes", m.Kind, len(m.Bytes))
	}
	return fmt.Sprintf("%s %v", m.Kind, m.Bytes)
}

// sendEveryKind sends, in this order, every kind of data send accepts:
// text (multi-byte UTF-8, empty, a leading byte order mark, a lone
// surrogate, which the browser sends as U+FFFD, and longer ASCII), an
// ArrayBuffer, a Uint8Array and a
// DataView that see only part of their buffer, a Blob, an empty ArrayBuffer,
// a 64 KiB ArrayBuffer, and a last text.
const sendEveryKind = `(() => {
	const ws = h.ws(%s);
	ws.send("héllo, wörld ✓ 🌍");
	ws.send("");
	ws.send("\uFEFFbom");
	ws.send("a\uD800b");
	ws.send("x".repeat(300));
	ws.send(new Uint8Array([0, 1, 2, 127, 128, 254, 255]).buffer);
	const backing = new Uint8Array([9, 9, 9, 10, 20, 30, 40, 9, 9]);
	ws.send(new Uint8Array(backing.buffer, 3, 4));
	ws.send(new DataView(backing.buffer, 5, 3));
	ws.send(new Blob([new Uint8Array([7, 8]), "ab"]));
	ws.send(new ArrayBuffer(0));
	const big = new Uint8Array(65536);
	for (let i = 0; i < big.length; i++) big[i] = (i * 31) %% 251;
	ws.send(big.buffer);
	ws.send("last");
	return true;
})()`

// everyKindEchoed is what sendEveryKind gets back, binary as binaryKind.
func everyKindEchoed(binaryKind string) []message {
	big := make([]int, 65536)
	for i := range big {
		big[i] = (i * 31) % 251
	}
	return []message{
		{Kind: "string", Text: "héllo, wörld ✓ 🌍"},
		{Kind: "string", Text: ""},
		{Kind: "string", Text: "\ufeffbom"},
		{Kind: "string", Text: "a\ufffdb"},
		{Kind: "string", Text: strings.Repeat("x", 300)},
		{Kind: binaryKind, Bytes: []int{0, 1, 2, 127, 128, 254, 255}},
		{Kind: binaryKind, Bytes: []int{10, 20, 30, 40}},
		{Kind: binaryKind, Bytes: []int{30, 40, 9}},
		{Kind: binaryKind, Bytes: []int{7, 8, 'a', 'b'}},
		{Kind: binaryKind, Bytes: []int{}},
		{Kind: binaryKind, Bytes: big},
		{Kind: "string", Text: "last"},
	}
}

func TestEchoRoundTripsTextAndBinary(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)

	url := srv.wsURL("/echo")
	// Each mode has its own data path in the glue: resume mode frames,
	// unframes and decodes the messages itself.
	for _, mode := range []string{"", "resume-"} {
		opts := "{}"
		if mode != "" {
			opts = "{resume: true}"
		}
		p.run(fmt.Sprintf(`h.open(%s, %s, undefined, %s)`, js(mode+"blob"), js(url), opts))
		p.run(fmt.Sprintf(`h.open(%s, %s, undefined, %s) && (h.ws(%[1]s).binaryType = "arraybuffer")`, js(mode+"arraybuffer"), js(url), opts))
		if got := evaluate[string](p, fmt.Sprintf(`h.ws(%s).binaryType`, js(mode+"blob"))); got != "blob" {
			t.Errorf("default binaryType = %q, want %q", got, "blob")
		}
		if got := evaluate[string](p, fmt.Sprintf(`h.ws(%s).binaryType`, js(mode+"arraybuffer"))); got != "arraybuffer" {
			t.Errorf("binaryType after setting it = %q, want %q", got, "arraybuffer")
		}
	}
	p.waitFor("the sockets to open", `["blob", "arraybuffer", "resume-blob", "resume-arraybuffer"].every((s) => h.count(s, "open") === 1)`)

	for _, tc := range []struct{ socket, kind string }{
		{"arraybuffer", "ArrayBuffer"},
		{"blob", "Blob"},
		{"resume-arraybuffer", "ArrayBuffer"},
		{"resume-blob", "Blob"},
	} {
		p.run(fmt.Sprintf(sendEveryKind, js(tc.socket)))
		want := everyKindEchoed(tc.kind)
		rec := fmt.Sprintf(`h.rec(%s)`, js(tc.socket))
		p.waitFor("the last echo", fmt.Sprintf(`%s.messages.at(-1)?.text === "last" && %s.pending === 0`, rec, rec))

		got := evaluate[[]message](p, rec+".messages")
		if len(got) != len(want) {
			t.Fatalf("%s: got %d messages, want %d: %v", tc.socket, len(got), len(want), got)
		}
		for i := range want {
			if !got[i].MessageEvent {
				t.Errorf("%s: message %d: not a MessageEvent", tc.socket, i)
			}
			// As a browser WebSocket says it: the origin of the socket's URL.
			if want := "ws://" + srv.addr; got[i].Origin != want {
				t.Errorf("%s: message %d: origin %q, want %q", tc.socket, i, got[i].Origin, want)
			}
			if got[i].Kind != want[i].Kind || got[i].Text != want[i].Text || !slices.Equal(got[i].Bytes, want[i].Bytes) {
				t.Errorf("%s: message %d = %v, want %v", tc.socket, i, got[i], want[i])
			}
		}
		bufferedAmount := fmt.Sprintf(`h.ws(%s).bufferedAmount`, js(tc.socket))
		if strings.HasPrefix(tc.socket, "resume-") {
			// A resume socket acknowledges the last echoes once the stream
			// is quiet, and bufferedAmount counts that frame until the
			// browser writes it: nothing else may be left.
			p.waitFor("the resume socket's buffer to drain", bufferedAmount+" === 0")
		} else if n := evaluate[int](p, bufferedAmount); n != 0 {
			t.Errorf("%s: bufferedAmount after every echo = %d, want 0", tc.socket, n)
		}
	}
}

// TestMessageEventsAnswerAsMessageEventsDo reads every member of
// MessageEvent from the events of both data paths, during and after their
// dispatch, and compares each with a MessageEvent the browser makes with
// the same data and origin.
func TestMessageEventsAnswerAsMessageEventsDo(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)

	for _, mode := range []string{"plain", "resume"} {
		p.run(fmt.Sprintf(`h.open(%s, %s, undefined, {resume: %t})`, js(mode), js(srv.wsURL("/echo")), mode == "resume"))
		p.waitFor("the socket to open", fmt.Sprintf(`h.count(%s, "open") === 1`, js(mode)))
		problems := evaluate[[]string](p, fmt.Sprintf(`new Promise((resolve) => {
			const ws = h.ws(%s), out = [];
			ws.addEventListener("message", (e) => {
				const native = new MessageEvent("message", { data: e.data, origin: e.origin });
				for (const name of Object.getOwnPropertyNames(MessageEvent.prototype)) {
					if (name === "constructor" || typeof native[name] === "function") {
						continue;
					}
					let v;
					try {
						v = e[name];
					} catch (err) {
						out.push(name + " threw " + err);
						continue;
					}
					const w = native[name];
					const same = Array.isArray(w) ? Array.isArray(v) && v.length === w.length && Object.isFrozen(v) : v === w;
					if (!same) {
						out.push(name + " is " + String(v) + ", want " + String(w));
					}
				}
				for (const name of ["type", "bubbles", "cancelable", "composed", "defaultPrevented", "isTrusted"]) {
					if (e[name] !== native[name]) {
						out.push(name + " is " + e[name] + ", want " + native[name]);
					}
				}
				if (e.data !== "ping" || e.origin !== %s) {
					out.push("data " + e.data + " from " + e.origin);
				}
				const members = (ev) => { const names = []; for (const k in ev) names.push(k); return names.sort().join(); };
				if (members(e) !== members(native)) {
					out.push("enumerates " + members(e) + ", want " + members(native));
				}
				if (!(e instanceof MessageEvent) || Object.prototype.toString.call(e) !== "[object MessageEvent]") {
					out.push("not a MessageEvent: " + Object.prototype.toString.call(e));
				}
				if (e.target !== ws || e.currentTarget !== ws || e.eventPhase !== Event.AT_TARGET) {
					out.push("target, currentTarget or eventPhase not those of the socket's dispatch");
				}
				e.initMessageEvent("other", true, true, "x", "https://o.example", "7", null, []);
				if (e.type !== "message" || e.data !== "ping") {
					out.push("initMessageEvent changed an event being dispatched");
				}
				for (const args of [[], ["m", false, false, null, "", "", {}], ["m", false, false, null, "", "", null, [{}]]]) {
					let got = "no exception", want = "no exception";
					try { e.initMessageEvent(...args); } catch (err) { got = err.name; }
					try { new MessageEvent("message").initMessageEvent(...args); } catch (err) { want = err.name; }
					if (got !== want) {
						out.push("initMessageEvent(" + args.length + " arguments): " + got + ", want " + want);
					}
				}
				if (e.initMessageEvent.length !== MessageEvent.prototype.initMessageEvent.length) {
					out.push("initMessageEvent.length " + e.initMessageEvent.length);
				}
				setTimeout(() => {
					e.initMessageEvent("other", true, false, "x", "https://o.example", "7", null, []);
					if (e.type !== "other" || !e.bubbles || e.cancelable || e.data !== "x" || e.origin !== "https://o.example" || e.lastEventId !== "7") {
						out.push("after initMessageEvent: " + [e.type, e.bubbles, e.cancelable, e.data, e.origin, e.lastEventId].join(" "));
					}
					resolve(out);
				});
			}, { once: true });
			ws.send("ping");
		})`, js(mode), js("ws://"+srv.addr)))
		for _, pr := range problems {
			t.Errorf("%s: %s", mode, pr)
		}
	}
}

// TestMessageEventsRunGettersAPageAddsToMessageEvent adds getters to
// MessageEvent.prototype, as a polyfill might, that read the event's data
// and fail on a MessageEvent without any: the socket's events must still
// arrive, and the getters answer from their data.
func TestMessageEventsRunGettersAPageAddsToMessageEvent(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)
	p.run(`window.pageErrors = [];
		window.addEventListener("error", (e) => window.pageErrors.push(e.message));
		for (const [name, get] of [["json", function () { return JSON.parse(this.data); }], ["size", function () { return this.data.length; }]]) {
			Object.defineProperty(MessageEvent.prototype, name, { get, enumerable: true, configurable: true });
		}
		true`)
	p.run(fmt.Sprintf(`h.open("plain", %s)`, js(srv.wsURL("/echo"))))
	p.waitFor("the socket to open", `h.count("plain", "open") === 1`)
	p.run(`window.got = [];
		h.ws("plain").addEventListener("message", (e) => window.got.push(JSON.stringify([e.json, e.size])));
		h.ws("plain").send('{"a":1}');
		true`)
	p.waitFor("the echo or a page error", `window.got.length > 0 || window.pageErrors.length > 0`)
	if errs := evaluate[[]string](p, `window.pageErrors`); len(errs) > 0 {
		t.Fatalf("page errors: %v", errs)
	}
	if got, want := evaluate[[]string](p, `window.got`), `[{"a":1},7]`; len(got) != 1 || got[0] != want {
		t.Errorf("the getters answered %v, want %s", got, want)
	}
}
