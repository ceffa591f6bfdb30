// resock.js: a reconnecting WebSocket for web pages, written in Go and
// compiled to WebAssembly. See resock.d.ts for the API.
//
// This module loads wasm_exec.js and resock.wasm once, with top-level await,
// so `new ReconnectingWebSocket(...)` works synchronously as soon as the
// import resolves. Both files are looked up beside this module; the query
// string of the module URL can point elsewhere:
//
//   import { ReconnectingWebSocket } from "/resock.js?wasm=/assets/resock.wasm&wasm_exec=/assets/wasm_exec.js";
//
// The class is thin glue. It passes its arguments to a per-socket bridge
// object made by Go, which does all conversion, validation and work, and
// returns undefined or a value on success, or an Error for the glue to throw:
// a Go function cannot throw into its JavaScript caller.

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

const EVENTS = ["open", "message", "close", "error", "reconnecting", "statechange"];

const moduleURL = new URL(import.meta.url);
const wasmURL = new URL(moduleURL.searchParams.get("wasm") ?? "resock.wasm", moduleURL);
const wasmExecURL = new URL(moduleURL.searchParams.get("wasm_exec") ?? "wasm_exec.js", moduleURL);

// exited is set when the Go program ends; every socket is then unusable.
let exited = null;

// load starts the Go program and returns the bridge it registers.
async function load() {
	if (typeof globalThis.Go !== "function") {
		// wasm_exec.js only assigns globalThis.Go, so it runs as a module too:
		// no <script> tag, no eval, and it works in workers.
		await import(wasmExecURL.href);
	}
	const go = new globalThis.Go();
	const response = await fetch(wasmURL);
	if (!response.ok) {
		throw new Error(`resock: failed to fetch ${wasmURL}: HTTP ${response.status}`);
	}
	const type = (response.headers.get("Content-Type") ?? "").split(";")[0].trim();
	const { instance } = type === "application/wasm" && WebAssembly.instantiateStreaming
		? await WebAssembly.instantiateStreaming(response, go.importObject)
		// A server that does not say application/wasm makes streaming fail.
		: await WebAssembly.instantiate(await response.arrayBuffer(), go.importObject);

	let code = 0;
	const exit = go.exit;
	go.exit = (c) => {
		code = c;
		exit.call(go, c);
	};
	// run returns after main has registered the bridge and is waiting for
	// calls; its promise settles only if the program ends.
	go.run(instance).then(
		() => fatal(`the Go program exited with code ${code}`),
		(err) => fatal(`the Go program failed: ${err}`),
	);
	const bridge = globalThis.__resock;
	delete globalThis.__resock;
	if (go.exited) {
		throw new Error(`resock: failed to start: the Go program exited with code ${code}`);
	}
	if (!bridge || typeof bridge.create !== "function") {
		throw new Error("resock: failed to start: resock.wasm registered no bridge");
	}
	return bridge;
}

function fatal(why) {
	exited = why;
	console.error(`resock: ${why}; every ReconnectingWebSocket is now unusable`);
}

const bridge = await load();

function deadError() {
	return new DOMException(`resock is not running: ${exited}`, "InvalidStateError");
}

// check throws what a bridge call returned if it is an error.
function check(result) {
	if (result instanceof Error || result instanceof DOMException) {
		throw result;
	}
	return result;
}

// reportException reports an exception of an on* handler as the browser
// reports one from an event listener, without stopping the dispatch.
function reportException(err) {
	if (typeof globalThis.reportError === "function") {
		globalThis.reportError(err);
	} else {
		setTimeout(() => {
			throw err;
		});
	}
}

/**
 * ReconnectingWebSocket behaves like WebSocket but reconnects by itself,
 * with backoff, until close() is called. Messages sent while it is not open
 * are queued and delivered in order on reconnect.
 */
export class ReconnectingWebSocket extends EventTarget {
	#b;
	#url;
	// #handlers holds, per event type, the on* handler and the listener that
	// calls it, added when the handler is first set, as browsers do.
	#handlers = new Map();

	constructor(url) {
		super();
		if (exited) {
			throw deadError();
		}
		// All arguments go to Go as given: it counts them and treats
		// undefined as missing, as Web IDL does.
		this.#b = check(bridge.create(this, ...arguments));
		this.#url = this.#b.url;
	}

	#bridge() {
		if (exited) {
			throw deadError();
		}
		return this.#b;
	}

	#get(name, fallback) {
		return exited ? fallback : check(this.#b[name]());
	}

	/** The resolved URL: absolute, with ws: or wss:. */
	get url() {
		return this.#url;
	}

	get readyState() {
		return this.#get("readyState", CLOSED);
	}

	get state() {
		return this.#get("state", "closed");
	}

	get protocol() {
		return this.#get("protocol", "");
	}

	get extensions() {
		return this.#get("extensions", "");
	}

	get bufferedAmount() {
		return this.#get("bufferedAmount", 0);
	}

	get retryCount() {
		return this.#get("retryCount", 0);
	}

	get queuedMessages() {
		return this.#get("queuedMessages", 0);
	}

	get rtt() {
		return this.#get("rtt", null);
	}

	get binaryType() {
		return this.#get("binaryType", "blob");
	}

	set binaryType(value) {
		check(this.#bridge().setBinaryType(value));
	}

	send(data) {
		check(this.#bridge().send(...arguments));
	}

	close() {
		check(this.#bridge().close(...arguments));
	}

	reconnect() {
		check(this.#bridge().reconnect(...arguments));
	}

	#handler(type) {
		return this.#handlers.get(type)?.value ?? null;
	}

	// #setHandler follows the event handler IDL attribute: a non-object
	// means null, which removes the listener; the first non-null value adds
	// it, so the handler runs in the order it was first set among listeners.
	#setHandler(type, value) {
		const handler = (typeof value === "object" && value !== null) || typeof value === "function" ? value : null;
		const entry = this.#handlers.get(type);
		if (handler === null) {
			if (entry) {
				this.removeEventListener(type, entry.listener);
				this.#handlers.delete(type);
			}
			return;
		}
		if (entry) {
			entry.value = handler;
			return;
		}
		const added = {
			value: handler,
			listener: (event) => {
				if (typeof added.value !== "function") {
					return;
				}
				try {
					added.value.call(this, event);
				} catch (err) {
					reportException(err);
				}
			},
		};
		this.#handlers.set(type, added);
		this.addEventListener(type, added.listener);
	}

	static {
		for (const type of EVENTS) {
			Object.defineProperty(this.prototype, `on${type}`, {
				get() {
					return this.#handler(type);
				},
				set(value) {
					this.#setHandler(type, value);
				},
				enumerable: true,
				configurable: true,
			});
		}
		const constants = { CONNECTING, OPEN, CLOSING, CLOSED };
		for (const [name, value] of Object.entries(constants)) {
			const desc = { value, enumerable: true, writable: false, configurable: false };
			Object.defineProperty(this, name, desc);
			Object.defineProperty(this.prototype, name, desc);
		}
		Object.defineProperty(this.prototype, Symbol.toStringTag, { value: "ReconnectingWebSocket", configurable: true });
	}
}

/** Resolved once resock.wasm runs; the import itself already waits for it. */
export const ready = Promise.resolve();

export { CONNECTING, OPEN, CLOSING, CLOSED };

export default ReconnectingWebSocket;
