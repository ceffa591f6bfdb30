// harness.js gives the end-to-end tests window.h: the real
// ReconnectingWebSocket from /resock.js and a recorder of everything a socket
// dispatches, so that a test can poll the page for what happened, in order.
import { ReconnectingWebSocket } from "/resock.js";

/** @import { DebugInfo } from "../../jsglue/src/load.js" */

// page is the window with window.h, whose members the tests call by name,
// with arguments of any type.
const page = /** @type {Window & typeof globalThis & { h: Record<string, any> }} */ (window);

const TYPES = ["open", "message", "close", "error", "reconnecting", "statechange"];

function kindOf(data) {
	if (typeof data === "string") return "string";
	if (data instanceof ArrayBuffer) return "ArrayBuffer";
	if (data instanceof Blob) return "Blob";
	return Object.prototype.toString.call(data);
}

/**
 * RecordedEvent is an event of a recorded socket: its type, when it came
 * (performance.now()), the socket's readyState and bufferedAmount in the
 * listener, and the fields of its type (see record).
 * @typedef {{ type: string, at: number, readyState: number, bufferedAmount: number, [field: string]: unknown }} RecordedEvent
 */

/**
 * RecordedMessage is what a message event carried.
 * @typedef {object} RecordedMessage
 * @property {boolean} messageEvent whether the event is a MessageEvent
 * @property {string} origin
 * @property {string} kind the data's kind, by kindOf
 * @property {string} [text] a string's
 * @property {number[]} [bytes] binary data's; a Blob's once it is read
 */

/**
 * Recording is what record keeps of a socket.
 * @typedef {object} Recording
 * @property {RecordedEvent[]} events every event, in order
 * @property {RecordedMessage[]} messages the message events' data; a message event's index is its place here
 * @property {number} pending Blobs not read yet
 */

// record keeps every event of ws. Blob payloads are read asynchronously;
// pending counts those not read yet.
function record(ws) {
	/** @type {Recording} */
	const rec = { events: [], messages: [], pending: 0 };
	for (const type of TYPES) {
		ws.addEventListener(type, (e) => {
			const ev = { type, at: performance.now(), readyState: ws.readyState, bufferedAmount: ws.bufferedAmount };
			switch (type) {
			case "open":
				ev.reconnected = e.reconnected;
				break;
			case "close":
				Object.assign(ev, {
					closeEvent: e instanceof CloseEvent,
					code: e.code,
					reason: e.reason,
					wasClean: e.wasClean,
					willReconnect: e.willReconnect,
				});
				break;
			case "reconnecting":
				Object.assign(ev, { attempt: e.attempt, delay: e.delay, code: e.code });
				break;
			case "statechange":
				Object.assign(ev, { from: e.from, to: e.to });
				break;
			case "message": {
				const m = { messageEvent: e instanceof MessageEvent, origin: e.origin, kind: kindOf(e.data) };
				if (typeof e.data === "string") {
					m.text = e.data;
				} else if (e.data instanceof ArrayBuffer) {
					m.bytes = Array.from(new Uint8Array(e.data));
				} else if (e.data instanceof Blob) {
					rec.pending++;
					e.data.arrayBuffer().then((b) => {
						m.bytes = Array.from(new Uint8Array(b));
						rec.pending--;
					});
				}
				rec.messages.push(m);
				ev.index = rec.messages.length - 1;
				break;
			}
			}
			rec.events.push(ev);
		});
	}
	return rec;
}

const sockets = {};

page.h = {
	RWS: ReconnectingWebSocket,
	sockets,

	// open creates the socket called name and starts recording it.
	open(name, url, protocols, options) {
		const ws = new ReconnectingWebSocket(url, protocols, options);
		sockets[name] = { ws, rec: record(ws) };
		return true;
	},
	ws: (name) => sockets[name].ws,
	rec: (name) => sockets[name].rec,
	events: (name, type) => sockets[name].rec.events.filter((e) => e.type === type),
	count: (name, type) => page.h.events(name, type).length,
	last: (name, type) => page.h.events(name, type).at(-1),
	texts: (name) => sockets[name].rec.messages.filter((m) => m.kind === "string").map((m) => m.text),

	// errorName runs f and returns the name of what it throws, or "none".
	errorName(f) {
		try {
			f();
		} catch (/** @type {any} */ e) {
			return e?.name ?? String(e);
		}
		return "none";
	},

	// startTimer sets timers[name] once ms have passed on the page's own
	// clock: the window in which something must not happen.
	timers: {},
	startTimer(name, ms) {
		page.h.timers[name] = false;
		setTimeout(() => { page.h.timers[name] = true; }, ms);
		return true;
	},

	// dump is what a failing test prints about the page.
	dump() {
		const out = {};
		for (const [name, { ws, rec }] of Object.entries(sockets)) {
			out[name] = {
				readyState: ws.readyState,
				bufferedAmount: ws.bufferedAmount,
				retryCount: ws.retryCount,
				events: rec.events.filter((e) => e.type !== "message"),
				messages: rec.messages.length,
			};
		}
		return JSON.stringify(out);
	},
};
page.h.ready = true;

// exchange opens a resume-mode socket that sends n numbered messages
// ("c0", "c1" …) and checks that their echoes and the server's own numbered
// messages ("s0" …) each arrive exactly once and in order.
page.h.exchange = (url, n, options) => {
	const st = { echoes: 0, server: 0, errors: /** @type {string[]} */ ([]), opens: 0, fresh: 0, closes: 0, errorEvents: 0, openedAt: /** @type {number[]} */ ([]) };
	const ws = new ReconnectingWebSocket(url, undefined, { resume: true, ...options });
	const expect = (kind, got, want) => {
		if (got !== want && st.errors.length < 10) st.errors.push(`${kind}: got ${got}, want ${want}`);
	};
	ws.onmessage = (e) => {
		const i = Number(e.data.slice(1));
		if (e.data[0] === "c") {
			expect("echo", i, st.echoes);
			st.echoes = i + 1;
		} else {
			expect("server", i, st.server);
			st.server = i + 1;
		}
	};
	ws.onopen = (e) => {
		st.opens++;
		st.openedAt.push(performance.now());
		if (!e.resumed) st.fresh++;
	};
	ws.onclose = () => st.closes++;
	ws.onerror = () => st.errorEvents++;
	for (let i = 0; i < n; i++) ws.send("c" + i);
	st.ws = ws;
	page.h.exchanges = page.h.exchanges ?? [];
	page.h.exchanges.push(st);
	return page.h.exchanges.length - 1;
};

// The page-lifecycle, policy and introspection tests (lifecycle_test.go,
// policy_test.go, introspection_test.go) use what follows: h.life records
// what the page itself went through, and h.track(name) records every event
// of a socket with all of its fields, "dropped" included, in h.full(name).
{
	page.h.life = [];
	for (const [target, types] of /** @type {[EventTarget, string[]][]} */ ([
		[window, ["online", "offline", "pagehide", "pageshow"]],
		[document, ["visibilitychange", "freeze", "resume"]],
	])) {
		for (const type of types) {
			target.addEventListener(type, (e) => {
				page.h.life.push({ type, at: performance.now(), persisted: /** @type {{ persisted?: boolean }} */ (e).persisted ?? null, visibility: document.visibilityState });
			});
		}
	}
	page.h.lifeOf = (type) => page.h.life.filter((e) => e.type === type);

	const TRACKED = {
		open: ["reconnected", "resumed", "downtime"],
		message: ["data"],
		close: ["code", "reason", "wasClean", "willReconnect"],
		error: ["message"],
		reconnecting: ["attempt", "delay", "code", "reason"],
		statechange: ["from", "to"],
		dropped: ["messages", "bytes", "reason"],
	};

	page.h.track = (name) => {
		const { ws } = sockets[name];
		const full = [];
		sockets[name].full = full;
		for (const [type, fields] of Object.entries(TRACKED)) {
			ws.addEventListener(type, (e) => {
				const ev = { type, at: performance.now(), state: ws.state, retryCount: ws.retryCount };
				for (const f of fields) {
					ev[f] = typeof e[f] === "string" || typeof e[f] === "number" || typeof e[f] === "boolean" ? e[f] : null;
				}
				full.push(ev);
			});
		}
		return true;
	};
	// openTracked is h.open and h.track at once. url and protocols may be
	// functions, and options may hold them (shouldReconnect).
	page.h.openTracked = (name, url, protocols, options) => page.h.open(name, url, protocols, options) && page.h.track(name);
	page.h.full = (name, type) => sockets[name].full.filter((e) => type === undefined || e.type === type);
}

// The soak, hostile-server and misuse tests (soak_test.go,
// hostile_server_test.go, misuse_hostile_test.go) use what follows.
{
	// watchLag measures how late a 10 ms timer fires from now on: a page
	// whose event loop is held up shows it at once. lagMax is the worst so
	// far, in ms.
	/** @type {number | undefined} */
	let lagTimer;
	let lagMax = 0;
	page.h.watchLag = () => {
		clearInterval(lagTimer);
		lagMax = 0;
		let last = performance.now();
		lagTimer = setInterval(() => {
			const now = performance.now();
			lagMax = Math.max(lagMax, now - last - 10);
			last = now;
		}, 10);
		return true;
	};
	page.h.lagMax = () => lagMax;

	// goStats returns the Go side's counters from the module's debug hook,
	// {goroutines, funcs, heap, sockets}, or null while it has none.
	page.h.goStats = async () => {
		const m = /** @type {{ __resockDebug?: () => DebugInfo }} */ (await import("/resock.js"));
		return typeof m.__resockDebug === "function" ? m.__resockDebug() : null;
	};

	// soakSocket opens a socket that records nothing but how many times it
	// opened, so that a long run keeps nothing on the page's side.
	page.h.soakSocket = (url, options) => {
		const ws = new ReconnectingWebSocket(url, [], options);
		// waiting and echoed are what reconnectCycles waits on: called on
		// every open and every message.
		const soak = { ws, opens: 0, errors: 0, echoes: 0, waiting: /** @type {(() => void) | null} */ (null), echoed: /** @type {(() => void) | null} */ (null) };
		ws.addEventListener("open", () => {
			soak.opens++;
			soak.waiting?.();
		});
		ws.addEventListener("message", () => {
			soak.echoes++;
			soak.echoed?.();
		});
		ws.addEventListener("error", () => soak.errors++);
		page.h.soak = soak;
		return true;
	};

	// reconnectCycles forces n reconnects of the soak socket, each waiting
	// for the open that follows, then sends one message of every kind over
	// the new connection and waits for their echoes, in alternating
	// binaryTypes; it resolves with the time it took in ms.
	page.h.reconnectCycles = async (n) => {
		const soak = page.h.soak;
		const ws = soak.ws;
		const backing = new Uint8Array([1, 2, 3, 4, 5, 6]);
		const start = performance.now();
		for (let i = 0; i < n; i++) {
			const opened = new Promise((resolve) => { soak.waiting = resolve; });
			ws.reconnect();
			await opened;
			const want = soak.echoes + 5;
			const echoed = /** @type {Promise<void>} */ (new Promise((resolve) => {
				soak.echoed = () => soak.echoes >= want && resolve();
			}));
			ws.binaryType = i % 2 ? "blob" : "arraybuffer";
			ws.send("text " + i);
			ws.send(backing.buffer);
			ws.send(new Uint8Array(backing.buffer, 2, 3));
			ws.send(new Blob([backing]));
			ws.send(new DataView(backing.buffer, 1, 1));
			await echoed;
		}
		soak.waiting = null;
		soak.echoed = null;
		return performance.now() - start;
	};
}

// The misuse tests (misuse_hostile_test.go) use what follows: every method
// and property of the socket called wrongly, on the real module and on the
// browser's WebSocket alike.
{
	const thrown = (f) => {
		try {
			const v = f();
			if (v && typeof v.close === "function" && (v instanceof WebSocket || v instanceof ReconnectingWebSocket)) {
				v.close();
			}
			return "none";
		} catch (/** @type {any} */ e) {
			return e?.name ?? typeof e;
		}
	};
	const opened = (ws) => new Promise((resolve, reject) => {
		if (ws.readyState === 1) return resolve(ws);
		ws.addEventListener("open", () => resolve(ws), { once: true });
		setTimeout(() => reject(new Error("no open within 5 s")), 5000);
	});
	const boom = (Kind) => ({ toString() { throw new Kind("from toString"); }, valueOf() { throw new Kind("from valueOf"); } });
	const resizable = () => new ArrayBuffer(8, { maxByteLength: 16 });
	const detached = () => {
		const b = new ArrayBuffer(8);
		structuredClone(b, { transfer: [b] });
		return b;
	};
	/** @type {(C: any, name: string) => Function} */
	const getter = (C, name) => /** @type {any} */ (Object.getOwnPropertyDescriptor(C.prototype, name)).get;
	/** @type {(C: any, name: string) => Function} */
	const setter = (C, name) => /** @type {any} */ (Object.getOwnPropertyDescriptor(C.prototype, name)).set;

	/**
	 * A misuse case: its name, what it does with the class C and the socket
	 * s, and whether s must be a fresh one.
	 * @typedef {[name: string, f: (C: any, s: any) => unknown, fresh?: "fresh"]} MisuseCase
	 */

	// Each case runs on the class C and, when it takes one, an open socket
	// s of that class; "fresh" cases get a new, still connecting, socket.
	/** @type {(url: string) => MisuseCase[]} */
	const cases = (url) => [
		["constructor without arguments", (C) => new C()],
		["constructor called without new", (C) => C(url)],
		["URL undefined (relative, valid)", (C) => new C(undefined)],
		["URL null (relative, valid)", (C) => new C(null)],
		["URL a number (relative, valid)", (C) => new C(123)],
		["URL empty (the page itself)", (C) => new C("")],
		["URL an object with toString", (C) => new C({ toString: () => url })],
		["URL whose toString throws", (C) => new C(boom(RangeError))],
		["URL a Symbol", (C) => new C(Symbol("u"))],
		["URL a BigInt", (C) => new C(5n)],
		["URL ws:// without a host", (C) => new C("ws://")],
		["URL javascript:", (C) => new C("javascript:alert(1)")],
		["URL with an empty fragment", (C) => new C(url + "#")],
		["URL with credentials", (C) => new C(url.replace("ws://", "ws://user:pw@"))],
		["URL 1 MiB long", (C) => new C(url + "?" + "a".repeat(1 << 20))],
		["protocols a number", (C) => new C(url, 5)],
		["protocols null", (C) => new C(url, null)],
		["protocols empty string", (C) => new C(url, "")],
		["protocols [empty string]", (C) => new C(url, [""])],
		["protocols with a comma", (C) => new C(url, "a,b")],
		["protocols with a space", (C) => new C(url, ["a b"])],
		["protocols non-ASCII", (C) => new C(url, ["résumé"])],
		["protocols duplicated", (C) => new C(url, ["a", "a"])],
		["protocols differing in case", (C) => new C(url, ["a", "A"])],
		["protocols a plain object", (C) => new C(url, {})],
		["protocols [Symbol]", (C) => new C(url, [Symbol("p")])],
		["protocols whose iterator is not callable", (C) => new C(url, { [Symbol.iterator]: 5 })],
		["protocols whose iterator throws", (C) => new C(url, { [Symbol.iterator]() { throw new EvalError("iterator"); } })],
		["protocols an element whose toString throws", (C) => new C(url, [boom(URIError)])],
		["protocols 1000 of them", (C) => new C(url, Array.from({ length: 1000 }, (_, i) => "p" + i))],

		["send()", (C, s) => s.send()],
		["send(Symbol)", (C, s) => s.send(Symbol("d"))],
		["send(BigInt)", (C, s) => s.send(5n)],
		["send(null)", (C, s) => s.send(null)],
		["send(undefined)", (C, s) => s.send(undefined)],
		["send(a plain object)", (C, s) => s.send({})],
		["send(an array)", (C, s) => s.send([1, 2])],
		["send(an object whose toString throws)", (C, s) => s.send(boom(URIError))],
		["send(resizable ArrayBuffer)", (C, s) => s.send(resizable())],
		["send(view of a resizable ArrayBuffer)", (C, s) => s.send(new Uint8Array(resizable()))],
		["send(detached ArrayBuffer)", (C, s) => s.send(detached())],
		["send(DataView)", (C, s) => s.send(new DataView(new ArrayBuffer(4), 1, 2))],
		["send(Float64Array)", (C, s) => s.send(new Float64Array([1.5]))],
		["send(Blob)", (C, s) => s.send(new Blob(["b"]))],
		["send(a second argument)", (C, s) => s.send("x", "extra")],
		["send on another object", (C) => C.prototype.send.call({}, "x")],
		["send on undefined", (C) => C.prototype.send.call(undefined, "x")],

		["close(NaN)", (C, s) => s.close(NaN), "fresh"],
		["close(-0)", (C, s) => s.close(-0), "fresh"],
		["close(Infinity)", (C, s) => s.close(Infinity), "fresh"],
		["close(-Infinity)", (C, s) => s.close(-Infinity), "fresh"],
		["close('1000')", (C, s) => s.close("1000"), "fresh"],
		["close('abc')", (C, s) => s.close("abc"), "fresh"],
		["close(1000.5)", (C, s) => s.close(1000.5), "fresh"],
		["close(999.5)", (C, s) => s.close(999.5), "fresh"],
		["close(4999.4)", (C, s) => s.close(4999.4), "fresh"],
		["close(4999.6)", (C, s) => s.close(4999.6), "fresh"],
		["close(65536 + 1000)", (C, s) => s.close(65536 + 1000), "fresh"],
		["close(2 ** 53)", (C, s) => s.close(2 ** 53), "fresh"],
		["close(null)", (C, s) => s.close(null), "fresh"],
		["close(true)", (C, s) => s.close(true), "fresh"],
		["close(BigInt)", (C, s) => s.close(1000n), "fresh"],
		["close(Symbol)", (C, s) => s.close(Symbol("c")), "fresh"],
		["close(a code whose valueOf throws)", (C, s) => s.close(boom(RangeError)), "fresh"],
		["close(1000, Symbol)", (C, s) => s.close(1000, Symbol("r")), "fresh"],
		["close(1001, Symbol): the reason is converted first", (C, s) => s.close(1001, Symbol("r")), "fresh"],
		["close(1001, a reason too long): the code is checked first", (C, s) => s.close(1001, "é".repeat(62)), "fresh"],
		["close(1000, a reason whose toString throws)", (C, s) => s.close(1000, boom(SyntaxError)), "fresh"],
		["close(1000, 123 bytes)", (C, s) => s.close(1000, "é".repeat(61) + "e"), "fresh"],
		["close(1000, 124 bytes)", (C, s) => s.close(1000, "é".repeat(61) + "ee"), "fresh"],
		["close(1000, a lone surrogate)", (C, s) => s.close(1000, "\uD800"), "fresh"],
		["close(1000, 41 lone surrogates: 123 bytes once replaced)", (C, s) => s.close(1000, "\uD800".repeat(41)), "fresh"],
		["close(1000, 42 lone surrogates: 126 bytes once replaced)", (C, s) => s.close(1000, "\uD800".repeat(42)), "fresh"],
		["close(undefined, a reason)", (C, s) => s.close(undefined, "why"), "fresh"],
		["close(1000, null)", (C, s) => s.close(1000, null), "fresh"],
		["close twice", (C, s) => { s.close(); s.close(); }, "fresh"],
		["close(1001) after close", (C, s) => { s.close(); s.close(1001); }, "fresh"],
		["close on another object", (C) => C.prototype.close.call({})],

		...["url", "readyState", "protocol", "extensions", "bufferedAmount", "binaryType", "onopen", "onmessage", "onclose", "onerror"].map(
			/** @returns {MisuseCase} */ (name) => [`${name} read on another object`, (C) => getter(C, name).call({})]),
		...["binaryType", "onopen", "onmessage", "onclose", "onerror"].map(
			/** @returns {MisuseCase} */ (name) => [`${name} set on another object`, (C) => setter(C, name).call({}, null)]),
		...["url", "readyState", "protocol", "extensions", "bufferedAmount"].map(
			/** @returns {MisuseCase} */ (name) => [`${name} assigned in strict mode`, (C, s) => { "use strict"; s[name] = 5; }]),
		["a constant assigned in strict mode", (C, s) => { "use strict"; s.OPEN = 5; }],
		["a static constant assigned in strict mode", (C) => { "use strict"; C.CLOSED = 5; }],
		["binaryType = 'text' (ignored)", (C, s) => { s.binaryType = "text"; if (s.binaryType !== "blob") throw new Error("changed"); }],
		["binaryType = null (ignored)", (C, s) => { s.binaryType = null; if (s.binaryType !== "blob") throw new Error("changed"); }],
		["binaryType = Symbol", (C, s) => { s.binaryType = Symbol("b"); }],
		["binaryType = an object whose toString throws", (C, s) => { s.binaryType = boom(RangeError); }],
		["onmessage = 5 reads back null", (C, s) => { s.onmessage = 5; if (s.onmessage !== null) throw new Error("kept"); }],
		["onmessage = a non-callable object is kept", (C, s) => { const o = {}; s.onmessage = o; if (s.onmessage !== o) throw new Error("lost"); s.onmessage = null; }],
		["addEventListener(a Symbol type)", (C, s) => s.addEventListener(Symbol("t"), () => {})],
		["dispatchEvent(an own event type)", (C, s) => s.dispatchEvent(new Event("message"))],
		["dispatchEvent(not an Event)", (C, s) => s.dispatchEvent({ type: "open" })],
	];

	// misuseAll runs every case on both classes and returns, per case, the
	// name of what each threw.
	page.h.misuseAll = async (url, options) => {
		const open = {
			rws: await opened(new ReconnectingWebSocket(url, [], options)),
			ws: await opened(new WebSocket(url)),
		};
		const out = [];
		for (const [name, f, fresh] of cases(url)) {
			const run = (C, s) => thrown(() => {
				const sock = fresh ? new C(url) : s;
				try {
					return f(C, sock);
				} finally {
					if (fresh) sock.close();
				}
			});
			out.push({ name, got: run(ReconnectingWebSocket, open.rws), want: run(WebSocket, open.ws) });
		}
		open.rws.close();
		open.ws.close();
		return out;
	};

	// onlyResock runs calls whose right answer is resock's own: options, and
	// send after close, which WebSocket ignores and resock refuses. Most
	// pass C arguments of the wrong type, on purpose.
	page.h.onlyResock = (url) => {
		const C = /** @type {any} */ (ReconnectingWebSocket);
		const s = new C(url, [], { delays: [60000] });
		s.close();
		const out = {
			"options a number": thrown(() => new C(url, [], 5)),
			"options.initialDelay a string": thrown(() => new C(url, [], { initialDelay: "1" })),
			"options.initialDelay 0": thrown(() => new C(url, [], { initialDelay: 0 })),
			"options.maxRetries NaN": thrown(() => new C(url, [], { maxRetries: NaN })),
			"options.maxRetries -1": thrown(() => new C(url, [], { maxRetries: -1 })),
			"options.delays []": thrown(() => new C(url, [], { delays: [] })),
			"options.delays [-1]": thrown(() => new C(url, [], { delays: [-1] })),
			"options.delays a string": thrown(() => new C(url, [], { delays: "100" })),
			"options.binaryType 'text'": thrown(() => new C(url, [], { binaryType: "text" })),
			"options.heartbeat a string": thrown(() => new C(url, [], { heartbeat: "ping" })),
			"options whose getter throws": thrown(() => new C(url, [], { get resume() { throw new EvalError("getter"); } })),
			"options a Proxy that throws": thrown(() => new C(url, [], new Proxy({}, { get() { throw new URIError("proxy"); } }))),
			"send after close": thrown(() => s.send("late")),
			"send over maxQueuedBytes": thrown(() => new C(url, [], { maxQueuedBytes: 4, delays: [60000] }).send("12345")),
			"reconnect(1001)": thrown(() => s.reconnect(1001)),
			"reconnect on another object": thrown(() => C.prototype.reconnect.call({})),
			"stats on another object": thrown(() => C.prototype.stats?.call({})),
		};
		// resock's own properties, on another object and assigned in strict
		// mode, where WebSocket's own throw a TypeError.
		for (const name of ["state", "queuedMessages", "retryCount", "rtt", "onreconnecting", "onstatechange", "ondropped"]) {
			out[`${name} read on another object`] = thrown(() => getter(C, name).call({}));
		}
		for (const name of ["onreconnecting", "onstatechange", "ondropped"]) {
			out[`${name} set on another object`] = thrown(() => setter(C, name).call({}, null));
		}
		for (const name of ["state", "queuedMessages", "retryCount", "rtt"]) {
			out[`${name} assigned in strict mode`] = thrown(() => { "use strict"; s[name] = 5; });
		}
		s.close();
		return out;
	};

	// inListeners drives a socket from inside its own listeners: close in
	// open, reconnect in close, a chain of sends each from the previous
	// echo, close from a message listener, then calls on the closed socket
	// from its final close listener. It resolves with what happened.
	page.h.inListeners = (url, chain, options) => new Promise((resolve) => {
		const ws = new ReconnectingWebSocket(url, [], { delays: [0], ...options });
		const st = { opens: 0, echoes: 0, errorsCaught: /** @type {string[]} */ ([]), closes: /** @type {{ code: number, willReconnect: boolean }[]} */ ([]), states: 0 };
		ws.addEventListener("statechange", () => st.states++);
		ws.addEventListener("open", () => {
			st.opens++;
			if (st.opens === 1) {
				ws.close(4000, "closed in open");
			} else {
				ws.send("0");
			}
		});
		ws.addEventListener("message", (e) => {
			st.echoes++;
			const i = Number(e.data);
			if (i + 1 < chain) {
				ws.send(String(i + 1));
				ws.send(String(i + 1) + "-extra");
			} else if (!/** @type {string} */ (e.data).endsWith("-extra")) {
				ws.close(1000, "done");
			}
		});
		ws.addEventListener("close", (e) => {
			st.closes.push({ code: e.code, willReconnect: e.willReconnect });
			if (st.closes.length === 1) {
				ws.reconnect();
				return;
			}
			if (!e.willReconnect) {
				for (const f of [() => ws.send("after"), () => ws.close(), () => ws.close(1001), () => ws.close(1000, "again")]) {
					try {
						f();
						st.errorsCaught.push("none");
					} catch (/** @type {any} */ err) {
						st.errorsCaught.push(err.name);
					}
				}
				st.readyState = ws.readyState;
				resolve(st);
			}
		});
	});

	// payloads sends empty and huge payloads of every kind through an echo
	// on both classes and resolves with what came back: each echo's kind and
	// size. options are the ReconnectingWebSocket's.
	page.h.payloads = async (url, options) => {
		const run = async (C) => {
			const ws = await opened(new C(url, [], options));
			ws.binaryType = "arraybuffer";
			const got = [];
			const sizes = ["", new ArrayBuffer(0), new Uint8Array(0), new Blob([]), "é".repeat(1 << 18), new Uint8Array(1 << 19)];
			const done = /** @type {Promise<void>} */ (new Promise((resolve) => {
				ws.onmessage = (e) => {
					got.push(typeof e.data === "string" ? `text ${new TextEncoder().encode(e.data).length}` : `binary ${e.data.byteLength}`);
					if (got.length === sizes.length) resolve();
				};
			}));
			for (const p of sizes) ws.send(p);
			await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
			ws.close();
			return got;
		};
		return { got: await run(ReconnectingWebSocket), want: await run(WebSocket) };
	};

	// tooBig sends one message over the server's read limit from both
	// classes and resolves with each one's close.
	page.h.tooBig = async (url, size, options) => {
		const run = async (C) => {
			const ws = await opened(new C(url, [], options));
			const closed = new Promise((resolve) => ws.addEventListener("close", (e) => resolve({ code: e.code, willReconnect: e.willReconnect ?? null }), { once: true }));
			ws.send(new Uint8Array(size));
			const c = await Promise.race([closed, new Promise((r) => setTimeout(() => r({ code: "none" }), 5000))]);
			ws.close();
			return c;
		};
		return { got: await run(ReconnectingWebSocket), want: await run(WebSocket) };
	};

	// hugePayloads queues messages of 8 MiB, the default maxQueuedBytes,
	// and more, text and binary, each on a new socket that is not open yet,
	// and returns per case what send threw and the outbox after it. The
	// sockets close at once: what they queued stays for a reconnect() that
	// never comes.
	page.h.hugePayloads = (url, options) => {
		const MiB = 1 << 20;
		const text = (bytes) => "é".repeat(bytes >> 1) + "e".repeat(bytes & 1);
		const cases = {
			"8 MiB text": [text(8 * MiB)],
			"8 MiB binary": [new Uint8Array(8 * MiB)],
			"8 MiB text, then 1 byte": [text(8 * MiB), "e"],
			"8 MiB binary, then 1 byte": [new Uint8Array(8 * MiB), new Uint8Array(1)],
			"8 MiB + 1 text": [text(8 * MiB + 1)],
			"8 MiB + 1 binary": [new ArrayBuffer(8 * MiB + 1)],
			"16 MiB + 1 binary": [new ArrayBuffer(16 * MiB + 1)],
		};
		const out = {};
		for (const [name, messages] of Object.entries(cases)) {
			const ws = new ReconnectingWebSocket(url, [], options);
			const r = { thrown: "none", message: "" };
			try {
				for (const m of messages) {
					ws.send(m);
				}
			} catch (/** @type {any} */ e) {
				r.thrown = e?.name ?? typeof e;
				r.message = String(e?.message);
			}
			r.queuedMessages = ws.queuedMessages;
			r.bufferedAmount = ws.bufferedAmount;
			ws.close();
			out[name] = r;
		}
		return out;
	};

	// manySockets opens n sockets at once, echoes one message on each and
	// closes them all; it resolves with how many echoes came back.
	page.h.manySockets = async (url, n, options) => {
		const all = Array.from({ length: n }, () => new ReconnectingWebSocket(url, [], options));
		const echoes = await Promise.all(all.map((ws, i) => new Promise((resolve) => {
			ws.onmessage = (e) => resolve(e.data === `hi ${i}`);
			ws.send(`hi ${i}`);
			setTimeout(() => resolve(false), 10000);
		})));
		const closed = Promise.all(all.map((ws) => new Promise((resolve) => {
			ws.addEventListener("close", resolve, { once: true });
			ws.close();
		})));
		await closed;
		return { echoes: echoes.filter(Boolean).length, closed: all.filter((ws) => ws.readyState === 3).length };
	};
}

// The persistence tests (persist_test.go) use what follows: h.stored(name)
// counts the messages the IndexedDB store of options.persist name holds,
// h.readMeta(name) reads its session record and h.writeMeta(name, meta)
// writes one, as another version or an older state would, and h.durable(name) awaits whenDurable, answering "ok" or what
// it rejected with.
{
	/** @returns {Promise<IDBDatabase>} */
	const openStore = () => new Promise((resolve, reject) => {
		const r = indexedDB.open("resock", 1);
		r.onupgradeneeded = () => {
			r.result.createObjectStore("sessions");
			r.result.createObjectStore("messages");
		};
		r.onsuccess = () => resolve(r.result);
		r.onerror = () => reject(r.error);
	});
	page.h.stored = async (name) => {
		const db = await openStore();
		try {
			return await new Promise((resolve, reject) => {
				const q = db.transaction("messages").objectStore("messages").count(IDBKeyRange.bound([name, 0], [name, Infinity]));
				q.onsuccess = () => resolve(q.result);
				q.onerror = () => reject(q.error);
			});
		} finally {
			db.close();
		}
	};
	page.h.writeMeta = async (name, meta) => {
		const db = await openStore();
		try {
			await new Promise((resolve, reject) => {
				const tx = db.transaction("sessions", "readwrite");
				tx.objectStore("sessions").put(meta, name);
				tx.oncomplete = () => resolve(undefined);
				tx.onabort = () => reject(tx.error);
			});
		} finally {
			db.close();
		}
		return true;
	};
	page.h.readMeta = async (name) => {
		const db = await openStore();
		try {
			return await new Promise((resolve, reject) => {
				const q = db.transaction("sessions").objectStore("sessions").get(name);
				q.onsuccess = () => resolve(q.result);
				q.onerror = () => reject(q.error);
			});
		} finally {
			db.close();
		}
	};
	page.h.durable = (name) => sockets[name].ws.whenDurable().then(() => "ok", (e) => `${e?.name}: ${e?.message}`);
	// errors are the messages of the error events of socket name.
	page.h.errors = (name) => page.h.events(name, "error").length > 0 ? sockets[name].errors : [];
	const open = page.h.open;
	page.h.open = (name, url, protocols, options) => {
		const ok = open(name, url, protocols, options);
		sockets[name].errors = [];
		sockets[name].ws.addEventListener("error", (e) => sockets[name].errors.push(e.message));
		return ok;
	};
}
