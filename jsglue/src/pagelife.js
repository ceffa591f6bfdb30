// pagelife.js: follows the page's life for every socket, with one set of
// listeners: the network going and coming back, the page hidden and shown,
// frozen and resumed, put in and taken out of the back/forward cache, and a
// timer that notices when the machine slept. It adds no unload listener, so
// a page with sockets can still enter the back/forward cache.

import { reportException } from "./events.js";

/** @import { SocketState, StateChangeEvent } from "../resock.d.ts" */
/** @import { Result } from "./load.js" */

/**
 * The calls the page's life makes on a socket's bridge object, and the
 * browser sockets it has open.
 * @typedef {object} Lifecycle
 * @property {(online: boolean) => void} setOnline
 * @property {(hidden: boolean) => void} setHidden
 * @property {() => void} suspend
 * @property {() => void} wake
 * @property {() => void} probe
 * @property {() => void} pathChanged
 * @property {() => Result<SocketState>} state
 * @property {Set<WebSocket>} webSockets
 * @property {string} [persist] the store's name, with options.persist
 */

/**
 * Entry is what live holds of a socket; its state is an Error in the odd
 * case that Go failed to report it, which counts as not closed.
 * @typedef {{ref: WeakRef<EventTarget>, b: Lifecycle, state: SocketState | Error, owner: object}} Entry
 */

// live holds an entry for every socket whose instance may still be alive:
// a WeakRef to it, so that the page can still collect it, its bridge object,
// and its last state. Closed sockets stay, because reconnect() revives them.
/** @type {Set<Entry>} */
const live = new Set();

/**
 * each calls f with the bridge object of every live socket. A socket whose
 * instance was collected is dropped: Go releases its functions.
 * @param {(b: Lifecycle) => void} f
 */
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

/**
 * closeAll ends every socket of owner, a Go program that is gone, as a
 * socket ends when it gives up: an error, the state, then the final close.
 * @param {object} owner
 * @param {string} why
 */
export function closeAll(owner, why) {
	const entries = [...live].filter((e) => e.owner === owner);
	for (const e of entries) {
		live.delete(e);
	}
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

// The page's life, told to every socket. The listeners are added when the
// module loads, before any of the page's own, so that when the network comes
// back every socket has dropped a connection that may be dead before a
// listener of the page's sends anything; they cost nothing while idle.
function followThePage() {
	if (typeof globalThis.addEventListener !== "function") {
		return;
	}
	globalThis.addEventListener("online", () => each((b) => b.setOnline(true)));
	globalThis.addEventListener("offline", () => each((b) => b.setOnline(false)));
	// pagehide and pageshow with persisted: the page enters and leaves the
	// back/forward cache. Without persisted the page is going away for good
	// and the browser closes its sockets itself, with 1001, which ends a
	// resume session; a socket with options.persist closes its own first
	// as a suspended one does, keeping the session for the next page of
	// the name.
	globalThis.addEventListener("pagehide", (e) => {
		each((b) => {
			if (e.persisted || b.persist !== undefined) {
				b.suspend();
			}
		});
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
		// The watchdog does not judge a hidden page's ticks, so a sleep
		// while hidden (a laptop's lid closed) shows only here, where the
		// monotonic clock stood still while the machine slept and the wall
		// clock did not (Linux, macOS; not Windows).
		const slept = !hidden && sleptSince();
		watchdogLast = Date.now();
		each((b) => {
			b.setHidden(hidden);
			if (slept) {
				b.pathChanged();
			} else if (!hidden) {
				b.probe();
			}
		});
	});
	// A frozen page ran no code and heard of no change of network: its
	// connections may have died meanwhile.
	document.addEventListener("resume", () => {
		watchdogLast = Date.now();
		each((b) => b.pathChanged());
	});
	// The browser moved to another kind of network, or its estimate of this
	// one changed (Network Information API, where there is one): the old
	// path may be gone.
	const connection = /** @type {EventTarget | undefined} */ (/** @type {any} */ (globalThis.navigator)?.connection);
	connection?.addEventListener?.("change", () => each((b) => b.pathChanged()));
}

followThePage();

// The watchdog ticks every WATCHDOG_PERIOD ms while some socket is not
// closed. A tick that comes more than WATCHDOG_SLEPT ms late by the wall
// clock means the page ran no code meanwhile: the machine slept (during
// which the monotonic clock may stand still while the wall clock does not),
// and may have woken on another network, so every connection is checked. A hidden page's timers are throttled on
// purpose, so its late ticks say nothing; becoming visible probes anyway.
const WATCHDOG_PERIOD = 1000;
const WATCHDOG_SLEPT = 4000;
/** @type {ReturnType<typeof setInterval> | null} */
let watchdog = null;
let watchdogLast = 0;
// clockGap is the wall clock less the monotonic one when last looked at.
let clockGap = Date.now() - performance.now();

/**
 * sleptSince reports whether the wall clock ran more than WATCHDOG_SLEPT ms
 * ahead of the monotonic clock since it was last asked.
 * @returns {boolean}
 */
function sleptSince() {
	const gap = Date.now() - performance.now();
	const slept = gap - clockGap > WATCHDOG_SLEPT;
	clockGap = gap;
	return slept;
}

function startWatchdog() {
	if (watchdog !== null) {
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
		if (!hidden) {
			sleptSince();
		}
		if (late > WATCHDOG_SLEPT && !hidden) {
			each((b) => b.pathChanged());
		}
	}, WATCHDOG_PERIOD);
}

function stopWatchdog() {
	if (watchdog !== null) {
		clearInterval(watchdog);
		watchdog = null;
	}
}

/**
 * track adds a new socket to live and tells it whether the page is hidden;
 * the constructor told it whether the network is up.
 * @param {EventTarget} ws
 * @param {Lifecycle} b
 * @param {object} owner the Go program b belongs to
 */
export function track(ws, b, owner) {
	const entry = { ref: new WeakRef(ws), b, state: b.state(), owner };
	// A listener of the socket's own, added before the page can add any.
	ws.addEventListener("statechange", (e) => {
		entry.state = /** @type {StateChangeEvent} */ (e).to;
		if (entry.state !== "closed") {
			startWatchdog();
		}
	});
	live.add(entry);
	if (typeof document !== "undefined" && document.visibilityState === "hidden") {
		b.setHidden(true);
	}
	if (entry.state !== "closed") {
		startWatchdog();
	}
}
