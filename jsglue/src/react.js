// react.js: the React hook of resock, imported as "resock/react". React is
// a peer dependency; resock.js itself does not need it. See react.d.ts for
// the API. make build copies this module as it is to jsglue/react.js, beside
// the bundled resock.js that its import names.
//
// One hook call owns one ReconnectingWebSocket for as long as the component
// is mounted and the protocols and options stay the same:
//
//   - The socket is made in an effect, never during render, and its close on
//     unmount waits for a microtask: React's StrictMode runs every effect's
//     cleanup and the effect again within one task, so the second run finds
//     the socket it is about to lose and keeps it. One connection, not two.
//   - The URL is given to the socket as a function that reads the latest
//     one, so a new URL is a reconnect() of the same socket: whatever it
//     had queued is sent on the new connection.
//   - Event handlers are read from the latest render when events come, so
//     that an inline function does not make a new socket on every render.
//   - lastMessage re-renders the component on each message only if the
//     component reads it; onMessage costs no render at all.

import { useCallback, useEffect, useRef, useSyncExternalStore } from "react";
import { CLOSED, CONNECTING, ReconnectingWebSocket as Glue } from "./resock.js";
import { checkURL } from "./wsargs.js";

/** The class, as resock.d.ts declares it. */
const ReconnectingWebSocket = /** @type {typeof import("../resock.d.ts").ReconnectingWebSocket} */ (/** @type {unknown} */ (Glue));

/**
 * @typedef {import("../resock.d.ts").ReconnectingWebSocketOptions} Options
 * @typedef {import("../resock.d.ts").UrlProvider} UrlProvider
 * @typedef {import("../resock.d.ts").ProtocolsProvider} ProtocolsProvider
 * @typedef {import("../resock.d.ts").SocketState} SocketState
 * @typedef {import("../resock.d.ts").SendData} SendData
 * @typedef {import("../react.d.ts").UseReconnectingWebSocketOptions} HookOptions
 * @typedef {import("../react.d.ts").UseReconnectingWebSocketResult} Result
 */

/** The hook's event handler options and the events they listen to. */
const handlers = /** @type {const} */ ({
	onOpen: "open",
	onMessage: "message",
	onClose: "close",
	onError: "error",
	onReconnecting: "reconnecting",
	onStateChange: "statechange",
	onDropped: "dropped",
});

/** Options of the hook's own, or read at each use: not passed to the socket as they are. */
const ownOptions = new Set([...Object.keys(handlers), "enabled", "binaryType", "shouldReconnect"]);

/**
 * socketKey is what makes a new socket when it changes: the protocols and
 * the options other than the hook's own. A function (a protocols function,
 * say) counts by its presence, not its identity, and is read at each use.
 * @param {string | Iterable<string> | ProtocolsProvider | undefined} protocols
 * @param {HookOptions} options
 * @returns {string}
 */
function socketKey(protocols, options) {
	/** @type {Record<string, unknown>} */
	const rest = {};
	for (const [name, value] of Object.entries(options)) {
		if (!ownOptions.has(name)) {
			rest[name] = value;
		}
	}
	return JSON.stringify([describe(protocols), rest], (_, v) => describe(v));
}

/**
 * describe turns a value into what JSON can compare: a function into a
 * mark, an iterable other than an array or string into an array.
 * @param {unknown} v
 * @returns {unknown}
 */
function describe(v) {
	if (typeof v === "function") {
		return "(function)";
	}
	if (v !== null && typeof v === "object" && !Array.isArray(v) && Symbol.iterator in v) {
		return "(iterable)";
	}
	return v;
}

/**
 * Binding is what one hook call keeps across renders: its socket and what
 * the effects and the event listeners need of the latest render.
 */
class Binding {
	/** @type {import("../resock.d.ts").ReconnectingWebSocket | null} */
	socket = null;
	/** The socketKey the socket was made with. */
	key = "";
	/** @type {string | URL | UrlProvider} the latest URL */
	url = "";
	/** The URL, as a string, the socket last learnt of: "" for a URL function. */
	urlSeen = "";
	/** @type {HookOptions} the latest options */
	options = {};
	/** @type {string | Iterable<string> | ProtocolsProvider | undefined} */
	protocols = undefined;
	/** Whether the latest render asked for a connection. */
	enabled = true;
	/** Whether the hook closed the socket because enabled is false. */
	paused = false;
	/** Whether a close is due at the next microtask: the component unmounted, or StrictMode is testing it. */
	releasing = false;
	/** @type {SendData[]} what send() was given before there was a socket to take it */
	pending = [];
	/** @type {MessageEvent<string | Blob | ArrayBuffer> | null} */
	last = null;
	/** Whether the component has read lastMessage, and so renders on each message. */
	watchesMessages = false;
	/** @type {Set<() => void>} React's subscriptions to the state and the socket */
	changed = new Set();
	/** @type {Set<() => void>} React's subscriptions to lastMessage */
	messaged = new Set();

	/** @param {() => void} fn */
	subscribe = (fn) => {
		this.changed.add(fn);
		return () => this.changed.delete(fn);
	};

	/** @param {() => void} fn */
	subscribeMessages = (fn) => {
		this.messaged.add(fn);
		return () => this.messaged.delete(fn);
	};

	/** @returns {SocketState} */
	state = () => {
		if (this.socket === null || this.paused) {
			return this.enabled && !this.paused ? "connecting" : "closed";
		}
		return this.socket.state;
	};

	getSocket = () => this.socket;

	getLast = () => this.last;

	notify() {
		for (const fn of this.changed) {
			fn();
		}
	}

	/**
	 * open makes the socket, with the URL and the protocols read at each
	 * attempt from the latest render, and sends what was waiting for it.
	 * @param {string} key
	 */
	open(key) {
		const given = this.options;
		/** @type {Options} */
		const options = {};
		for (const [name, value] of Object.entries(given)) {
			if (!ownOptions.has(name)) {
				Object.assign(options, { [name]: value });
			}
		}
		if (given.shouldReconnect !== undefined) {
			options.shouldReconnect = (e) => this.options.shouldReconnect?.(e) ?? true;
		}
		const protocols = typeof this.protocols === "function" ? () => /** @type {ProtocolsProvider} */ (this.protocols)() : this.protocols;
		const socket = new ReconnectingWebSocket(() => (typeof this.url === "function" ? this.url() : this.url), protocols, options);
		if (given.binaryType !== undefined) {
			socket.binaryType = given.binaryType;
		}
		for (const [option, type] of Object.entries(handlers)) {
			socket.addEventListener(type, (e) => {
				if (this.socket !== socket) {
					return;
				}
				if (type === "message") {
					this.last = /** @type {MessageEvent<string | Blob | ArrayBuffer>} */ (e);
					if (this.watchesMessages) {
						for (const fn of this.messaged) {
							fn();
						}
					}
				} else if (type === "statechange") {
					this.notify();
				}
				const handler = /** @type {((e: Event) => void) | undefined} */ (this.options[/** @type {keyof typeof handlers} */ (option)]);
				handler?.call(socket, e);
			});
		}
		this.socket = socket;
		this.key = key;
		this.urlSeen = typeof this.url === "function" ? "" : String(this.url);
		this.flush();
		this.notify();
	}

	/** flush sends what send() was given while there was no open socket. */
	flush() {
		const socket = this.socket;
		while (socket !== null && this.pending.length > 0) {
			socket.send(/** @type {SendData} */ (this.pending.shift()));
		}
	}

	/** close closes the socket for good; a new one is made if the hook runs again. */
	close() {
		const socket = this.socket;
		this.socket = null;
		this.releasing = false;
		this.paused = false;
		socket?.close(1000);
	}
}

/**
 * useReconnectingWebSocket keeps a ReconnectingWebSocket open while the
 * component is mounted. See react.d.ts.
 * @param {string | URL | UrlProvider} url
 * @param {string | Iterable<string> | ProtocolsProvider} [protocols]
 * @param {HookOptions} [options]
 * @returns {Result}
 */
export function useReconnectingWebSocket(url, protocols, options = {}) {
	if (typeof url !== "function") {
		checkURL(url);
	}
	const ref = useRef(/** @type {Binding | null} */ (null));
	ref.current ??= new Binding();
	const b = ref.current;
	// The latest render's values, read by the socket's listeners and by
	// the functions it was given.
	b.url = url;
	b.protocols = protocols;
	b.options = options;
	const enabled = options.enabled ?? true;
	const key = socketKey(protocols, options);
	const urlValue = typeof url === "function" ? "" : String(url);

	useEffect(() => {
		b.enabled = enabled;
		if (b.socket !== null && b.key !== key) {
			// A socket the protocols or options no longer describe.
			b.close();
		}
		b.releasing = false;
		if (!enabled) {
			if (b.socket !== null && !b.paused) {
				b.paused = true;
				b.socket.close(1000);
			}
			b.notify();
		} else if (b.socket === null) {
			b.open(key);
		} else if (b.paused) {
			b.paused = false;
			b.socket.reconnect();
			b.flush();
			b.notify();
		}
		return () => {
			// Unmounting, or about to run again: StrictMode, or new
			// dependencies. A run that finds the socket still releasing
			// keeps it.
			b.releasing = true;
			queueMicrotask(() => {
				if (b.releasing) {
					b.close();
					b.notify();
				}
			});
		};
	}, [b, key, enabled]);

	// A new URL: the same socket reconnects to it, keeping its queue.
	useEffect(() => {
		if (b.urlSeen === urlValue) {
			return;
		}
		b.urlSeen = urlValue;
		if (b.socket !== null && !b.paused && b.socket.readyState !== CLOSED) {
			b.socket.reconnect(1000, "URL changed");
		}
	}, [b, urlValue]);

	useEffect(() => {
		if (b.socket !== null && options.binaryType !== undefined) {
			b.socket.binaryType = options.binaryType;
		}
	}, [b, options.binaryType]);

	const socket = useSyncExternalStore(b.subscribe, b.getSocket, b.getSocket);
	const state = useSyncExternalStore(b.subscribe, b.state, b.state);
	const last = useSyncExternalStore(b.subscribeMessages, b.getLast, b.getLast);

	const send = useCallback(
		/** @param {SendData[]} args */
		(...args) => {
			if (args.length === 0) {
				throw new TypeError("Failed to execute 'send': 1 argument required, but only 0 present.");
			}
			const [data] = args;
			if (b.socket === null || b.paused) {
				b.pending.push(data);
				return;
			}
			b.socket.send(data);
		},
		[b],
	);

	return {
		socket,
		state,
		get readyState() {
			if (socket === null || b.paused) {
				return state === "closed" ? CLOSED : CONNECTING;
			}
			return socket.readyState;
		},
		get lastMessage() {
			b.watchesMessages = true;
			return last;
		},
		send,
	};
}
