// startup.js times one client from the start of its import to its first
// open, as the page's first use of it, and leaves the result in
// window.startup for the benchmark to read.
//
// It learns where the time goes without touching the client's code: it
// wraps what resock's loader calls (fetch of the .wasm, WebAssembly's
// compile and instantiate, the Go class that wasm_exec.js defines) and reads
// Resource Timing. Each milestone is taken at most once.

const params = new URLSearchParams(location.search);
const client = params.get("client");
const echoURL = params.get("echo");

const now = () => performance.now();
const marks = {};

function instrument() {
	const fetch = globalThis.fetch;
	globalThis.fetch = function (input, init) {
		const url = input instanceof Request ? input.url : String(input);
		if (new URL(url, location.href).pathname.endsWith(".wasm")) {
			marks.wasmFetch ??= now();
		}
		return fetch.call(this, input, init);
	};
	for (const name of ["compileStreaming", "instantiateStreaming", "compile", "instantiate"]) {
		const f = WebAssembly[name];
		if (typeof f !== "function") {
			continue;
		}
		WebAssembly[name] = function (...args) {
			marks.compileStart ??= now();
			const p = f.apply(this, args);
			// The last to settle: a compile followed by an instantiate counts
			// as one step.
			p.then(() => { marks.instantiated = now(); }, () => {});
			return p;
		};
	}
	// wasm_exec.js assigns globalThis.Go once it has run; run's synchronous
	// part is the Go runtime starting and main running until it waits.
	let Go;
	Object.defineProperty(globalThis, "Go", {
		configurable: true,
		get() { return Go; },
		set(G) {
			marks.wasmExec ??= now();
			Go = class extends G {
				run(instance) {
					marks.goRun ??= now();
					const p = super.run(instance);
					marks.goStarted ??= now();
					return p;
				}
			};
		},
	});
}

function once(target, type) {
	return new Promise((resolve, reject) => {
		target.addEventListener(type, resolve, { once: true });
		target.addEventListener("close", () => reject(new Error(`${client} closed before ${type}`)), { once: true });
	});
}

// floorLoad loads floor.wasm, a Go program that only starts and registers
// one function, the way resock.js loads resock.wasm.
async function floorLoad() {
	await import("/floor_exec.js");
	const go = new globalThis.Go();
	const { instance } = await WebAssembly.instantiateStreaming(fetch("/floor.wasm"), go.importObject);
	go.run(instance);
	if (typeof globalThis.__floor !== "function") {
		throw new Error("floor.wasm registered nothing");
	}
}

async function measure() {
	instrument();
	const t0 = now();
	let ws;
	switch (client) {
		case "websocket":
			marks.imported = now();
			ws = new WebSocket(echoURL);
			break;
		case "partysocket": {
			const mod = await import("/partysocket.js");
			marks.imported = now();
			ws = new mod.default(echoURL);
			break;
		}
		case "resock":
		case "resock-versioned": {
			// resock-versioned names resock's files by their version, so
			// that demo.Static lets the browser keep them without asking.
			const mod = await import(client === "resock" ? "/resock.js" : params.get("module"));
			marks.imported = now();
			ws = new mod.ReconnectingWebSocket(echoURL);
			break;
		}
		case "go-floor":
			await floorLoad();
			marks.imported = now();
			ws = new WebSocket(echoURL);
			break;
		default:
			throw new Error(`unknown client ${client}`);
	}
	await once(ws, "open");
	marks.open = now();
	ws.close();

	const rel = {};
	for (const [k, v] of Object.entries(marks)) {
		rel[k] = v - t0;
	}
	const scripts = [];
	let wasm = null;
	for (const e of performance.getEntriesByType("resource")) {
		if (e.startTime < t0) {
			continue;
		}
		const path = new URL(e.name).pathname;
		const r = {
			path,
			start: e.startTime - t0,
			responseStart: e.responseStart - t0,
			end: e.responseEnd - t0,
			transfer: e.transferSize,
			encoded: e.encodedBodySize,
			decoded: e.decodedBodySize,
		};
		if (path.endsWith(".wasm")) {
			wasm = r;
		} else if (path.endsWith(".js")) {
			scripts.push(r);
		}
	}
	return { marks: rel, scripts, wasm };
}

measure().then(
	(result) => { window.startup = { result }; },
	(err) => { window.startup = { error: String(err?.stack ?? err) }; },
);
