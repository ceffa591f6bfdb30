// sharedworker.js: part of resock, a reconnecting WebSocket for web pages.
// Built by make build from jsglue/src/sharedworker.js.

// jsglue/src/sharedworker.js
var host = import("./sharedhost.js");
self.addEventListener("connect", (e) => {
  const port = (
    /** @type {MessageEvent} */
    e.ports[0]
  );
  if (port === void 0) {
    return;
  }
  host.then(
    (h) => h.serve(port),
    (err) => port.postMessage({ op: "fatal", message: `the shared worker failed to start: ${err instanceof Error ? err.message : err}` })
  );
});
