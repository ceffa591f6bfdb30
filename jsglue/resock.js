// resock.js: a reconnecting WebSocket for web pages, written in Go and
// compiled to WebAssembly. See resock.d.ts for the API.
//
// This module loads wasm_exec.js and resock.wasm once, with top-level await,
// so `new ReconnectingWebSocket(...)` works synchronously as soon as the
// import resolves, and every socket of the page shares the one Go program.
// Both files are looked up beside this module, wherever it is served from;
// the query string of the module URL can point elsewhere:
//
//   import { ReconnectingWebSocket } from "/resock.js?wasm=/assets/resock.wasm&wasm_exec=/assets/wasm_exec.js";
//
// The class is thin glue. It passes its arguments to a per-socket bridge
// object made by Go, which does all conversion, validation and work, and
// returns undefined or a value on success, or an Error for the glue to throw:
// a Go function cannot throw into its JavaScript caller.
//
// While a socket is open and Go allows it, the glue also moves messages
// itself, so that they do not cross into Go: in plain mode straight between
// the page and the browser socket, in resume mode as resock.v1 data frames
// it numbers, keeps and acknowledges (see plainReceiver and carrier below).
//
// The glue also follows the page's life for every socket, with one set of
// listeners: the network going and coming back, the page hidden and shown,
// frozen and resumed, put in and taken out of the back/forward cache, and a
// timer that notices when the machine slept. It adds no unload listener, so
// a page with sockets can still enter the back/forward cache.

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

const EVENTS = ["open", "message", "close", "error", "reconnecting", "statechange", "dropped"];

const moduleURL = new URL(import.meta.url);
const wasmURL = new URL(moduleURL.searchParams.get("wasm") ?? "resock.wasm", moduleURL);
const wasmExecURL = new URL(moduleURL.searchParams.get("wasm_exec") ?? "wasm_exec.js", moduleURL);

// exited says why the Go program ended, once it has; every socket is then
// closed for good.
let exited = null;

// load starts the Go program and returns the bridge it registers.
async function load() {
	if (typeof globalThis.Go !== "function") {
		// wasm_exec.js only assigns globalThis.Go, so it runs as a module too:
		// no <script> tag, no eval, and it works in workers.
		await import(wasmExecURL.href);
	}
	const go = new globalThis.Go();
	const response = await fetch(wasmURL);
	if (!response.ok) {
		throw new Error(`resock: failed to fetch ${wasmURL}: HTTP ${response.status}`);
	}
	const type = (response.headers.get("Content-Type") ?? "").split(";")[0].trim();
	const { instance } = type === "application/wasm" && WebAssembly.instantiateStreaming
		? await WebAssembly.instantiateStreaming(response, go.importObject)
		// A server that does not say application/wasm makes streaming fail.
		: await WebAssembly.instantiate(await response.arrayBuffer(), go.importObject);

	let code = 0;
	const exit = go.exit;
	go.exit = (c) => {
		code = c;
		exit.call(go, c);
		// From now on every call into Go would throw; the sockets learn it
		// at once, and their listeners run once the exit is over.
		fatal(`the Go program exited with code ${c}`);
	};
	// run returns after main has registered the bridge and is waiting for
	// calls; its promise settles only if the program ends.
	go.run(instance).then(
		() => fatal(`the Go program exited with code ${code}`),
		(err) => fatal(`the Go program failed: ${err}`),
	);
	const bridge = globalThis.__resock;
	delete globalThis.__resock;
	if (go.exited) {
		throw new Error(`resock: failed to start: the Go program exited with code ${code}`);
	}
	if (!bridge || typeof bridge.create !== "function") {
		throw new Error("resock: failed to start: resock.wasm registered no bridge");
	}
	return bridge;
}

// live holds an entry for every socket whose instance may still be alive:
// a WeakRef to it, so that the page can still collect it, its bridge object,
// and its last state. Closed sockets stay, because reconnect() revives them.
const live = new Set();

// each calls f with the bridge object of every live socket. A socket whose
// instance was collected is dropped: Go releases its functions.
function each(f) {
	for (const entry of live) {
		if (entry.ref.deref() === undefined) {
			live.delete(entry);
			continue;
		}
		try {
			f(entry.b);
		} catch (err) {
			reportException(err);
		}
	}
}

function fatal(why) {
	if (exited) {
		return;
	}
	exited = why;
	stopWatchdog();
	console.error(`resock: ${why}; every ReconnectingWebSocket is now closed`);
	const entries = [...live];
	live.clear();
	// The browser sockets' handlers are Go functions that can no longer run.
	for (const { b } of entries) {
		for (const ws of b.webSockets) {
			ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
			try {
				ws.close();
			} catch {
				// Closing a socket that is already closing cannot fail; a
				// closed one has nothing left to do.
			}
		}
	}
	queueMicrotask(() => {
		for (const entry of entries) {
			const ws = entry.ref.deref();
			if (ws !== undefined && entry.state !== "closed") {
				// As the socket ends when it gives up: an error, the state,
				// then the final close.
				const message = `resock stopped: ${why}`;
				ws.dispatchEvent(Object.assign(new Event("error"), { message, error: new Error(message) }));
				ws.dispatchEvent(Object.assign(new Event("statechange"), { from: entry.state, to: "closed" }));
				entry.state = "closed";
				const close = new CloseEvent("close", { code: 1006, reason: "", wasClean: false });
				ws.dispatchEvent(Object.assign(close, { willReconnect: false }));
			}
		}
	});
}

// The page's life, told to every socket. The listeners are added with the
// first socket and stay: they cost nothing while idle.
let following = false;

function followThePage() {
	if (following || typeof globalThis.addEventListener !== "function") {
		return;
	}
	following = true;
	globalThis.addEventListener("online", () => each((b) => b.setOnline(true)));
	globalThis.addEventListener("offline", () => each((b) => b.setOnline(false)));
	// pagehide and pageshow with persisted: the page enters and leaves the
	// back/forward cache. Without persisted the page is going away for good
	// and the browser closes its sockets itself.
	globalThis.addEventListener("pagehide", (e) => {
		if (e.persisted) {
			each((b) => b.suspend());
		}
	});
	globalThis.addEventListener("pageshow", (e) => {
		if (e.persisted) {
			// The network may have come or gone while the page was cached,
			// with nobody to hear the event.
			const online = globalThis.navigator?.onLine !== false;
			each((b) => {
				b.setOnline(online);
				b.wake();
			});
		}
	});
	if (typeof document === "undefined") {
		return;
	}
	document.addEventListener("visibilitychange", () => {
		const hidden = document.visibilityState === "hidden";
		watchdogLast = Date.now();
		each((b) => {
			b.setHidden(hidden);
			if (!hidden) {
				b.probe();
			}
		});
	});
	// A frozen page ran no code; whatever it missed is checked at once.
	document.addEventListener("resume", () => {
		watchdogLast = Date.now();
		each((b) => b.probe());
	});
}

// The watchdog ticks every WATCHDOG_PERIOD ms while some socket is not
// closed. A tick that comes more than WATCHDOG_SLEPT ms late by the wall
// clock means the page ran no code meanwhile: the machine slept (during
// which the monotonic clock may stand still while the wall clock does not),
// so every connection is probed. A hidden page's timers are throttled on
// purpose, so its late ticks say nothing; becoming visible probes anyway.
const WATCHDOG_PERIOD = 1000;
const WATCHDOG_SLEPT = 4000;
let watchdog = null;
let watchdogLast = 0;

function startWatchdog() {
	if (watchdog !== null || exited) {
		return;
	}
	watchdogLast = Date.now();
	watchdog = setInterval(() => {
		const now = Date.now();
		const late = now - watchdogLast - WATCHDOG_PERIOD;
		watchdogLast = now;
		let running = false;
		for (const entry of live) {
			if (entry.ref.deref() === undefined) {
				live.delete(entry);
			} else if (entry.state !== "closed") {
				running = true;
			}
		}
		if (!running) {
			stopWatchdog();
			return;
		}
		const hidden = typeof document !== "undefined" && document.visibilityState === "hidden";
		if (late > WATCHDOG_SLEPT && !hidden) {
			each((b) => b.probe());
		}
	}, WATCHDOG_PERIOD);
}

function stopWatchdog() {
	if (watchdog !== null) {
		clearInterval(watchdog);
		watchdog = null;
	}
}

// track adds a new socket to live and tells it whether the page is hidden;
// the constructor told it whether the network is up.
function track(ws, b) {
	const entry = { ref: new WeakRef(ws), b, state: b.state() };
	// A listener of the socket's own, added before the page can add any.
	ws.addEventListener("statechange", (e) => {
		entry.state = e.to;
		if (e.to !== "closed") {
			startWatchdog();
		}
	});
	live.add(entry);
	followThePage();
	if (typeof document !== "undefined" && document.visibilityState === "hidden") {
		b.setHidden(true);
	}
	if (entry.state !== "closed") {
		startWatchdog();
	}
}

const bridge = await load();

const NON_ASCII = /[^\x00-\x7f]/;

const utf8Encoder = new TextEncoder();

// countScratch is where utf8Length lets the browser encode a string only to
// count its bytes, which beats any scan in JavaScript for strings that are
// not ASCII or longer than a few KiB. It holds 64 Ki code units' worth.
const countScratch = new Uint8Array(3 << 16);

// utf8Length is the number of bytes of s in UTF-8, as the browser sends it:
// a lone surrogate becomes U+FFFD, three bytes. Up to 2 Ki code units a
// regular expression first checks for ASCII in native code: in Chromium it
// takes half the time of encodeInto at 1 KiB; encodeInto overtakes it at
// about 3 KiB.
function utf8Length(s) {
	const n = s.length;
	const fits = 3 * n <= countScratch.length;
	if (n > 2048 && fits) {
		return utf8Encoder.encodeInto(s, countScratch).written;
	}
	if (!NON_ASCII.test(s)) {
		return n;
	}
	if (n > 64 && fits) {
		return utf8Encoder.encodeInto(s, countScratch).written;
	}
	let bytes = n;
	for (let i = 0; i < n; i++) {
		const c = s.charCodeAt(i);
		if (c < 0x80) {
			continue;
		}
		if (c < 0x800) {
			bytes += 1;
		} else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
			// A surrogate pair: four bytes for two code units.
			bytes += 2;
			i++;
		} else {
			bytes += 2;
		}
	}
	return bytes;
}

// messageEvent makes the message event of a message from the server at
// origin, with the class the socket keeps for that origin.
function messageEvent(p, origin, data) {
	let Event = p.MessageEvent;
	if (Event === undefined || Event.origin !== origin) {
		Event = p.MessageEvent = messageEventClass(origin);
	}
	return new Event(data);
}

const NO_PORTS = Object.freeze([]);

// messageEventClass makes the class of message events from origin. Its
// events are instances of MessageEvent by their prototype, and answer
// every member MessageEvent has, but underneath they are plain Events with
// the message in a private field: constructing a real MessageEvent costs
// four times as much (its MessageEventInit is converted member by member,
// an origin string afresh each time), which took a few hundredths of the
// echo rate a page gets. The members are getters on this class, so none
// reaches MessageEvent's own, which would refuse an object that is not one.
function messageEventClass(origin) {
	class MessageEvent extends Event {
		static origin = origin;
		#data;
		// #init holds what initMessageEvent set, if it was called.
		#init = null;
		constructor(data) {
			super("message");
			this.#data = data;
		}
		get data() {
			return this.#init === null ? this.#data : this.#init.data;
		}
		get origin() {
			return this.#init === null ? origin : this.#init.origin;
		}
		get lastEventId() {
			return this.#init === null ? "" : this.#init.lastEventId;
		}
		get source() {
			return this.#init === null ? null : this.#init.source;
		}
		get ports() {
			return this.#init === null ? NO_PORTS : this.#init.ports;
		}
		// type is named so that the method's length is 1, as the
		// browser's is; a MessageEvent of the browser's converts and
		// checks all the arguments, and throws what the browser would.
		initMessageEvent(type) {
			const scratch = new globalThis.MessageEvent("message");
			scratch.initMessageEvent(...arguments);
			// As on any event: no effect while it is being dispatched.
			if (this.eventPhase !== Event.NONE) {
				return;
			}
			this.initEvent(scratch.type, scratch.bubbles, scratch.cancelable);
			const { data, origin, lastEventId, source, ports } = scratch;
			this.#init = { data, origin, lastEventId, source, ports };
		}
	}
	const own = MessageEvent.prototype;
	// Enumerable, as Web IDL makes a MessageEvent's members.
	for (const name of Object.getOwnPropertyNames(own)) {
		if (name !== "constructor") {
			Object.defineProperty(own, name, { enumerable: true });
		}
	}
	// Members of MessageEvent this class does not know (userActivation in
	// Chromium, anything a browser adds) answer what a MessageEvent made
	// with no init would. A getter that accepts these events runs on them:
	// one a page added to MessageEvent.prototype may read their data, and
	// may not expect a MessageEvent without any.
	const blank = new globalThis.MessageEvent("message");
	const native = globalThis.MessageEvent.prototype;
	for (const name of Object.getOwnPropertyNames(native)) {
		const get = Object.getOwnPropertyDescriptor(native, name).get;
		if (name !== "constructor" && !Object.hasOwn(own, name) && get) {
			Object.defineProperty(own, name, {
				get() {
					try {
						return get.call(this);
					} catch {
						return get.call(blank);
					}
				},
				enumerable: true,
				configurable: true,
			});
		}
	}
	Object.setPrototypeOf(own, native);
	return MessageEvent;
}

// plainReceiver makes the message handler of a plain-mode socket, which Go
// installs on each browser WebSocket once it opens (see wasm/gluepath_js.go
// for the object p it shares with Go). Messages go from the browser socket
// to the page's listeners without entering Go, but for what the engine must
// see: the heartbeat's expected answer and a message over the size limit.
// The handler holds the instance weakly: Go keeps p for the life of the
// socket, and a closed socket must stay collectable.
function plainReceiver(ref, p) {
	// The UTF-8 size of text is counted after the event is dispatched, so
	// that a listener that answers runs sooner. Go reads bytesIn only
	// through this getter, which counts a message still uncounted first:
	// stats() called from a listener already includes its message.
	let counted = p.bytesIn;
	let uncounted = null;
	Object.defineProperty(p, "bytesIn", {
		get() {
			if (uncounted !== null) {
				counted += utf8Length(uncounted);
				uncounted = null;
			}
			return counted;
		},
		enumerable: true,
		configurable: true,
	});
	// As an event handler it runs with this set to the browser socket,
	// which is cheaper to read than ev.target.
	return function (ev) {
		if (this !== p.ws) {
			return;
		}
		const data = ev.data;
		const limit = p.maxMessageSize;
		if (typeof data === "string") {
			if (data === p.expect) {
				p.slow(ev);
				return;
			}
			// n code units take n to 3n bytes in UTF-8: only text that may
			// pass the limit is counted before the event.
			if (3 * data.length <= limit) {
				uncounted = data;
			} else {
				const size = utf8Length(data);
				if (size > limit) {
					p.slow(ev);
					return;
				}
				counted += size;
			}
		} else {
			const size = data.byteLength;
			if (size > limit) {
				p.slow(ev);
				return;
			}
			counted += size;
		}
		p.heard = performance.now();
		p.messagesIn++;
		const target = ref.deref();
		if (target !== undefined) {
			const value = typeof data === "string" || p.arrayBuffer ? data : new Blob([data]);
			target.dispatchEvent(messageEvent(p, p.origin, value));
		}
		if (uncounted !== null) {
			counted += utf8Length(uncounted);
			uncounted = null;
		}
	};
}

// In resume mode, once the handshake is done, the glue carries the
// session's data frames (see wasm/carry_js.go for the object p it shares
// with Go, and docs/PROTOCOL.md for the frames): it numbers, acknowledges
// and delivers the server's, and sends and keeps the page's until the
// server acknowledges them. Text data is a text message, binary data a
// binary message, each behind its type byte: the browser converts text
// itself. Go hands the ledger over with carry and takes it back with
// reclaim; every other frame goes to Go.
const TEXT_FRAME = 0x03;
const TEXT_TYPE = "\x03";
const BINARY_FRAME = 0x04;
const ACK_FRAME = 0x05;


function resumeReceiver(ref, p) {
	// As an event handler it runs with this set to the browser socket,
	// which is cheaper to read than ev.target.
	return function (ev) {
		if (this !== p.ws) {
			return;
		}
		const data = ev.data;
		let value;
		let size;
		if (typeof data === "string") {
			size = utf8Length(data) - 1;
			if (data.charCodeAt(0) !== TEXT_FRAME || size > p.maxMessageSize) {
				p.slow(ev);
				return;
			}
			value = data.slice(1);
		} else {
			const bytes = new Uint8Array(data);
			const type = bytes[0];
			size = bytes.length - 1;
			if (type === ACK_FRAME && p.direct) {
				// With nothing queued in Go, an acknowledgement only
				// releases frames; anything else about it is Go's to judge.
				const n = uvarint(bytes);
				if (n >= p.acked && n <= p.sent) {
					p.heard = performance.now();
					p.release(n);
					return;
				}
			}
			if (type !== BINARY_FRAME || size > p.maxMessageSize) {
				p.slow(ev);
				return;
			}
			value = p.arrayBuffer ? data.slice(1) : new Blob([bytes.subarray(1)]);
		}
		const now = performance.now();
		p.heard = now;
		p.lastData = now;
		p.received++;
		p.sinceAck += size;
		p.messagesIn++;
		p.bytesIn += size;
		const unacked = p.received - p.ackSent;
		if (unacked === 1) {
			p.oldest = now;
		}
		if (unacked >= p.ackEvery || p.sinceAck >= p.ackBytes) {
			sendAck(p);
		} else if (p.ackTimer === 0) {
			p.ackTimer = setTimeout(ackDue, p.ackQuiet, p);
		}
		const target = ref.deref();
		if (target !== undefined) {
			target.dispatchEvent(messageEvent(p, p.origin, value));
		}
	};
}

// uvarint reads the unsigned LEB128 number after a frame's type byte, which
// must end the frame; -1 if it is malformed, longer than 10 bytes or
// beyond 2^53.
function uvarint(bytes) {
	let n = 0;
	let scale = 1;
	// As Go's encoding/binary reads it, and so the server: at most 10 bytes.
	const end = Math.min(bytes.length, 11);
	for (let i = 1; i < end; i++) {
		const b = bytes[i];
		n += (b & 0x7f) * scale;
		if (b < 0x80) {
			return i === bytes.length - 1 && n <= Number.MAX_SAFE_INTEGER ? n : -1;
		}
		scale *= 0x80;
	}
	return -1;
}

// sendAck tells the server how many of its frames were delivered.
function sendAck(p) {
	let n = p.received;
	const frame = [ACK_FRAME];
	while (n >= 0x80) {
		frame.push((n % 0x80) | 0x80);
		n = Math.floor(n / 0x80);
	}
	frame.push(n);
	p.ws.send(new Uint8Array(frame));
	p.ackSent = p.received;
	p.sinceAck = 0;
	// A pending timer stays: it finds nothing to do, or the frames that
	// came since, and saves clearing and setting one for every ack.
}

// ackDue acknowledges once the stream is quiet, or at the latest ackMax
// after the oldest frame not acknowledged.
function ackDue(p) {
	p.ackTimer = 0;
	if (!p.carrying || p.ws === null || p.received === p.ackSent) {
		return;
	}
	const now = performance.now();
	const quiet = now - p.lastData;
	const waited = now - p.oldest;
	if (quiet < p.ackQuiet && waited < p.ackMax) {
		p.ackTimer = setTimeout(ackDue, Math.min(p.ackQuiet - quiet, p.ackMax - waited), p);
		return;
	}
	sendAck(p);
}

// sizeOf is the payload size of a data frame as the glue keeps it: a
// string for text, a Uint8Array for binary, each with its type byte.
function sizeOf(frame) {
	return (typeof frame === "string" ? utf8Length(frame) : frame.length) - 1;
}

// sendText sends s on ws, which is open, and returns its size in UTF-8.
// Within send() a browser adds exactly that to bufferedAmount (WHATWG
// WebSockets: "the number of bytes needed to express the argument as
// UTF-8"), and reading it twice costs less than counting a string of more
// than a few code units. A browser that added nothing to it gets counted.
function sendText(ws, s) {
	const before = ws.bufferedAmount;
	ws.send(s);
	const added = ws.bufferedAmount - before;
	return added > 0 || s.length === 0 ? added : utf8Length(s);
}

// sendFrame sends a data frame on the carried connection and keeps it
// until acknowledged; false if the connection is not open. A size below 0
// means the frame is a text frame the sending measures.
function sendFrame(p, frame, size) {
	const ws = p.ws;
	if (!p.carrying || ws === null || ws.readyState !== OPEN) {
		return false;
	}
	if (size < 0) {
		size = sendText(ws, frame) - 1;
	} else {
		ws.send(frame);
	}
	p.buf.push(frame);
	p.sizes.push(size);
	p.sent++;
	p.unackedBytes += size;
	return true;
}

// frameOf frames a message the page sends for Go, which queues it: the
// type byte and the payload, for text in UTF-8. Anything but a string, an
// ArrayBuffer or a view of one, null, is for Go to convert.
function frameOf(message) {
	let frame;
	if (typeof message === "string") {
		frame = new Uint8Array(utf8Length(message) + 1);
		frame[0] = TEXT_FRAME;
		utf8Encoder.encodeInto(message, frame.subarray(1));
	} else {
		// Go handles what WebSocket treats specially: detached, resizable
		// and shared buffers.
		const buffer = ArrayBuffer.isView(message) ? message.buffer : message;
		if (!(buffer instanceof ArrayBuffer) || buffer.detached || buffer.resizable) {
			return null;
		}
		const view = buffer === message
			? new Uint8Array(message)
			: new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
		frame = new Uint8Array(view.length + 1);
		frame[0] = BINARY_FRAME;
		frame.set(view, 1);
	}
	return frame;
}

// sendData sends a data frame directly if the window has room. A text
// frame is measured as it is sent, unless the window could be too small
// for its largest possible size: three bytes for each code unit.
function sendData(p, data) {
	const text = typeof data === "string";
	let size = text ? -1 : data.length - 1;
	const n = p.buf.length;
	if (n > 0) {
		if (n >= p.maxUnacked) {
			return false;
		}
		if (text && p.unackedBytes + 3 * (data.length - 1) > p.maxUnackedBytes) {
			size = sizeOf(data);
		}
		if (p.unackedBytes + size > p.maxUnackedBytes) {
			return false;
		}
	}
	const before = p.unackedBytes;
	if (!sendFrame(p, data, size)) {
		return false;
	}
	p.messagesOut++;
	p.bytesOut += p.unackedBytes - before;
	return true;
}

// carrier gives p the functions Go calls to hand the ledger over and back.
function carrier(p) {
	p.buf = [];
	p.sizes = [];
	p.sinceAck = 0;
	p.ackTimer = 0;
	p.lastData = 0;
	p.oldest = 0;
	p.carry = (ws, frames) => {
		p.buf = frames;
		p.sizes = frames.map(sizeOf);
		p.unackedBytes = p.sizes.reduce((a, b) => a + b, 0);
		for (const f of frames) {
			ws.send(f);
		}
		p.sinceAck = 0;
		p.lastData = p.oldest = performance.now();
		p.carrying = true;
		ws.onmessage = p.receive;
	};
	p.reclaim = () => {
		p.carrying = false;
		p.direct = false;
		if (p.ackTimer !== 0) {
			clearTimeout(p.ackTimer);
			p.ackTimer = 0;
		}
		const frames = p.buf;
		p.buf = [];
		p.sizes = [];
		p.unackedBytes = 0;
		return frames;
	};
	p.sendFrame = (frame) => sendFrame(p, frame, sizeOf(frame));
	p.release = (received) => {
		if (received < p.acked || received > p.sent) {
			return `server acknowledged ${received} messages, but ${p.sent} were sent and ${p.acked} acknowledged before`;
		}
		const n = received - p.acked;
		for (let i = 0; i < n; i++) {
			p.unackedBytes -= p.sizes[i];
		}
		p.buf.splice(0, n);
		p.sizes.splice(0, n);
		p.acked = received;
		return "";
	};
}

function deadError() {
	return new DOMException(`resock is not running: ${exited}`, "InvalidStateError");
}

// The arguments of every call are converted here, with JavaScript's own
// operations, before Go sees them. A toString, valueOf, getter, iterator or
// Proxy of the page's may throw: its exception then reaches the caller as it
// would from WebSocket, and never unwinds through the Go program (syscall/js
// reads properties without catching what a getter throws).

// OPTIONS are the members of the options dictionary, read in Web IDL's
// order (sorted by name) into a plain object.
const OPTIONS = [
	"backoffFactor", "binaryType", "connectTimeout", "delays", "heartbeat", "heartbeatInterval",
	"heartbeatTimeout", "hiddenHeartbeatInterval", "initialDelay", "maxDelay", "maxMessageSize",
	"maxQueuedBytes", "maxQueuedMessages", "maxRetries", "maxUnackedBytes", "minUptime",
	"outboxPolicy", "resume", "shouldReconnect",
];

function isObject(v) {
	return (typeof v === "object" && v !== null) || typeof v === "function";
}

// constructorArgs converts url (USVString), protocols (DOMString or a
// sequence of them) and options; functions, which resock accepts for url
// and protocols, stay as they are, and Go checks every value. The count of
// arguments is kept: Go treats a missing one as Web IDL does.
function constructorArgs(args) {
	const out = [...args];
	if (out.length > 0 && typeof out[0] !== "function") {
		out[0] = `${out[0]}`;
	}
	if (out.length > 1 && out[1] !== undefined && typeof out[1] !== "function") {
		const p = out[1];
		const iterator = isObject(p) ? p[Symbol.iterator] : undefined;
		if (iterator === undefined || iterator === null) {
			out[1] = `${p}`;
		} else if (typeof iterator !== "function") {
			throw new TypeError("The provided value cannot be converted to a sequence.");
		} else {
			out[1] = Array.from({ [Symbol.iterator]: () => iterator.call(p) }, (e) => `${e}`);
		}
	}
	if (out.length > 2 && isObject(out[2])) {
		const o = out[2];
		const copy = {};
		for (const name of OPTIONS) {
			let v = o[name];
			if (name === "heartbeat" && isObject(v)) {
				v = { expect: v.expect, message: v.message };
			} else if (name === "delays" && isObject(v)) {
				v = Array.from(v);
			}
			if (v !== undefined) {
				copy[name] = v;
			}
		}
		out[2] = copy;
	}
	return out;
}

// messageArg converts send's data: binary data as it is, anything else to a
// string.
function messageArg(args) {
	if (args.length === 0) {
		return [];
	}
	const data = args[0];
	if (data instanceof ArrayBuffer || ArrayBuffer.isView(data) || data instanceof Blob) {
		return [data];
	}
	return [`${data}`];
}

// closeArgs converts close's and reconnect's code (a number) and reason (a
// string), in that order.
function closeArgs(args) {
	const out = [...args];
	if (out.length > 0 && out[0] !== undefined) {
		out[0] = +out[0];
	}
	if (out.length > 1 && out[1] !== undefined) {
		out[1] = `${out[1]}`;
	}
	return out;
}

// check throws what a bridge call returned if it is an error.
function check(result) {
	if (result instanceof Error || result instanceof DOMException) {
		throw result;
	}
	return result;
}

// reportException reports an exception of an on* handler as the browser
// reports one from an event listener, without stopping the dispatch.
function reportException(err) {
	if (typeof globalThis.reportError === "function") {
		globalThis.reportError(err);
	} else {
		setTimeout(() => {
			throw err;
		});
	}
}

/**
 * ReconnectingWebSocket behaves like WebSocket but reconnects by itself,
 * with backoff, until close() is called. Messages sent while it is not open
 * are queued and delivered in order on reconnect.
 */
export class ReconnectingWebSocket extends EventTarget {
	#b;
	// #path is the data path Go shares (see wasm/gluepath_js.go), or null.
	#path = null;
	#url = "";
	// #handlers holds, per event type, the on* handler and the listener that
	// calls it, added when the handler is first set, as browsers do.
	#handlers = new Map();

	constructor(url) {
		super();
		if (exited) {
			throw deadError();
		}
		const args = constructorArgs(arguments);
		if (args.length > 0) {
			// After url, protocols and options: a socket made while the
			// network is down waits for it without an attempt.
			args.length = 3;
			args.push(globalThis.navigator?.onLine !== false);
		}
		this.#b = check(this.#call(() => bridge.create(this, ...args)));
		this.#url = this.#b.url();
		const p = this.#b.path;
		if (p) {
			this.#path = p;
			// Messages that reach Go become events here too, all alike.
			p.messageEvent = (data, origin) => messageEvent(p, origin, data);
			if (p.resume) {
				carrier(p);
				p.receive = resumeReceiver(new WeakRef(this), p);
			} else {
				p.receive = plainReceiver(new WeakRef(this), p);
			}
		}
		track(this, this.#b);
	}

	// #call runs a call into Go. A wasm trap means the Go program is broken
	// beyond use: it is reported as an exit.
	#call(f) {
		try {
			return f();
		} catch (err) {
			if (err instanceof WebAssembly.RuntimeError) {
				fatal(`the Go program crashed: ${err.message}`);
				throw deadError();
			}
			throw err;
		}
	}

	#bridge(name, args) {
		if (exited) {
			throw deadError();
		}
		return check(this.#call(() => this.#b[name](...args)));
	}

	#get(name, fallback) {
		return exited ? fallback : this.#bridge(name, []);
	}

	/** The URL of the current or last attempt: absolute, with ws: or wss:. */
	get url() {
		if (!exited) {
			this.#url = this.#bridge("url", []);
		}
		return this.#url;
	}

	get readyState() {
		return this.#get("readyState", CLOSED);
	}

	get state() {
		return this.#get("state", "closed");
	}

	get protocol() {
		return this.#get("protocol", "");
	}

	get extensions() {
		return this.#get("extensions", "");
	}

	get bufferedAmount() {
		return this.#get("bufferedAmount", 0);
	}

	get retryCount() {
		return this.#get("retryCount", 0);
	}

	get queuedMessages() {
		return this.#get("queuedMessages", 0);
	}

	get rtt() {
		return this.#get("rtt", null);
	}

	get binaryType() {
		return this.#get("binaryType", "blob");
	}

	set binaryType(value) {
		this.#bridge("setBinaryType", [`${value}`]);
	}

	stats() {
		if (exited) {
			return {
				attempts: 0, reconnects: 0, messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0,
				queued: 0, queuedBytes: 0, rtt: null, uptime: 0, state: "closed",
			};
		}
		return this.#bridge("stats", []);
	}

	send(data) {
		// A string needs no conversion: skip making the arguments array.
		const args = typeof data === "string" ? null : messageArg(arguments);
		const message = args === null ? data : args[0];
		// Go says when a message may go straight to the browser socket: the
		// socket is open and nothing queued could be overtaken.
		const p = this.#path;
		if (p !== null && !exited) {
			if (p.resume) {
				// Text goes as a string, which the browser converts itself.
				const data = typeof message === "string" ? TEXT_TYPE + message : frameOf(message);
				if (data !== null) {
					if (!p.direct || !sendData(p, data)) {
						// Go queues it: the socket is not open, Go has
						// messages queued, or the window is full.
						this.#bridge("sendFrame", [typeof data === "string" ? frameOf(message) : data]);
					}
					return;
				}
			} else if (p.direct && typeof message === "string") {
				const ws = p.ws;
				if (ws !== null && ws.readyState === OPEN) {
					p.bytesOut += sendText(ws, message);
					p.messagesOut++;
					return;
				}
			}
		}
		this.#bridge("send", args ?? [data]);
	}

	close() {
		this.#bridge("close", closeArgs(arguments));
	}

	reconnect() {
		this.#bridge("reconnect", closeArgs(arguments));
	}

	#handler(type) {
		return this.#handlers.get(type)?.value ?? null;
	}

	// #setHandler follows the event handler IDL attribute: a non-object
	// means null, which removes the listener; the first non-null value adds
	// it, so the handler runs in the order it was first set among listeners.
	#setHandler(type, value) {
		const handler = (typeof value === "object" && value !== null) || typeof value === "function" ? value : null;
		const entry = this.#handlers.get(type);
		if (handler === null) {
			if (entry) {
				this.removeEventListener(type, entry.listener);
				this.#handlers.delete(type);
			}
			return;
		}
		if (entry) {
			entry.value = handler;
			return;
		}
		const added = {
			value: handler,
			listener: (event) => {
				if (typeof added.value !== "function") {
					return;
				}
				try {
					added.value.call(this, event);
				} catch (err) {
					reportException(err);
				}
			},
		};
		this.#handlers.set(type, added);
		this.addEventListener(type, added.listener);
	}

	static {
		for (const type of EVENTS) {
			Object.defineProperty(this.prototype, `on${type}`, {
				get() {
					return this.#handler(type);
				},
				set(value) {
					this.#setHandler(type, value);
				},
				enumerable: true,
				configurable: true,
			});
		}
		const constants = { CONNECTING, OPEN, CLOSING, CLOSED };
		for (const [name, value] of Object.entries(constants)) {
			const desc = { value, enumerable: true, writable: false, configurable: false };
			Object.defineProperty(this, name, desc);
			Object.defineProperty(this.prototype, name, desc);
		}
		Object.defineProperty(this.prototype, Symbol.toStringTag, { value: "ReconnectingWebSocket", configurable: true });
	}
}

/**
 * __resockDebug reports the Go side's counters, for leak tests: goroutines,
 * functions handed to JavaScript and not released, the Go heap in bytes
 * (null unless resock.wasm was built with the tag resock_memstats) and the
 * sockets Go tracks, after a full Go collection. Not part of the API.
 */
export function __resockDebug() {
	if (exited) {
		throw deadError();
	}
	return check(bridge.debug());
}

/** Resolved once resock.wasm runs; the import itself already waits for it. */
export const ready = Promise.resolve();

export { CONNECTING, OPEN, CLOSING, CLOSED };

export default ReconnectingWebSocket;
