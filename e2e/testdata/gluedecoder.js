// gluedecoder.js gives TestGlueDecoderAgreesWithWire window.g: a resume-mode
// ReconnectingWebSocket whose carried connection reports, for every message
// from the server, what the glue's receiver did with it: delivered it to the
// page as data (and which), handed it to Go, or took it itself (an
// acknowledgement).
//
// The page sees the receiver where Go installs it, as the onmessage handler
// of the browser WebSocket, and calls it with the browser's own message
// events, each behind a probe of its data: the glue reads an event's data
// once; when it hands the event to Go, Go reads it again and gets a ping
// instead of the frame. So Go answers a ping where it would have closed the
// connection for a malformed frame, and every frame, however broken, goes
// through the receiver on one connection. What Go does with a frame is the
// engine's business, fuzzed on its own (FuzzServerFrames).
import { ReconnectingWebSocket } from "/resock.js";

// page is the window with window.g.
const page = /** @type {Window & typeof globalThis & { g: Record<string, unknown> }} */ (window);

/**
 * Outcome is what the receiver did with a message.
 * @typedef {object} Outcome
 * @property {"page" | "go" | "glue"} to who took it
 * @property {number} delivered how many message events it caused
 * @property {string} [kind] what the first one's data was: "text", "binary" or its class
 * @property {string} [payload] the data: the text, or the bytes in hex
 */

const state = {
	// watching is set once the session is carried by the glue.
	watching: false,
	// delivered are the message events' data, in order.
	delivered: /** @type {unknown[]} */ ([]),
	// outcomes are what the receiver did with each message, in order.
	outcomes: /** @type {Outcome[]} */ ([]),
	// events are the socket's other events.
	events: /** @type {{ type: string, code: number | undefined, message: string | undefined }[]} */ ([]),
};

const PING = [0x06, 0x00];

function hex(buffer) {
	return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

// observe calls the receiver h for the message event ev and records what
// it did.
function observe(ws, h, ev) {
	if (!state.watching) {
		return h.call(ws, ev);
	}
	const data = ev.data;
	let reads = 0;
	const probe = {
		get data() {
			reads++;
			return reads === 1 ? data : new Uint8Array(PING).buffer;
		},
	};
	const before = state.delivered.length;
	h.call(ws, probe);
	const delivered = state.delivered.slice(before);
	const outcome = /** @type {Outcome} */ ({ delivered: delivered.length });
	if (reads > 1) {
		outcome.to = "go";
	} else if (delivered.length === 0) {
		outcome.to = "glue";
	} else {
		const d = delivered[0];
		outcome.to = "page";
		outcome.kind = typeof d === "string" ? "text" : d instanceof ArrayBuffer ? "binary" : Object.prototype.toString.call(d);
		outcome.payload = typeof d === "string" ? d : d instanceof ArrayBuffer ? hex(d) : "";
	}
	state.outcomes.push(outcome);
}

// The onmessage attribute of every browser WebSocket of the page goes
// through observe; reading it gives what was set.
const attribute = /** @type {{ enumerable: boolean, set: (this: WebSocket, h: unknown) => void }} */ (Object.getOwnPropertyDescriptor(WebSocket.prototype, "onmessage"));
const handlers = new WeakMap();
Object.defineProperty(WebSocket.prototype, "onmessage", {
	configurable: true,
	enumerable: attribute.enumerable,
	get() {
		return handlers.get(this) ?? null;
	},
	set(h) {
		handlers.set(this, h);
		attribute.set.call(this, typeof h === "function" ? /** @this {WebSocket} */ function (ev) { observe(this, h, ev); } : h);
	},
});

page.g = {
	state,

	// open connects to url in resume mode; once the session is carried it
	// sends n messages, after which the server sends its frames.
	open(url, n, options) {
		const ws = new ReconnectingWebSocket(url, [], { resume: true, binaryType: "arraybuffer", ...options });
		ws.addEventListener("message", (e) => state.delivered.push(e.data));
		for (const type of ["open", "close", "error", "reconnecting"]) {
			ws.addEventListener(type, /** @param {Event & { code?: number, message?: string }} e */ (e) => {
				state.events.push({ type, code: e.code, message: e.message });
				if (type === "open" && !state.watching) {
					state.watching = true;
					for (let i = 0; i < n; i++) {
						ws.send(`m${i}`);
					}
				}
			});
		}
		state.ws = ws;
		return true;
	},

	dump() {
		return JSON.stringify({
			watching: state.watching,
			outcomes: state.outcomes.length,
			delivered: state.delivered.length,
			events: state.events,
		});
	},
};
page.g.ready = true;
