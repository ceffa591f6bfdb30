/**
 * resock: a reconnecting WebSocket for web pages, written in Go and compiled
 * to WebAssembly.
 *
 * `ReconnectingWebSocket` is a drop-in for the browser's `WebSocket`: the same
 * constructor, properties, methods, events and exceptions. The difference is
 * that it does not give up. When the connection drops it reconnects by
 * itself, with jittered exponential backoff (or a fixed schedule), keeps its
 * listeners, and delivers what was sent while it was down, in order, once it
 * is back. It stops only when `close()` is called, or after `maxRetries`
 * failed attempts; `reconnect()` revives it.
 *
 * ```js
 * import { ReconnectingWebSocket } from "/resock.js";
 * const ws = new ReconnectingWebSocket("wss://example.com/chat");
 * ws.addEventListener("message", (e) => console.log(e.data));
 * ws.addEventListener("reconnecting", (e) => console.log(`retry ${e.attempt} in ${e.delay} ms`));
 * ws.send("hello"); // queued until open, delivered in order
 * ```
 *
 * Importing the module loads `wasm_exec.js` and `resock.wasm` once, with
 * top-level await, so the constructor works synchronously as soon as the
 * import resolves. Both files are looked up beside `resock.js`; the module
 * URL's query can point elsewhere:
 * `import ... from "/resock.js?wasm=/static/resock.wasm&wasm_exec=/static/wasm_exec.js"`.
 *
 * Misuse throws what `WebSocket` throws: a bad URL or subprotocol a
 * `SyntaxError` DOMException, a bad close code an `InvalidAccessError`, a close
 * reason over 123 UTF-8 bytes a `SyntaxError`, arguments of the wrong type a
 * `TypeError`. Options of the wrong type throw a `TypeError`, options out of
 * range a `RangeError`. A full outbox throws a `QuotaExceededError` and
 * `send()` after `close()` an `InvalidStateError`. No call, argument or
 * throwing listener can stop the Go runtime behind the class; if it ever
 * exits, the error is logged and every method throws `InvalidStateError`.
 *
 * @module
 */

/** The `readyState` values, as on `WebSocket`. */
export const CONNECTING: 0;
export const OPEN: 1;
export const CLOSING: 2;
export const CLOSED: 3;

/** A `readyState` value. `CONNECTING` also covers waiting to reconnect. */
export type ReadyState = typeof CONNECTING | typeof OPEN | typeof CLOSING | typeof CLOSED;

/**
 * Where the socket is in its life; finer than `readyState`:
 * - `"connecting"`: the first connection attempt;
 * - `"open"`: connected;
 * - `"reconnecting"`: waiting before, or making, a later attempt;
 * - `"closing"`: `close()` was called and the closing handshake runs;
 * - `"closed"`: closed for good, until `reconnect()`.
 */
export type SocketState = "connecting" | "open" | "reconnecting" | "closing" | "closed";

/** How binary messages are delivered, as `WebSocket.binaryType`. */
export type BinaryType = "blob" | "arraybuffer";

/** What `send()` accepts, as `WebSocket.send`. Any other value is converted to a string, as `WebSocket` does: `send(123)` sends `"123"`. */
export type SendData = string | ArrayBufferLike | ArrayBufferView | Blob;

/**
 * Options, the third argument of the constructor. Every one is optional.
 * A number of the wrong type (a string, say) throws a `TypeError`; a value
 * out of range throws a `RangeError`. Unknown options are ignored.
 */
export interface ReconnectingWebSocketOptions {
	/**
	 * Upper bound, in ms, of the wait before the first retry. Each wait is a
	 * random time between 0 and the bound (full jitter), so clients that
	 * dropped together do not come back together. Greater than 0.
	 * @default 1000
	 */
	initialDelay?: number;
	/**
	 * The bound is multiplied by this after each failed attempt. At least 1.
	 * @default 2
	 */
	backoffFactor?: number;
	/**
	 * Cap, in ms, of the bound. The wait stays random once the cap is
	 * reached. Greater than 0.
	 * @default 30000
	 */
	maxDelay?: number;
	/**
	 * A fixed schedule in ms that replaces the exponential backoff: attempt n
	 * waits `delays[n - 1]` exactly, and the last entry repeats, for example
	 * `[1000, 2000, 5000, 10000]`. At least one entry, each 0 or more.
	 * @default undefined (exponential backoff with jitter)
	 */
	delays?: Iterable<number>;
	/**
	 * How long, in ms, a connection must stay open before the attempt counter
	 * (`retryCount`) resets, so that a server that accepts and drops at once
	 * still meets a growing backoff. Greater than 0.
	 * @default 5000
	 */
	minUptime?: number;
	/**
	 * How long, in ms, an attempt may take to open before it is abandoned
	 * (the browser socket is closed) and retried. Greater than 0, or
	 * `Infinity` for no limit.
	 * @default 5000
	 */
	connectTimeout?: number;
	/**
	 * How many reconnect attempts follow a drop before the socket gives up:
	 * then a final `close` event and `readyState` `CLOSED` until
	 * `reconnect()`. `0` never reconnects; `Infinity` never gives up.
	 * @default Infinity
	 */
	maxRetries?: number;
	/**
	 * The most messages the outbox holds while the socket is not open. When
	 * full, `send()` throws a `QuotaExceededError`; nothing is dropped
	 * silently. At least 1, or `Infinity`.
	 * @default 10000
	 */
	maxQueuedMessages?: number;
	/**
	 * The most bytes the outbox holds (strings count their UTF-8 bytes).
	 * At least 1, or `Infinity`.
	 * @default 8388608 (8 MiB)
	 */
	maxQueuedBytes?: number;
	/**
	 * The initial `binaryType`. Any other string throws a `TypeError`.
	 * @default "blob"
	 */
	binaryType?: BinaryType;
	/**
	 * Speak `resock.v1`, the resume protocol of the resock Go server
	 * (docs/PROTOCOL.md): every message is delivered exactly once and in
	 * order across reconnects, in both directions, while the server keeps
	 * the session (2 min by default). The server must speak it: one that
	 * does not gets an `error` event ("server does not speak resock.v1 …")
	 * and a final `close`, never a silent downgrade. Off by default, so that
	 * the socket works with any WebSocket server.
	 * @default false
	 */
	resume?: boolean;
	/**
	 * In resume mode, the most bytes sent but not yet acknowledged by the
	 * server; further messages wait in the outbox (and its limits apply).
	 * At least 1, or `Infinity`.
	 * @default 1048576 (1 MiB)
	 */
	maxUnackedBytes?: number;
	/**
	 * How long, in ms, the socket waits without hearing from the server
	 * before it probes the connection. Resume mode always probes; plain mode
	 * only with `heartbeat` set. Greater than 0.
	 * @default 10000
	 */
	heartbeatInterval?: number;
	/**
	 * How long, in ms, after a probe the socket waits for any data before it
	 * declares the connection dead (half-open), drops it and reconnects. A
	 * blackholed connection is replaced within interval + timeout.
	 * Greater than 0.
	 * @default 5000
	 */
	heartbeatTimeout?: number;
	/**
	 * Plain mode only: the text message sent as a probe, and the text
	 * message the server answers with. The answer is used for `rtt` and is
	 * not delivered as a `message` event.
	 * @default undefined (no heartbeat in plain mode)
	 */
	heartbeat?: { message: string; expect: string };
}

/** `open`: a connection opened, the first or a later one. */
export interface OpenEvent extends Event {
	readonly type: "open";
	/** False for the first open, true for every open after it. */
	readonly reconnected: boolean;
	/**
	 * Resume mode: true when the server still had the session, so nothing
	 * was lost in either direction. False on a fresh session: the page's
	 * unacknowledged messages were sent again (each keeps its message id, so
	 * the server can drop duplicates), but what the server had sent on the
	 * old session is gone, so the page should resync. Always false in plain
	 * mode.
	 */
	readonly resumed: boolean;
	/** How long, in ms, the socket was without a connection before this open; 0 for the first. */
	readonly downtime: number;
}

/**
 * `close`: a connection, or an attempt, ended. Fired on every drop, not only
 * the last one; `willReconnect` tells which.
 */
export interface ReconnectingCloseEvent extends CloseEvent {
	readonly type: "close";
	/** True if another attempt follows; false on the final close. */
	readonly willReconnect: boolean;
}

/** `error`: something failed; a `close` event usually follows. */
export interface ReconnectingErrorEvent extends Event {
	readonly type: "error";
	/** What failed, for example "failed to connect to ws://…". */
	readonly message: string;
	/** The same, as an Error. */
	readonly error: Error;
}

/** `reconnecting`: another attempt is scheduled. */
export interface ReconnectingEvent extends Event {
	readonly type: "reconnecting";
	/** The attempt number since the last connection that stayed up `minUptime`, from 1. */
	readonly attempt: number;
	/** The wait chosen before the attempt, in ms (0 after `reconnect()`). */
	readonly delay: number;
	/** The close code of the drop that caused the attempt (1006 for a failed attempt). */
	readonly code: number;
	/** The close reason of that drop. */
	readonly reason: string;
}

/** `statechange`: `state` changed. */
export interface StateChangeEvent extends Event {
	readonly type: "statechange";
	readonly from: SocketState;
	readonly to: SocketState;
}

/** The events of a ReconnectingWebSocket, by type. */
export interface ReconnectingWebSocketEventMap {
	open: OpenEvent;
	/** A message: `data` is a string, or per `binaryType` a Blob or an ArrayBuffer; `origin` is the socket URL's origin. */
	message: MessageEvent<string | Blob | ArrayBuffer>;
	close: ReconnectingCloseEvent;
	error: ReconnectingErrorEvent;
	reconnecting: ReconnectingEvent;
	statechange: StateChangeEvent;
}

/** An `on*` property's value, as for `WebSocket`. */
type EventHandler<E extends Event> = ((this: ReconnectingWebSocket, ev: E) => unknown) | null;

/**
 * A WebSocket that reconnects by itself until `close()`. It is an
 * EventTarget: `addEventListener` (with `once`, `signal`, …) and the `on*`
 * properties work as on `WebSocket`, and a listener that throws does not stop
 * the others.
 */
export class ReconnectingWebSocket extends EventTarget {
	/**
	 * Starts connecting to `url` at once.
	 *
	 * @param url A ws:, wss:, http: or https: URL, absolute or relative to the
	 *   document; http(s) becomes ws(s). A fragment or another scheme throws
	 *   a `SyntaxError`.
	 * @param protocols Subprotocols offered on every attempt: one or a list of
	 *   distinct tokens, else a `SyntaxError`.
	 * @param options Reconnection and queueing settings.
	 */
	constructor(url: string | URL, protocols?: string | Iterable<string>, options?: ReconnectingWebSocketOptions);

	static readonly CONNECTING: 0;
	static readonly OPEN: 1;
	static readonly CLOSING: 2;
	static readonly CLOSED: 3;
	readonly CONNECTING: 0;
	readonly OPEN: 1;
	readonly CLOSING: 2;
	readonly CLOSED: 3;

	/** The resolved URL, absolute, with the ws: or wss: scheme. */
	readonly url: string;
	/** `OPEN` while connected, `CLOSING` after `close()`, `CLOSED` for good, `CONNECTING` otherwise, including while waiting to reconnect. */
	readonly readyState: ReadyState;
	/** The finer state; see SocketState. */
	readonly state: SocketState;
	/** The subprotocol the server selected on the current or last connection, "" if none. */
	readonly protocol: string;
	/** The extensions the server selected on the current or last connection. */
	readonly extensions: string;
	/** How binary messages are delivered from now on. Setting another value is ignored, as on WebSocket. @default "blob" */
	binaryType: BinaryType;
	/** Bytes accepted by `send()` and not yet written: the outbox plus what the browser socket still buffers. */
	readonly bufferedAmount: number;
	/** Messages waiting in the outbox for the next connection. */
	readonly queuedMessages: number;
	/** Attempts since the last connection that stayed up `minUptime`. */
	readonly retryCount: number;
	/**
	 * Round-trip time in ms measured by the last answered heartbeat, or
	 * `null` before the first.
	 */
	readonly rtt: number | null;

	onopen: EventHandler<OpenEvent>;
	onmessage: EventHandler<MessageEvent<string | Blob | ArrayBuffer>>;
	onclose: EventHandler<ReconnectingCloseEvent>;
	onerror: EventHandler<ReconnectingErrorEvent>;
	onreconnecting: EventHandler<ReconnectingEvent>;
	onstatechange: EventHandler<StateChangeEvent>;

	/**
	 * Sends `data` now if open and nothing is queued before it, and otherwise
	 * queues it for the next connection. Only the bytes an ArrayBufferView
	 * views are sent. A Blob keeps its place: what is sent after it waits for
	 * it to be read. Throws `QuotaExceededError` when the outbox is full and
	 * `InvalidStateError` after `close()`.
	 */
	send(data: SendData): void;
	/**
	 * Closes the connection with `code` (1000 or 3000–4999) and `reason`
	 * (at most 123 UTF-8 bytes) and stops reconnecting. Queued messages stay
	 * queued for `reconnect()`. A final `close` event follows.
	 */
	close(code?: number, reason?: string): void;
	/**
	 * Drops the current connection, if any, with `code` and `reason` and
	 * connects again at once, resetting the attempt counter. Also revives a
	 * socket that was closed or gave up.
	 */
	reconnect(code?: number, reason?: string): void;

	addEventListener<K extends keyof ReconnectingWebSocketEventMap>(
		type: K,
		listener: (this: ReconnectingWebSocket, ev: ReconnectingWebSocketEventMap[K]) => unknown,
		options?: boolean | AddEventListenerOptions,
	): void;
	addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
	removeEventListener<K extends keyof ReconnectingWebSocketEventMap>(
		type: K,
		listener: (this: ReconnectingWebSocket, ev: ReconnectingWebSocketEventMap[K]) => unknown,
		options?: boolean | EventListenerOptions,
	): void;
	removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}

/** Resolves once resock.wasm runs. The import already waits for it; this is for code that prefers a promise. */
export const ready: Promise<void>;

export default ReconnectingWebSocket;
