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
 * import resolves; every socket of the page shares that one Go program. Both
 * files are looked up beside `resock.js`, wherever it is served from (say
 * `/static/resock/`); the module URL's query can point elsewhere:
 * `import ... from "/resock.js?wasm=/static/resock.wasm&wasm_exec=/static/wasm_exec.js"`.
 *
 * The socket follows the page's life on its own, with one set of listeners
 * for all sockets:
 * - `offline` (and `navigator.onLine` false at construction): no attempt is
 *   made and no retry spent while the network is down; the state is
 *   `"offline"` unless a connection is still open. A socket made offline
 *   calls no `url` function and counts no attempt before the network comes
 *   back. `online`: it reconnects after a random wait of at most 1 s, or
 *   once a server's retry-after wait has passed.
 * - Signs that the network path changed under an open connection: `online`
 *   after `offline`, a sleep of the machine (a watchdog that ticks every
 *   second sees a tick come more than 4 s late), the page resumed after
 *   being frozen, and `navigator.connection`'s `change`. A connection that
 *   stayed open through any of them may be dead, with no FIN or RST ever
 *   coming: the old path is gone. What happens to it is `networkChange`: by
 *   default it is probed with a heartbeat (resume mode, or plain mode with
 *   `heartbeat`) and replaced if nothing arrives within `heartbeatTimeout`;
 *   a plain-mode socket without `heartbeat`, which cannot probe, replaces it
 *   at once (`close` with 1006, then `reconnecting`; after `online`, the new
 *   connection is dialled after a random wait of at most 1 s, otherwise at
 *   once). Messages sent from then on wait for the new connection; in plain
 *   mode those the page sent into the dead one are lost, as with
 *   `WebSocket`. A socket waiting to retry tries at once, unless the
 *   server's retry-after wait still runs.
 * - The page hidden: heartbeats slow down to `hiddenHeartbeatInterval`.
 *   Visible again: an open connection is probed at once with a heartbeat
 *   (in plain mode only with `heartbeat`) and replaced if nothing arrives
 *   within `heartbeatTimeout`, and a socket waiting to retry tries now.
 *   While the page is hidden the watchdog does not look for sleeps (the
 *   browser throttles a hidden page's timers, so a late tick proves
 *   nothing); a page that becomes visible after the machine slept meanwhile
 *   (the wall clock ran ahead of the monotonic clock, which stands still
 *   during sleep on Linux and macOS) gets the network check instead.
 * - `pagehide` with `persisted` (the page enters the back/forward cache):
 *   the connection closes cleanly (the `close` event says 1001, going away,
 *   which the browser sends the server as 1000 with the reason "page
 *   suspended"; in resume mode a code that keeps the session) and the state
 *   is `"offline"`; `pageshow` with `persisted` reconnects. resock adds no
 *   `unload` listener, so pages with sockets stay eligible for the cache.
 *   A socket with `persist` does the same on a `pagehide` without
 *   `persisted` (the page is going away), so that the server keeps its
 *   session for the next page of the name.
 *
 * Misuse throws what `WebSocket` throws: a bad URL or subprotocol a
 * `SyntaxError` DOMException, a bad close code an `InvalidAccessError`, a close
 * reason over 123 UTF-8 bytes a `SyntaxError`, arguments of the wrong type a
 * `TypeError`. Options of the wrong type throw a `TypeError`, options out of
 * range a `RangeError`. A full outbox throws a `QuotaExceededError` (unless
 * `outboxPolicy` is `"drop-oldest"`) and `send()` after `close()` an
 * `InvalidStateError`. No call, argument or throwing listener can stop the
 * Go runtime behind the class. Should it stop all the same, every socket that
 * was not closed fires an `error` event and a final `close` (code 1006),
 * methods throw `InvalidStateError` and the constructor too.
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
 * - `"offline"`: the network is down or the page is in the back/forward
 *   cache; no attempt is made, and none counted, until it comes back
 *   (`readyState` `CONNECTING`);
 * - `"closing"`: `close()` was called and the closing handshake runs;
 * - `"closed"`: closed for good, until `reconnect()`.
 */
export type SocketState = "connecting" | "open" | "reconnecting" | "offline" | "closing" | "closed";

/**
 * A URL given as a function: called before every attempt, it returns the
 * URL to connect to, or a promise of it (fresh credentials in the query,
 * say). Its result is checked as the constructor checks a URL. A function
 * that throws or rejects, or a bad result, fails that attempt: an `error`
 * event, then the usual retry. Its time counts against `connectTimeout`.
 */
export type UrlProvider = () => string | URL | PromiseLike<string | URL>;

/**
 * Subprotocols given as a function: called before every attempt, after the
 * URL's function if any, with the same rules. `undefined` offers none.
 */
export type ProtocolsProvider = () => string | Iterable<string> | undefined | PromiseLike<string | Iterable<string> | undefined>;

/** What a full outbox does with one more message: see `outboxPolicy`. */
export type OutboxPolicy = "throw" | "drop-oldest";

/** What an open connection gets when the network path may have changed: see `networkChange`. */
export type NetworkChange = "check" | "replace" | "ignore";

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
	 * `reconnect()`. `0` never reconnects, not even after a failed first
	 * attempt, as `WebSocket`; `Infinity` never gives up. A whole number of
	 * at least 0, or `Infinity`. (Go's `Options.MaxRetries` means the same:
	 * nil is `Infinity`.)
	 * @default Infinity
	 */
	maxRetries?: number;
	/**
	 * The most messages the outbox holds while the socket is not open. When
	 * full, `send()` throws a `QuotaExceededError`, or with `outboxPolicy`
	 * `"drop-oldest"` drops the oldest and fires `dropped`; nothing is
	 * dropped silently. At least 1, or `Infinity`.
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
	 * Makes the socket durable (resume mode only, else a `TypeError`): its
	 * session and every message the server has not acknowledged, sent or
	 * queued, are kept in IndexedDB under this name, and a socket made
	 * later with the same name and URL (after a reload, a crash, or in
	 * another tab) goes on with them. It resumes the session or, if the
	 * server no longer has it, sends the messages again with the ids they
	 * had, so a server app that tracks what it applied (`Options.Applied`)
	 * drops what it has. See README "Nothing lost on reload".
	 *
	 * - **When a message is durable.** What is sent during a task is
	 *   written in one transaction at its end; a message is durable once
	 *   that transaction completed, which `whenDurable()` and the `durable`
	 *   event say. Chromium's IndexedDB commits without waiting for the
	 *   disk (relaxed durability): a reload, a crashed tab or browser keep
	 *   it; a power cut may not.
	 * - **Until the store is read** the socket is `CONNECTING` and makes no
	 *   attempt; what is sent meanwhile goes after what the store held.
	 * - **One socket per name.** A Web Lock keeps a second live socket of
	 *   the name from the store: after 2 s it gets an `error` event and runs
	 *   in memory. Share one across tabs with `resock/shared`.
	 * - **Failures.** A store that cannot be opened (or does not answer
	 *   within 5 s), is full (a quota error), was written by another
	 *   version of resock or for another URL is an `error` event; the socket goes on in memory with all it
	 *   holds, and a store it did not read is left as it is.
	 * - **The limits.** `maxQueuedMessages`, `maxQueuedBytes` and
	 *   `outboxPolicy` apply to what is stored as to the outbox; a stored
	 *   queue that no longer fits loses its oldest messages, with a
	 *   `dropped` event.
	 * - **`close()`** ends persisting after a last write; what the server
	 *   has not acknowledged stays stored for the next socket of the name.
	 */
	persist?: string;
	/**
	 * In resume mode, the most bytes sent but not yet acknowledged by the
	 * server; further messages wait in the outbox (and its limits apply).
	 * Receivers acknowledge every 64 KiB at the latest, so a window well
	 * above that keeps large messages flowing. At least 1, or `Infinity`.
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
	 * The heartbeat interval, in ms, while the page is hidden: probes are
	 * rarer, to spare the battery. The page becoming visible probes at once.
	 * Greater than 0.
	 * @default 3 × heartbeatInterval
	 */
	hiddenHeartbeatInterval?: number;
	/**
	 * Plain mode only: the text message sent as a probe, and the text
	 * message the server answers with. The answer is used for `rtt` and is
	 * not delivered as a `message` event.
	 * @default undefined (no heartbeat in plain mode)
	 */
	heartbeat?: { message: string; expect: string };
	/**
	 * The largest message, in bytes, accepted from the server. A larger one
	 * is an `error` event, and the connection closes with 1009 (message too
	 * big), which the browser sends the server as 1000 (in resume mode
	 * 4003) with that reason: see docs/PROTOCOL.md, "Close codes". At least
	 * 1, or `Infinity`.
	 * @default 16777216 (16 MiB)
	 */
	maxMessageSize?: number;
	/**
	 * What `send()` does when the outbox is full: `"throw"` refuses the new
	 * message with a `QuotaExceededError`; `"drop-oldest"` drops the oldest
	 * queued messages to make room and says so with a `dropped` event (for
	 * data where only the latest counts, such as positions). Any other string
	 * throws a `TypeError`.
	 * @default "throw"
	 */
	outboxPolicy?: OutboxPolicy;
	/**
	 * What an open connection gets when the network path may have changed
	 * under it (`online`, a sleep, a freeze, `navigator.connection`'s
	 * `change`: see the page's life above). `"check"` probes it with a
	 * heartbeat when the socket can (resume mode, or `heartbeat` set) and
	 * replaces it if nothing comes back within `heartbeatTimeout`, and
	 * otherwise replaces it at once; `"replace"` always replaces it at once;
	 * `"ignore"` keeps it, and only heartbeats judge it. With `maxRetries`
	 * 0 a connection is never replaced, only probed. Any other string throws
	 * a `TypeError`.
	 * @default "check"
	 */
	networkChange?: NetworkChange;
	/**
	 * Decides, for every close the socket did not ask for (not `close()`,
	 * not `reconnect()`), whether to reconnect. It gets the close as a
	 * `CloseEvent` (`code`, `reason`, `wasClean`), before the `close` event,
	 * and may return a promise; meanwhile the socket waits in
	 * `"reconnecting"`, or `"offline"` while the network is down or the page
	 * is in the back/forward cache: its answer decides all the same, and a
	 * `false` ends the socket with its final `close` there too. It may use
	 * the socket. One that throws or rejects is reported as a listener's
	 * exception is, and the default decides.
	 *
	 * The default ends the socket (a final `close`) on a close the server
	 * means as final, and retries with backoff on everything else:
	 *
	 * | code | meaning | default |
	 * |---|---|---|
	 * | 1003 | unsupported data | final |
	 * | 1007 | invalid payload (e.g. bad UTF-8) | final |
	 * | 1008 | policy violation | final |
	 * | 1009 | message too big | final |
	 * | 1010 | a required extension is missing | final |
	 * | 4400–4499 | the application's "do not retry" (4401 unauthorized, say) | final |
	 * | 1000, 1001 | the server closed, or went away | retry |
	 * | 1002 | protocol error | retry |
	 * | 1005, 1006 | no code, connection lost, attempt failed | retry |
	 * | 1011–1014 | server error, restart, try again later, bad gateway | retry |
	 * | other 3000–4999 | the application's | retry |
	 *
	 * A handshake the server refuses with an HTTP status (401, 403, 404,
	 * 503 …) is a close 1006 like any failed attempt, and retried: the
	 * browser's `WebSocket` does not show the page the status, so neither
	 * the `close` and `error` events nor this function can tell. A server
	 * that wants the page to stop should accept the connection and close it
	 * with a code in 4400–4499 (4401, say). (resock's Go client, which sees
	 * the status, gives up on 401, 403 and 404.)
	 *
	 * A server closing with 1012 or 1013 may say when to come back: in plain
	 * mode with the close reason `retry-after=SECONDS`, in resume mode with a
	 * frame before it closes. The next attempt then waits that long plus a
	 * random extra of up to half as long again, or up to `initialDelay` (the
	 * first delay of `delays`) if that is longer, which spreads the clients
	 * of a restarted server: told 10 s, they come back over 10 to 15 s.
	 * @default the table above
	 */
	shouldReconnect?: (closeEvent: CloseEvent) => boolean | PromiseLike<boolean>;
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

/**
 * `error`: something failed; a `close` event usually follows. A handshake
 * the server refused says no more than any failed attempt: the browser
 * hides the HTTP status from the page.
 */
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
	/**
	 * The wait chosen before the attempt, in ms: 0 after `reconnect()` and
	 * after `pageshow`, at most 1000 when the network came back, and never
	 * less than what is left of a server's retry-after hint.
	 */
	readonly delay: number;
	/**
	 * The close code of the drop that caused the attempt (1006 for a failed
	 * attempt), or 0 when the attempt follows the network or the page coming
	 * back.
	 */
	readonly code: number;
	/** The close reason of that drop. */
	readonly reason: string;
}

/** `statechange`: `state` changed. */
export interface StateChangeEvent extends Event {
	readonly type: "statechange";
	/** The state before. */
	readonly from: SocketState;
	/** The state now. */
	readonly to: SocketState;
}

/** `dropped`: with `outboxPolicy` `"drop-oldest"`, queued messages were dropped to make room for a new one. */
export interface DroppedEvent extends Event {
	readonly type: "dropped";
	/** How many messages were dropped, the oldest first. */
	readonly messages: number;
	/** Their size in bytes. */
	readonly bytes: number;
	/** Why, in words. */
	readonly reason: string;
}

/** `durable`: with `persist`, a write of the store completed. */
export interface DurableEvent extends Event {
	readonly type: "durable";
	/**
	 * How many of the messages sent through this socket (its `send()`
	 * calls, counted from 1) are now stored, or were acknowledged before
	 * they needed to be.
	 */
	readonly sent: number;
}

/** What `stats()` returns: the socket's life so far. */
export interface SocketStats {
	/** Connection attempts, the first included. */
	readonly attempts: number;
	/** Opens after the first. */
	readonly reconnects: number;
	/** Messages delivered to the page. */
	readonly messagesIn: number;
	/** Messages written to a connection (not those still queued); in resume mode a resent message counts once more. */
	readonly messagesOut: number;
	/** Bytes of the messages in `messagesIn` (strings as UTF-8). */
	readonly bytesIn: number;
	/** Bytes of the messages in `messagesOut`. */
	readonly bytesOut: number;
	/** Messages waiting in the outbox, as `queuedMessages`. */
	readonly queued: number;
	/** Their size in bytes. */
	readonly queuedBytes: number;
	/** Round-trip time, in ms, of the last answered heartbeat, as `rtt`; `null` before the first. */
	readonly rtt: number | null;
	/** How long, in ms, the current connection has been open; 0 when not open. */
	readonly uptime: number;
	/** The state now, as `state`. */
	readonly state: SocketState;
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
	dropped: DroppedEvent;
	durable: DurableEvent;
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
	 *   document; http(s) becomes ws(s). A URL that does not parse, a
	 *   fragment or another scheme throws a `SyntaxError` whose message says
	 *   which. Or a function, possibly async, that returns such a
	 *   URL before every attempt (see UrlProvider).
	 * @param protocols Subprotocols offered on every attempt: one or a list of
	 *   distinct tokens, else a `SyntaxError`. Or a function called before
	 *   every attempt (see ProtocolsProvider).
	 * @param options Reconnection, queueing, heartbeat and policy settings.
	 */
	constructor(url: string | URL | UrlProvider, protocols?: string | Iterable<string> | ProtocolsProvider, options?: ReconnectingWebSocketOptions);

	static readonly CONNECTING: 0;
	static readonly OPEN: 1;
	static readonly CLOSING: 2;
	static readonly CLOSED: 3;
	readonly CONNECTING: 0;
	readonly OPEN: 1;
	readonly CLOSING: 2;
	readonly CLOSED: 3;

	/**
	 * The resolved URL of the current or last attempt, absolute, with the
	 * ws: or wss: scheme. With a URL function, `""` until it first returned.
	 */
	readonly url: string;
	/** `OPEN` while connected, `CLOSING` after `close()`, `CLOSED` for good, `CONNECTING` otherwise, including while waiting to reconnect. */
	readonly readyState: ReadyState;
	/** The finer state; see SocketState. */
	readonly state: SocketState;
	/** The subprotocol the server selected on the current or last connection, "" if none. */
	readonly protocol: string;
	/** The extensions the server selected on the current or last connection. */
	readonly extensions: string;
	/**
	 * How binary messages are delivered, from the next message dispatched on,
	 * as on WebSocket: setting it in a `message` listener applies to the
	 * messages not yet dispatched. Setting another value is ignored, as on
	 * WebSocket. @default "blob"
	 */
	binaryType: BinaryType;
	/**
	 * Bytes accepted by `send()` and not yet written: the outbox plus what
	 * the browser socket still buffers. In plain mode, while nothing is
	 * queued, exactly what `WebSocket.bufferedAmount` would say; in resume
	 * mode the browser socket's part counts each frame's type byte and the
	 * acknowledgements too.
	 */
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
	ondropped: EventHandler<DroppedEvent>;
	ondurable: EventHandler<DurableEvent>;

	/**
	 * A snapshot of the socket's counters: attempts, reconnects, messages and
	 * bytes each way, the outbox, the last round-trip time, the uptime of
	 * the connection and the state. Should the Go program have exited: zeros
	 * and the state `"closed"`.
	 */
	stats(): SocketStats;

	/**
	 * Sends `data` now if open and nothing is queued before it, and otherwise
	 * queues it for the next connection. Every kind of data goes straight to
	 * the browser socket while it is open, without entering resock's Go
	 * program. Only the bytes an ArrayBufferView views are sent, copied at
	 * the call. A Blob keeps its place: what is sent after it waits for it to
	 * be read (in resume mode resock reads it itself, so that it can resend
	 * it; meanwhile it and what follows count in `queuedMessages`). Throws `QuotaExceededError` when the outbox is full
	 * (with `outboxPolicy` `"drop-oldest"` it drops the oldest queued
	 * messages instead) and `InvalidStateError` after `close()`.
	 */
	send(data: SendData): void;
	/**
	 * With `persist`: resolves once every message sent so far is stored
	 * in IndexedDB (or acknowledged by the server). Rejects if the store
	 * failed or the socket closed first, and at once without `persist`.
	 */
	whenDurable(): Promise<void>;
	/**
	 * Closes the connection with `code` (1000 or 3000–4999) and `reason`
	 * (at most 123 UTF-8 bytes; a reason needs a code) and stops
	 * reconnecting. Queued messages stay queued for `reconnect()`. A final
	 * `close` event follows, as on `WebSocket`: without a code the close
	 * frame carries none, so a server that echoes it makes the event say
	 * 1005; while connecting (or waiting to retry) `readyState` is `CLOSING`
	 * when `close()` returns, and an `error` and a `close` with 1006 follow
	 * in a later task.
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
