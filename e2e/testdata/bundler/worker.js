// resock in a dedicated module Worker: no window, no document. The page
// sends commands; every event of the socket is posted back.
import { ReconnectingWebSocket } from "resock";
import { record } from "./record.js";

/** @type {ReconnectingWebSocket | null} */
let ws = null;

self.addEventListener("message", (e) => {
	const c = e.data;
	if (c.open !== undefined) {
		ws = new ReconnectingWebSocket(c.open, [], { delays: [100, 200, 400], binaryType: "arraybuffer" });
		record(ws, (entry) => self.postMessage(entry));
	} else if (c.text !== undefined) {
		ws?.send(c.text);
	} else if (c.bytes !== undefined) {
		ws?.send(new Uint8Array(c.bytes));
	} else if (c.blob !== undefined) {
		ws?.send(new Blob([new Uint8Array(c.blob)]));
	} else if (c.network !== undefined) {
		// The worker's own online and offline events, as the browser fires
		// them on a WorkerGlobalScope.
		self.dispatchEvent(new Event(c.network));
	}
});
self.postMessage({ type: "ready" });
