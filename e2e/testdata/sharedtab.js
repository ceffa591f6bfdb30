// sharedtab.js: a tab with one shared socket (/shared.js), for the tests
// in shared_test.go, which read window.t.
import { ReconnectingWebSocket } from "/shared.js";

/** @typedef {{type: string, data?: string, kind?: string, reconnected?: boolean, resumed?: boolean, to?: string, code?: number, willReconnect?: boolean}} Entry */

/** @type {Entry[]} */
const log = [];
/** @type {import("/shared.js").ReconnectingWebSocket | null} */
let ws = null;
/** @type {Map<string, () => void>} */
const waiting = new Map();

const t = {
	log,
	ready: true,
	Socket: ReconnectingWebSocket,
	/** @returns {import("/shared.js").ReconnectingWebSocket} */
	get ws() {
		if (ws === null) {
			throw new Error("no socket yet");
		}
		return ws;
	},
	/**
	 * @param {string} url
	 * @param {import("/shared.js").SharedSocketOptions} [options]
	 */
	open(url, options) {
		const s = new ReconnectingWebSocket(url, [], options);
		ws = s;
		s.addEventListener("open", (e) => log.push({ type: "open", reconnected: e.reconnected, resumed: e.resumed }));
		s.addEventListener("close", (e) => log.push({ type: "close", code: e.code, willReconnect: e.willReconnect }));
		s.addEventListener("statechange", (e) => log.push({ type: "statechange", to: e.to }));
		s.addEventListener("error", (e) => log.push({ type: "error", data: e.message }));
		s.addEventListener("dropped", (e) => log.push({ type: "dropped", data: String(e.messages) }));
		s.addEventListener("durable", (e) => log.push({ type: "durable", data: String(e.sent) }));
		s.addEventListener("message", (e) => {
			const data = String(e.data);
			const kind = typeof e.data === "string" ? "text" : e.data instanceof Blob ? "blob" : "arraybuffer";
			log.push({ type: "message", data, kind });
			waiting.get(data)?.();
			waiting.delete(data);
		});
	},
	/** @param {string} type */
	count: (type) => log.filter((e) => e.type === type).length,
	/** @returns {string[]} the kind of each message: text, blob or arraybuffer */
	kinds: () => log.filter((e) => e.type === "message").map((e) => /** @type {string} */ (e.kind)),
	/**
	 * thrown returns the name of what f throws, or "nothing".
	 * @param {() => unknown} f
	 */
	thrown(f) {
		try {
			f();
			return "nothing";
		} catch (e) {
			return e instanceof Error ? e.name : String(e);
		}
	},
	/** @returns {string[]} */
	messages: () => log.filter((e) => e.type === "message").map((e) => /** @type {string} */ (e.data)),
	/**
	 * sendMany sends prefix-0 … prefix-(n-1).
	 * @param {string} prefix
	 * @param {number} n
	 */
	sendMany(prefix, n) {
		for (let i = 0; i < n; i++) {
			t.ws.send(`${prefix}-${i}`);
		}
	},
	/**
	 * sendPaced sends prefix-0 … prefix-(n-1), a few every millisecond or
	 * so, for a run that lasts long enough for faults to strike it.
	 * @param {string} prefix
	 * @param {number} n
	 * @param {number} perTick
	 */
	sendPaced(prefix, n, perTick) {
		let i = 0;
		const timer = setInterval(() => {
			for (let k = 0; k < perTick && i < n; k++, i++) {
				t.ws.send(`${prefix}-${i}`);
			}
			if (i === n) {
				clearInterval(timer);
			}
		}, 1);
	},
	/**
	 * echoTimes sends n messages one after another, each when the echo of
	 * the one before came, and returns each round trip in ms.
	 * @param {string} prefix
	 * @param {number} n
	 */
	async echoTimes(prefix, n) {
		const times = [];
		for (let i = 0; i < n; i++) {
			const data = `${prefix}-${i}`;
			const echoed = new Promise((resolve) => waiting.set(data, () => resolve(undefined)));
			const start = performance.now();
			t.ws.send(data);
			await echoed;
			times.push(performance.now() - start);
		}
		return times;
	},
};
Object.assign(globalThis, { t });
