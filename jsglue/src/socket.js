// socket.js: the ReconnectingWebSocket class. It is thin: it converts its
// arguments (webidl.js) and passes them to a per-socket bridge object made
// by Go, which does all checking and work and returns undefined or a value
// on success, or an Error for the class to throw, since a Go function cannot
// throw into its JavaScript caller. While the engine allows it, messages
// skip Go through the socket's DataPath (datapath.js).

import { DataPath } from "./datapath.js";
import { defineSocketMembers, handlersOf } from "./events.js";
import { track } from "./pagelife.js";
import { Store } from "./persist.js";
import { closeArgs, constructorArgs, messageArg } from "./webidl.js";

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

export { CONNECTING, OPEN, CLOSING, CLOSED };

const EVENTS = /** @type {const} */ (["open", "message", "close", "error", "reconnecting", "statechange", "dropped", "durable"]);

/** @import * as API from "../resock.d.ts" */
/** @import { DebugInfo, Program, Result } from "./load.js" */

/**
 * The methods of a socket's bridge object, which Go makes
 * (wasm/socket_js.go). Each returns its result, or the Error to throw.
 * @typedef {object} SocketMethods
 * @property {(...data: unknown[]) => Result<undefined>} send sends, or queues, send()'s converted argument
 * @property {(frame: Uint8Array) => Result<undefined>} sendFrame queues a frame the data path could not send
 * @property {(...args: unknown[]) => Result<undefined>} close takes close()'s converted code and reason
 * @property {(...args: unknown[]) => Result<undefined>} reconnect takes reconnect()'s converted code and reason
 * @property {() => Result<string>} url
 * @property {() => Result<API.ReadyState>} readyState
 * @property {() => Result<API.SocketState>} state
 * @property {() => Result<string>} protocol
 * @property {() => Result<string>} extensions
 * @property {() => Result<number>} bufferedAmount
 * @property {() => Result<number>} retryCount
 * @property {() => Result<number>} queuedMessages
 * @property {() => Result<number | null>} rtt
 * @property {() => Result<API.SocketStats>} stats
 * @property {() => Result<API.BinaryType>} binaryType
 * @property {(binaryType: string) => Result<undefined>} setBinaryType
 * @property {(online: boolean) => Result<undefined>} setOnline
 * @property {(hidden: boolean) => Result<undefined>} setHidden
 * @property {() => Result<undefined>} suspend
 * @property {() => Result<undefined>} wake
 * @property {() => Result<undefined>} probe
 * @property {() => Result<undefined>} pathChanged
 * @property {() => Result<Progress | null>} progress where the resume session stands
 * @property {(state: StoredState | null) => Result<undefined>} release ends a persistent socket's hold
 */

/**
 * Progress is where a resume session stands: its ids in hex and its
 * counters (engine.Progress).
 * @typedef {{session: string, token: string, client: string, firstID: number, sent: number, acked: number, received: number, foreign: number}} Progress
 */

/**
 * StoredState is a session read from a store (engine.SessionState).
 * @typedef {{session: string, token: string, client: string, firstID: number, received: number, sent: number, acked: number, unacked: (string | ArrayBuffer)[], queued: (string | ArrayBuffer)[]}} StoredState
 */

/**
 * SocketBridge is a socket's bridge object: its methods, its id, the set of
 * its browser WebSockets, and its DataPath when it runs over the browser's
 * WebSocket.
 * @typedef {SocketMethods & {id: number, webSockets: Set<WebSocket>, path?: DataPath, persist?: string}} SocketBridge
 */

/**
 * Getter is the name of a method that takes no arguments.
 * @typedef {{[K in keyof SocketMethods]: Parameters<SocketMethods[K]> extends [] ? K : never}[keyof SocketMethods]} Getter
 */

/**
 * Constants and Handlers are what the static block of the class adds with
 * defineProperty, out of tsc's sight: the readyState constants, and an
 * on* property per event.
 * @typedef {{readonly CONNECTING: typeof CONNECTING, readonly OPEN: typeof OPEN, readonly CLOSING: typeof CLOSING, readonly CLOSED: typeof CLOSED}} Constants
 * @typedef {{[K in typeof EVENTS[number] as `on${K}`]: API.ReconnectingWebSocket[`on${K}`]}} Handlers
 */

/**
 * deadError is what every call throws once the Go program ended.
 * @param {Program} program
 */
function deadError(program) {
	return new DOMException(`resock is not running: ${program.exited}`, "InvalidStateError");
}

/**
 * check throws what a bridge call returned if it is an error.
 * @template T
 * @param {T} result
 * @returns {Exclude<T, Error>}
 */
function check(result) {
	if (result instanceof Error || result instanceof DOMException) {
		throw result;
	}
	return /** @type {Exclude<T, Error>} */ (result);
}

/**
 * encoder turns a text frame the data path could not send into the bytes
 * Go's outbox takes; the type byte stays as it is.
 */
const encoder = new TextEncoder();

/**
 * defineSocket makes the ReconnectingWebSocket class of a running Go
 * program: each URL resock.js is imported from has its own program, and its
 * own class.
 * @param {Program} program
 */
export function defineSocket(program) {
	const bridge = program.bridge;
	/** @returns {boolean} */
	const dead = () => program.exited !== null;

	/**
	 * ReconnectingWebSocket behaves like WebSocket but reconnects by itself,
	 * with backoff, until close() is called. Messages sent while it is not open
	 * are queued and delivered in order on reconnect.
	 */
	class ReconnectingWebSocket extends EventTarget {
		/** @type {SocketBridge} */
		#b;
		/** @type {DataPath | null} */
		#path = null;
		/** @type {Store | null} */
		#store = null;
		#url = "";

		// Only url is named, so that the constructor's length is 1, as
		// WebSocket's is; protocols and options are read from arguments.
		/** @param {unknown} url */
		constructor(url) {
			super();
			handlersOf(this, true);
			if (dead()) {
				throw deadError(program);
			}
			const args = constructorArgs(arguments);
			if (args.length > 0) {
				// After url, protocols and options: a socket made while the
				// network is down waits for it without an attempt.
				args.length = 3;
				args.push(globalThis.navigator?.onLine !== false);
			}
			this.#b = check(this.#call(() => bridge.create(this, ...args)));
			// url() answers an Error only if Go failed. The socket exists
			// now, so the constructor must not throw; the getter asks again.
			const first = this.#b.url();
			this.#url = typeof first === "string" ? first : "";
			const path = this.#b.path;
			if (path instanceof DataPath) {
				this.#path = path;
				path.setTarget(this, (frame) => this.#queue(frame));
			}
			if (typeof this.#b.persist === "string") {
				this.#persist(this.#b.persist);
			}
			track(this, this.#b, program);
		}

		/**
		 * persist starts the store of a persistent socket, which reads what
		 * it holds and then releases the socket, held until then. Its
		 * listeners come before any the page adds.
		 * @param {string} name
		 */
		#persist(name) {
			const store = this.#store = new Store(name, this.#url, {
				progress: () => dead() ? null : this.#bridge("progress", []),
				release: (state) => {
					if (!dead()) {
						this.#bridge("release", [state]);
					}
				},
				dispatch: (ev) => this.dispatchEvent(ev),
				closing: () => this.readyState >= CLOSING,
			}, (data) => this.#sendNow([data]));
			this.addEventListener("dropped", (ev) => store.dropped(/** @type {API.DroppedEvent} */ (ev).messages));
			this.addEventListener("message", () => store.changed());
			this.addEventListener("open", () => store.changed());
			this.addEventListener("close", (ev) => {
				if (!(/** @type {API.ReconnectingCloseEvent} */ (ev).willReconnect)) {
					store.close();
				}
			});
		}

		/**
		 * #call runs a call into Go. A wasm trap means the Go program is broken
		 * beyond use: it is reported as an exit.
		 * @template T
		 * @param {() => T} f
		 * @returns {T}
		 */
		#call(f) {
			try {
				return f();
			} catch (err) {
				if (err instanceof WebAssembly.RuntimeError) {
					program.fatal(`the Go program crashed: ${err.message}`);
					throw deadError(program);
				}
				throw err;
			}
		}

		/**
		 * @template {keyof SocketMethods} K
		 * @param {K} name
		 * @param {Parameters<SocketMethods[K]>} args
		 * @returns {Exclude<ReturnType<SocketMethods[K]>, Error>}
		 */
		#bridge(name, args) {
			if (dead()) {
				throw deadError(program);
			}
			return check(this.#call(() => /** @type {(...args: Parameters<SocketMethods[K]>) => ReturnType<SocketMethods[K]>} */ (this.#b[name])(...args)));
		}

		/**
		 * @template {Getter} K
		 * @param {K} name
		 * @param {Exclude<ReturnType<SocketMethods[K]>, Error>} fallback
		 * @returns {Exclude<ReturnType<SocketMethods[K]>, Error>}
		 */
		#get(name, fallback) {
			return dead() ? fallback : this.#bridge(name, /** @type {Parameters<SocketMethods[K]>} */ ([]));
		}

		/**
		 * #queue hands Go's outbox a frame the data path held and could not
		 * send; a refusal (the outbox is full) is an error event, as for a Blob
		 * the Go path could not send.
		 * @param {string | Uint8Array} frame
		 */
		#queue(frame) {
			try {
				this.#bridge("sendFrame", [typeof frame === "string" ? encoder.encode(frame) : frame]);
			} catch (err) {
				const message = `failed to send message: ${err instanceof Error ? err.message : err}`;
				this.dispatchEvent(Object.assign(new Event("error"), { message, error: err }));
			}
		}

		/** The URL of the current or last attempt: absolute, with ws: or wss:. */
		get url() {
			if (!dead()) {
				this.#url = this.#bridge("url", []);
			}
			return this.#url;
		}

		/** @returns {API.ReadyState} */
		get readyState() {
			return this.#get("readyState", CLOSED);
		}

		/** @returns {API.SocketState} */
		get state() {
			return this.#get("state", "closed");
		}

		/** @returns {string} */
		get protocol() {
			return this.#get("protocol", "");
		}

		/** @returns {string} */
		get extensions() {
			return this.#get("extensions", "");
		}

		/** @returns {number} */
		get bufferedAmount() {
			// What waits in the store behind a Blob it reads is queued too.
			const waiting = this.#store?.waiting[1] ?? 0;
			const path = this.#path;
			if (path !== null && !dead()) {
				// While nothing is queued in Go, the data path knows it all.
				const n = path.bufferedAmount();
				if (n >= 0) {
					return n + waiting;
				}
			}
			return this.#get("bufferedAmount", 0) + waiting;
		}

		/** @returns {number} */
		get retryCount() {
			return this.#get("retryCount", 0);
		}

		/** @returns {number} */
		get queuedMessages() {
			return this.#get("queuedMessages", 0) + (this.#store?.waiting[0] ?? 0);
		}

		/** @returns {number | null} */
		get rtt() {
			return this.#get("rtt", null);
		}

		/** @returns {API.BinaryType} */
		get binaryType() {
			if (this.#path !== null) {
				return this.#path.binaryType;
			}
			return this.#get("binaryType", "blob");
		}

		/** @param {unknown} value */
		set binaryType(value) {
			if (this.#path !== null) {
				this.#path.binaryType = `${value}`;
				return;
			}
			this.#bridge("setBinaryType", [`${value}`]);
		}

		/** @returns {API.SocketStats} */
		stats() {
			if (dead()) {
				return {
					attempts: 0, reconnects: 0, messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0,
					queued: 0, queuedBytes: 0, rtt: null, uptime: 0, state: "closed",
				};
			}
			return this.#bridge("stats", []);
		}

		/** @param {string | ArrayBuffer | ArrayBufferView | Blob} data */
		send(data) {
			const store = this.#store;
			if (store !== null && !dead() && arguments.length > 0) {
				const [message] = /** @type {[string | ArrayBuffer | ArrayBufferView | Blob]} */ (messageArg(arguments));
				store.send(message);
				return;
			}
			this.#sendNow(arguments);
		}

		/**
		 * whenDurable resolves once every message sent so far is stored by
		 * options.persist, or acknowledged by the server; it rejects if the
		 * store stopped before, or if the socket does not persist.
		 * @returns {Promise<void>}
		 */
		whenDurable() {
			if (this.#store === null) {
				return Promise.reject(new DOMException("the socket has no options.persist", "InvalidStateError"));
			}
			return this.#store.whenDurable();
		}

		/**
		 * sendNow sends send()'s arguments through the data path or Go. It
		 * takes them as they are, so that a send makes no copy of them.
		 * @param {ArrayLike<unknown>} args
		 */
		#sendNow(args) {
			const data = /** @type {string | ArrayBuffer | ArrayBufferView | Blob} */ (args[0]);
			const path = this.#path;
			if (path !== null && !dead() && args.length > 0) {
				// A string and binary data need no conversion; anything else
				// becomes a string, as WebSocket makes it, once.
				const message = typeof data === "string" || data instanceof ArrayBuffer || ArrayBuffer.isView(data) || data instanceof Blob
					? data
					: `${data}`;
				// The data path sends at once when the engine allows it: the
				// socket is open and nothing queued could be overtaken.
				if (!path.send(message)) {
					this.#bridge("send", [message]);
				}
				return;
			}
			this.#bridge("send", messageArg(args));
		}

		// close and reconnect take (code, reason) from arguments: as
		// WebSocket.close, their length is 0.
		close() {
			this.#bridge("close", closeArgs(arguments));
		}

		reconnect() {
			this.#bridge("reconnect", closeArgs(arguments));
		}

		static {
			defineSocketMembers(this, EVENTS, { CONNECTING, OPEN, CLOSING, CLOSED });
		}
	}

	/**
	 * Instance is a socket with what the static block added.
	 * @typedef {ReconnectingWebSocket & Constants & Handlers} Instance
	 */
	return /** @type {(new (url: unknown) => Instance) & typeof ReconnectingWebSocket & Constants} */ (ReconnectingWebSocket);
}

/**
 * debug reports the Go side's counters, for leak tests (see resock.js).
 * @param {Program} program
 * @returns {DebugInfo}
 */
export function debug(program) {
	if (program.exited !== null) {
		throw deadError(program);
	}
	return check(program.bridge.debug());
}
