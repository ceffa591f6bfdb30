// bench.js: the primitives the benchmark driver (bench/browser) calls through
// the DevTools protocol. Every client under test gets the same treatment:
// the same echo loops, the same listeners, the same timing code, so that
// what differs between them is the client alone.

// modules are the ES modules of the clients, as the bench server serves them.
const modules = {
	resock: "/resock.js",
	// The same module with a resock.wasm that can report its Go heap.
	"resock-hook": "/hook/resock.js",
	partysocket: "/lib/partysocket.js",
	rws: "/lib/reconnecting-websocket.js",
};

let echoURL = "";
const sockets = new Map();
// opens holds, per socket, the wall-clock time in ms of every open event.
const opens = new Map();

function now() {
	return performance.timeOrigin + performance.now();
}

// construct makes a client of lib from the module mod. Every reconnecting
// client resets its backoff after 1 s of uptime, so that each server restart
// of the benchmark finds it fresh; everything else is the library's default.
function construct(lib, mod, options) {
	switch (lib) {
		case "websocket":
			return new WebSocket(echoURL);
		case "resock":
		case "resock-hook":
			return new mod.ReconnectingWebSocket(echoURL, [], { minUptime: 1000, ...options });
		case "partysocket":
		case "rws":
			return new mod.default(echoURL, [], { minUptime: 1000, ...options });
	}
	throw new Error(`unknown client ${lib}`);
}

function once(ws, type) {
	return new Promise((resolve) => ws.addEventListener(type, resolve, { once: true }));
}

function withTimeout(promise, ms, what) {
	let timer;
	const timeout = new Promise((_, reject) => {
		timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
	});
	return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function text(size) {
	return "x".repeat(size);
}

// A throughput run sends one kind of payload and receives the echoes with
// one binaryType: "string" for text, which arrives as a string whatever the
// binaryType, or "arraybuffer" or "blob" for binary messages.
// binaryPayloads are the binary kinds, each made from the bytes the loop
// read, as an application makes its next message: the ArrayBuffer as it
// is, a Uint8Array on the whole of it, or a Blob of it.
const binaryPayloads = {
	ArrayBuffer: (buf) => buf,
	Uint8Array: (buf) => new Uint8Array(buf),
	Blob: (buf) => new Blob([buf]),
};

// receivedAs checks that data is what the cell's binaryType promises, of size
// bytes, and says what it is otherwise: a client that ignored the binaryType
// it was given would measure something else.
function receivedAs(data, receive, size) {
	let kind, length;
	if (typeof data === "string") {
		[kind, length] = ["string", data.length];
	} else if (data instanceof ArrayBuffer) {
		[kind, length] = ["arraybuffer", data.byteLength];
	} else if (data instanceof Blob) {
		[kind, length] = ["blob", data.size];
	} else {
		return `a ${Object.prototype.toString.call(data)}`;
	}
	if (kind !== receive) {
		return `a ${kind} of ${length} B`;
	}
	if (length !== size) {
		return `${length} B`;
	}
	return null;
}

window.bench = {
	now,

	setEchoURL(url) {
		echoURL = url;
	},

	// coldOpen imports lib from a URL never used before, makes a client and
	// returns the ms from the start of the import to its first open. The
	// client is closed afterwards.
	async coldOpen(lib, tag) {
		const t0 = performance.now();
		let mod = null;
		if (lib !== "websocket") {
			let url = `${modules[lib]}?cold=${tag}`;
			if (lib === "resock") {
				url += `&wasm=${encodeURIComponent(`/resock.wasm?cold=${tag}`)}`;
			}
			mod = await import(url);
		}
		const ws = construct(lib, mod, {});
		await withTimeout(once(ws, "open"), 30000, `first open of ${lib}`);
		const ms = performance.now() - t0;
		ws.close();
		return ms;
	},

	// open makes the long-lived client name of lib and waits for it to open.
	async open(name, lib, options = {}) {
		const mod = lib === "websocket" ? null : await import(modules[lib]);
		const ws = construct(lib, mod, options);
		const times = [];
		opens.set(name, times);
		ws.addEventListener("open", () => times.push(now()));
		sockets.set(name, ws);
		await withTimeout(once(ws, "open"), 30000, `open of ${name}`);
		return true;
	},

	// settle waits, 30 s at most, until the client name is open and has
	// received nothing for quietMs, so that echoes of a failed run do not
	// count in the next. The browser WebSocket, which does not reconnect, is
	// replaced if it closed.
	async settle(name, quietMs) {
		let ws = sockets.get(name);
		if (ws instanceof WebSocket && ws.readyState !== WebSocket.OPEN) {
			ws.close();
			ws = new WebSocket(echoURL);
			sockets.set(name, ws);
		}
		let last = performance.now();
		const onMessage = () => {
			last = performance.now();
		};
		ws.addEventListener("message", onMessage);
		try {
			const deadline = performance.now() + 30000;
			while (ws.readyState !== 1 || performance.now() - last < quietMs) {
				if (performance.now() > deadline) {
					throw new Error(`${name} did not settle within 30 s`);
				}
				await new Promise((resolve) => setTimeout(resolve, 20));
			}
		} finally {
			ws.removeEventListener("message", onMessage);
		}
		return true;
	},

	opens(name) {
		return opens.get(name) ?? [];
	},

	// throughput keeps inflight echoes of size bytes in flight on the client
	// name for about ms, then waits for the last ones; it returns how many
	// came back and in how long. Each is sent as send and received with the
	// binaryType receive (see binaryPayloads), which is set on the client
	// here, after construction, as an application sets it.
	throughput(name, send, receive, size, inflight, ms) {
		const ws = sockets.get(name);
		if ((send === "string") !== (receive === "string") || !(send === "string" || send in binaryPayloads)) {
			throw new Error(`cannot send ${send} and receive ${receive}`);
		}
		if (receive !== "string") {
			ws.binaryType = receive;
			if (ws.binaryType !== receive) {
				throw new Error(`${name}'s binaryType is ${ws.binaryType} after setting it to ${receive}`);
			}
		}
		const bytes = new Uint8Array(size).fill(0x78).buffer;
		const data = send === "string" ? text(size) : binaryPayloads[send](bytes);
		const run = new Promise((resolve, reject) => {
			let sent = 0;
			let received = 0;
			let stopping = false;
			let done = false;
			const t0 = performance.now();
			const deadline = t0 + ms;
			const fail = (err) => {
				if (!done) {
					done = true;
					cleanup();
					reject(err);
				}
			};
			const onClose = (e) => {
				fail(new Error(`${name} closed (${e.code} ${e.reason}) during the run after ${received} echoes`));
			};
			const wrong = (data) => {
				const got = receivedAs(data, receive, size);
				if (got !== null) {
					fail(new Error(`${name} delivered ${got} where ${receive === "string" ? "a string" : `binaryType ${receive}`} of ${size} B was due`));
				}
				return got !== null;
			};
			// An echo client: each message is read as an application reads
			// it, and its bytes are sent back in the kind under test. A
			// string or an ArrayBuffer is read by taking e.data; a Blob by
			// reading its bytes, which takes a turn of the event loop.
			let reply;
			if (send === "string") {
				reply = (data) => ws.send(data);
			} else if (receive === "arraybuffer") {
				const make = binaryPayloads[send];
				reply = (data) => ws.send(make(data));
			} else {
				const make = binaryPayloads[send];
				reply = (data) =>
					data.arrayBuffer().then((buf) => {
						if (!done) {
							ws.send(make(buf));
						}
					}, fail);
			}
			const onMessage = (e) => {
				received++;
				if (received === 1 && wrong(e.data)) {
					return;
				}
				if (!stopping) {
					// Reading the clock costs; every 16th echo is often enough.
					if ((received & 15) !== 0 || performance.now() < deadline) {
						sent++;
						reply(e.data);
						return;
					}
					stopping = true;
				}
				// More than sent arrive when echoes of an earlier run that
				// failed are delivered late, after a resume.
				if (received >= sent && !wrong(e.data)) {
					const elapsed = performance.now() - t0;
					done = true;
					cleanup();
					resolve({ messages: received, ms: elapsed });
				}
			};
			const cleanup = () => {
				ws.removeEventListener("message", onMessage);
				ws.removeEventListener("close", onClose);
			};
			ws.addEventListener("message", onMessage);
			ws.addEventListener("close", onClose);
			for (let i = 0; i < inflight; i++) {
				ws.send(data);
				sent++;
			}
		});
		return withTimeout(run, ms + 17000, `throughput of ${name}`);
	},

	// latency sends count echoes of size bytes one at a time on the client
	// name and returns each round trip in ms.
	latency(name, size, count) {
		const ws = sockets.get(name);
		const data = text(size);
		const samples = new Array(count);
		const run = new Promise((resolve, reject) => {
			let i = 0;
			let t0 = 0;
			const onClose = (e) => {
				cleanup();
				reject(new Error(`${name} closed (${e.code} ${e.reason}) during the run after ${i} echoes`));
			};
			const onMessage = (e) => {
				samples[i++] = performance.now() - t0;
				if (i === count) {
					cleanup();
					resolve(samples);
					return;
				}
				t0 = performance.now();
				ws.send(e.data);
			};
			const cleanup = () => {
				ws.removeEventListener("message", onMessage);
				ws.removeEventListener("close", onClose);
			};
			ws.addEventListener("message", onMessage);
			ws.addEventListener("close", onClose);
			t0 = performance.now();
			ws.send(data);
		});
		return withTimeout(run, 30000 + count * 100, `latency of ${name}`);
	},

	// reconnects forces n reconnects of the client name, one after the other,
	// each waiting for the open, and returns the total ms. The browser
	// WebSocket cannot reconnect: it is closed and replaced.
	async reconnects(name, n) {
		const t0 = performance.now();
		for (let i = 0; i < n; i++) {
			let ws = sockets.get(name);
			if (ws instanceof WebSocket) {
				ws.close();
				ws = new WebSocket(echoURL);
				sockets.set(name, ws);
				await withTimeout(once(ws, "open"), 10000, `reconnect ${i + 1} of ${name}`);
				continue;
			}
			const opened = once(ws, "open");
			ws.reconnect();
			await withTimeout(opened, 10000, `reconnect ${i + 1} of ${name}`);
		}
		return performance.now() - t0;
	},

	// goStats returns the Go runtime's figures of the resock.wasm built with
	// the benchmark's hook (after garbage collection), or null without it.
	// The hook runs twice, 100 ms apart: Go runs the finalizers that
	// release JavaScript values after a collection, when it next gets the
	// thread.
	async goStats() {
		if (typeof globalThis.__resockMemStats !== "function") {
			return null;
		}
		globalThis.__resockMemStats();
		await new Promise((resolve) => setTimeout(resolve, 100));
		return globalThis.__resockMemStats();
	},

	// resources lists what the page downloaded, with the sizes as served.
	resources() {
		return performance.getEntriesByType("resource").map((e) => ({
			name: e.name,
			transferSize: e.transferSize,
			encodedBodySize: e.encodedBodySize,
			decodedBodySize: e.decodedBodySize,
		}));
	},
};

window.bench.ready = true;
