// shared.js: part of resock, a reconnecting WebSocket for web pages.
// Built by make build from jsglue/src/shared.js.

// jsglue/src/events.js
var NO_PORTS = Object.freeze([]);
function reportException(err) {
  if (typeof globalThis.reportError === "function") {
    globalThis.reportError(err);
  } else {
    setTimeout(() => {
      throw err;
    });
  }
}
var handlers = /* @__PURE__ */ new WeakMap();
function defineSocketMembers(cls, types, constants) {
  defineHandlers(cls.prototype, types);
  for (const [name, value] of Object.entries(constants)) {
    const desc = { value, enumerable: true, writable: false, configurable: false };
    Object.defineProperty(cls, name, desc);
    Object.defineProperty(cls.prototype, name, desc);
  }
  Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: "ReconnectingWebSocket", configurable: true });
}
function defineHandlers(proto, types) {
  for (const type of types) {
    Object.defineProperty(proto, `on${type}`, {
      /** @this {EventTarget} */
      get() {
        return handlersOf(this).get(type)?.value ?? null;
      },
      /** @this {EventTarget} @param {unknown} value */
      set(value) {
        setHandler(this, type, value);
      },
      enumerable: true,
      configurable: true
    });
  }
}
function handlersOf(target, create = false) {
  let m = handlers.get(target);
  if (m === void 0) {
    if (!create) {
      throw new TypeError("Illegal invocation");
    }
    m = /* @__PURE__ */ new Map();
    handlers.set(target, m);
  }
  return m;
}
function setHandler(target, type, value) {
  const m = handlersOf(target);
  const handler = typeof value === "object" && value !== null || typeof value === "function" ? value : null;
  const entry = m.get(type);
  if (handler === null) {
    if (entry) {
      target.removeEventListener(type, entry.listener);
      m.delete(type);
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
        added.value.call(target, event);
      } catch (err) {
        reportException(err);
      }
    }
  };
  m.set(type, added);
  target.addEventListener(type, added.listener);
}

// jsglue/src/webidl.js
var MEMBERS = {
  backoffFactor: true,
  binaryType: true,
  connectTimeout: true,
  delays: true,
  heartbeat: true,
  heartbeatInterval: true,
  heartbeatTimeout: true,
  hiddenHeartbeatInterval: true,
  initialDelay: true,
  maxDelay: true,
  maxMessageSize: true,
  maxQueuedBytes: true,
  maxQueuedMessages: true,
  maxRetries: true,
  maxUnackedBytes: true,
  minUptime: true,
  networkChange: true,
  outboxPolicy: true,
  persist: true,
  resume: true,
  shouldReconnect: true
};
var OPTIONS = Object.keys(MEMBERS).sort();
function isObject(v) {
  return typeof v === "object" && v !== null || typeof v === "function";
}
function constructorArgs(args) {
  const out = [...args];
  if (out.length > 0 && typeof out[0] !== "function") {
    out[0] = `${out[0]}`;
  }
  if (out.length > 1 && out[1] !== void 0 && typeof out[1] !== "function") {
    const p = out[1];
    const iterator = isObject(p) ? (
      /** @type {{[Symbol.iterator]?: unknown}} */
      p[Symbol.iterator]
    ) : void 0;
    if (iterator === void 0 || iterator === null) {
      out[1] = `${p}`;
    } else if (typeof iterator !== "function") {
      throw new TypeError("The provided value cannot be converted to a sequence.");
    } else {
      out[1] = Array.from({ [Symbol.iterator]: () => iterator.call(p) }, (e) => `${e}`);
    }
  }
  if (out.length > 2 && isObject(out[2])) {
    const o = (
      /** @type {Record<string, unknown>} */
      out[2]
    );
    const copy = {};
    for (const name of OPTIONS) {
      let v = o[name];
      if (name === "heartbeat" && isObject(v)) {
        const h = (
          /** @type {{expect?: unknown, message?: unknown}} */
          v
        );
        v = { expect: h.expect, message: h.message };
      } else if (name === "delays" && isObject(v)) {
        v = Array.from(
          /** @type {Iterable<unknown> | ArrayLike<unknown>} */
          v
        );
      }
      if (v !== void 0) {
        copy[name] = v;
      }
    }
    out[2] = copy;
  }
  return out;
}
function messageArg(args) {
  if (args.length === 0) {
    return [];
  }
  const data = args[0];
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data) || data instanceof Blob) {
    return [data];
  }
  return [`${data}`];
}
function closeArgs(args) {
  const out = [...args];
  if (out.length > 0 && out[0] !== void 0) {
    out[0] = +/** @type {{}} */
    out[0];
  }
  if (out.length > 1 && out[1] !== void 0) {
    out[1] = `${out[1]}`;
  }
  return out;
}
function sendError(message) {
  return new TypeError(`Failed to execute 'send' on 'ReconnectingWebSocket': ${message}`);
}
function bytesOf(data) {
  const view = ArrayBuffer.isView(data);
  const buffer = view ? data.buffer : data;
  if (!(buffer instanceof ArrayBuffer)) {
    throw sendError("The provided ArrayBufferView value must not be shared.");
  }
  if (buffer.resizable) {
    throw sendError(`The provided ${view ? "ArrayBufferView" : "ArrayBuffer"} value must not be resizable.`);
  }
  if (buffer.detached) {
    return new Uint8Array(0);
  }
  return view ? new Uint8Array(buffer, data.byteOffset, data.byteLength) : new Uint8Array(buffer);
}

// jsglue/src/utf8.js
var NON_ASCII = /[^\x00-\x7f]/;
var utf8Encoder = new TextEncoder();
var countScratch = new Uint8Array(3 << 16);
function utf8Length(s) {
  const n = s.length;
  const fits = 3 * n <= countScratch.length;
  if (n > 2048 && fits) {
    return utf8Encoder.encodeInto(s, countScratch).written;
  }
  if (!NON_ASCII.test(s)) {
    return n;
  }
  if (n > 64 && fits) {
    return utf8Encoder.encodeInto(s, countScratch).written;
  }
  let bytes = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      continue;
    }
    if (c < 2048) {
      bytes += 1;
    } else if (c >= 55296 && c <= 56319 && i + 1 < n && (s.charCodeAt(i + 1) & 64512) === 56320) {
      bytes += 2;
      i++;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

// jsglue/src/wsargs.js
function checkURL(url) {
  const base = globalThis.document?.baseURI ?? globalThis.location?.href;
  let u;
  try {
    u = new URL(String(url), base);
  } catch {
    throw new DOMException(`The URL '${url}' is invalid.`, "SyntaxError");
  }
  if (u.protocol === "http:") {
    u.protocol = "ws:";
  } else if (u.protocol === "https:") {
    u.protocol = "wss:";
  }
  if (u.protocol !== "ws:" && u.protocol !== "wss:") {
    throw new DOMException(`The URL's scheme must be either 'http', 'https', 'ws', or 'wss'. '${u.protocol.slice(0, -1)}' is not allowed.`, "SyntaxError");
  }
  if (u.hash !== "" || String(url).includes("#")) {
    throw new DOMException(`The URL contains a fragment identifier ('${u.hash}'). Fragment identifiers are not allowed in WebSocket URLs.`, "SyntaxError");
  }
  return u.href;
}
var TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
function checkProtocols(protocols) {
  const list = protocols === void 0 ? [] : typeof protocols === "string" ? [protocols] : protocols;
  const seen = /* @__PURE__ */ new Set();
  for (const p of list) {
    if (!TOKEN.test(p)) {
      throw new DOMException(`The subprotocol '${p}' is invalid.`, "SyntaxError");
    }
    if (seen.has(p)) {
      throw new DOMException(`The subprotocol '${p}' is duplicated.`, "SyntaxError");
    }
    seen.add(p);
  }
  return list;
}

// jsglue/src/shared.js
var CONNECTING = 0;
var OPEN = 1;
var CLOSING = 2;
var CLOSED = 3;
var EVENTS = (
  /** @type {const} */
  ["open", "message", "close", "error", "reconnecting", "statechange", "dropped", "durable"]
);
var READY = { connecting: CONNECTING, reconnecting: CONNECTING, offline: CONNECTING, open: OPEN, closing: CLOSING, closed: CLOSED };
var DEFAULT_GRACE = 3e3;
var ACK_EVERY = 64;
var link = null;
var Link = class {
  /** @type {"worker" | "page"} */
  sharing;
  /** @type {MessagePort} */
  port;
  /** @type {Map<number, SharedSocket>} */
  sockets = /* @__PURE__ */ new Map();
  nextID = 1;
  /** @type {Map<number, number>} messages dispatched per socket and not yet acknowledged */
  acks = /* @__PURE__ */ new Map();
  /** @type {string | null} why the host could not start; sockets made after fail at once */
  failed = null;
  /**
   * @type {object[] | null} what was posted before the host first
   * answered, kept to post again to a host in the page should the worker
   * fail to start; null once the host has answered
   */
  early = [];
  constructor() {
    let worker = null;
    if (typeof SharedWorker === "function") {
      try {
        worker = new SharedWorker(
          new URL("./sharedworker.js", import.meta.url),
          /** @type {WorkerOptions} */
          { type: "module", name: "resock-shared", extendedLifetime: true }
        );
      } catch (err) {
        console.warn(`resock: no shared worker (${err instanceof Error ? err.message : err}); this tab's sockets have their own connection`);
      }
    }
    if (worker !== null) {
      worker.addEventListener("error", () => this.fallBack("the shared worker failed to load"));
      this.sharing = "worker";
      this.port = worker.port;
      this.listen();
      this.hello();
    } else {
      this.sharing = "page";
      this.port = this.inPage();
      this.listen();
    }
  }
  listen() {
    this.port.addEventListener("message", (e) => this.receive(e.data));
    this.port.start();
  }
  /**
   * inPage starts the host in this page and returns the port to it.
   * @returns {MessagePort}
   */
  inPage() {
    const { port1, port2 } = new MessageChannel();
    import("./sharedhost.js").then(
      (h) => h.serve(port2),
      (err) => this.fatal(`resock: failed to start: ${err instanceof Error ? err.message : err}`)
    );
    return port1;
  }
  /**
   * fallBack moves the tab's sockets to a host in the page, if the worker
   * never answered: what was posted to it goes again, in order.
   * @param {string} why
   */
  fallBack(why) {
    if (this.early === null || this.sharing === "page") {
      this.fatal(`resock: ${why}`);
      return;
    }
    console.warn(`resock: ${why}; this tab's sockets have their own connection`);
    this.port.close();
    this.sharing = "page";
    this.port = this.inPage();
    this.listen();
    for (const msg of this.early) {
      this.port.postMessage(msg);
    }
  }
  /**
   * hello takes a Web Lock for as long as this tab lives and names it to
   * the host, which learns from it when the tab is gone (closed,
   * navigated, crashed: a port says nothing then). Without Web Locks (an
   * insecure context) the tab says goodbye when it is unloaded.
   */
  hello() {
    const locks = globalThis.navigator?.locks;
    if (locks !== void 0) {
      const name = `resock-tab-${globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random()}`}`;
      locks.request(name, () => {
        this.port.postMessage({ op: "hello", lock: name });
        return new Promise(() => {
        });
      });
      return;
    }
    globalThis.addEventListener?.("pagehide", (e) => {
      if (!/** @type {PageTransitionEvent} */
      e.persisted) {
        for (const id of this.sockets.keys()) {
          this.port.postMessage({ op: "close", id });
        }
      }
    });
  }
  /**
   * @param {SharedSocket} s
   * @returns {number}
   */
  add(s) {
    const id = this.nextID++;
    this.sockets.set(id, s);
    return id;
  }
  /** @param {object} msg */
  post(msg) {
    this.early?.push(msg);
    this.port.postMessage(msg);
  }
  /**
   * acked counts a message socket id dispatched; the host hears of them
   * in batches, and at the end of the task.
   * @param {number} id
   */
  acked(id) {
    if (this.acks.size === 0) {
      queueMicrotask(() => this.flushAcks());
    }
    const n = (this.acks.get(id) ?? 0) + 1;
    this.acks.set(id, n);
    if (n >= ACK_EVERY) {
      this.post({ op: "ack", id, n });
      this.acks.set(id, 0);
    }
  }
  flushAcks() {
    for (const [id, n] of this.acks) {
      if (n > 0) {
        this.post({ op: "ack", id, n });
      }
    }
    this.acks.clear();
  }
  /** @param {{op: string, id?: number, message?: string}} msg */
  receive(msg) {
    if (msg.op === "fatal") {
      this.fallBack(msg.message ?? "the shared worker failed");
      return;
    }
    if (msg.op === "ready") {
      this.early = null;
      return;
    }
    this.sockets.get(
      /** @type {number} */
      msg.id
    )?.receive(msg);
  }
  /** @param {string} why */
  fatal(why) {
    if (this.failed !== null) {
      return;
    }
    this.failed = why;
    console.error(why);
    for (const s of [...this.sockets.values()]) {
      s.receive({ op: "failed", name: "Error", message: why });
    }
  }
};
function readonly(e, fields) {
  for (const [k, v] of Object.entries(fields)) {
    Object.defineProperty(e, k, { value: v, enumerable: true });
  }
  return e;
}
function checkClose(op, args) {
  const [code, reason] = (
    /** @type {[number | undefined, string | undefined]} */
    closeArgs(args)
  );
  if (code !== void 0 && code !== 1e3 && !(code >= 3e3 && code <= 4999)) {
    throw new DOMException(`Failed to execute '${op}' on 'ReconnectingWebSocket': The close code must be either 1000, or between 3000 and 4999. ${code} is neither.`, "InvalidAccessError");
  }
  if (reason !== void 0 && utf8Length(reason) > 123) {
    throw new DOMException(`Failed to execute '${op}' on 'ReconnectingWebSocket': The close reason must not be greater than 123 UTF-8 bytes.`, "SyntaxError");
  }
  return [code, reason];
}
var SharedSocket = class extends EventTarget {
  /** @type {Link} */
  #link;
  /** @type {number} */
  #id;
  /** @type {SocketState} */
  #state = "connecting";
  /** Whether this tab closed its socket. */
  #closed = false;
  /** @type {"blob" | "arraybuffer"} */
  #binaryType = "blob";
  /** @type {Snapshot | null} */
  #snap = null;
  #url;
  #origin;
  /** @type {object} what the host needs to make this socket a member again */
  #request;
  /** @type {number[]} sizes of sends posted to the host and not taken yet */
  #posted = [];
  #postedBytes = 0;
  /** The connection's outbox as of the host's last word: bytes and messages. */
  #buffered = 0;
  #queued = 0;
  /** Whether this membership's final close was dispatched. */
  #ended = false;
  /** @type {Map<number, {resolve: () => void, reject: (err: Error) => void}>} whenDurable calls awaiting the host */
  #durableWaits = /* @__PURE__ */ new Map();
  #durableAsks = 0;
  // Only url is named, so that the constructor's length is 1, as
  // WebSocket's is; protocols and options are read from arguments.
  /** @param {unknown} url */
  constructor(url) {
    super();
    handlersOf(this, true);
    if (arguments.length === 0) {
      throw new TypeError("Failed to construct 'ReconnectingWebSocket': 1 argument required, but only 0 present.");
    }
    const raw = arguments.length > 2 ? arguments[2] : void 0;
    if (typeof url === "function" || typeof arguments[1] === "function") {
      throw new TypeError("Failed to construct 'ReconnectingWebSocket': a shared socket's URL and protocols cannot be functions, which do not cross to the SharedWorker");
    }
    const args = constructorArgs(arguments);
    this.#url = checkURL(
      /** @type {string} */
      args[0]
    );
    this.#origin = new URL(this.#url).origin;
    const protocols = checkProtocols(
      /** @type {string | string[] | undefined} */
      args[1]
    );
    const options = (
      /** @type {Record<string, unknown>} */
      args[2] ?? {}
    );
    if (options.shouldReconnect !== void 0) {
      throw new TypeError("Failed to construct 'ReconnectingWebSocket': shouldReconnect cannot be a shared socket's option: functions do not cross to the SharedWorker");
    }
    if (options.binaryType !== void 0) {
      if (options.binaryType !== "blob" && options.binaryType !== "arraybuffer") {
        throw new TypeError(`Failed to construct 'ReconnectingWebSocket': binaryType must be "blob" or "arraybuffer"`);
      }
      this.#binaryType = options.binaryType;
      delete options.binaryType;
    }
    const r = (
      /** @type {{shared?: unknown, sharedGrace?: unknown} | undefined} */
      raw
    );
    const name = r?.shared === void 0 ? "" : `${r.shared}`;
    const grace = r?.sharedGrace === void 0 ? DEFAULT_GRACE : Number(r.sharedGrace);
    if (!Number.isFinite(grace) || grace < 0) {
      throw new RangeError("Failed to construct 'ReconnectingWebSocket': sharedGrace must be a number of milliseconds, 0 or more");
    }
    link ??= new Link();
    this.#link = link;
    this.#id = link.add(this);
    const key = JSON.stringify([this.#url, protocols, options, name]);
    this.#request = { op: "open", id: this.#id, key, url: this.#url, protocols, options, grace };
    if (link.failed !== null) {
      const why = link.failed;
      queueMicrotask(() => this.receive({ op: "failed", name: "Error", message: why }));
      return;
    }
    link.post(this.#request);
  }
  /** Where the connection of this socket is held: "worker", shared by the tabs, or "page", this tab's own. */
  get sharing() {
    return this.#link.sharing;
  }
  get url() {
    return this.#snap?.url || this.#url;
  }
  get readyState() {
    return READY[this.#state];
  }
  get state() {
    return this.#state;
  }
  get protocol() {
    return this.#snap?.protocol ?? "";
  }
  get extensions() {
    return this.#snap?.extensions ?? "";
  }
  get binaryType() {
    return this.#binaryType;
  }
  set binaryType(v) {
    if (v === "blob" || v === "arraybuffer") {
      this.#binaryType = v;
    }
  }
  /** The connection's buffered bytes, and this tab's sends on their way to it. */
  get bufferedAmount() {
    return this.#buffered + this.#postedBytes;
  }
  get queuedMessages() {
    return this.#queued + this.#posted.length;
  }
  get retryCount() {
    return this.#snap?.retryCount ?? 0;
  }
  get rtt() {
    return this.#snap?.rtt ?? null;
  }
  stats() {
    const s = this.#snap?.stats;
    return { attempts: 0, reconnects: 0, messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, queued: 0, queuedBytes: 0, rtt: null, uptime: 0, ...s, state: this.#state };
  }
  /** @param {unknown} data */
  send(data) {
    const [d] = messageArg(arguments);
    if (arguments.length === 0 || d === void 0) {
      throw new TypeError("Failed to execute 'send' on 'ReconnectingWebSocket': 1 argument required, but only 0 present.");
    }
    if (this.#closed) {
      throw new DOMException("Failed to execute 'send' on 'ReconnectingWebSocket': the socket was closed.", "InvalidStateError");
    }
    let out;
    let size;
    if (typeof d === "string") {
      out = d;
      size = utf8Length(d);
    } else if (d instanceof Blob) {
      out = d;
      size = d.size;
    } else {
      out = bytesOf(d).slice().buffer;
      size = out.byteLength;
    }
    this.#link.post({ op: "send", id: this.#id, data: out });
    this.#posted.push(size);
    this.#postedBytes += size;
  }
  /**
   * whenDurable asks the host, after this tab's sends, whether the
   * connection's store holds them.
   * @returns {Promise<void>}
   */
  whenDurable() {
    if (this.#closed) {
      return Promise.reject(new DOMException("the socket was closed", "InvalidStateError"));
    }
    const n = ++this.#durableAsks;
    return new Promise((resolve, reject) => {
      this.#durableWaits.set(n, { resolve, reject });
      this.#link.post({ op: "whenDurable", id: this.#id, n });
    });
  }
  close() {
    const [code, reason] = checkClose("close", arguments);
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    if (this.#state !== "closed") {
      this.#state = "closing";
    }
    this.#link.post({ op: "close", id: this.#id, code, reason });
  }
  /**
   * reconnect reconnects the shared connection, for every tab; on a
   * socket this tab closed, it makes it a member again.
   */
  reconnect() {
    const [code, reason] = checkClose("reconnect", arguments);
    if (this.#closed) {
      this.#link.sockets.delete(this.#id);
      this.#id = this.#link.add(this);
      this.#request = { ...this.#request, id: this.#id };
      this.#closed = false;
      this.#ended = false;
      this.#posted = [];
      this.#postedBytes = 0;
      const from = this.#state;
      this.#state = "connecting";
      this.dispatchEvent(readonly(new Event("statechange"), { from, to: "connecting" }));
      this.#link.post(this.#request);
      return;
    }
    this.#link.post({ op: "reconnect", id: this.#id, code, reason });
  }
  /**
   * receive handles what the host says of this socket.
   * @param {{op: string, type?: string, init?: Record<string, unknown>, snap?: Snapshot, n?: number, bufferedAmount?: number, queuedMessages?: number, name?: string, message?: string}} msg
   */
  receive(msg) {
    switch (msg.op) {
      case "event":
        if (msg.snap !== void 0) {
          this.#snap = msg.snap;
          this.#buffered = msg.snap.bufferedAmount;
          this.#queued = msg.snap.queuedMessages;
        }
        this.#event(
          /** @type {string} */
          msg.type,
          msg.init ?? {}
        );
        break;
      case "took": {
        for (let i = 0; i < (msg.n ?? 0); i++) {
          this.#postedBytes -= this.#posted.shift() ?? 0;
        }
        this.#buffered = msg.bufferedAmount ?? 0;
        this.#queued = msg.queuedMessages ?? 0;
        break;
      }
      case "durable": {
        const w = this.#durableWaits.get(msg.n ?? 0);
        this.#durableWaits.delete(msg.n ?? 0);
        if (msg.name === void 0) {
          w?.resolve();
        } else {
          w?.reject(new DOMException(String(msg.message), msg.name));
        }
        break;
      }
      case "left":
        this.#closed = true;
        this.#state = "closed";
        this.#posted = [];
        this.#postedBytes = 0;
        this.#link.sockets.delete(this.#id);
        break;
      case "failed": {
        const message = `${msg.name}: ${msg.message}`;
        const from = this.#state;
        this.#closed = true;
        this.#ended = true;
        this.#state = "closed";
        this.#link.sockets.delete(this.#id);
        this.dispatchEvent(readonly(new Event("error"), { message, error: new Error(message) }));
        this.dispatchEvent(readonly(new CloseEvent("close", { code: 1006, reason: "", wasClean: false }), { willReconnect: false }));
        if (from !== "closed") {
          this.dispatchEvent(readonly(new Event("statechange"), { from, to: "closed" }));
        }
        break;
      }
    }
  }
  /**
   * #event dispatches an event of the connection as this socket's.
   * @param {string} type
   * @param {Record<string, unknown>} init
   */
  #event(type, init) {
    switch (type) {
      case "message": {
        let data = (
          /** @type {string | ArrayBuffer} */
          init.data
        );
        const e = new MessageEvent("message", { data: typeof data !== "string" && this.#binaryType === "blob" ? new Blob([data]) : data, origin: this.#origin });
        this.dispatchEvent(e);
        this.#link.acked(this.#id);
        return;
      }
      case "statechange": {
        const to = (
          /** @type {SocketState} */
          init.to
        );
        if (this.#closed && to !== "closing" && to !== "closed") {
          return;
        }
        this.#state = to;
        this.dispatchEvent(readonly(new Event("statechange"), init));
        return;
      }
      case "close": {
        const { code, reason, wasClean, ...rest } = init;
        if (this.#ended || this.#closed && rest.willReconnect !== false) {
          return;
        }
        if (rest.willReconnect === false) {
          this.#ended = true;
        }
        this.dispatchEvent(readonly(new CloseEvent("close", { code: Number(code), reason: String(reason), wasClean: Boolean(wasClean) }), rest));
        return;
      }
      case "error": {
        const message = String(init.message);
        this.dispatchEvent(readonly(new Event("error"), { message, error: new Error(message) }));
        return;
      }
      default:
        if (this.#closed) {
          return;
        }
        this.dispatchEvent(readonly(new Event(type), init));
    }
  }
  static {
    defineSocketMembers(this, EVENTS, { CONNECTING, OPEN, CLOSING, CLOSED });
  }
};
var ReconnectingWebSocket = (
  /** @type {typeof import("../shared.d.ts").ReconnectingWebSocket} */
  /** @type {unknown} */
  SharedSocket
);
var shared_default = ReconnectingWebSocket;
export {
  CLOSED,
  CLOSING,
  CONNECTING,
  OPEN,
  ReconnectingWebSocket,
  shared_default as default
};
