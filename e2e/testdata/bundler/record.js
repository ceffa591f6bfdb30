// record follows a socket for the test, in a page or a worker: every event
// in order, with messages as text, or as "bytes:" and the bytes' values.

/**
 * @typedef {{type: string, data?: string, reconnected?: boolean, to?: string}} Entry
 */

/**
 * @param {import("resock").ReconnectingWebSocket} ws
 * @param {(e: Entry) => void} log
 */
export function record(ws, log) {
	ws.addEventListener("open", (e) => log({ type: "open", reconnected: e.reconnected }));
	ws.addEventListener("close", () => log({ type: "close" }));
	ws.addEventListener("statechange", (e) => log({ type: "statechange", to: e.to }));
	ws.addEventListener("message", async (e) => {
		const data = e.data;
		if (typeof data === "string") {
			log({ type: "message", data });
			return;
		}
		const buf = data instanceof Blob ? await data.arrayBuffer() : data;
		log({ type: "message", data: `${data instanceof Blob ? "blob" : "bytes"}:${[...new Uint8Array(buf)].join(",")}` });
	});
}
