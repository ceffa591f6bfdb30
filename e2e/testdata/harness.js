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
