// harness.js gives the end-to-end tests window.h: the real
// ReconnectingWebSocket from /resock.js and a recorder of everything a socket
// dispatches, so that a test can poll the page for what happened, in order.
import { ReconnectingWebSocket } from "/resock.js";

const TYPES = ["open", "message", "close", "error", "reconnecting", "statechange"];

function kindOf(data) {
	if (typeof data === "string") return "string";
	if (data instanceof ArrayBuffer) return "ArrayBuffer";
	if (data instanceof Blob) return "Blob";
	return Object.prototype.toString.call(data);
}

// record keeps every event of ws. Blob payloads are read asynchronously;
// pending counts those not read yet.
function record(ws) {
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
				const m = { messageEvent: e instanceof MessageEvent, kind: kindOf(e.data) };
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

window.h = {
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
	count: (name, type) => window.h.events(name, type).length,
	last: (name, type) => window.h.events(name, type).at(-1),
	texts: (name) => sockets[name].rec.messages.filter((m) => m.kind === "string").map((m) => m.text),

	// errorName runs f and returns the name of what it throws, or "none".
	errorName(f) {
		try {
			f();
		} catch (e) {
			return e?.name ?? String(e);
		}
		return "none";
	},

	// startTimer sets timers[name] once ms have passed on the page's own
	// clock: the window in which something must not happen.
	timers: {},
	startTimer(name, ms) {
		window.h.timers[name] = false;
		setTimeout(() => { window.h.timers[name] = true; }, ms);
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
window.h.ready = true;

// exchange opens a resume-mode socket that sends n numbered messages
// ("c0", "c1" …) and checks that their echoes and the server's own numbered
// messages ("s0" …) each arrive exactly once and in order.
window.h.exchange = (url, n, options) => {
	const st = { echoes: 0, server: 0, errors: [], opens: 0, fresh: 0, closes: 0, errorEvents: 0, openedAt: [] };
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
	window.h.exchanges = window.h.exchanges ?? [];
	window.h.exchanges.push(st);
	return window.h.exchanges.length - 1;
};

// The page-lifecycle, policy and introspection tests (lifecycle_test.go,
// policy_test.go, introspection_test.go) use what follows: h.life records
// what the page itself went through, and h.track(name) records every event
// of a socket with all of its fields, "dropped" included, in h.full(name).
{
	window.h.life = [];
	for (const [target, types] of [
		[window, ["online", "offline", "pagehide", "pageshow"]],
		[document, ["visibilitychange", "freeze", "resume"]],
	]) {
		for (const type of types) {
			target.addEventListener(type, (e) => {
				window.h.life.push({ type, at: performance.now(), persisted: e.persisted ?? null, visibility: document.visibilityState });
			});
		}
	}
	window.h.lifeOf = (type) => window.h.life.filter((e) => e.type === type);

	const TRACKED = {
		open: ["reconnected", "resumed", "downtime"],
		message: ["data"],
		close: ["code", "reason", "wasClean", "willReconnect"],
		error: ["message"],
		reconnecting: ["attempt", "delay", "code", "reason"],
		statechange: ["from", "to"],
		dropped: ["messages", "bytes", "reason"],
	};

	window.h.track = (name) => {
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
	window.h.openTracked = (name, url, protocols, options) => window.h.open(name, url, protocols, options) && window.h.track(name);
	window.h.full = (name, type) => sockets[name].full.filter((e) => type === undefined || e.type === type);
}

// The soak, hostile-server and misuse tests (soak_test.go,
// hostile_server_test.go, misuse_hostile_test.go) use what follows.
{
	// watchLag measures how late a 10 ms timer fires from now on: a page
	// whose event loop is held up shows it at once. lagMax is the worst so
	// far, in ms.
	let lagTimer = null;
	let lagMax = 0;
	window.h.watchLag = () => {
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
	window.h.lagMax = () => lagMax;

	// goStats returns the Go side's counters from the module's debug hook,
	// {goroutines, funcs, heap, sockets}, or null while it has none.
	window.h.goStats = async () => {
		const m = await import("/resock.js");
		return typeof m.__resockDebug === "function" ? m.__resockDebug() : null;
	};

	// soakSocket opens a socket that records nothing but how many times it
	// opened, so that a long run keeps nothing on the page's side.
	window.h.soakSocket = (url, options) => {
		const ws = new ReconnectingWebSocket(url, [], options);
		const soak = { ws, opens: 0, errors: 0, waiting: null };
		ws.addEventListener("open", () => {
			soak.opens++;
			soak.waiting?.();
		});
		ws.addEventListener("error", () => soak.errors++);
		window.h.soak = soak;
		return true;
	};

	// reconnectCycles forces n reconnects of the soak socket, each waiting
	// for the open that follows, and resolves with the time it took in ms.
	window.h.reconnectCycles = async (n) => {
		const soak = window.h.soak;
		const start = performance.now();
		for (let i = 0; i < n; i++) {
			const opened = new Promise((resolve) => { soak.waiting = resolve; });
			soak.ws.reconnect();
			await opened;
		}
		soak.waiting = null;
		return performance.now() - start;
	};
}
