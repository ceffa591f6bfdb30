// example.ts uses the whole API of resock.d.ts. make test type-checks it with
// tsc --strict --noEmit, so a change to the contract that breaks code written
// against it fails the build. It is also the API in one page, for a reader.
import ReconnectingWebSocketDefault, {
	CLOSED,
	CLOSING,
	CONNECTING,
	OPEN,
	ReconnectingWebSocket,
	ready,
	type BinaryType,
	type DroppedEvent,
	type NetworkChange,
	type OpenEvent,
	type OutboxPolicy,
	type ReadyState,
	type ReconnectingCloseEvent,
	type ReconnectingErrorEvent,
	type ReconnectingEvent,
	type ReconnectingWebSocketEventMap,
	type ReconnectingWebSocketOptions,
	type SocketState,
	type SocketStats,
	type StateChangeEvent,
} from "./resock.js";

await ready;
const Same: typeof ReconnectingWebSocket = ReconnectingWebSocketDefault;

// Every option, with its default; persist has none, and is left out
// below, since it needs resume.
const everyOption: Required<ReconnectingWebSocketOptions> = {
	initialDelay: 1000,
	backoffFactor: 2,
	maxDelay: 30000,
	delays: [1000, 2000, 5000, 10000],
	minUptime: 5000,
	connectTimeout: 5000,
	maxRetries: Infinity,
	maxQueuedMessages: 10000,
	maxQueuedBytes: 8 << 20,
	binaryType: "blob",
	resume: false,
	persist: "drafts",
	maxUnackedBytes: 1 << 20,
	heartbeatInterval: 10000,
	heartbeatTimeout: 5000,
	hiddenHeartbeatInterval: 30000,
	heartbeat: { message: "ping", expect: "pong" },
	maxMessageSize: 16 << 20,
	outboxPolicy: "throw",
	networkChange: "check" satisfies NetworkChange,
	shouldReconnect: (e: CloseEvent) => e.code !== 4401,
};

// A plain socket: a URL and no options.
const plain = new ReconnectingWebSocket("wss://example.com/echo");
const fromURL = new Same(new URL("/echo", location.href), "chat");

// A fresh token before every attempt, from an async function; the
// subprotocols from another function.
async function fetchToken(): Promise<string> {
	const response = await fetch("/token");
	if (!response.ok) {
		throw new Error(`token service: HTTP ${response.status}`);
	}
	return response.text();
}
let version = 1;
const chat = new ReconnectingWebSocket(
	async () => `wss://example.com/chat?token=${encodeURIComponent(await fetchToken())}`,
	() => [`chat.v${version}`],
	{
		resume: true,
		binaryType: "arraybuffer",
		outboxPolicy: "drop-oldest" satisfies OutboxPolicy,
		maxQueuedMessages: 100,
		hiddenHeartbeatInterval: 60000,
		// An async policy: ask the server whether the session may go on.
		shouldReconnect: async (e) => {
			if (e.code === 4401) {
				return (await fetch("/session")).ok;
			}
			return e.code < 4400 || e.code > 4499;
		},
	},
);
const { persist: _drafts, ...inMemory } = everyOption;
const synchronous = new ReconnectingWebSocket(() => new URL("wss://example.com/feed"), undefined, { ...inMemory, delays: new Set([100, 200]) });

// A durable socket: what it sends survives a reload.
const durable = new ReconnectingWebSocket("wss://example.com/chat", [], { resume: true, persist: "drafts" });
durable.send("typed on a train");
await durable.whenDurable();
durable.addEventListener("durable", (e) => {
	const stored: number = e.sent;
	console.log(stored);
});
durable.ondurable = (e) => console.log(e.sent);

// The properties, with their types.
const readyState: ReadyState = chat.readyState;
const states: Record<ReadyState, string> = {
	[CONNECTING]: "connecting",
	[OPEN]: "open",
	[CLOSING]: "closing",
	[CLOSED]: "closed",
};
const constants: number[] = [ReconnectingWebSocket.CONNECTING, ReconnectingWebSocket.OPEN, chat.CLOSING, chat.CLOSED];
const state: SocketState = chat.state;
const url: string = chat.url;
const protocol: string = chat.protocol;
const extensions: string = chat.extensions;
const buffered: number = chat.bufferedAmount + chat.queuedMessages + chat.retryCount;
const rtt: number | null = chat.rtt;
const binaryType: BinaryType = chat.binaryType;
chat.binaryType = binaryType === "blob" ? "arraybuffer" : "blob";

// A status line as the demo's badge shows it, from events and stats().
let retryAt = 0;
function status(ws: ReconnectingWebSocket): string {
	const st: SocketStats = ws.stats();
	switch (st.state) {
		case "open":
			return `open for ${Math.round(st.uptime / 1000)} s, rtt ${st.rtt ?? "?"} ms, ${st.reconnects} reconnects`;
		case "reconnecting":
			return `reconnecting in ${Math.max(0, Math.ceil((retryAt - performance.now()) / 1000))} s`;
		case "offline":
			return `offline, ${st.queued} messages (${st.queuedBytes} B) queued`;
		case "connecting":
		case "closing":
		case "closed":
			return `${st.state} after ${st.attempts} attempts; ${st.messagesIn}/${st.bytesIn} in, ${st.messagesOut}/${st.bytesOut} out`;
	}
}

// Every event, with addEventListener: the event types are checked.
chat.addEventListener("open", (e: OpenEvent) => {
	if (e.reconnected && !e.resumed) {
		console.log(`back after ${e.downtime} ms, on a fresh session: resync`);
	}
});
chat.addEventListener("message", (e) => {
	const data: string | Blob | ArrayBuffer = e.data;
	console.log(typeof data === "string" ? data : data instanceof Blob ? data.size : data.byteLength, e.origin);
});
chat.addEventListener("close", (e: ReconnectingCloseEvent) => {
	console.log(e.code, e.reason, e.wasClean, e.willReconnect ? "will reconnect" : "final");
});
chat.addEventListener("error", (e: ReconnectingErrorEvent) => console.error(e.message, e.error.stack));
chat.addEventListener("reconnecting", (e: ReconnectingEvent) => {
	retryAt = performance.now() + e.delay;
	console.log(`attempt ${e.attempt} in ${e.delay} ms after ${e.code} ${e.reason}`);
}, { once: false, signal: AbortSignal.timeout(60000) });
chat.addEventListener("statechange", (e: StateChangeEvent) => console.log(`${e.from} -> ${e.to}`));
chat.addEventListener("dropped", (e: DroppedEvent) => console.warn(`${e.messages} messages (${e.bytes} B) dropped: ${e.reason}`));
const listener = (e: ReconnectingWebSocketEventMap["statechange"]) => console.log(status(e.target as ReconnectingWebSocket));
chat.addEventListener("statechange", listener);
chat.removeEventListener("statechange", listener);
chat.addEventListener("custom", (e: Event) => console.log(e.type));

// Every on* property; `this` is the socket.
plain.onopen = function (e) {
	this.send(`hello, reconnected: ${e.reconnected}`);
};
plain.onmessage = (e) => console.log(e.data);
plain.onclose = (e) => console.log(e.willReconnect);
plain.onerror = (e) => console.log(e.message);
plain.onreconnecting = (e) => console.log(e.attempt);
plain.onstatechange = (e) => console.log(e.to);
plain.ondropped = (e) => console.log(e.messages);
plain.ondropped = null;

// Every kind of data send() takes.
plain.send("text");
plain.send(new Uint8Array([1, 2, 3]));
plain.send(new ArrayBuffer(8));
plain.send(new DataView(new ArrayBuffer(4)));
plain.send(new Blob(["blob"]));
try {
	plain.send("one too many");
} catch (err) {
	if (err instanceof DOMException && err.name === "QuotaExceededError") {
		console.warn("outbox full");
	}
}

fromURL.reconnect();
fromURL.reconnect(4000, "switching rooms");
synchronous.close();
plain.close(1000, "bye");

console.log(readyState, states[readyState], constants, state, url, protocol, extensions, buffered, rtt, status(chat), version++);
