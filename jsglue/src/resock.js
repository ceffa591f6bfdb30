// resock.js: a reconnecting WebSocket for web pages, written in Go and
// compiled to WebAssembly. See resock.d.ts for the API. This is the one
// module a page imports:
//
//   import { ReconnectingWebSocket } from "/resock.js";
//
// It loads wasm_exec.js and resock.wasm once, with top-level await, so
// `new ReconnectingWebSocket(...)` works synchronously as soon as the import
// resolves, and every socket of the page shares the one Go program. Both
// files are looked up beside this module, wherever it is served from; the
// query string of the module URL can point elsewhere:
//
//   import { ReconnectingWebSocket } from "/resock.js?wasm=/assets/resock.wasm&wasm_exec=/assets/wasm_exec.js";
//
// The source is split by concern: load.js starts the Go program,
// pagelife.js follows the page's life, webidl.js converts arguments,
// events.js makes message events, datapath.js moves messages while Go allows
// it, and socket.js is the class. make build bundles them into the one
// jsglue/resock.js a page loads, so that loading costs one request.

import { DataPath, setWire } from "./datapath.js";
import { load } from "./load.js";
import { CLOSED, CLOSING, CONNECTING, OPEN, debug, defineSocket } from "./socket.js";

// The two files are named by new URL("./…", import.meta.url) literally:
// that is the form Vite, webpack 5, esbuild and Rollup recognise, so that
// they emit the files beside the bundle and put the emitted names here. A
// bundler may replace import.meta.url with the source file's URL; it has
// no query string then, and the defaults hold. The query's URLs are
// resolved against moduleURL, not import.meta.url, so that webpack does
// not take them for files to bundle.
const moduleURL = new URL(import.meta.url);
const wasmParam = moduleURL.searchParams.get("wasm");
const wasmExecParam = moduleURL.searchParams.get("wasm_exec");
const wasmURL = wasmParam !== null ? new URL(wasmParam, moduleURL) : new URL("./resock.wasm", import.meta.url);
const wasmExecURL = wasmExecParam !== null ? new URL(wasmExecParam, moduleURL) : new URL("./wasm_exec.js", import.meta.url);

const program = await load(wasmURL, wasmExecURL);
// Go makes each socket's DataPath and says what resock.v1's constants are.
const wire = program.bridge.init(DataPath);
if (wire instanceof Error) {
	throw new Error(`resock: failed to start: ${wire.message}`);
}
setWire(wire);

export const ReconnectingWebSocket = defineSocket(program);
export default ReconnectingWebSocket;
export { CONNECTING, OPEN, CLOSING, CLOSED };

/**
 * __resockDebug reports the Go side's counters, for leak tests: goroutines,
 * functions handed to JavaScript and not released, the Go heap in bytes
 * (null unless resock.wasm was built with the tag resock_memstats) and the
 * sockets Go tracks, after a full Go collection. Not part of the API.
 * @returns {import("./load.js").DebugInfo}
 */
export function __resockDebug() {
	return debug(program);
}

/** Resolved once resock.wasm runs; the import itself already waits for it. */
export const ready = Promise.resolve();
