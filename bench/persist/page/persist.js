// persist.js runs the cells of bench/persist in the page: an echo
// throughput run, a latency run and, with persist, a durability run, for
// one client kind, message kind and size. The bench calls bench.run and
// reads its result.
import { ReconnectingWebSocket } from "/resock.js";

const url = `ws://${location.host}/echo`;

/**
 * payload is a message of size bytes: a string of ASCII, or a Uint8Array.
 * @param {number} size
 * @param {string} kind
 */
function payload(size, kind) {
	return kind === "text" ? "x".repeat(size) : new Uint8Array(size).fill(120);
}

/**
 * connect opens a client and waits for it to open: the browser's
 * WebSocket, resock in resume mode, or resock in resume mode with
 * persist.
 * @param {string} client
 * @param {string} name the store's name, with persist
 * @returns {Promise<WebSocket | InstanceType<typeof ReconnectingWebSocket>>}
 */
function connect(client, name) {
	const ws = client === "websocket"
		? new WebSocket(url)
		: new ReconnectingWebSocket(url, undefined, { resume: true, ...(client === "persist" ? { persist: name } : {}) });
	ws.binaryType = "arraybuffer";
	return new Promise((resolve, reject) => {
		ws.addEventListener("open", () => resolve(ws), { once: true });
		ws.addEventListener("error", (e) => reject(new Error(`${client}: ${/** @type {any} */ (e).message ?? "error"}`)), { once: true });
	});
}

/**
 * throughput keeps inflight echoes in flight for ms and returns messages
 * per second, counted to the last echo.
 * @param {any} ws
 * @param {unknown} msg
 * @param {number} ms
 * @param {number} inflight
 * @returns {Promise<number>}
 */
function throughput(ws, msg, ms, inflight) {
	return new Promise((resolve) => {
		let received = 0;
		let outstanding = 0;
		const start = performance.now();
		const stopAt = start + ms;
		const onMessage = () => {
			received++;
			outstanding--;
			if (performance.now() < stopAt) {
				ws.send(msg);
				outstanding++;
			} else if (outstanding === 0) {
				ws.removeEventListener("message", onMessage);
				resolve(received / ((performance.now() - start) / 1000));
			}
		};
		ws.addEventListener("message", onMessage);
		for (let i = 0; i < inflight; i++) {
			ws.send(msg);
			outstanding++;
		}
	});
}

/**
 * timed runs count round trips of step, one after another, and returns
 * their times in ms.
 * @param {number} count
 * @param {() => Promise<unknown>} step
 */
async function timed(count, step) {
	const out = [];
	for (let i = 0; i < count; i++) {
		const t0 = performance.now();
		await step();
		out.push(performance.now() - t0);
	}
	return out;
}

/**
 * echo sends msg and waits for its echo.
 * @param {any} ws
 * @param {unknown} msg
 */
function echo(ws, msg) {
	return new Promise((resolve) => {
		ws.addEventListener("message", resolve, { once: true });
		ws.send(msg);
	});
}

let runs = 0;

/** @type {Record<string, (args: any) => Promise<any>>} */
const bench = {
	/**
	 * run measures one cell: client, kind and size.
	 * @param {{client: string, kind: string, size: number, ms: number, inflight: number, count: number}} a
	 */
	async run(a) {
		const ws = await connect(a.client, `bench-${++runs}`);
		const msg = payload(a.size, a.kind);
		const rate = await throughput(ws, msg, a.ms, a.inflight);
		const rtt = await timed(a.count, () => echo(ws, msg));
		// With persist: from send() to whenDurable's answer, the echo not
		// awaited.
		const durable = a.client === "persist" ? await timed(a.count, () => (ws.send(msg), /** @type {any} */ (ws).whenDurable())) : [];
		ws.close();
		return { rate, rtt, durable };
	},
};
/** @type {any} */ (globalThis).bench = bench;
/** @type {any} */ (globalThis).ready = true;
