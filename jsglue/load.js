// load.js: starts the Go program, once per page, and reports its end. Every
// socket of the page shares the one program; should it end, every socket is
// closed for good.

import { closeAll } from "./pagelife.js";

/**
 * The bridge the Go program registers (wasm/bridge_js.go).
 * @typedef {object} Bridge
 * @property {(...args: unknown[]) => any} create makes a socket's bridge object
 * @property {() => any} debug
 * @property {(DataPath: Function) => any} init takes the data path's class, returns resock.v1's constants
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
 * Go is the class wasm_exec.js defines.
 * @typedef {{importObject: WebAssembly.Imports, exited: boolean, exit: (code: number) => void, run: (instance: WebAssembly.Instance) => Promise<void>}} Go
 */

/**
 * load starts the Go program and returns it with the bridge it registers.
 * @param {URL} wasmURL
 * @param {URL} wasmExecURL
 * @returns {Promise<Program>}
 */
export async function load(wasmURL, wasmExecURL) {
	// The program and wasm_exec.js download and compile side by side.
	const response = fetch(wasmURL);
	/** @type {{Go?: new () => Go, __resock?: Bridge}} */
	const global = /** @type {any} */ (globalThis);
	if (typeof global.Go !== "function") {
		// wasm_exec.js only assigns globalThis.Go, so it runs as a module too:
		// no <script> tag, no eval, and it works in workers.
		await import(wasmExecURL.href);
	}
	const Go = /** @type {new () => Go} */ (global.Go);
	const go = new Go();
	const res = await response;
	if (!res.ok) {
		throw new Error(`resock: failed to fetch ${wasmURL}: HTTP ${res.status}`);
	}
	const type = (res.headers.get("Content-Type") ?? "").split(";")[0]?.trim();
	const { instance } = type === "application/wasm" && typeof WebAssembly.instantiateStreaming === "function"
		? await WebAssembly.instantiateStreaming(res, go.importObject)
		// A server that does not say application/wasm makes streaming fail.
		: await WebAssembly.instantiate(await res.arrayBuffer(), go.importObject);

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
