// conformance.js gives TestConformance (conformance_test.go) window.conf:
// every case of the conformance suite, each a behaviour of the WebSocket
// interface as the WHATWG WebSockets standard describes it, written once
// and run twice in this page: on the browser's own WebSocket and on
// resock's ReconnectingWebSocket made with {maxRetries: 0}. A case writes a
// transcript, one line per step: what a call returned or threw, the
// attributes it observed, and every event with its fields and the
// readyState inside the listener. The Go test compares the two transcripts.
import { ReconnectingWebSocket } from "/resock.js";

// page is the window with window.conf.
const page = /** @type {Window & typeof globalThis & { conf: object }} */ (window);

// TIMEOUT bounds every wait of a case, so that a socket that never fires
// the event a case waits for ends that case instead of the suite.
const TIMEOUT = 5000;

const variants = {
	WebSocket: {
		C: WebSocket,
		make: (url, protocols) => (protocols === undefined ? new WebSocket(url) : new WebSocket(url, protocols)),
	},
	resock: {
		C: ReconnectingWebSocket,
		make: (url, protocols) => new ReconnectingWebSocket(url, protocols, { maxRetries: 0 }),
	},
};

const tag = (v) => Object.prototype.toString.call(v);
const q = (s) => JSON.stringify(s);

// thrown names what f threw, as "ClassName name", or "ok".
function thrown(f) {
	try {
		f();
		return "ok";
	} catch (/** @type {any} */ e) {
		return `threw ${e?.constructor?.name} ${e?.name}`;
	}
}

const bytesOf = (buffer) => `[${Array.from(new Uint8Array(buffer)).join(" ")}]`;

// describeData is a message's data as text: its kind and content. A Blob's
// content is read, so this may be a promise.
function describeData(d) {
	if (typeof d === "string") return `string ${q(d)}`;
	if (d instanceof ArrayBuffer) return `ArrayBuffer ${bytesOf(d)}`;
	if (d instanceof Blob) return d.arrayBuffer().then((b) => `Blob type=${q(d.type)} ${bytesOf(b)}`);
	return tag(d);
}

// Transcript is what a case writes on one variant, and its tools.
class Transcript {
	// host is the host:port the case connects to, its own.
	constructor(variant, env, host) {
		this.C = variants[variant].C;
		this.variant = variant;
		this.env = env;
		this.host = host;
		this.lines = [];
		this.pending = [];
		this.sockets = [];
		this.done = false;
		this.makeSocket = variants[variant].make;
	}

	log(line) {
		if (!this.done) this.lines.push(String(line));
	}

	// logLater keeps a line's place for text known later.
	logLater(text) {
		if (this.done) return;
		if (!(text instanceof Promise)) {
			this.lines.push(String(text));
			return;
		}
		const i = this.lines.push("(pending)") - 1;
		this.pending.push(text.then((s) => { this.lines[i] = String(s); }));
	}

	// ws is the URL of path on the case's own port of the test server.
	ws(path) {
		return `ws://${this.host}${path}`;
	}
	get echo() { return this.ws("/e2e/conf/echo"); }
	raw(query = "") { return this.ws("/e2e/conf/raw" + (query && "?" + query)); }

	// construct makes a socket of the variant, logs what that threw and
	// records the socket's events when it exists, unless record is false.
	construct(label, url, protocols, record = true) {
		let ws = null;
		const outcome = thrown(() => { ws = this.makeSocket(url, protocols); });
		this.log(`new(${label}): ${outcome}`);
		if (ws !== null) {
			this.sockets.push(ws);
			if (record) this.record(ws);
		}
		return ws;
	}

	// record logs every event of the WebSocket interface ws dispatches.
	record(ws, name = "") {
		for (const type of ["open", "message", "error", "close"]) {
			ws.addEventListener(type, (e) => this.logLater(this.eventLine(ws, e, name)));
		}
	}

	eventLine(ws, e, name) {
		let line = `${name}${e.type} event: readyState=${ws.readyState} ${tag(e)}`;
		switch (e.type) {
		case "open":
			line += ` protocol=${q(ws.protocol)} extensions=${q(ws.extensions)} bufferedAmount=${ws.bufferedAmount}`;
			break;
		case "close":
			line += ` code=${e.code} reason=${q(e.reason)} wasClean=${e.wasClean}`;
			break;
		case "message": {
			const rest = ` origin=${q(e.origin)} lastEventId=${q(e.lastEventId)} source=${e.source} ports=${e.ports?.length}`;
			const data = describeData(e.data);
			return data instanceof Promise ? data.then((d) => `${line} data=${d}${rest}`) : `${line} data=${data}${rest}`;
		}
		}
		return line;
	}

	// state logs the socket's attributes.
	state(ws, label) {
		this.log(`${label}: readyState=${ws.readyState} bufferedAmount=${ws.bufferedAmount} url=${q(ws.url)} protocol=${q(ws.protocol)} extensions=${q(ws.extensions)} binaryType=${q(ws.binaryType)}`);
	}

	// call logs what f did; label names the call.
	call(label, f) {
		this.log(`${label}: ${thrown(f)}`);
	}

	// next resolves with the socket's next event of one of types; a close
	// that is not waited for, or TIMEOUT, ends the case.
	next(ws, ...types) {
		return new Promise((resolve, reject) => {
			const all = [...new Set([...types, "close"])];
			const timer = setTimeout(() => { off(); reject(new Error(`no ${types.join(" or ")} event within ${TIMEOUT} ms`)); }, TIMEOUT);
			const on = (e) => {
				off();
				if (types.includes(e.type)) resolve(e);
				else reject(new Error(`close event while waiting for ${types.join(" or ")}`));
			};
			const off = () => {
				clearTimeout(timer);
				for (const t of all) ws.removeEventListener(t, on);
			};
			for (const t of all) ws.addEventListener(t, on);
		});
	}

	// messages resolves with the next n message events.
	messages(ws, n) {
		return new Promise((resolve, reject) => {
			const got = [];
			const timer = setTimeout(() => { off(); reject(new Error(`${got.length} of ${n} messages within ${TIMEOUT} ms`)); }, TIMEOUT);
			const on = (e) => {
				got.push(e);
				if (got.length === n) { off(); resolve(got); }
			};
			const closed = () => { off(); reject(new Error(`close event after ${got.length} of ${n} messages`)); };
			const off = () => {
				clearTimeout(timer);
				ws.removeEventListener("message", on);
				ws.removeEventListener("close", closed);
			};
			ws.addEventListener("message", on);
			ws.addEventListener("close", closed);
		});
	}

	// opened waits for the socket to open.
	opened(ws) { return this.next(ws, "open"); }
	closed(ws) { return this.next(ws, "close"); }

	// settle waits for open or close; an open socket is then closed with
	// close(1000), and its close waited for.
	async settle(ws, label = "close(1000)") {
		const e = await this.next(ws, "open", "close");
		if (e.type === "open") {
			this.call(label, () => ws.close(1000));
			await this.closed(ws);
		}
	}

	// finish ends the transcript: later events are not written, and every
	// socket the case made is closed.
	async finish() {
		await Promise.all(this.pending);
		this.done = true;
		for (const ws of this.sockets) {
			if (ws.readyState !== 3) {
				try { ws.close(); } catch { /* the transcript is written */ }
			}
		}
		return this.lines;
	}
}

// cases are the conformance cases, by name: each is run on both variants.
const cases = {};
const test = (name, run) => { cases[name] = run; };

// life makes a socket to url and runs it through its life, open (or not)
// and closed, for the cases about the constructor.
async function life(t, label, url, protocols) {
	const ws = t.construct(label, url, protocols);
	if (ws === null) return;
	t.state(ws, "constructed");
	await t.settle(ws);
	t.state(ws, "closed");
}

// Constructor and URL parsing.
test("url/absolute ws: URL", (t) => life(t, "ws: URL", t.echo));
test("url/http: becomes ws:", (t) => life(t, "http: URL", t.echo.replace(/^ws/, "http")));
test("url/https: becomes wss:", (t) => life(t, "https: URL", t.echo.replace(/^ws/, "https")));
test("url/relative to the host", (t) => life(t, "/e2e/conf/echo", "/e2e/conf/echo"));
test("url/relative to the page", (t) => life(t, "conf/echo", "conf/echo"));
test("url/relative, a query only", (t) => life(t, "?a=b", "?a=b"));
test("url/scheme-relative", (t) => life(t, "//host/e2e/conf/echo", "//" + t.host + "/e2e/conf/echo"));
test("url/upper-case scheme", (t) => life(t, "WS: URL", t.echo.replace(/^ws/, "WS")));
test("url/a URL object", (t) => life(t, "URL object", new URL(t.echo)));
test("url/non-ASCII and spaces are percent-encoded", (t) => life(t, "URL to encode", t.echo + "?q=é ü<>&r=%41"));
test("url/without a path", (t) => life(t, "ws://host", "ws://" + t.host));
test("url/with a fragment", (t) => life(t, "#frag", t.echo + "#frag"));
test("url/with an empty fragment", (t) => life(t, "#", t.echo + "#"));
test("url/that does not parse", async (t) => {
	for (const url of ["ws://[::1", "ws://exa mple.com/", "http://", "ws://:80/", "ws://a:99999/"]) {
		await life(t, url, url);
	}
});
test("url/schemes other than ws, wss, http, https", async (t) => {
	for (const url of ["ftp://127.0.0.1/", "file:///tmp/x", "javascript:1", "data:text/plain,x", "mailto:a@example.com", "about:blank", "wss:"]) {
		await life(t, url, url);
	}
});
test("url/with credentials", (t) => life(t, "user:pw@", t.echo.replace("ws://", "ws://user:pw@")));
test("url/a port nobody listens on", (t) => life(t, "closed port", t.env.closedURL));
test("url/a handshake refused with 404", (t) => life(t, "404", t.ws("/e2e/conf/nothing-here")));
test("url/a handshake answered with a page", (t) => life(t, "page", t.ws("/e2e/conformance.html")));

// Subprotocols.
test("protocols/a string, selected", (t) => life(t, "chat", t.raw("protocol=chat"), "chat"));
test("protocols/a list, the second selected", (t) => life(t, "[a, b]", t.raw("protocol=b"), ["a", "b"]));
test("protocols/a list from an iterable", (t) => life(t, "Set {a, b}", t.raw("protocol=a"), new Set(["a", "b"])));
test("protocols/every token character", (t) => life(t, "tchars", t.raw("protocol=first"), ["!#$%&'*+-.^_`|~09AZaz"]));
test("protocols/an empty list", (t) => life(t, "[]", t.raw(), []));
test("protocols/none offered", (t) => life(t, "undefined", t.raw(), undefined));
test("protocols/offered, none selected", (t) => life(t, "[a]", t.raw(), ["a"]));
test("protocols/offered, another selected", (t) => life(t, "[a]", t.raw("protocol=z"), ["a"]));
test("protocols/none offered, one selected", (t) => life(t, "undefined", t.raw("protocol=z"), undefined));
test("protocols/duplicates and invalid tokens", async (t) => {
	const lists = [["a", "a"], ["a", "A"], "", [""], "a b", ["a,b"], "a;b", ["(x)"], ["é"], ["a\u0000"], ["a\t"], ["a", "b", "a"], [{ toString: () => "a" }, "a"]];
	for (const p of lists) {
		await life(t, JSON.stringify(p), t.raw("protocol=first"), p);
	}
});

// readyState.
test("readyState/constants", async (t) => {
	for (const name of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) {
		const desc = (o) => {
			const d = Object.getOwnPropertyDescriptor(o, name);
			return d && `value=${d.value} writable=${d.writable} enumerable=${d.enumerable} configurable=${d.configurable}`;
		};
		t.log(`${name}: class ${desc(t.C)}; prototype ${desc(t.C.prototype)}`);
	}
	const ws = t.construct("echo", t.echo);
	t.log(`instance: ${ws.CONNECTING} ${ws.OPEN} ${ws.CLOSING} ${ws.CLOSED} own=${Object.hasOwn(ws, "OPEN")}`);
	await t.settle(ws);
});
test("readyState/a normal life", async (t) => {
	const ws = t.construct("echo", t.echo);
	t.state(ws, "constructed");
	ws.addEventListener("open", () => t.state(ws, "in the open listener"));
	ws.addEventListener("close", () => t.state(ws, "in the close listener"));
	await t.opened(ws);
	t.state(ws, "after open");
	t.call("close(1000, \"bye\")", () => ws.close(1000, "bye"));
	t.state(ws, "after close()");
	await t.closed(ws);
	t.state(ws, "after the close event");
});
test("readyState/no message is delivered while CLOSING", async (t) => {
	const ws = t.construct("echo", t.echo);
	await t.opened(ws);
	t.call("send(\"in flight\")", () => ws.send("in flight"));
	t.call("close(1000)", () => ws.close(1000));
	await t.closed(ws);
});
test("attributes/extensions the server selects", (t) => life(t, "permessage-deflate", t.raw("extensions=permessage-deflate")));
test("attributes/after close", async (t) => {
	const ws = t.construct("chat", t.raw("protocol=chat"), ["chat"]);
	await t.settle(ws);
	t.state(ws, "after the close event");
});

// send() and bufferedAmount.
async function sendAll(t, ws, payloads) {
	await t.opened(ws);
	const echoes = t.messages(ws, payloads.length);
	for (const [label, data] of payloads) {
		t.call(`send(${label})`, () => ws.send(data));
		t.log(`bufferedAmount=${ws.bufferedAmount}`);
	}
	await echoes;
	t.call("close(1000)", () => ws.close(1000));
	await t.closed(ws);
}
test("send/strings", (t) => sendAll(t, t.construct("echo", t.echo), [
	["empty", ""], ["ASCII", "hello"], ["2 and 3-byte UTF-8", "héllo ✓"], ["4-byte UTF-8", "😀"], ["a lone surrogate", "a\uD800b"],
]));
test("send/ArrayBuffer", (t) => {
	const ws = t.construct("echo", t.echo);
	ws.binaryType = "arraybuffer";
	return sendAll(t, ws, [["ArrayBuffer", new Uint8Array([0, 1, 127, 128, 255]).buffer], ["empty ArrayBuffer", new ArrayBuffer(0)]]);
});
test("send/every TypedArray", (t) => {
	const ws = t.construct("echo", t.echo);
	ws.binaryType = "arraybuffer";
	/** @type {{ readonly name: string, new (buffer: ArrayBuffer): ArrayBufferView }[]} */
	const kinds = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array];
	// Float16Array is newer than the others (ES2025): older browsers lack it.
	const { Float16Array } = /** @type {{ Float16Array?: (typeof kinds)[number] }} */ (globalThis);
	if (typeof Float16Array === "function") kinds.push(Float16Array);
	return sendAll(t, ws, kinds.map((K) => {
		const bytes = new Uint8Array(16).map((_, i) => i * 17);
		return [K.name, new K(bytes.buffer)];
	}));
});
test("send/DataView", (t) => {
	const ws = t.construct("echo", t.echo);
	ws.binaryType = "arraybuffer";
	return sendAll(t, ws, [["DataView", new DataView(new Uint8Array([9, 8, 7, 6]).buffer)]]);
});
test("send/views on part of a buffer", (t) => {
	const ws = t.construct("echo", t.echo);
	ws.binaryType = "arraybuffer";
	const buf = new Uint8Array(24).map((_, i) => i + 1).buffer;
	return sendAll(t, ws, [
		["Uint8Array(buf, 3, 5)", new Uint8Array(buf, 3, 5)],
		["Int16Array(buf, 2, 3)", new Int16Array(buf, 2, 3)],
		["Float64Array(buf, 8, 1)", new Float64Array(buf, 8, 1)],
		["DataView(buf, 1, 6)", new DataView(buf, 1, 6)],
		["Uint8Array(buf, 24, 0)", new Uint8Array(buf, 24, 0)],
		["subarray(20)", new Uint8Array(buf).subarray(20)],
	]);
});
test("send/Blob", (t) => sendAll(t, t.construct("echo", t.echo), [
	["text", "before"],
	["Blob of text", new Blob(["blob ", "text"])],
	["Blob with a type", new Blob([new Uint8Array([1, 2, 3])], { type: "application/x-test" })],
	["empty Blob", new Blob([])],
	["text", "after"],
]));
test("send/other values become strings", (t) => sendAll(t, t.construct("echo", t.echo), [
	["123", 123], ["null", null], ["undefined", undefined], ["true", true], ["{}", {}], ["[1, 2]", [1, 2]],
]));
test("send/bufferedAmount drains once sent", async (t) => {
	const ws = t.construct("echo", t.echo, undefined, false);
	ws.addEventListener("message", (e) => t.log(`message: ${typeof e.data === "string" ? e.data.length : e.data.size} bytes`));
	await t.opened(ws);
	const echo = t.messages(ws, 2);
	ws.send("x".repeat(1000));
	ws.send(new Uint8Array(1000));
	t.log(`bufferedAmount after the sends=${ws.bufferedAmount}`);
	await echo;
	// The echoes prove the bytes left; bufferedAmount falls in a task of
	// its own, which may come after them.
	const deadline = performance.now() + TIMEOUT;
	while (ws.bufferedAmount !== 0 && performance.now() < deadline) {
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
	t.log(`bufferedAmount after the echoes=${ws.bufferedAmount}`);
	t.call("close(1000)", () => ws.close(1000));
	await t.closed(ws);
});
// The two cases below are where resock differs on purpose (see
// deliberate in conformance_test.go); their lines name no port, so that
// the differences can be written down.
test("send/while CONNECTING", async (t) => {
	const ws = t.construct("echo", t.echo, undefined, false);
	t.call("send(\"early\")", () => ws.send("early"));
	t.log(`bufferedAmount=${ws.bufferedAmount}`);
	ws.addEventListener("message", (e) => t.log(`message: ${q(e.data)}`));
	ws.addEventListener("close", (e) => t.log(`close: code=${e.code} wasClean=${e.wasClean}`));
	await t.opened(ws);
	t.log(`open: readyState=${ws.readyState}`);
	t.call("send(\"open\")", () => ws.send("open"));
	while ((await t.next(ws, "message")).data !== "open");
	t.call("close(1000)", () => ws.close(1000));
	await t.closed(ws);
});
test("send/after close()", async (t) => {
	const ws = t.construct("echo", t.echo, undefined, false);
	ws.addEventListener("close", (e) => t.log(`close: code=${e.code} wasClean=${e.wasClean}`));
	await t.opened(ws);
	t.call("close(1000)", () => ws.close(1000));
	t.call("send(\"late\")", () => ws.send("late"));
	t.log(`bufferedAmount=${ws.bufferedAmount}`);
	t.call("send(Uint8Array(3))", () => ws.send(new Uint8Array(3)));
	t.log(`bufferedAmount=${ws.bufferedAmount}`);
	await t.closed(ws);
	t.call("send(\"closed\")", () => ws.send("closed"));
	t.log(`bufferedAmount=${ws.bufferedAmount}`);
});

// close(): its arguments.
test("close/invalid codes", async (t) => {
	const ws = t.construct("echo", t.raw());
	await t.opened(ws);
	for (const code of [0, 999, 1001, 1002, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535, -1, 70000]) {
		t.call(`close(${code})`, () => ws.close(code));
	}
	t.state(ws, "after the refused closes");
	t.call("close(1000)", () => ws.close(1000));
	await t.closed(ws);
});
test("close/reason of 124 and 123 bytes", async (t) => {
	const ws = t.construct("echo", t.raw());
	await t.opened(ws);
	t.call("close(1000, 124 ASCII bytes)", () => ws.close(1000, "a".repeat(124)));
	t.call("close(1000, 124 UTF-8 bytes)", () => ws.close(1000, "é".repeat(62)));
	t.call("close(1001, 124 UTF-8 bytes)", () => ws.close(1001, "é".repeat(62)));
	t.state(ws, "after the refused closes");
	t.call("close(4000, 123 UTF-8 bytes)", () => ws.close(4000, "é".repeat(61) + "a"));
	await t.closed(ws);
});
for (const [label, args] of /** @type {[string, unknown[]][]} */ ([
	["no code", []],
	["1000 and \"bye\"", [1000, "bye"]],
	["4000 and \"x\"", [4000, "x"]],
	["3000 and no reason", [3000]],
	["4999 and an empty reason", [4999, ""]],
	["a reason and no code", [undefined, "why"]],
	["undefined and undefined", [undefined, undefined]],
])) {
	test(`close/${label}`, async (t) => {
		const ws = t.construct("raw echo", t.raw());
		await t.opened(ws);
		t.call(`close(${args.map((a) => (a === undefined ? "undefined" : q(a))).join(", ")})`, () => ws.close(...args));
		t.state(ws, "after close()");
		if (ws.readyState === 1) {
			// Refused: Chromium converts an undefined code to 0.
			t.call("close(1000)", () => ws.close(1000));
		}
		await t.closed(ws);
	});
}
test("close/twice", async (t) => {
	const ws = t.construct("raw echo", t.raw());
	await t.opened(ws);
	t.call("close(1000, \"first\")", () => ws.close(1000, "first"));
	t.call("close(4000, \"second\")", () => ws.close(4000, "second"));
	t.call("close(1001)", () => ws.close(1001));
	await t.closed(ws);
	t.call("close() when closed", () => ws.close());
	t.state(ws, "after close() when closed");
});
test("close/from the open listener", async (t) => {
	const ws = t.construct("raw echo", t.raw());
	ws.addEventListener("open", () => {
		t.call("close(4001, \"in open\")", () => ws.close(4001, "in open"));
		t.state(ws, "in the open listener");
	});
	await t.closed(ws);
});
test("close/from the message listener", async (t) => {
	const ws = t.construct("raw echo", t.raw());
	ws.addEventListener("message", () => {
		t.call("close(4002, \"in message\")", () => ws.close(4002, "in message"));
		t.state(ws, "in the message listener");
	});
	await t.opened(ws);
	ws.send("one");
	ws.send("two");
	await t.closed(ws);
});

// The closing handshake started by the server, and a dropped connection.
for (const [label, command] of [
	["1000 and no reason", "!close 1000 "],
	["1000 and a reason", "!close 1000 bye"],
	["1001", "!close 1001 going away"],
	["1003", "!close 1003 unsupported"],
	["1008", "!close 1008 policy"],
	["1011", "!close 1011 oops"],
	["3000", "!close 3000 app"],
	["4000", "!close 4000 x"],
	["4999", "!close 4999 "],
	["a reason of 123 UTF-8 bytes", "!close 4000 " + "é".repeat(61) + "a"],
	["no status code", "!close none"],
]) {
	test(`server close/${label}`, async (t) => {
		const ws = t.construct("raw", t.raw());
		ws.addEventListener("close", () => t.call("close() in the close listener", () => ws.close()));
		await t.opened(ws);
		ws.send(command);
		await t.closed(ws);
		t.state(ws, "after the close event");
	});
}
test("server close/after a message", async (t) => {
	const ws = t.construct("raw", t.raw());
	await t.opened(ws);
	ws.send("last words");
	ws.send("!close 4000 after a message");
	await t.closed(ws);
});
test("server close/then the client closes too", async (t) => {
	const ws = t.construct("raw", t.raw());
	await t.opened(ws);
	ws.send("!close 4000 server");
	// The server's close frame and the client's cross.
	t.call("close(4100, \"client\")", () => ws.close(4100, "client"));
	await t.closed(ws);
});
test("server drop/without a close frame", async (t) => {
	const ws = t.construct("raw", t.raw());
	ws.addEventListener("error", () => t.state(ws, "in the error listener"));
	await t.opened(ws);
	ws.send("!drop");
	await t.closed(ws);
	t.state(ws, "after the close event");
});

test("server drop/after a message", async (t) => {
	const ws = t.construct("raw", t.raw());
	await t.opened(ws);
	ws.send("last words");
	ws.send("!drop");
	await t.closed(ws);
});

// close() while CONNECTING.
for (const [label, path, args] of /** @type {[string, string, unknown[]][]} */ ([
	["a server that never answers", "/e2e/conf/raw?hold", []],
	["the echo server", "/e2e/conf/echo", []],
	["with a code and reason", "/e2e/conf/raw?hold", [4000, "x"]],
])) {
	test(`close while CONNECTING/${label}`, async (t) => {
		const ws = t.construct("socket", t.ws(path));
		for (const type of ["error", "close"]) {
			ws.addEventListener(type, () => {
				t.call(`close() in the ${type} listener`, () => ws.close());
				t.state(ws, `after close() in the ${type} listener`);
			});
		}
		const closed = t.closed(ws);
		t.call(`close(${args.map(q).join(", ")})`, () => ws.close(...args));
		t.state(ws, "close() returned");
		t.call("close() again", () => ws.close());
		t.state(ws, "close() again returned");
		queueMicrotask(() => t.state(ws, "in a microtask after close()"));
		await closed;
		t.state(ws, "after the close event");
	});
}

// A server that breaks the protocol: the client fails the connection.
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
for (const [label, frame] of [
	["reserved opcode", [0x83, 0x00]],
	["ping longer than 125 bytes", [0x89, 126, 0, 126, ...new Array(126).fill(0x61)]],
	["fragmented ping", [0x09, 0x00]],
	["RSV1 without an extension", [0xC1, 0x01, 0x61]],
	["masked frame", [0x81, 0x81, 1, 2, 3, 4, 0x61 ^ 1]],
	["invalid UTF-8 in a text message", [0x81, 0x02, 0xff, 0xfe]],
	["continuation without a start", [0x80, 0x01, 0x61]],
	["close frame with a 1-byte payload", [0x88, 0x01, 0x03]],
	["close frame with code 1005", [0x88, 0x02, 0x03, 0xed]],
]) {
	test(`invalid frame/${label}`, async (t) => {
		const ws = t.construct("raw", t.raw());
		ws.addEventListener("error", () => {
			t.state(ws, "in the error listener");
			t.call("close() in the error listener", () => ws.close());
		});
		await t.opened(ws);
		ws.send("!frame " + hex(frame));
		await t.closed(ws);
		t.state(ws, "after the close event");
	});
}

// Messages the server splits into frames: one message each.
for (const [label, frames] of /** @type {[string, number[][]][]} */ ([
	["a text message in three frames", [[0x01, 0x02, 0x68, 0x65], [0x00, 0x01, 0x6c], [0x80, 0x02, 0x6c, 0x6f]]],
	["a binary message with a ping between its frames", [[0x02, 0x01, 0x01], [0x89, 0x01, 0x70], [0x80, 0x01, 0x02]]],
	["a character split between frames", [[0x01, 0x01, 0xc3], [0x80, 0x01, 0xa9]]],
	["an empty text and an empty binary message", [[0x81, 0x00], [0x82, 0x00]]],
])) {
	test(`server frames/${label}`, async (t) => {
		const ws = t.construct("raw", t.raw());
		ws.binaryType = "arraybuffer";
		await t.opened(ws);
		const done = t.messages(ws, frames.filter((f) => f[0] & 0x80 && (f[0] & 0x0f) !== 0x09).length);
		ws.send("!frame " + hex(frames.flat()));
		await done;
		ws.close(1000);
		await t.closed(ws);
	});
}

// Events: their order and fields.
test("events/order and fields in a life", async (t) => {
	const ws = t.construct("echo", t.echo);
	await t.opened(ws);
	const echoes = t.messages(ws, 3);
	ws.send("text");
	ws.send(new Uint8Array([1, 2]));
	ws.send(new Blob(["blob"]));
	await echoes;
	ws.close(1000, "done");
	await t.closed(ws);
});
function eventFields(ws, e) {
	return `type=${e.type} bubbles=${e.bubbles} cancelable=${e.cancelable} composed=${e.composed} defaultPrevented=${e.defaultPrevented} ` +
		`eventPhase=${e.eventPhase} target=${e.target === ws} currentTarget=${e.currentTarget === ws} srcElement=${e.srcElement === ws} ` +
		`returnValue=${e.returnValue} timeStamp=${typeof e.timeStamp} composedPath=${e.composedPath().length === 1 && e.composedPath()[0] === ws} ` +
		`Event=${e instanceof Event} MessageEvent=${e instanceof MessageEvent} CloseEvent=${e instanceof CloseEvent} ErrorEvent=${e instanceof ErrorEvent} ` +
		`constructor=${e.constructor.name}`;
}
test("events/fields every event has", async (t) => {
	const watch = (ws) => {
		for (const type of ["open", "message", "error", "close"]) {
			ws.addEventListener(type, (e) => t.log(`${type}: ${eventFields(ws, e)}`));
		}
	};
	const ws = t.construct("echo", t.echo, undefined, false);
	watch(ws);
	await t.opened(ws);
	ws.send("x");
	await t.next(ws, "message");
	ws.close(1000);
	await t.closed(ws);
	const failed = t.construct("404", t.ws("/e2e/conf/nothing-here"), undefined, false);
	watch(failed);
	await t.closed(failed);
});
test("events/isTrusted", async (t) => {
	const watch = (ws) => {
		for (const type of ["open", "message", "error", "close"]) {
			ws.addEventListener(type, (e) => t.log(`${type}: isTrusted=${e.isTrusted}`));
		}
	};
	const ws = t.construct("echo", t.echo, undefined, false);
	watch(ws);
	await t.opened(ws);
	ws.send("x");
	await t.next(ws, "message");
	ws.close(1000);
	await t.closed(ws);
	const failed = t.construct("404", t.ws("/e2e/conf/nothing-here"), undefined, false);
	watch(failed);
	await t.closed(failed);
});
test("events/MessageEvent fields", async (t) => {
	const ws = t.construct("echo", t.echo);
	ws.addEventListener("message", (e) => {
		const ports = e.ports;
		t.log(`origin=${q(e.origin)} lastEventId=${q(e.lastEventId)} source=${e.source} ports: array=${Array.isArray(ports)} length=${ports.length} frozen=${Object.isFrozen(ports)} same=${ports === e.ports}`);
		t.log(`members: ${["data", "origin", "lastEventId", "source", "ports"].map((k) => `${k} in=${k in e}`).join(" ")}`);
	});
	await t.opened(ws);
	ws.send("m");
	await t.next(ws, "message");
	ws.close(1000);
	await t.closed(ws);
});
test("events/CloseEvent fields", async (t) => {
	const ws = t.construct("raw", t.raw());
	ws.addEventListener("close", (e) => {
		t.log(`code=${typeof e.code} reason=${typeof e.reason} wasClean=${typeof e.wasClean} members: ${["code", "reason", "wasClean"].map((k) => `${k} in=${k in e}`).join(" ")}`);
	});
	await t.opened(ws);
	ws.send("!close 4321 fields");
	await t.closed(ws);
});
test("events/a failed connection: error then close", async (t) => {
	const ws = t.construct("404", t.ws("/e2e/conf/nothing-here"));
	ws.addEventListener("error", () => t.state(ws, "in the error listener"));
	ws.addEventListener("close", () => t.state(ws, "in the close listener"));
	await t.closed(ws);
});
test("events/a listener that throws does not stop the others", async (t) => {
	const ws = t.construct("echo", t.echo);
	// The exceptions are reported to the page, as any listener's.
	ws.addEventListener("message", () => { t.log("listener 1 throws"); throw new Error("conformance: thrown on purpose"); });
	ws.onmessage = () => { t.log("onmessage throws"); throw new Error("conformance: thrown on purpose"); };
	ws.addEventListener("message", () => t.log("listener 3 runs"));
	await t.opened(ws);
	ws.send("x");
	await t.next(ws, "message");
	ws.close(1000);
	await t.closed(ws);
});
test("events/once and removeEventListener", async (t) => {
	const ws = t.construct("echo", t.echo);
	ws.addEventListener("message", (e) => t.log(`once: ${e.data}`), { once: true });
	const removed = (e) => t.log(`removed: ${e.data}`);
	ws.addEventListener("message", removed);
	ws.removeEventListener("message", removed);
	const handler = { handleEvent: (e) => t.log(`handleEvent: ${e.data}`) };
	ws.addEventListener("message", handler);
	await t.opened(ws);
	const two = t.messages(ws, 2);
	ws.send("1");
	ws.send("2");
	await two;
	ws.close(1000);
	await t.closed(ws);
});
test("events/dispatchEvent of the page's own event", async (t) => {
	const ws = t.construct("echo", t.echo, undefined, false);
	ws.onopen = (e) => t.log(`onopen: ${e.constructor.name} readyState=${ws.readyState}`);
	t.log(`dispatchEvent returned ${ws.dispatchEvent(new Event("open"))}`);
	await t.opened(ws);
	ws.close(1000);
	await t.closed(ws);
});

// binaryType.
test("binaryType/default blob", async (t) => {
	const ws = t.construct("echo", t.echo);
	t.log(`binaryType=${q(ws.binaryType)}`);
	await t.opened(ws);
	ws.send(new Uint8Array([1, 2, 3]));
	await t.next(ws, "message");
	ws.close(1000);
	await t.closed(ws);
});
test("binaryType/arraybuffer", async (t) => {
	const ws = t.construct("echo", t.echo);
	await t.opened(ws);
	t.call("binaryType = \"arraybuffer\"", () => { ws.binaryType = "arraybuffer"; });
	t.log(`binaryType=${q(ws.binaryType)}`);
	ws.send(new Uint8Array([1, 2, 3]));
	await t.next(ws, "message");
	ws.close(1000);
	await t.closed(ws);
});
test("binaryType/set while CONNECTING", async (t) => {
	const ws = t.construct("echo", t.echo);
	t.call("binaryType = \"arraybuffer\"", () => { ws.binaryType = "arraybuffer"; });
	await t.opened(ws);
	t.log(`binaryType=${q(ws.binaryType)}`);
	ws.send(new Uint8Array([4]));
	await t.next(ws, "message");
	ws.close(1000);
	await t.closed(ws);
});
test("binaryType/invalid values are ignored", async (t) => {
	const ws = t.construct("echo", t.echo);
	await t.opened(ws);
	ws.binaryType = "arraybuffer";
	for (const [label, v] of /** @type {[string, unknown][]} */ ([["\"Blob\"", "Blob"], ["\"ArrayBuffer\"", "ArrayBuffer"], ["\"text\"", "text"], ["\"\"", ""], ["null", null], ["undefined", undefined], ["0", 0], ["{}", {}], ["Symbol", Symbol("b")]])) {
		t.call(`binaryType = ${label}`, () => { ws.binaryType = v; });
		t.log(`binaryType=${q(ws.binaryType)}`);
	}
	ws.send(new Uint8Array([5]));
	await t.next(ws, "message");
	t.call("binaryType = \"blob\"", () => { ws.binaryType = "blob"; });
	t.log(`binaryType=${q(ws.binaryType)}`);
	ws.close(1000);
	await t.closed(ws);
});
test("binaryType/switched between two messages", async (t) => {
	const ws = t.construct("echo", t.echo);
	await t.opened(ws);
	const first = t.next(ws, "message");
	ws.send(new Uint8Array([1]));
	await first;
	ws.binaryType = "arraybuffer";
	const second = t.next(ws, "message");
	ws.send(new Uint8Array([2]));
	await second;
	ws.binaryType = "blob";
	const third = t.next(ws, "message");
	ws.send(new Uint8Array([3]));
	await third;
	ws.close(1000);
	await t.closed(ws);
});
test("binaryType/switched in a listener, messages already received", async (t) => {
	const ws = t.construct("echo", t.echo);
	await t.opened(ws);
	const three = t.messages(ws, 3);
	ws.addEventListener("message", () => { ws.binaryType = ws.binaryType === "blob" ? "arraybuffer" : "blob"; });
	ws.send(new Uint8Array([1]));
	ws.send(new Uint8Array([2]));
	ws.send(new Uint8Array([3]));
	await three;
	ws.close(1000);
	await t.closed(ws);
});

// The on* event handler attributes.
const HANDLERS = ["onopen", "onmessage", "onerror", "onclose"];
test("handlers/initial values and descriptors", async (t) => {
	const ws = t.construct("echo", t.echo);
	for (const name of HANDLERS) {
		const d = Object.getOwnPropertyDescriptor(t.C.prototype, name);
		t.log(`${name}=${ws[name]} own=${Object.hasOwn(ws, name)} prototype: get=${typeof d?.get} set=${typeof d?.set} enumerable=${d?.enumerable} configurable=${d?.configurable}`);
	}
	await t.settle(ws);
});
test("handlers/set, replaced and set to null", async (t) => {
	const ws = t.construct("echo", t.echo);
	const h1 = (e) => t.log(`h1: ${e.data}`);
	const h2 = (e) => t.log(`h2: ${e.data}`);
	await t.opened(ws);
	const step = async (label, value) => {
		t.call(`onmessage = ${label}`, () => { ws.onmessage = value; });
		t.log(`onmessage is ${label}: ${ws.onmessage === value}`);
		const echo = t.next(ws, "message");
		ws.send(label);
		await echo;
	};
	await step("h1", h1);
	await step("h2", h2);
	await step("null", null);
	await step("h1", h1);
	ws.close(1000);
	await t.closed(ws);
});
test("handlers/non-function values", async (t) => {
	const ws = t.construct("echo", t.echo);
	await t.opened(ws);
	const calls = [];
	const obj = {};
	const listenerObject = { handleEvent: () => calls.push("handleEvent") };
	const callable = Object.assign(() => calls.push("function"), { handleEvent: () => calls.push("its handleEvent") });
	for (const [label, v] of [["5", 5], ["\"str\"", "alert(1)"], ["true", true], ["{}", obj], ["{handleEvent}", listenerObject], ["undefined", undefined], ["a function with handleEvent", callable]]) {
		t.call(`onmessage = ${label}`, () => { ws.onmessage = v; });
		const got = ws.onmessage;
		t.log(`onmessage reads ${got === v ? "the same value" : got === null ? "null" : typeof got}`);
		const echo = t.next(ws, "message");
		ws.send(label);
		await echo;
		t.log(`calls: ${calls.splice(0).join(" ") || "none"}`);
	}
	ws.close(1000);
	await t.closed(ws);
});
test("handlers/order among addEventListener listeners", async (t) => {
	const ws = t.construct("echo", t.echo, undefined, false);
	const mark = (label) => (e) => t.log(`${e.type}: ${label}`);
	for (const type of ["open", "message", "close"]) {
		ws.addEventListener(type, mark("listener A"));
		ws[`on${type}`] = mark("handler 1");
		ws.addEventListener(type, mark("listener B"));
	}
	await t.opened(ws);
	let echo = t.next(ws, "message");
	ws.send("first");
	await echo;
	// Replaced: the new handler keeps the old one's place.
	ws.onmessage = mark("handler 2");
	echo = t.next(ws, "message");
	ws.send("replaced");
	await echo;
	// Set to null then set again: the handler goes to the end.
	ws.onmessage = null;
	ws.onmessage = mark("handler 3");
	echo = t.next(ws, "message");
	ws.send("set again");
	await echo;
	ws.close(1000);
	await t.closed(ws);
});
test("handlers/onerror and onclose of a failed connection", async (t) => {
	const ws = t.construct("404", t.ws("/e2e/conf/nothing-here"), undefined, false);
	const mark = (label) => (e) => t.log(`${e.type}: ${label} readyState=${ws.readyState}`);
	for (const type of ["error", "close"]) {
		ws.addEventListener(type, mark("listener A"));
		ws[`on${type}`] = mark("handler");
		ws.addEventListener(type, mark("listener B"));
	}
	await t.closed(ws);
});
test("handlers/this, arguments and return value", async (t) => {
	const ws = t.construct("echo", t.echo, undefined, false);
	let seen = null;
	ws.addEventListener("message", (e) => { seen = e; });
	ws.onmessage = function (e) {
		t.log(`this is the socket=${this === ws} arguments=${arguments.length} same event=${e === seen}`);
		return false;
	};
	ws.addEventListener("message", (e) => t.log(`after a handler returned false: defaultPrevented=${e.defaultPrevented}`));
	await t.opened(ws);
	ws.send("x");
	await t.next(ws, "message");
	ws.close(1000);
	await t.closed(ws);
});

// run runs the case name on a variant and resolves with its transcript.
async function run(name, variant, env, host) {
	const t = new Transcript(variant, env, host);
	try {
		await cases[name](t);
	} catch (/** @type {any} */ e) {
		t.log(`case ended: ${e?.message ?? e}`);
	}
	return t.finish();
}

page.conf = {
	names: () => Object.keys(cases),
	// runAll runs every case on both variants and resolves with their
	// transcripts by case. env.hosts has a host:port per case. Cases run
	// env.parallel at a time: Chromium delays each new WebSocket by a time
	// that doubles with every handshake already pending in the page's
	// process (1 to 5 s once 16 are pending), so more at once is slower,
	// and a socket delayed past resock's connectTimeout would fail.
	async runAll(env) {
		const names = Object.keys(cases);
		const out = [];
		let next = 0;
		const worker = async () => {
			while (next < names.length) {
				const i = next++;
				const host = env.hosts[i % env.hosts.length];
				const start = performance.now();
				const [browser, resock] = await Promise.all([run(names[i], "WebSocket", env, host), run(names[i], "resock", env, host)]);
				out[i] = { name: names[i], browser, resock, ms: performance.now() - start };
			}
		};
		await Promise.all(Array.from({ length: env.parallel }, worker));
		return out;
	},
	ready: true,
};
