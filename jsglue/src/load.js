// load.js: starts the Go program, once per page, and reports its end. Every
// socket of the page shares the one program; should it end, every socket is
// closed for good.

import { closeAll } from "./pagelife.js";

/**
 * Result is what a function of the Go program returns: its result, or the
 * Error for the glue to throw, since a Go function cannot throw into its
 * caller.
 * @template T
 * @typedef {T | Error} Result
 */

/**
 * DebugInfo is the Go side's counters that __resockDebug reports
 * (wasm/debug_js.go).
 * @typedef {object} DebugInfo
 * @property {number} goroutines
 * @property {number} funcs functions handed to JavaScript and not released
 * @property {number | null} heap the live Go heap in bytes; null unless built with resock_memstats
 * @property {number} sockets sockets the bridge tracks
 */

/**
 * The bridge the Go program registers (wasm/bridge_js.go).
 * @typedef {object} Bridge
 * @property {(target: EventTarget, ...args: unknown[]) => Result<import("./socket.js").SocketBridge>} create
 *   makes a socket that dispatches its events on target, from the
 *   constructor's converted arguments and whether the network is up, and
 *   returns its bridge object
 * @property {() => Result<DebugInfo>} debug
 * @property {(dataPath: typeof import("./datapath.js").DataPath) => Result<import("./datapath.js").Wire>} init
 *   takes the data path's class, returns resock.v1's constants
 */

/**
 * Program is one running resock.wasm. Each URL resock.js is imported from
 * starts its own, and its sockets end with it.
 */
export class Program {
	/** @type {Bridge} */
	bridge;
	/** @type {string | null} why the Go program ended, once it has */
	exited = null;

	/** @param {Bridge} bridge */
	constructor(bridge) {
		this.bridge = bridge;
	}

	/**
	 * fatal ends every socket of the program: it exited or crashed.
	 * @param {string} why
	 */
	fatal(why) {
		if (this.exited !== null) {
			return;
		}
		this.exited = why;
		console.error(`resock: ${why}; every ReconnectingWebSocket is now closed`);
		closeAll(this, why);
	}
}

/**
 * Go is what resock uses of the class wasm_exec.js defines.
 * @typedef {object} Go
 * @property {WebAssembly.Imports} importObject
 * @property {boolean} exited
 * @property {(code: number) => void} exit
 * @property {(instance: WebAssembly.Instance) => Promise<void>} run
 */

/**
 * compile fetches and compiles resock.wasm, streaming when the server says
 * application/wasm (streaming refuses any other type).
 * @param {URL} wasmURL
 * @returns {Promise<WebAssembly.Module>}
 */
async function compile(wasmURL) {
	const res = await fetch(wasmURL);
	if (!res.ok) {
		throw new Error(`resock: failed to fetch ${wasmURL}: HTTP ${res.status}`);
	}
	const type = (res.headers.get("Content-Type") ?? "").split(";")[0]?.trim();
	if (type === "application/wasm" && typeof WebAssembly.compileStreaming === "function") {
		return WebAssembly.compileStreaming(res);
	}
	return WebAssembly.compile(await res.arrayBuffer());
}

/**
 * load starts the Go program and returns it with the bridge it registers.
 * @param {URL} wasmURL
 * @param {URL} wasmExecURL
 * @returns {Promise<Program>}
 */
export async function load(wasmURL, wasmExecURL) {
	// The program downloads and compiles while wasm_exec.js loads: compiling
	// needs no imports, only instantiating does.
	const compiled = compile(wasmURL);
	// Should wasm_exec.js fail to load, that is the error load reports.
	compiled.catch(() => {});
	const global = /** @type {typeof globalThis & {Go?: new () => Go, __resock?: Bridge}} */ (globalThis);
	if (typeof global.Go !== "function") {
		// wasm_exec.js only assigns globalThis.Go, so it runs as a module too:
		// no <script> tag, no eval, and it works in workers.
		// The URL is only known at run time: bundlers are told to leave
		// this import to the browser.
		await import(/* @vite-ignore */ /* webpackIgnore: true */ wasmExecURL.href);
	}
	const Go = /** @type {new () => Go} */ (global.Go);
	const go = new Go();
	const instance = await WebAssembly.instantiate(await compiled, go.importObject);

	/** @type {Program | null} */
	let program = null;
	/** @type {string | null} */
	let early = null;
	/** @param {string} why */
	const fatal = (why) => {
		if (program !== null) {
			program.fatal(why);
		} else {
			early ??= why;
		}
	};
	let code = 0;
	const exit = go.exit;
	go.exit = (c) => {
		code = c;
		exit.call(go, c);
		// From now on every call into Go would throw; the sockets learn it
		// at once, and their listeners run once the exit is over.
		fatal(`the Go program exited with code ${c}`);
	};
	// run returns after main has registered the bridge and is waiting for
	// calls; its promise settles only if the program ends.
	go.run(instance).then(
		() => fatal(`the Go program exited with code ${code}`),
		(err) => fatal(`the Go program failed: ${err}`),
	);
	const bridge = global.__resock;
	delete global.__resock;
	if (go.exited) {
		throw new Error(`resock: failed to start: the Go program exited with code ${code}`);
	}
	if (!bridge || typeof bridge.create !== "function") {
		throw new Error("resock: failed to start: resock.wasm registered no bridge");
	}
	program = new Program(bridge);
	if (early !== null) {
		program.fatal(early);
	}
	return program;
}
