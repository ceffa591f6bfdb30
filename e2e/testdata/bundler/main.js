// The plain API, as an app that imports the package uses it, and the same
// in a module Worker. The test reads window.app.
import { ReconnectingWebSocket } from "resock";
import { ReconnectingWebSocket as SharedSocket } from "resock/shared";
import { record } from "./record.js";

const wsURL = new URLSearchParams(location.search).get("ws") ?? "";

/** @type {import("./record.js").Entry[]} */
const events = [];
/** @type {import("./record.js").Entry[]} */
const workerEvents = [];
const ws = new ReconnectingWebSocket(wsURL, [], { delays: [100, 200, 400], binaryType: "arraybuffer" });
record(ws, (e) => events.push(e));

// The worker says when its module has run: a message sent before then
// would find no listener.
// A shared socket: its connection lives in resock's SharedWorker, which
// the bundler must emit too.
/** @type {import("./record.js").Entry[]} */
const sharedEvents = [];
const shared = new SharedSocket(wsURL, [], { delays: [100, 200, 400], binaryType: "arraybuffer" });
record(shared, (e) => sharedEvents.push(e));

const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
const workerReady = new Promise((resolve) => {
	worker.addEventListener("message", (e) => (e.data.type === "ready" ? resolve(undefined) : workerEvents.push(e.data)));
});
worker.addEventListener("error", (e) => workerEvents.push({ type: "worker-error", data: e.message }));

const app = {
	ws,
	shared,
	/** @param {string} type */
	sharedTexts: (type) => sharedEvents.filter((e) => e.type === type).map((e) => e.data ?? e.to ?? String(e.reconnected)),
	events,
	workerEvents,
	/** @param {string} type */
	texts: (type) => events.filter((e) => e.type === type).map((e) => e.data ?? e.to ?? String(e.reconnected)),
	/** @param {string} type */
	workerTexts: (type) => workerEvents.filter((e) => e.type === type).map((e) => e.data ?? e.to ?? String(e.reconnected)),
	/** @param {unknown} command */
	toWorker: (command) => void workerReady.then(() => worker.postMessage(command)),
};
Object.assign(globalThis, { app });
app.toWorker({ open: wsURL });
