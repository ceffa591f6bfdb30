// The whiteboard demo: every stroke drawn here is sent through one
// ReconnectingWebSocket and drawn on every other page; the server replays its
// history to a page that joins, so earlier strokes appear too. Strokes drawn
// while the connection is down are queued by resock and delivered on reconnect.
// The status badge follows the socket's state, "offline" included (no
// network, or the page in the back/forward cache), counts down to the next
// attempt, and the counters come from ws.stats().
//
// A piece of a stroke travels as compact JSON text:
//
//	{"i":"3f9a0c1e.2b","c":"#2563eb","w":0.006,"p":[x0,y0,x1,y1,…]}
//
// Points are fractions (0..1) of the board's width and height and the line
// width a fraction of its width; the board keeps one aspect ratio, so pages of
// any size draw the same picture. The id, this page's random prefix and a
// counter, lets a page that reconnects take the replayed history without
// drawing twice what it already shows.
// With ?shared in its URL the page shares one connection with every other
// tab of the board that has it, through resock's SharedWorker
// (/shared.js), and loads no WebAssembly itself; the badge says so.
// @ts-check

// It imports its socket's module by what the URL says, at its top level:
// a module, with no static import to make it one.
export {};

const sharedMode = new URLSearchParams(location.search).has("shared");
/** @type {typeof import("/resock.js").ReconnectingWebSocket} */
const ReconnectingWebSocket = sharedMode ? (await import("/shared.js")).ReconnectingWebSocket : (await import("/resock.js")).ReconnectingWebSocket;

/** A piece of a stroke, as it travels. @typedef {{i?: string, c: string, w: number, p: number[]}} Segment */

/**
 * The element of the page with id, which index.html has.
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} type
 * @returns {T}
 */
function byId(id, type) {
	const el = document.getElementById(id);
	if (!(el instanceof type)) throw new Error(`the page has no ${type.name} #${id}`);
	return el;
}

const canvas = byId("board", HTMLCanvasElement);
const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
const badge = byId("status", HTMLElement);
const logList = byId("log", HTMLElement);

const COLOR = /^#[0-9a-f]{6}$/i;
const MAX_POINTS = 4096;
const MAX_SEGMENTS = 100_000;
const LOG_LINES = 8;
// Points closer than this (a fraction of the board) add nothing visible.
const MIN_STEP = 0.0015;

/** @type {Segment[]} */
const segments = []; // what this view shows, kept to repaint after a resize
/** @type {Set<string | undefined>} */
const seen = new Set(); // ids of the segments in this view or cleared from it
const origin = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, "0")).join("");
let seq = 0;
let sent = 0; // strokes handed to send(); stats() counts what reached a connection

// resume: the resock server keeps this page's session across drops, so no
// stroke is lost or repeated in either direction; after a server restart
// (open with resumed false) the room replays its history and the ids in
// `seen` drop what this view already has.
// Shared, the tabs on the connection need each other's strokes: the room
// sends this connection its own too (echo), and `seen` drops this tab's.
const ws = new ReconnectingWebSocket(`${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws${sharedMode ? "?echo" : ""}`, undefined, { resume: true });
let state = ws.state;
// Where the connection is: "worker" when shared by the tabs, "page" for a
// shared socket in a browser without SharedWorker, undefined otherwise.
const sharing = /** @type {{sharing?: string}} */ (/** @type {unknown} */ (ws)).sharing;
/** @type {{attempt: number, until: number} | null} */
let retry = null; // from the last "reconnecting" event

ws.addEventListener("statechange", (e) => {
	state = e.to;
	if (state !== "reconnecting") retry = null;
	if (state === "offline") log(navigator.onLine ? "paused" : "offline: waiting for the network");
	render();
});
ws.addEventListener("reconnecting", (e) => {
	retry = { attempt: e.attempt, until: performance.now() + e.delay };
	const delay = e.delay < 1000 ? `${Math.round(e.delay)} ms` : `${(e.delay / 1000).toFixed(1)} s`;
	log(`retry ${e.attempt} in ${delay}${e.code ? ` after ${e.code}` : ""}`);
	render();
});
ws.addEventListener("open", (e) => {
	log(e.reconnected ? `reconnected after ${(e.downtime / 1000).toFixed(1)} s${e.resumed ? "" : ", new session"}` : "open", "good");
	render();
});
ws.addEventListener("close", (e) => {
	const reason = e.reason ? ` “${e.reason}”` : "";
	log(`closed ${e.code}${reason}${e.willReconnect ? ", will reconnect" : ""}`, e.willReconnect ? "" : "bad");
	render();
});
ws.addEventListener("error", (e) => log(`error: ${e.message}`, "bad"));
ws.addEventListener("dropped", (e) => log(`dropped ${e.messages} queued strokes`, "bad"));
ws.addEventListener("message", (e) => {
	const s = typeof e.data === "string" ? parseSegment(e.data) : null;
	if (s) keep(s);
	render();
});

/**
 * @param {string} text
 * @returns {Segment | null}
 */
function parseSegment(text) {
	/** @type {any} */
	let s;
	try {
		s = JSON.parse(text);
	} catch {
		return null;
	}
	const valid = s && (s.i === undefined || (typeof s.i === "string" && s.i.length <= 40)) &&
		typeof s.c === "string" && COLOR.test(s.c) &&
		typeof s.w === "number" && s.w > 0 && s.w <= 0.1 &&
		Array.isArray(s.p) && s.p.length >= 2 && s.p.length % 2 === 0 && s.p.length <= MAX_POINTS &&
		s.p.every((/** @type {unknown} */ v) => typeof v === "number" && v >= 0 && v <= 1);
	return valid ? { i: s.i, c: s.c, w: s.w, p: s.p } : null;
}

/** @param {Segment} s */
function keep(s) {
	if (s.i !== undefined) {
		if (seen.has(s.i)) return;
		seen.add(s.i);
	}
	segments.push(s);
	if (segments.length > MAX_SEGMENTS) {
		for (const old of segments.splice(0, segments.length - MAX_SEGMENTS)) seen.delete(old.i);
	}
	paint(s);
}

/** @param {Segment} s */
function paint(s) {
	const w = canvas.width, h = canvas.height;
	ctx.strokeStyle = ctx.fillStyle = s.c;
	ctx.lineWidth = Math.max(1, s.w * w);
	ctx.beginPath();
	if (s.p.length === 2) {
		ctx.arc(s.p[0] * w, s.p[1] * h, ctx.lineWidth / 2, 0, 2 * Math.PI);
		ctx.fill();
		return;
	}
	ctx.moveTo(s.p[0] * w, s.p[1] * h);
	for (let i = 2; i < s.p.length; i += 2) ctx.lineTo(s.p[i] * w, s.p[i + 1] * h);
	ctx.stroke();
}

function repaint() {
	ctx.clearRect(0, 0, canvas.width, canvas.height);
	ctx.lineCap = "round";
	ctx.lineJoin = "round";
	for (const s of segments) paint(s);
}

// send draws a stroke here and hands it to resock, which queues it while the
// connection is down; only a full outbox makes send throw.
/**
 * @param {number[]} points
 * @returns {Segment}
 */
function send(points) {
	const s = { i: `${origin}.${(seq++).toString(36)}`, c: pick("color"), w: Number(pick("width")), p: points };
	keep(s);
	try {
		ws.send(JSON.stringify(s));
		sent++;
	} catch (err) {
		log(`not sent: ${err instanceof Error ? err.message : err}`, "bad");
	}
	render();
	return s;
}

/** @param {string} name */
function pick(name) {
	const input = document.querySelector(`input[name="${name}"]:checked`);
	if (!(input instanceof HTMLInputElement)) throw new Error(`no ${name} is chosen`);
	return input.value;
}

const fraction = (/** @type {number} */ v) => Math.round(Math.min(1, Math.max(0, v)) * 1e4) / 1e4;

/** @type {{id: number, x: number, y: number, moved: boolean} | null} */
let pen = null; // while a pointer is down

canvas.addEventListener("pointerdown", (e) => {
	if (pen || (e.pointerType === "mouse" && e.button !== 0)) return;
	e.preventDefault();
	canvas.setPointerCapture(e.pointerId);
	const r = canvas.getBoundingClientRect();
	pen = { id: e.pointerId, x: fraction((e.clientX - r.left) / r.width), y: fraction((e.clientY - r.top) / r.height), moved: false };
});

canvas.addEventListener("pointermove", (e) => {
	if (!pen || e.pointerId !== pen.id) return;
	const r = canvas.getBoundingClientRect();
	const points = [pen.x, pen.y];
	const coalesced = e.getCoalescedEvents?.() ?? [];
	for (const ev of coalesced.length ? coalesced : [e]) {
		const x = fraction((ev.clientX - r.left) / r.width), y = fraction((ev.clientY - r.top) / r.height);
		if (Math.hypot(x - points[points.length - 2], y - points[points.length - 1]) < MIN_STEP) continue;
		points.push(x, y);
	}
	if (points.length < 4) return;
	pen.x = points[points.length - 2];
	pen.y = points[points.length - 1];
	pen.moved = true;
	send(points);
});

canvas.addEventListener("pointerup", (e) => {
	if (!pen || e.pointerId !== pen.id) return;
	if (!pen.moved) send([pen.x, pen.y]);
	pen = null;
});

for (const type of ["pointercancel", "lostpointercapture"]) {
	canvas.addEventListener(type, (e) => {
		if (e instanceof PointerEvent && pen?.id === e.pointerId) pen = null;
	});
}

new ResizeObserver(([entry]) => {
	const box = entry.devicePixelContentBoxSize?.[0];
	const w = box ? box.inlineSize : Math.round(entry.contentRect.width * devicePixelRatio);
	const h = box ? box.blockSize : Math.round(entry.contentRect.height * devicePixelRatio);
	if (w === 0 || h === 0 || (w === canvas.width && h === canvas.height)) return;
	canvas.width = w;
	canvas.height = h;
	repaint();
}).observe(canvas);

byId("drop", HTMLElement).addEventListener("click", () => ws.reconnect());
byId("clear", HTMLElement).addEventListener("click", () => {
	segments.length = 0;
	repaint();
});

/** @param {number} now */
function badgeText(now) {
	if (state === "reconnecting" && retry) {
		const left = retry.until - now;
		if (left <= 0) return `reconnecting, attempt ${retry.attempt}`;
		const secs = left < 10_000 ? (Math.ceil(left / 100) / 10).toFixed(1) : Math.ceil(left / 1000);
		return `reconnecting in ${secs} s, attempt ${retry.attempt}`;
	}
	return sharing === "worker" ? `${state} · shared` : state;
}

/**
 * @param {HTMLElement} el
 * @param {string} text
 */
function set(el, text) {
	if (el.textContent !== text) el.textContent = text;
}

const counters = {
	sent: byId("sent", HTMLElement),
	received: byId("received", HTMLElement),
	queued: byId("queued", HTMLElement),
	reconnects: byId("reconnects", HTMLElement),
	rtt: byId("rtt", HTMLElement),
};

function render() {
	const st = ws.stats();
	if (badge.dataset.state !== state) badge.dataset.state = state;
	set(badge, badgeText(performance.now()));
	badge.title = state === "open"
		? `connected for ${Math.round(st.uptime / 1000)} s after ${st.attempts} attempts`
		: `${st.queued} strokes (${st.queuedBytes} B) waiting to be sent`;
	set(counters.sent, String(sent));
	set(counters.received, String(st.messagesIn));
	set(counters.reconnects, String(st.reconnects));
	set(counters.queued, String(st.queuedBytes));
	set(counters.rtt, st.rtt === null ? "–" : String(Math.round(st.rtt)));
}

// The counters change without an event, and the countdown runs by itself.
setInterval(render, 100);

/**
 * @param {string} text
 * @param {string} [tone]
 */
function log(text, tone = "") {
	const li = document.createElement("li");
	li.className = tone;
	const time = document.createElement("time");
	time.textContent = new Date().toLocaleTimeString([], { hour12: false });
	li.append(time, text);
	logList.prepend(li);
	while (logList.children.length > LOG_LINES) logList.lastElementChild?.remove();
}

{
	const swatches = document.querySelectorAll('input[name="color"]');
	const swatch = swatches[Math.floor(Math.random() * swatches.length)];
	if (swatch instanceof HTMLInputElement) swatch.checked = true;
}
render();

// board is the page's handle for tests and the console: draw(points) sends a
// stroke as a user would, segments() counts the pieces of strokes in this view,
// colorAt(x, y) reads what the view shows ("#rrggbb", or null where blank).
/** @type {Window & {board?: object}} */ (window).board = {
	ws,
	sent: () => sent,
	received: () => ws.stats().messagesIn,
	reconnects: () => ws.stats().reconnects,
	segments: () => segments.length,
	draw: (/** @type {number[]} */ points) => send(points.map(fraction)),
	/**
	 * @param {number} x
	 * @param {number} y
	 */
	colorAt(x, y) {
		const px = Math.min(canvas.width - 1, Math.floor(x * canvas.width));
		const py = Math.min(canvas.height - 1, Math.floor(y * canvas.height));
		const [r, g, b, a] = ctx.getImageData(px, py, 1, 1).data;
		return a === 0 ? null : "#" + [r, g, b].map((v) => v.toString(16).padStart(2, "0")).join("");
	},
};
