// shared.js: shared sockets, the module "resock/shared". Sockets made with
// the same URL, protocols, options and sharing name in any tab of an
// origin share one connection, held by resock's SharedWorker
// (sharedworker.js), which runs the one Go program of the origin. This
// module loads no WebAssembly: a tab that imports it starts no Go runtime
// of its own. Where there is no SharedWorker the host runs in the page,
// loaded on the first socket, and each tab has its own connection as with
// resock.js; `sharing` tells which a socket got.
//
// Every tab's object is a whole socket: its own listeners, its state
// mirrored from the connection, its messages sent in the order it sent
// them, and every message the connection receives (a broadcast: each
// tab's socket gets each message once, in order). close() closes this
// tab's socket only; the connection closes once no tab has a socket on it,
// after a grace that lets a reload resume its session.

import { defineSocketMembers, handlersOf } from "./events.js";
import { bytesOf, closeArgs, constructorArgs, messageArg } from "./webidl.js";
import { utf8Length } from "./utf8.js";
import { checkProtocols, checkURL } from "./wsargs.js";

/** @typedef {import("../resock.d.ts").SocketState} SocketState */
/** @typedef {import("./sharedhost.js").Snapshot} Snapshot */

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

const EVENTS = /** @type {const} */ (["open", "message", "close", "error", "reconnecting", "statechange", "dropped", "durable"]);

/** @type {Record<SocketState, number>} */
const READY = { connecting: CONNECTING, reconnecting: CONNECTING, offline: CONNECTING, open: OPEN, closing: CLOSING, closed: CLOSED };

/** How long a connection outlives its last tab by default, in ms. */
const DEFAULT_GRACE = 3000;

/** Acknowledged messages a tab gathers before telling the host. */
const ACK_EVERY = 64;

/** @type {Link | null} */
let link = null;

/**
 * Link is this tab's one port to the host, shared by its sockets.
 */
class Link {
	/** @type {"worker" | "page"} */
	sharing;
	/** @type {MessagePort} */
	port;
	/** @type {Map<number, SharedSocket>} */
	sockets = new Map();
	nextID = 1;
	/** @type {Map<number, number>} messages dispatched per socket and not yet acknowledged */
	acks = new Map();
	/** @type {string | null} why the host could not start; sockets made after fail at once */
	failed = null;

	/**
	 * @type {object[] | null} what was posted before the host first
	 * answered, kept to post again to a host in the page should the worker
	 * fail to start; null once the host has answered
	 */
	early = [];

	constructor() {
		/** @type {SharedWorker | null} */
		let worker = null;
		if (typeof SharedWorker === "function") {
			try {
				// extendedLifetime keeps the worker, and so the connection, for
				// a while after its last tab is gone: a reload of the only tab
				// finds it (Chromium has it; a browser without it ignores it).
				worker = new SharedWorker(new URL("./sharedworker.js", import.meta.url), /** @type {WorkerOptions} */ ({ type: "module", name: "resock-shared", extendedLifetime: true }));
			} catch (err) {
				console.warn(`resock: no shared worker (${err instanceof Error ? err.message : err}); this tab's sockets have their own connection`);
			}
		}
		if (worker !== null) {
			// A worker that fails to load (a policy that forbids it, a file
			// the server does not have) leaves the tab to its own connection.
			worker.addEventListener("error", () => this.fallBack("the shared worker failed to load"));
			this.sharing = "worker";
			this.port = worker.port;
			this.listen();
			this.hello();
		} else {
			this.sharing = "page";
			this.port = this.inPage();
			this.listen();
		}
	}

	listen() {
		this.port.addEventListener("message", (e) => this.receive(e.data));
		this.port.start();
	}

	/**
	 * inPage starts the host in this page and returns the port to it.
	 * @returns {MessagePort}
	 */
	inPage() {
		const { port1, port2 } = new MessageChannel();
		import("./sharedhost.js").then(
			(h) => h.serve(port2),
			(err) => this.fatal(`resock: failed to start: ${err instanceof Error ? err.message : err}`),
		);
		return port1;
	}

	/**
	 * fallBack moves the tab's sockets to a host in the page, if the worker
	 * never answered: what was posted to it goes again, in order.
	 * @param {string} why
	 */
	fallBack(why) {
		if (this.early === null || this.sharing === "page") {
			this.fatal(`resock: ${why}`);
			return;
		}
		console.warn(`resock: ${why}; this tab's sockets have their own connection`);
		this.port.close();
		this.sharing = "page";
		this.port = this.inPage();
		this.listen();
		for (const msg of this.early) {
			this.port.postMessage(msg);
		}
	}

	/**
	 * hello takes a Web Lock for as long as this tab lives and names it to
	 * the host, which learns from it when the tab is gone (closed,
	 * navigated, crashed: a port says nothing then). Without Web Locks (an
	 * insecure context) the tab says goodbye when it is unloaded.
	 */
	hello() {
		const locks = globalThis.navigator?.locks;
		if (locks !== undefined) {
			const name = `resock-tab-${globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random()}`}`;
			locks.request(name, () => {
				this.port.postMessage({ op: "hello", lock: name });
				return new Promise(() => {});
			});
			return;
		}
		globalThis.addEventListener?.("pagehide", (e) => {
			if (!(/** @type {PageTransitionEvent} */ (e).persisted)) {
				for (const id of this.sockets.keys()) {
					this.port.postMessage({ op: "close", id });
				}
			}
		});
	}

	/**
	 * @param {SharedSocket} s
	 * @returns {number}
	 */
	add(s) {
		const id = this.nextID++;
		this.sockets.set(id, s);
		return id;
	}

	/** @param {object} msg */
	post(msg) {
		this.early?.push(msg);
		this.port.postMessage(msg);
	}

	/**
	 * acked counts a message socket id dispatched; the host hears of them
	 * in batches, and at the end of the task.
	 * @param {number} id
	 */
	acked(id) {
		if (this.acks.size === 0) {
			queueMicrotask(() => this.flushAcks());
		}
		const n = (this.acks.get(id) ?? 0) + 1;
		this.acks.set(id, n);
		if (n >= ACK_EVERY) {
			this.post({ op: "ack", id, n });
			this.acks.set(id, 0);
		}
	}

	flushAcks() {
		for (const [id, n] of this.acks) {
			if (n > 0) {
				this.post({ op: "ack", id, n });
			}
		}
		this.acks.clear();
	}

	/** @param {{op: string, id?: number, message?: string}} msg */
	receive(msg) {
		if (msg.op === "fatal") {
			this.fallBack(msg.message ?? "the shared worker failed");
			return;
		}
		if (msg.op === "ready") {
			this.early = null;
			return;
		}
		this.sockets.get(/** @type {number} */ (msg.id))?.receive(msg);
	}

	/** @param {string} why */
	fatal(why) {
		if (this.failed !== null) {
			return;
		}
		this.failed = why;
		console.error(why);
		for (const s of [...this.sockets.values()]) {
			s.receive({ op: "failed", name: "Error", message: why });
		}
	}
}

/**
 * readonly defines fields of an event as read-only properties.
 * @template {Event} E
 * @param {E} e
 * @param {Record<string, unknown>} fields
 * @returns {E}
 */
function readonly(e, fields) {
	for (const [k, v] of Object.entries(fields)) {
		Object.defineProperty(e, k, { value: v, enumerable: true });
	}
	return e;
}

/**
 * checkClose converts close's and reconnect's code and reason and throws
 * what WebSocket's close throws for them: a code other than 1000 or
 * 3000–4999, a reason over 123 UTF-8 bytes.
 * @param {string} op
 * @param {IArguments} args
 * @returns {[number | undefined, string | undefined]}
 */
function checkClose(op, args) {
	const [code, reason] = /** @type {[number | undefined, string | undefined]} */ (closeArgs(args));
	if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999)) {
		throw new DOMException(`Failed to execute '${op}' on 'ReconnectingWebSocket': The close code must be either 1000, or between 3000 and 4999. ${code} is neither.`, "InvalidAccessError");
	}
	if (reason !== undefined && utf8Length(reason) > 123) {
		throw new DOMException(`Failed to execute '${op}' on 'ReconnectingWebSocket': The close reason must not be greater than 123 UTF-8 bytes.`, "SyntaxError");
	}
	return [code, reason];
}

/**
 * SharedSocket is a tab's socket on a shared connection. See shared.d.ts.
 */
class SharedSocket extends EventTarget {
	/** @type {Link} */
	#link;
	/** @type {number} */
	#id;
	/** @type {SocketState} */
	#state = "connecting";
	/** Whether this tab closed its socket. */
	#closed = false;
	/** @type {"blob" | "arraybuffer"} */
	#binaryType = "blob";
	/** @type {Snapshot | null} */
	#snap = null;
	#url;
	#origin;
	/** @type {object} what the host needs to make this socket a member again */
	#request;
	/** @type {number[]} sizes of sends posted to the host and not taken yet */
	#posted = [];
	#postedBytes = 0;
	/** The connection's outbox as of the host's last word: bytes and messages. */
	#buffered = 0;
	#queued = 0;
	/** Whether this membership's final close was dispatched. */
	#ended = false;
	/** @type {Map<number, {resolve: () => void, reject: (err: Error) => void}>} whenDurable calls awaiting the host */
	#durableWaits = new Map();
	#durableAsks = 0;

	// Only url is named, so that the constructor's length is 1, as
	// WebSocket's is; protocols and options are read from arguments.
	/** @param {unknown} url */
	constructor(url) {
		super();
		handlersOf(this, true);
		if (arguments.length === 0) {
			throw new TypeError("Failed to construct 'ReconnectingWebSocket': 1 argument required, but only 0 present.");
		}
		const raw = arguments.length > 2 ? arguments[2] : undefined;
		if (typeof url === "function" || typeof arguments[1] === "function") {
			throw new TypeError("Failed to construct 'ReconnectingWebSocket': a shared socket's URL and protocols cannot be functions, which do not cross to the SharedWorker");
		}
		const args = constructorArgs(arguments);
		this.#url = checkURL(/** @type {string} */ (args[0]));
		this.#origin = new URL(this.#url).origin;
		const protocols = checkProtocols(/** @type {string | string[] | undefined} */ (args[1]));
		/** @type {Record<string, unknown>} */
		const options = /** @type {Record<string, unknown>} */ (args[2] ?? {});
		if (options.shouldReconnect !== undefined) {
			throw new TypeError("Failed to construct 'ReconnectingWebSocket': shouldReconnect cannot be a shared socket's option: functions do not cross to the SharedWorker");
		}
		if (options.binaryType !== undefined) {
			if (options.binaryType !== "blob" && options.binaryType !== "arraybuffer") {
				throw new TypeError(`Failed to construct 'ReconnectingWebSocket': binaryType must be "blob" or "arraybuffer"`);
			}
			this.#binaryType = options.binaryType;
			delete options.binaryType;
		}
		const r = /** @type {{shared?: unknown, sharedGrace?: unknown} | undefined} */ (raw);
		const name = r?.shared === undefined ? "" : `${r.shared}`;
		const grace = r?.sharedGrace === undefined ? DEFAULT_GRACE : Number(r.sharedGrace);
		if (!Number.isFinite(grace) || grace < 0) {
			throw new RangeError("Failed to construct 'ReconnectingWebSocket': sharedGrace must be a number of milliseconds, 0 or more");
		}
		link ??= new Link();
		this.#link = link;
		this.#id = link.add(this);
		const key = JSON.stringify([this.#url, protocols, options, name]);
		this.#request = { op: "open", id: this.#id, key, url: this.#url, protocols, options, grace };
		if (link.failed !== null) {
			const why = link.failed;
			queueMicrotask(() => this.receive({ op: "failed", name: "Error", message: why }));
			return;
		}
		link.post(this.#request);
	}

	/** Where the connection of this socket is held: "worker", shared by the tabs, or "page", this tab's own. */
	get sharing() {
		return this.#link.sharing;
	}

	get url() {
		return this.#snap?.url || this.#url;
	}

	get readyState() {
		return READY[this.#state];
	}

	get state() {
		return this.#state;
	}

	get protocol() {
		return this.#snap?.protocol ?? "";
	}

	get extensions() {
		return this.#snap?.extensions ?? "";
	}

	get binaryType() {
		return this.#binaryType;
	}

	set binaryType(v) {
		// As WebSocket's: a value that is not one of the two is ignored.
		if (v === "blob" || v === "arraybuffer") {
			this.#binaryType = v;
		}
	}

	/** The connection's buffered bytes, and this tab's sends on their way to it. */
	get bufferedAmount() {
		return this.#buffered + this.#postedBytes;
	}

	get queuedMessages() {
		return this.#queued + this.#posted.length;
	}

	get retryCount() {
		return this.#snap?.retryCount ?? 0;
	}

	get rtt() {
		return this.#snap?.rtt ?? null;
	}

	stats() {
		const s = this.#snap?.stats;
		return { attempts: 0, reconnects: 0, messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, queued: 0, queuedBytes: 0, rtt: null, uptime: 0, ...s, state: this.#state };
	}

	/** @param {unknown} data */
	send(data) {
		const [d] = messageArg(arguments);
		if (arguments.length === 0 || d === undefined) {
			throw new TypeError("Failed to execute 'send' on 'ReconnectingWebSocket': 1 argument required, but only 0 present.");
		}
		if (this.#closed) {
			throw new DOMException("Failed to execute 'send' on 'ReconnectingWebSocket': the socket was closed.", "InvalidStateError");
		}
		/** @type {string | ArrayBuffer | Blob} */
		let out;
		let size;
		if (typeof d === "string") {
			out = d;
			size = utf8Length(d);
		} else if (d instanceof Blob) {
			out = d;
			size = d.size;
		} else {
			// Copied at the call, as WebSocket does.
			out = bytesOf(d).slice().buffer;
			size = out.byteLength;
		}
		this.#link.post({ op: "send", id: this.#id, data: out });
		this.#posted.push(size);
		this.#postedBytes += size;
	}

	/**
	 * whenDurable asks the host, after this tab's sends, whether the
	 * connection's store holds them.
	 * @returns {Promise<void>}
	 */
	whenDurable() {
		if (this.#closed) {
			return Promise.reject(new DOMException("the socket was closed", "InvalidStateError"));
		}
		const n = ++this.#durableAsks;
		return new Promise((resolve, reject) => {
			this.#durableWaits.set(n, { resolve, reject });
			this.#link.post({ op: "whenDurable", id: this.#id, n });
		});
	}

	close() {
		const [code, reason] = checkClose("close", arguments);
		if (this.#closed) {
			return;
		}
		this.#closed = true;
		if (this.#state !== "closed") {
			this.#state = "closing";
		}
		this.#link.post({ op: "close", id: this.#id, code, reason });
	}

	/**
	 * reconnect reconnects the shared connection, for every tab; on a
	 * socket this tab closed, it makes it a member again.
	 */
	reconnect() {
		const [code, reason] = checkClose("reconnect", arguments);
		if (this.#closed) {
			// A new membership, under a new id: what the host still sends
			// of the old one finds no socket.
			this.#link.sockets.delete(this.#id);
			this.#id = this.#link.add(this);
			this.#request = { ...this.#request, id: this.#id };
			this.#closed = false;
			this.#ended = false;
			this.#posted = [];
			this.#postedBytes = 0;
			const from = this.#state;
			this.#state = "connecting";
			this.dispatchEvent(readonly(new Event("statechange"), { from, to: "connecting" }));
			this.#link.post(this.#request);
			return;
		}
		// The connection, for every tab; one that gave up comes back.
		this.#link.post({ op: "reconnect", id: this.#id, code, reason });
	}

	/**
	 * receive handles what the host says of this socket.
	 * @param {{op: string, type?: string, init?: Record<string, unknown>, snap?: Snapshot, n?: number, bufferedAmount?: number, queuedMessages?: number, name?: string, message?: string}} msg
	 */
	receive(msg) {
		switch (msg.op) {
			case "event":
				if (msg.snap !== undefined) {
					this.#snap = msg.snap;
					this.#buffered = msg.snap.bufferedAmount;
					this.#queued = msg.snap.queuedMessages;
				}
				this.#event(/** @type {string} */ (msg.type), msg.init ?? {});
				break;
			case "took": {
				for (let i = 0; i < (msg.n ?? 0); i++) {
					this.#postedBytes -= this.#posted.shift() ?? 0;
				}
				this.#buffered = msg.bufferedAmount ?? 0;
				this.#queued = msg.queuedMessages ?? 0;
				break;
			}
			case "durable": {
				const w = this.#durableWaits.get(msg.n ?? 0);
				this.#durableWaits.delete(msg.n ?? 0);
				if (msg.name === undefined) {
					w?.resolve();
				} else {
					w?.reject(new DOMException(String(msg.message), msg.name));
				}
				break;
			}
			case "left":
				// The host ended the membership: this tab's close, or a cut-off.
				this.#closed = true;
				this.#state = "closed";
				this.#posted = [];
				this.#postedBytes = 0;
				this.#link.sockets.delete(this.#id);
				break;
			case "failed": {
				// The socket could not be made where it lives (an option
				// out of range, say), or the host is gone.
				const message = `${msg.name}: ${msg.message}`;
				const from = this.#state;
				this.#closed = true;
				this.#ended = true;
				this.#state = "closed";
				this.#link.sockets.delete(this.#id);
				this.dispatchEvent(readonly(new Event("error"), { message, error: new Error(message) }));
				this.dispatchEvent(readonly(new CloseEvent("close", { code: 1006, reason: "", wasClean: false }), { willReconnect: false }));
				if (from !== "closed") {
					this.dispatchEvent(readonly(new Event("statechange"), { from, to: "closed" }));
				}
				break;
			}
		}
	}

	/**
	 * #event dispatches an event of the connection as this socket's.
	 * @param {string} type
	 * @param {Record<string, unknown>} init
	 */
	#event(type, init) {
		switch (type) {
			case "message": {
				let data = /** @type {string | ArrayBuffer} */ (init.data);
				const e = new MessageEvent("message", { data: typeof data !== "string" && this.#binaryType === "blob" ? new Blob([data]) : data, origin: this.#origin });
				this.dispatchEvent(e);
				this.#link.acked(this.#id);
				return;
			}
			case "statechange": {
				const to = /** @type {SocketState} */ (init.to);
				// A socket this tab closed shows only its own closing.
				if (this.#closed && to !== "closing" && to !== "closed") {
					return;
				}
				this.#state = to;
				this.dispatchEvent(readonly(new Event("statechange"), init));
				return;
			}
			case "close": {
				const { code, reason, wasClean, ...rest } = init;
				// One final close per membership; a socket this tab closed
				// shows none of the connection's others.
				if (this.#ended || (this.#closed && rest.willReconnect !== false)) {
					return;
				}
				if (rest.willReconnect === false) {
					this.#ended = true;
				}
				this.dispatchEvent(readonly(new CloseEvent("close", { code: Number(code), reason: String(reason), wasClean: Boolean(wasClean) }), rest));
				return;
			}
			case "error": {
				const message = String(init.message);
				this.dispatchEvent(readonly(new Event("error"), { message, error: new Error(message) }));
				return;
			}
			default:
				if (this.#closed) {
					return;
				}
				this.dispatchEvent(readonly(new Event(type), init));
		}
	}

	static {
		defineSocketMembers(this, EVENTS, { CONNECTING, OPEN, CLOSING, CLOSED });
	}
}

/** The class, as shared.d.ts declares it: with the on* attributes and constants the static block adds. */
export const ReconnectingWebSocket = /** @type {typeof import("../shared.d.ts").ReconnectingWebSocket} */ (/** @type {unknown} */ (SharedSocket));
export default ReconnectingWebSocket;
export { CONNECTING, OPEN, CLOSING, CLOSED };
