// sharedworker.js: resock's SharedWorker, one per origin, which holds the
// connections of shared sockets (shared.js) for every tab. The connect
// listener is added before anything is loaded, so that no tab's port is
// missed while resock.wasm starts; each port waits for the host, holding
// its messages until then.

/** @type {Promise<typeof import("./sharedhost.js")>} */
const host = import("./sharedhost.js");

self.addEventListener("connect", (e) => {
	const port = /** @type {MessageEvent} */ (e).ports[0];
	if (port === undefined) {
		return;
	}
	host.then(
		(h) => h.serve(port),
		(err) => port.postMessage({ op: "fatal", message: `the shared worker failed to start: ${err instanceof Error ? err.message : err}` }),
	);
});
