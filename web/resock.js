// resock.js: a reconnecting WebSocket for web pages. Built by make build
// from jsglue/src, where each part has its own module; resock.d.ts is the API.

// jsglue/src/events.js
var NO_PORTS = Object.freeze([]);
function messageEventClass(origin) {
  class MessageEvent extends Event {
    static origin = origin;
    /** @type {string | ArrayBuffer | Blob} */
    #data;
    // #init holds what initMessageEvent set, if it was called.
    /** @type {MessageInit | null} */
    #init = null;
    /** @param {string | ArrayBuffer | Blob} data */
    constructor(data) {
      super("message");
      this.#data = data;
    }
    get data() {
      return this.#init === null ? this.#data : this.#init.data;
    }
    get origin() {
      return this.#init === null ? origin : this.#init.origin;
    }
    get lastEventId() {
      return this.#init === null ? "" : this.#init.lastEventId;
    }
    get source() {
      return this.#init === null ? null : this.#init.source;
    }
    get ports() {
      return this.#init === null ? NO_PORTS : this.#init.ports;
    }
    /**
     * type is named so that the method's length is 1, as the
     * browser's is; a MessageEvent of the browser's converts and
     * checks all the arguments, and throws what the browser would.
     * @param {string} type
     */
    initMessageEvent(type) {
      const scratch = new globalThis.MessageEvent("message");
      scratch.initMessageEvent(.../** @type {Parameters<globalThis.MessageEvent["initMessageEvent"]>} */
      /** @type {unknown} */
      arguments);
      if (this.eventPhase !== Event.NONE) {
        return;
      }
      this.initEvent(scratch.type, scratch.bubbles, scratch.cancelable);
      const { data, origin: origin2, lastEventId, source, ports } = scratch;
      this.#init = { data, origin: origin2, lastEventId, source, ports };
    }
  }
  const own = MessageEvent.prototype;
  for (const name of Object.getOwnPropertyNames(own)) {
    if (name !== "constructor") {
      Object.defineProperty(own, name, { enumerable: true });
    }
  }
  const blank = new globalThis.MessageEvent("message");
  const native = globalThis.MessageEvent.prototype;
  for (const name of Object.getOwnPropertyNames(native)) {
    const get = (
      /** @type {PropertyDescriptor} */
      Object.getOwnPropertyDescriptor(native, name).get
    );
    if (name !== "constructor" && !Object.hasOwn(own, name) && get) {
      Object.defineProperty(own, name, {
        get() {
          try {
            return get.call(this);
          } catch {
            return get.call(blank);
          }
        },
        enumerable: true,
        configurable: true
      });
    }
  }
  Object.setPrototypeOf(own, native);
  return MessageEvent;
}
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

// jsglue/src/datapath.js
var OPEN = 1;
var wire = { protocol: "", textFrame: 0, binaryFrame: 0, ackFrame: 0, ackEvery: 0, ackBytes: 0, ackQuietMillis: 0, ackMaxMillis: 0 };
var textType = "";
var binaryTypeByte = new Uint8Array(1);
function setWire(w) {
  wire = { ...w };
  textType = String.fromCharCode(wire.textFrame);
  binaryTypeByte = Uint8Array.of(wire.binaryFrame);
}
function sendText(ws, s) {
  const before = ws.bufferedAmount;
  ws.send(s);
  const added = ws.bufferedAmount - before;
  return added > 0 || s.length === 0 ? added : utf8Length(s);
}
function uvarint(bytes) {
  let n = 0;
  let scale = 1;
  const end = Math.min(bytes.length, 11);
  for (let i = 1; i < end; i++) {
    const b = (
      /** @type {number} */
      bytes[i]
    );
    n += (b & 127) * scale;
    if (b < 128) {
      return i === bytes.length - 1 && n <= Number.MAX_SAFE_INTEGER ? n : -1;
    }
    scale *= 128;
  }
  return -1;
}
function sizeOf(frame) {
  return (typeof frame === "string" ? utf8Length(frame) : frame.length) - 1;
}
function binaryFrame(bytes) {
  const frame = new Uint8Array(bytes.length + 1);
  frame[0] = wire.binaryFrame;
  frame.set(bytes, 1);
  return frame;
}
var DataPath = class {
  /** @type {boolean} */
  #resume;
  /** @type {number} */
  #maxMessageSize;
  /** @type {string | null} */
  #expect;
  /** @type {boolean} */
  #arrayBuffer;
  /** @type {WeakRef<EventTarget> | null} the socket the events go to */
  #target = null;
  /** @type {string} */
  #origin = "";
  /** @type {ReturnType<typeof messageEventClass> | null} */
  #Event = null;
  /** @type {WebSocket | null} the open connection, while attached */
  #ws = null;
  /** @type {Slow | null} Go's handler for what the engine must see */
  #slow = null;
  #direct = false;
  /** performance.now() when a message was last taken; 0 for never */
  #heard = 0;
  #messagesIn = 0;
  #bytesIn = 0;
  #messagesOut = 0;
  #bytesOut = 0;
  /** @type {string | null} text delivered whose size is not counted yet */
  #uncounted = null;
  // Resume mode: the ledger, the window and the acknowledgements.
  #carrying = false;
  #received = 0;
  #ackSent = 0;
  #sent = 0;
  #acked = 0;
  /** @type {Frame[]} frames sent and not acknowledged */
  #buf = [];
  /** @type {number[]} their payload sizes */
  #sizes = [];
  #unackedBytes = 0;
  /** @type {number} */
  #maxUnacked;
  /** @type {number} */
  #maxUnackedBytes;
  #sinceAck = 0;
  /** @type {ReturnType<typeof setTimeout> | 0} */
  #ackTimer = 0;
  #lastData = 0;
  #oldest = 0;
  /**
   * Messages accepted and not sent yet, in order, from #heldHead on: those
   * behind a Blob being read, and those the window had no room for.
   * @type {Held[]}
   */
  #held = [];
  #heldHead = 0;
  #heldBytes = 0;
  /** @type {number} */
  #maxQueued;
  /** @type {number} */
  #maxQueuedBytes;
  /** @type {(frame: Frame) => void} hands a frame to Go's outbox */
  #queue = () => {
  };
  /** @type {(this: WebSocket, ev: MessageEvent) => void} */
  #receive;
  /** @param {Config} config */
  constructor(config) {
    this.#resume = config.resume;
    this.#maxMessageSize = config.maxMessageSize;
    this.#expect = config.expect;
    this.#arrayBuffer = config.arrayBuffer;
    this.#maxUnacked = config.maxUnacked;
    this.#maxUnackedBytes = config.maxUnackedBytes;
    this.#maxQueued = config.maxQueuedMessages;
    this.#maxQueuedBytes = config.maxQueuedBytes;
    const path = this;
    this.#receive = config.resume ? function(ev) {
      if (this === path.#ws) {
        path.#receiveFrame(ev);
      }
    } : function(ev) {
      if (this === path.#ws) {
        path.#receivePlain(ev);
      }
    };
  }
  /**
   * setTarget names the socket whose events the path dispatches. It is
   * held weakly: a closed socket must stay collectable.
   * @param {EventTarget} target
   * @param {(frame: Frame) => void} queue hands a frame to Go's outbox
   */
  setTarget(target, queue) {
    this.#target = new WeakRef(target);
    this.#queue = queue;
  }
  /** @returns {import("../resock.d.ts").BinaryType} */
  get binaryType() {
    return this.#arrayBuffer ? "arraybuffer" : "blob";
  }
  // A value that is not a BinaryType is ignored, as a Web IDL enumeration
  // attribute does; the next message dispatched has the new type.
  /** @param {string} value */
  set binaryType(value) {
    if (value === "arraybuffer" || value === "blob") {
      this.#arrayBuffer = value === "arraybuffer";
    }
  }
  /**
   * attach takes the messages of ws, which just opened: at once in plain
   * mode, once carrying in resume mode, where the handshake's frames go to
   * Go first.
   * @param {WebSocket} ws
   * @param {Slow} slow
   * @param {string} origin
   */
  attach(ws, slow, origin) {
    this.#ws = ws;
    this.#slow = slow;
    this.#origin = origin;
    this.#heard = 0;
    if (!this.#resume) {
      ws.onmessage = this.#receive;
    }
  }
  /** detach lets the connection go: it is closing or closed. */
  detach() {
    this.#ws = null;
    this.#slow = null;
    this.#direct = false;
  }
  /**
   * setDirect says whether messages may go straight to the connection.
   * @param {boolean} direct
   */
  setDirect(direct) {
    this.#direct = direct;
    if (direct && this.#heldCount() > 0) {
      this.#drain();
    }
  }
  /**
   * send sends data now if it may go straight to the connection, or in
   * resume mode holds it behind a Blob being read or for room in the
   * window; false if Go must queue it.
   * @param {string | ArrayBuffer | ArrayBufferView | Blob} data
   * @returns {boolean}
   */
  send(data) {
    if (this.#resume) {
      return this.#sendResume(data);
    }
    const ws = this.#ws;
    if (!this.#direct || ws === null || ws.readyState !== OPEN) {
      return false;
    }
    if (typeof data === "string") {
      this.#bytesOut += sendText(ws, data);
    } else if (data instanceof Blob) {
      ws.send(data);
      this.#bytesOut += data.size;
    } else {
      ws.send(
        /** @type {ArrayBuffer | ArrayBufferView<ArrayBuffer>} */
        data
      );
      this.#bytesOut += data.byteLength;
    }
    this.#messagesOut++;
    return true;
  }
  /**
   * bufferedAmount is the socket's bufferedAmount while nothing is queued in
   * Go, which is then all of it; -1 when Go must add its outbox.
   * @returns {number}
   */
  bufferedAmount() {
    const ws = this.#ws;
    if (!this.#direct || ws === null) {
      return -1;
    }
    return ws.bufferedAmount + this.#heldBytes;
  }
  /**
   * counts are what the path moved: messages and bytes in, then out.
   * @returns {number[]}
   */
  counts() {
    this.#countDelivered();
    return [this.#messagesIn, this.#bytesIn, this.#messagesOut, this.#bytesOut];
  }
  /**
   * held is the count and size of the messages accepted and not sent yet.
   * @returns {number[]}
   */
  held() {
    return [this.#heldCount(), this.#heldBytes];
  }
  /**
   * sinceHeard is how many ms ago the path last took a message; -1 if it
   * took none on this connection.
   * @returns {number}
   */
  sinceHeard() {
    return this.#heard > 0 ? Math.max(performance.now() - this.#heard, 0) : -1;
  }
  /**
   * messageEvent makes the event of a message that passed through Go, the
   * same as the path's own.
   * @param {string | ArrayBuffer} data
   * @param {string} origin
   * @returns {Event}
   */
  messageEvent(data, origin) {
    const value = typeof data === "string" || this.#arrayBuffer ? data : new Blob([data]);
    return this.#event(value, origin);
  }
  /**
   * @param {string | ArrayBuffer | Blob} data
   * @param {string} origin
   * @returns {Event}
   */
  #event(data, origin) {
    let Class = this.#Event;
    if (Class === null || Class.origin !== origin) {
      Class = this.#Event = messageEventClass(origin);
    }
    return new Class(data);
  }
  /** @param {Event} ev */
  #dispatch(ev) {
    this.#target?.deref()?.dispatchEvent(ev);
  }
  // The UTF-8 size of text is counted after the event is dispatched, so
  // that a listener that answers runs sooner; counts() counts a message
  // still uncounted first, so stats() called from a listener already
  // includes its message.
  #countDelivered() {
    if (this.#uncounted !== null) {
      this.#bytesIn += utf8Length(this.#uncounted);
      this.#uncounted = null;
    }
  }
  /** @param {MessageEvent} ev */
  #receivePlain(ev) {
    const data = ev.data;
    const limit = this.#maxMessageSize;
    if (typeof data === "string") {
      if (data === this.#expect) {
        this.#slow?.(ev);
        return;
      }
      if (3 * data.length <= limit) {
        this.#uncounted = data;
      } else {
        const size = utf8Length(data);
        if (size > limit) {
          this.#slow?.(ev);
          return;
        }
        this.#bytesIn += size;
      }
    } else {
      const size = data.byteLength;
      if (size > limit) {
        this.#slow?.(ev);
        return;
      }
      this.#bytesIn += size;
    }
    this.#heard = performance.now();
    this.#messagesIn++;
    const value = typeof data === "string" || this.#arrayBuffer ? data : new Blob([data]);
    this.#dispatch(this.#event(value, this.#origin));
    this.#countDelivered();
  }
  /** @param {MessageEvent} ev */
  #receiveFrame(ev) {
    const data = ev.data;
    let value;
    let size;
    if (typeof data === "string") {
      size = utf8Length(data) - 1;
      if (data.charCodeAt(0) !== wire.textFrame || size > this.#maxMessageSize) {
        this.#slow?.(ev);
        return;
      }
      value = data.slice(1);
    } else {
      const bytes = new Uint8Array(data);
      const type = bytes[0];
      size = bytes.length - 1;
      if (type === wire.ackFrame && this.#direct) {
        const n = uvarint(bytes);
        if (n >= this.#acked && n <= this.#sent) {
          this.#heard = performance.now();
          this.release(n);
          return;
        }
      }
      if (type !== wire.binaryFrame || size > this.#maxMessageSize) {
        this.#slow?.(ev);
        return;
      }
      value = this.#arrayBuffer ? data.slice(1) : new Blob([bytes.subarray(1)]);
    }
    const now = performance.now();
    this.#heard = now;
    this.#lastData = now;
    this.#received++;
    this.#sinceAck += size;
    this.#messagesIn++;
    this.#bytesIn += size;
    const unacked = this.#received - this.#ackSent;
    if (unacked === 1) {
      this.#oldest = now;
    }
    if (unacked >= wire.ackEvery || this.#sinceAck >= wire.ackBytes) {
      this.#sendAck();
    } else if (this.#ackTimer === 0) {
      this.#ackTimer = setTimeout(() => this.#ackDue(), wire.ackQuietMillis);
    }
    this.#dispatch(this.#event(value, this.#origin));
  }
  // sendAck tells the server how many of its frames were delivered.
  #sendAck() {
    let n = this.#received;
    const frame = [wire.ackFrame];
    while (n >= 128) {
      frame.push(n % 128 | 128);
      n = Math.floor(n / 128);
    }
    frame.push(n);
    this.#ws?.send(new Uint8Array(frame));
    this.#ackSent = this.#received;
    this.#sinceAck = 0;
  }
  // ackDue acknowledges once the stream is quiet, or at the latest ackMax
  // after the oldest frame not acknowledged.
  #ackDue() {
    this.#ackTimer = 0;
    if (!this.#carrying || this.#ws === null || this.#received === this.#ackSent) {
      return;
    }
    const now = performance.now();
    const quiet = now - this.#lastData;
    const waited = now - this.#oldest;
    if (quiet < wire.ackQuietMillis && waited < wire.ackMaxMillis) {
      this.#ackTimer = setTimeout(() => this.#ackDue(), Math.min(wire.ackQuietMillis - quiet, wire.ackMaxMillis - waited));
      return;
    }
    this.#sendAck();
  }
  /**
   * carry takes the ledger over once the handshake on ws is done, and sends
   * the frames the server lacks again; false if ws is not the attached
   * connection.
   * @param {WebSocket} ws
   * @param {Ledger} ledger
   * @returns {boolean}
   */
  carry(ws, ledger) {
    if (!this.#resume || this.#carrying || ws !== this.#ws) {
      return false;
    }
    this.#received = ledger.received;
    this.#ackSent = ledger.ackSent;
    this.#sent = ledger.sent;
    this.#acked = ledger.acked;
    this.#buf = ledger.frames;
    this.#sizes = ledger.frames.map(sizeOf);
    this.#unackedBytes = this.#sizes.reduce((a, b) => a + b, 0);
    for (const f of ledger.frames) {
      ws.send(f);
    }
    this.#sinceAck = 0;
    this.#lastData = this.#oldest = performance.now();
    this.#carrying = true;
    ws.onmessage = this.#receive;
    return true;
  }
  /**
   * reclaim ends carrying and hands the ledger back.
   * @returns {Ledger}
   */
  reclaim() {
    this.#carrying = false;
    this.#direct = false;
    if (this.#ackTimer !== 0) {
      clearTimeout(this.#ackTimer);
      this.#ackTimer = 0;
    }
    const ledger = {
      frames: this.#buf,
      received: this.#received,
      ackSent: this.#ackSent,
      sent: this.#sent,
      acked: this.#acked
    };
    this.#buf = [];
    this.#sizes = [];
    this.#unackedBytes = 0;
    return ledger;
  }
  /**
   * sendFrame sends a frame of Go's on the carried connection and keeps it
   * until acknowledged; false if the connection is not open.
   * @param {Frame} frame
   * @returns {boolean}
   */
  sendFrame(frame) {
    return this.#sendFrame(frame, sizeOf(frame));
  }
  /**
   * release drops the frames up to received, which the server
   * acknowledged; a message saying what is wrong if it cannot.
   * @param {number} received
   * @returns {string}
   */
  release(received) {
    if (received < this.#acked || received > this.#sent) {
      return `server acknowledged ${received} messages, but ${this.#sent} were sent and ${this.#acked} acknowledged before`;
    }
    const n = received - this.#acked;
    for (let i = 0; i < n; i++) {
      this.#unackedBytes -= /** @type {number} */
      this.#sizes[i];
    }
    this.#buf.splice(0, n);
    this.#sizes.splice(0, n);
    this.#acked = received;
    if (this.#direct && this.#heldCount() > 0) {
      this.#drain();
    }
    return "";
  }
  /**
   * ledgerCounts are the carried ledger's counters: frames received, sent
   * and acknowledged.
   * @returns {number[]}
   */
  ledgerCounts() {
    return [this.#received, this.#sent, this.#acked];
  }
  /**
   * window is the count of frames kept and their payloads' size.
   * @returns {number[]}
   */
  window() {
    return [this.#buf.length, this.#unackedBytes];
  }
  /**
   * @param {string | ArrayBuffer | ArrayBufferView | Blob} data
   * @returns {boolean}
   */
  #sendResume(data) {
    if (this.#heldCount() > 0 || this.#direct && data instanceof Blob) {
      return this.#hold(data);
    }
    if (!this.#direct) {
      return false;
    }
    const frame = typeof data === "string" ? textType + data : binaryFrame(bytesOf(
      /** @type {ArrayBuffer | ArrayBufferView} */
      data
    ));
    if (this.#sendData(frame)) {
      return true;
    }
    return this.#keep({ frame, size: sizeOf(frame) });
  }
  /**
   * sendData sends a data frame directly if the window has room. A text
   * frame is measured as it is sent, unless the window could be too small
   * for its largest possible size: three bytes for each code unit.
   * @param {Frame} data
   * @returns {boolean}
   */
  #sendData(data) {
    const text = typeof data === "string";
    let size = text ? -1 : data.length - 1;
    const n = this.#buf.length;
    if (n > 0) {
      if (n >= this.#maxUnacked) {
        return false;
      }
      if (text && this.#unackedBytes + 3 * (data.length - 1) > this.#maxUnackedBytes) {
        size = sizeOf(data);
      }
      if (this.#unackedBytes + size > this.#maxUnackedBytes) {
        return false;
      }
    }
    const before = this.#unackedBytes;
    if (!this.#sendFrame(data, size)) {
      return false;
    }
    this.#messagesOut++;
    this.#bytesOut += this.#unackedBytes - before;
    return true;
  }
  /**
   * sendFrame sends a frame on the carried connection and keeps it until
   * acknowledged; false if the connection is not open. A size below 0
   * means a text frame the sending measures.
   * @param {Frame} frame
   * @param {number} size
   * @returns {boolean}
   */
  #sendFrame(frame, size) {
    const ws = this.#ws;
    if (!this.#carrying || ws === null || ws.readyState !== OPEN) {
      return false;
    }
    if (typeof frame === "string") {
      const sent = sendText(ws, frame) - 1;
      if (size < 0) {
        size = sent;
      }
    } else {
      ws.send(frame);
    }
    this.#buf.push(frame);
    this.#sizes.push(size);
    this.#sent++;
    this.#unackedBytes += size;
    return true;
  }
  /** @returns {number} */
  #heldCount() {
    return this.#held.length - this.#heldHead;
  }
  /**
   * hold keeps data's place behind the messages held, or behind a Blob
   * being read, which in resume mode must become bytes the ledger can keep
   * for resending before it is sent. The bytes of binary data are copied
   * now, as WebSocket takes them. False if the outbox's limits leave no
   * room: Go's outbox then takes it, after everything held.
   * @param {string | ArrayBuffer | ArrayBufferView | Blob} data
   * @returns {boolean}
   */
  #hold(data) {
    if (data instanceof Blob) {
      const entry = { frame: null, size: data.size };
      if (!this.#keep(entry)) {
        return false;
      }
      new Blob([binaryTypeByte, data]).arrayBuffer().then(
        (buffer) => {
          entry.frame = new Uint8Array(buffer);
          this.#drain();
        },
        (err) => {
          entry.frame = "";
          const message = `failed to send message: failed to read Blob: ${err}`;
          this.#dispatch(Object.assign(new Event("error"), { message, error: new Error(message) }));
          this.#drain();
        }
      );
      return true;
    }
    if (typeof data === "string") {
      return this.#keep({ frame: textType + data, size: utf8Length(data) });
    }
    const frame = binaryFrame(bytesOf(data));
    return this.#keep({ frame, size: frame.length - 1 });
  }
  /**
   * keep holds entry, within the outbox's limits: past them, what is ready
   * goes to Go's outbox, whose limits and outboxPolicy then apply, and
   * entry too unless something still held must go first.
   * @param {Held} entry
   * @returns {boolean}
   */
  #keep(entry) {
    if (this.#heldCount() >= this.#maxQueued || this.#heldBytes + entry.size > this.#maxQueuedBytes) {
      this.#spill();
      if (this.#heldCount() === 0) {
        return false;
      }
    }
    this.#held.push(entry);
    this.#heldBytes += entry.size;
    return true;
  }
  /**
   * shift drops the first held message, which was sent or handed on.
   * @param {Held} entry
   */
  #shift(entry) {
    this.#heldBytes -= entry.size;
    this.#heldHead++;
    if (this.#heldHead === this.#held.length) {
      this.#held = [];
      this.#heldHead = 0;
    } else if (this.#heldHead >= 1024 && 2 * this.#heldHead >= this.#held.length) {
      this.#held = this.#held.slice(this.#heldHead);
      this.#heldHead = 0;
    }
  }
  // spill hands Go's outbox the held messages that are ready, in order, up
  // to the first Blob still being read.
  #spill() {
    while (this.#heldCount() > 0) {
      const entry = (
        /** @type {Held} */
        this.#held[this.#heldHead]
      );
      if (entry.frame === null) {
        return;
      }
      this.#shift(entry);
      if (entry.frame !== "") {
        this.#queue(entry.frame);
      }
    }
  }
  // drain sends the held messages that are ready, in order, while the
  // direct path is open and the window has room. Everything Go's outbox
  // holds is older than they are, so they wait for it otherwise.
  #drain() {
    while (this.#direct && this.#heldCount() > 0) {
      const entry = (
        /** @type {Held} */
        this.#held[this.#heldHead]
      );
      const frame = entry.frame;
      if (frame === null || frame !== "" && !this.#sendData(frame)) {
        return;
      }
      this.#shift(entry);
    }
  }
};

// jsglue/src/pagelife.js
var live = /* @__PURE__ */ new Set();
function each(f) {
  for (const entry of live) {
    if (entry.ref.deref() === void 0) {
      live.delete(entry);
      continue;
    }
    try {
      f(entry.b);
    } catch (err) {
      reportException(err);
    }
  }
}
function closeAll(owner, why) {
  const entries = [...live].filter((e) => e.owner === owner);
  for (const e of entries) {
    live.delete(e);
  }
  for (const { b } of entries) {
    for (const ws of b.webSockets) {
      ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
      try {
        ws.close();
      } catch {
      }
    }
  }
  queueMicrotask(() => {
    for (const entry of entries) {
      const ws = entry.ref.deref();
      if (ws !== void 0 && entry.state !== "closed") {
        const message = `resock stopped: ${why}`;
        ws.dispatchEvent(Object.assign(new Event("error"), { message, error: new Error(message) }));
        ws.dispatchEvent(Object.assign(new Event("statechange"), { from: entry.state, to: "closed" }));
        entry.state = "closed";
        const close = new CloseEvent("close", { code: 1006, reason: "", wasClean: false });
        ws.dispatchEvent(Object.assign(close, { willReconnect: false }));
      }
    }
  });
}
function followThePage() {
  if (typeof globalThis.addEventListener !== "function") {
    return;
  }
  globalThis.addEventListener("online", () => each((b) => b.setOnline(true)));
  globalThis.addEventListener("offline", () => each((b) => b.setOnline(false)));
  globalThis.addEventListener("pagehide", (e) => {
    each((b) => {
      if (e.persisted || b.persist !== void 0) {
        b.suspend();
      }
    });
  });
  globalThis.addEventListener("pageshow", (e) => {
    if (e.persisted) {
      const online = globalThis.navigator?.onLine !== false;
      each((b) => {
        b.setOnline(online);
        b.wake();
      });
    }
  });
  if (typeof document === "undefined") {
    return;
  }
  document.addEventListener("visibilitychange", () => {
    const hidden = document.visibilityState === "hidden";
    const slept = !hidden && sleptSince();
    watchdogLast = Date.now();
    each((b) => {
      b.setHidden(hidden);
      if (slept) {
        b.pathChanged();
      } else if (!hidden) {
        b.probe();
      }
    });
  });
  document.addEventListener("resume", () => {
    watchdogLast = Date.now();
    each((b) => b.pathChanged());
  });
  const connection = (
    /** @type {EventTarget | undefined} */
    /** @type {any} */
    globalThis.navigator?.connection
  );
  connection?.addEventListener?.("change", () => each((b) => b.pathChanged()));
}
followThePage();
var WATCHDOG_PERIOD = 1e3;
var WATCHDOG_SLEPT = 4e3;
var watchdog = null;
var watchdogLast = 0;
var clockGap = Date.now() - performance.now();
function sleptSince() {
  const gap = Date.now() - performance.now();
  const slept = gap - clockGap > WATCHDOG_SLEPT;
  clockGap = gap;
  return slept;
}
function startWatchdog() {
  if (watchdog !== null) {
    return;
  }
  watchdogLast = Date.now();
  watchdog = setInterval(() => {
    const now = Date.now();
    const late = now - watchdogLast - WATCHDOG_PERIOD;
    watchdogLast = now;
    let running = false;
    for (const entry of live) {
      if (entry.ref.deref() === void 0) {
        live.delete(entry);
      } else if (entry.state !== "closed") {
        running = true;
      }
    }
    if (!running) {
      stopWatchdog();
      return;
    }
    const hidden = typeof document !== "undefined" && document.visibilityState === "hidden";
    if (!hidden) {
      sleptSince();
    }
    if (late > WATCHDOG_SLEPT && !hidden) {
      each((b) => b.pathChanged());
    }
  }, WATCHDOG_PERIOD);
}
function stopWatchdog() {
  if (watchdog !== null) {
    clearInterval(watchdog);
    watchdog = null;
  }
}
function track(ws, b, owner) {
  const entry = { ref: new WeakRef(ws), b, state: b.state(), owner };
  ws.addEventListener("statechange", (e) => {
    entry.state = /** @type {StateChangeEvent} */
    e.to;
    if (entry.state !== "closed") {
      startWatchdog();
    }
  });
  live.add(entry);
  if (typeof document !== "undefined" && document.visibilityState === "hidden") {
    b.setHidden(true);
  }
  if (entry.state !== "closed") {
    startWatchdog();
  }
}

// jsglue/src/load.js
var Program = class {
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
};
async function compile(wasmURL2) {
  const res = await fetch(wasmURL2);
  if (!res.ok) {
    throw new Error(`resock: failed to fetch ${wasmURL2}: HTTP ${res.status}`);
  }
  const type = (res.headers.get("Content-Type") ?? "").split(";")[0]?.trim();
  if (type === "application/wasm" && typeof WebAssembly.compileStreaming === "function") {
    return WebAssembly.compileStreaming(res);
  }
  return WebAssembly.compile(await res.arrayBuffer());
}
async function load(wasmURL2, wasmExecURL2) {
  const compiled = compile(wasmURL2);
  compiled.catch(() => {
  });
  const global = (
    /** @type {typeof globalThis & {Go?: new () => Go, __resock?: Bridge}} */
    globalThis
  );
  if (typeof global.Go !== "function") {
    await import(
      /* @vite-ignore */
      /* webpackIgnore: true */
      wasmExecURL2.href
    );
  }
  const Go = (
    /** @type {new () => Go} */
    global.Go
  );
  const go = new Go();
  const instance = await WebAssembly.instantiate(await compiled, go.importObject);
  let program2 = null;
  let early = null;
  const fatal = (why) => {
    if (program2 !== null) {
      program2.fatal(why);
    } else {
      early ??= why;
    }
  };
  let code = 0;
  const exit = go.exit;
  go.exit = (c) => {
    code = c;
    exit.call(go, c);
    fatal(`the Go program exited with code ${c}`);
  };
  go.run(instance).then(
    () => fatal(`the Go program exited with code ${code}`),
    (err) => fatal(`the Go program failed: ${err}`)
  );
  const bridge = global.__resock;
  delete global.__resock;
  if (go.exited) {
    throw new Error(`resock: failed to start: the Go program exited with code ${code}`);
  }
  if (!bridge || typeof bridge.create !== "function") {
    throw new Error("resock: failed to start: resock.wasm registered no bridge");
  }
  program2 = new Program(bridge);
  if (early !== null) {
    program2.fatal(early);
  }
  return program2;
}

// jsglue/src/persist.js
var DB_NAME = "resock";
var DB_VERSION = 1;
var FORMAT = 1;
var SESSIONS = "sessions";
var MESSAGES = "messages";
var LOCK_WAIT = 2e3;
var OPEN_WAIT = 5e3;
var ACK_CHECK = 250;
function sizeOf2(data) {
  return typeof data === "string" ? utf8Length(data) : data instanceof Blob ? data.size : data.byteLength;
}
function errorEvent(message, cause) {
  const error = new Error(message, cause === void 0 ? void 0 : { cause });
  return Object.assign(new Event("error"), { message, error });
}
function describe(err) {
  if (err instanceof DOMException || err instanceof Error) {
    return err.message === "" ? err.name : `${err.name}: ${err.message}`;
  }
  return `${err}`;
}
function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}
function openDB() {
  return new Promise((resolve, reject) => {
    if (typeof indexedDB === "undefined") {
      reject(new DOMException("IndexedDB is not available here", "NotSupportedError"));
      return;
    }
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(SESSIONS)) {
        db.createObjectStore(SESSIONS);
      }
      if (!db.objectStoreNames.contains(MESSAGES)) {
        db.createObjectStore(MESSAGES);
      }
    };
    req.onsuccess = () => {
      const db = req.result;
      db.onversionchange = () => db.close();
      resolve(db);
    };
    req.onerror = () => {
      const err = req.error;
      if (err?.name === "VersionError") {
        reject(new DOMException(`the database "${DB_NAME}" was written by a newer version of resock (its schema is newer than version ${DB_VERSION})`, "VersionError"));
        return;
      }
      reject(err);
    };
    req.onblocked = () => reject(new DOMException(`the database "${DB_NAME}" is held open by a page with an older version of resock`, "InvalidStateError"));
  });
}
async function readStore(name) {
  const db = await openDB();
  try {
    const tx = db.transaction([SESSIONS, MESSAGES], "readonly");
    const [meta, keys, values] = await Promise.all([
      request(tx.objectStore(SESSIONS).get(name)),
      request(tx.objectStore(MESSAGES).getAllKeys(keyRange(name))),
      request(tx.objectStore(MESSAGES).getAll(keyRange(name)))
    ]);
    return { db, meta, keys, values };
  } catch (err) {
    db.close();
    throw err;
  }
}
function keyRange(name) {
  return IDBKeyRange.bound([name, 0], [name, Infinity]);
}
function copyOf(data) {
  if (typeof data === "string" || data instanceof Blob) {
    return data;
  }
  return bytesOf(data).slice().buffer;
}
var Store = class {
  #name;
  #url;
  /** @type {Calls} */
  #calls;
  /** @type {(data: string | ArrayBuffer | ArrayBufferView | Blob) => void} */
  #send;
  /** @type {IDBDatabase | null} */
  #db = null;
  /**
   * loading until the store is read; on while it is written; off once it
   * failed or the socket closed.
   * @type {"loading" | "on" | "off"}
   */
  #state = "loading";
  /** @type {Error | null} why the store is off */
  #failure = null;
  /** @type {Entry[]} the mirror, from #head on */
  #mirror = [];
  #head = 0;
  #headID = 1;
  // foreign is the engine's count of frames without entries, as of the
  // last align.
  #foreign = 0;
  /**
   * How many entries at the mirror's end wait in the glue, behind a Blob
   * being read: they reach the socket only once it is.
   */
  #waiting = 0;
  #waitingBytes = 0;
  #nextSeq = 1;
  /** @type {Entry[]} entries to write */
  #puts = [];
  /** @type {number[]} keys to delete */
  #deletes = [];
  /** @type {string} the session record last written, as JSON */
  #written = "";
  // accepted counts the messages sent; durable, those of them stored or
  // settled (acknowledged or dropped) by the last transaction completed.
  #accepted = 0;
  #durable = 0;
  /** @type {{upTo: number, resolve: () => void, reject: (err: Error) => void}[]} */
  #waiters = [];
  #scheduled = false;
  #writing = false;
  // again says that something changed while a transaction was under way.
  #again = false;
  /** @type {ReturnType<typeof setTimeout> | 0} */
  #ackTimer = 0;
  /** @type {(() => void) | null} lets the Web Lock go */
  #unlock = null;
  #closed = false;
  /**
   * @param {string} name
   * @param {string} url
   * @param {Calls} calls
   * @param {(data: string | ArrayBuffer | ArrayBufferView | Blob) => void} send sends through the socket, throwing as send() throws
   */
  constructor(name, url, calls, send) {
    this.#name = name;
    this.#url = url;
    this.#calls = calls;
    this.#send = send;
    this.#load();
  }
  /** The messages waiting in the glue behind a Blob, and their size. */
  get waiting() {
    return [this.#waiting, this.#waitingBytes];
  }
  /**
   * send sends data through the socket and appends it to the mirror, or
   * holds it, checked, behind a Blob: the store reads Blobs itself, so
   * that it knows their bytes and no read failure goes unaccounted.
   * @param {string | ArrayBuffer | ArrayBufferView | Blob} data
   */
  send(data) {
    if (data instanceof Blob || this.#waiting > 0) {
      const copy = copyOf(data);
      if (this.#calls.closing()) {
        this.#send(data);
      }
      const entry = { seq: 0, data: copy, gone: false, size: sizeOf2(copy) };
      this.#push(entry, true);
      this.#waiting++;
      this.#waitingBytes += entry.size;
      if (data instanceof Blob) {
        data.arrayBuffer().then(
          (buffer) => {
            entry.data = buffer;
            this.#handOn();
          },
          (err) => {
            entry.gone = true;
            this.#calls.dispatch(errorEvent(`failed to send message: failed to read Blob: ${describe(err)}`, err));
            this.#handOn();
          }
        );
      }
      return;
    }
    this.#send(data);
    this.#push({ seq: 0, data: copyOf(data), gone: false, size: 0 }, false);
  }
  /**
   * push appends entry to the mirror; a store that is off keeps only
   * what waits behind a Blob.
   * @param {Entry} entry
   * @param {boolean} waiting
   */
  #push(entry, waiting) {
    this.#accepted++;
    if (this.#state === "off") {
      if (waiting) {
        this.#mirror.push(entry);
      }
      return;
    }
    this.#mirror.push(entry);
    this.#puts.push(entry);
    this.#schedule();
  }
  // handOn sends the messages held behind Blobs that are read, in order,
  // up to the next Blob still being read.
  #handOn() {
    while (this.#waiting > 0) {
      const i = this.#mirror.length - this.#waiting;
      const entry = (
        /** @type {Entry} */
        this.#mirror[i]
      );
      if (entry.data instanceof Blob && !entry.gone) {
        return;
      }
      this.#waiting--;
      this.#waitingBytes -= entry.size;
      if (!entry.gone) {
        try {
          this.#send(
            /** @type {string | ArrayBuffer} */
            entry.data
          );
          if (this.#state === "off") {
            this.#mirror.splice(i, 1);
          }
          continue;
        } catch (err) {
          entry.gone = true;
          this.#calls.dispatch(errorEvent(`failed to send message: ${describe(err)}`, err));
        }
      }
      this.#mirror.splice(i, 1);
      if (!this.#calls.closing()) {
        this.#forget(entry);
      }
    }
  }
  /**
   * forget deletes entry from the store, or keeps it from being written.
   * @param {Entry} entry
   */
  #forget(entry) {
    entry.gone = true;
    if (entry.seq > 0) {
      this.#deletes.push(entry.seq);
    }
    this.#schedule();
  }
  /**
   * dropped removes the n messages the outbox dropped: the oldest that had
   * no frame yet. Called from the socket's dropped event, which the
   * engine dispatches before anything else can send a frame.
   * @param {number} n
   */
  dropped(n) {
    const p = this.#calls.progress();
    if (p === null || this.#state === "off") {
      return;
    }
    this.#align(p);
    const at = this.#head + (p.firstID + p.sent - this.#headID);
    for (const entry of this.#mirror.splice(at, n)) {
      this.#forget(entry);
    }
  }
  /**
   * changed notes that the session changed without a send: a message
   * arrived, or a connection opened.
   */
  changed() {
    this.#schedule();
  }
  /**
   * whenDurable resolves once every message sent so far is stored, or
   * acknowledged; it rejects if the store stopped before.
   * @returns {Promise<void>}
   */
  whenDurable() {
    if (this.#failure !== null) {
      return Promise.reject(this.#failure);
    }
    if (this.#durable >= this.#accepted) {
      return Promise.resolve();
    }
    if (this.#state === "off") {
      return Promise.reject(new DOMException("the socket closed before its messages were stored", "InvalidStateError"));
    }
    return new Promise((resolve, reject) => {
      this.#waiters.push({ upTo: this.#accepted, resolve, reject });
    });
  }
  /**
   * close ends persisting once the socket closed for good: a last write,
   * then the Web Lock goes. What is left unacknowledged stays stored for
   * the next socket of the name.
   */
  close() {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    if (this.#state === "on") {
      this.#schedule();
    }
  }
  async #load() {
    let state = null;
    let stored = [];
    let nextSeq = 1;
    try {
      await this.#lock();
      const read = readStore(this.#name);
      let timer = 0;
      const late = new Promise((_, reject) => {
        timer = setTimeout(() => {
          read.then(({ db: db2 }) => db2.close(), () => {
          });
          reject(new DOMException(`IndexedDB did not answer within ${OPEN_WAIT / 1e3} s`, "TimeoutError"));
        }, OPEN_WAIT);
      });
      const { db, meta, keys, values } = await Promise.race([read, late]).finally(() => clearTimeout(timer));
      this.#db = db;
      if (meta !== void 0) {
        const m = (
          /** @type {Meta} */
          meta
        );
        if (m === null || typeof m !== "object" || m.v !== FORMAT) {
          throw new DOMException(`persist "${this.#name}" was written in format ${m?.v ?? "unknown"}; this version of resock reads format ${FORMAT}; it is left as it is`, "VersionError");
        }
        if (m.url !== this.#url) {
          throw new DOMException(`persist "${this.#name}" holds a session of ${m.url}, not of ${this.#url}; it is left as it is`, "InvalidStateError");
        }
        const data = await Promise.all(values.map((v) => v instanceof Blob ? v.arrayBuffer() : (
          /** @type {string | ArrayBuffer} */
          v
        )));
        stored = data.map((d, i) => ({ seq: (
          /** @type {[string, number]} */
          keys[i][1]
        ), data: d, gone: false, size: 0 }));
        const unacked = Math.min(m.sent - m.acked, stored.length);
        state = {
          session: m.session,
          token: m.token,
          client: m.client,
          firstID: m.firstID,
          received: m.received,
          acked: m.acked,
          sent: m.acked + unacked,
          unacked: stored.slice(0, unacked).map((e) => (
            /** @type {string | ArrayBuffer} */
            e.data
          )),
          queued: stored.slice(unacked).map((e) => (
            /** @type {string | ArrayBuffer} */
            e.data
          ))
        };
        nextSeq = Math.max(m.nextSeq, (stored.at(-1)?.seq ?? 0) + 1);
        this.#written = JSON.stringify(m);
      }
    } catch (err) {
      this.#fail(`persist "${this.#name}" is not available, and the socket keeps its messages in memory only: ${describe(err)}`, err);
      this.#release(null);
      return;
    }
    this.#mirror = [...stored, ...this.#mirror];
    this.#nextSeq = nextSeq;
    this.#headID = state === null ? 1 : state.firstID + state.acked;
    if (this.#closed) {
      this.#off();
      this.#release(null);
      return;
    }
    this.#state = "on";
    try {
      this.#calls.release(state);
    } catch (err) {
      this.#mirror = this.#mirror.slice(stored.length);
      this.#headID = 1;
      this.#fail(`persist "${this.#name}" holds a session that cannot be restored; it is left as it is, and the socket keeps its messages in memory only: ${describe(err)}`, err);
      this.#release(null);
      return;
    }
    this.#schedule();
  }
  /**
   * release ends the socket's hold without a state; should the Go
   * program have ended, there is nothing left to release.
   * @param {null} state
   */
  #release(state) {
    try {
      this.#calls.release(state);
    } catch {
    }
  }
  /**
   * lock takes the Web Lock of the name, so that no other socket writes
   * the store meanwhile. Without Web Locks (an insecure context) there is
   * none to take.
   * @returns {Promise<void>}
   */
  #lock() {
    const locks = globalThis.navigator?.locks;
    if (locks === void 0) {
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      locks.request(`resock-persist:${this.#name}`, { signal: AbortSignal.timeout(LOCK_WAIT) }, () => {
        resolve();
        return new Promise((unlock) => {
          this.#unlock = () => unlock(void 0);
        });
      }).catch((err) => {
        if (err instanceof DOMException && err.name === "TimeoutError") {
          reject(new DOMException(`another socket, in this page or another, holds persist "${this.#name}" (use resock/shared to share one connection between tabs)`, "InvalidStateError"));
          return;
        }
        reject(err);
      });
    });
  }
  #schedule() {
    if (this.#scheduled || this.#state !== "on") {
      return;
    }
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#write();
    });
  }
  // write writes what changed in one transaction, unless one is under way:
  // then its completion writes again.
  #write() {
    const db = this.#db;
    if (this.#state !== "on" || db === null) {
      return;
    }
    if (this.#writing) {
      this.#again = true;
      return;
    }
    const p = this.#calls.progress();
    if (p === null) {
      return;
    }
    this.#align(p);
    const puts = this.#puts.filter((e) => !e.gone);
    for (const e of puts) {
      e.seq = this.#nextSeq++;
    }
    const deletes = this.#deletes;
    this.#puts = [];
    this.#deletes = [];
    const meta = {
      v: FORMAT,
      url: this.#url,
      session: p.session,
      token: p.token,
      client: p.client,
      firstID: p.firstID,
      sent: p.sent,
      acked: p.acked,
      received: p.received,
      nextSeq: this.#nextSeq
    };
    const json = JSON.stringify(meta);
    const upTo = this.#accepted;
    if (puts.length === 0 && deletes.length === 0 && json === this.#written) {
      this.#settle(upTo);
      this.#afterWrite(p);
      return;
    }
    let tx;
    try {
      tx = db.transaction([SESSIONS, MESSAGES], "readwrite");
      const messages = tx.objectStore(MESSAGES);
      for (const e of puts) {
        messages.put(e.data, [this.#name, e.seq]);
      }
      deletes.sort((a, b) => a - b);
      for (let i = 0; i < deletes.length; ) {
        let j = i;
        while (j + 1 < deletes.length && deletes[j + 1] === /** @type {number} */
        deletes[j] + 1) {
          j++;
        }
        messages.delete(IDBKeyRange.bound([this.#name, deletes[i]], [this.#name, deletes[j]]));
        i = j + 1;
      }
      tx.objectStore(SESSIONS).put(meta, this.#name);
    } catch (err) {
      this.#fail(`failed to store messages for persist "${this.#name}"; the socket keeps them in memory only: ${describe(err)}`, err);
      return;
    }
    this.#writing = true;
    tx.oncomplete = () => {
      this.#writing = false;
      this.#written = json;
      this.#settle(upTo);
      if (this.#again || this.#puts.length > 0 || this.#deletes.length > 0) {
        this.#again = false;
        this.#schedule();
      }
      this.#afterWrite(p);
    };
    tx.onabort = () => {
      this.#writing = false;
      const err = tx.error ?? new DOMException("the transaction was aborted", "AbortError");
      this.#fail(`failed to store messages for persist "${this.#name}"; the socket keeps them in memory only: ${describe(err)}`, err);
    };
  }
  /**
   * align forgets the messages the server acknowledged, those before
   * p's acknowledged id. Frames the server had from the socket that
   * stored a restored session and that this one never had (foreign) are
   * acknowledged with them, and take ids without taking entries.
   * @param {Progress} p
   */
  #align(p) {
    const foreign = p.foreign - this.#foreign;
    this.#foreign = p.foreign;
    const ackedID = p.firstID + p.acked;
    while (this.#headID + foreign < ackedID && this.#head < this.#mirror.length) {
      const entry = (
        /** @type {Entry} */
        this.#mirror[this.#head]
      );
      this.#head++;
      this.#headID++;
      this.#forget(entry);
    }
    this.#headID += foreign;
    if (this.#head >= 1024 && 2 * this.#head >= this.#mirror.length) {
      this.#mirror = this.#mirror.slice(this.#head);
      this.#head = 0;
    }
  }
  /**
   * afterWrite lets the lock go once a closed socket's last write is done,
   * or checks for acknowledgements later while messages wait for them.
   * @param {Progress} p
   */
  #afterWrite(p) {
    if (this.#closed) {
      if (!this.#writing && !this.#scheduled) {
        this.#off();
      }
      return;
    }
    if (p.sent > p.acked && this.#ackTimer === 0) {
      this.#ackTimer = setTimeout(() => {
        this.#ackTimer = 0;
        this.#schedule();
      }, ACK_CHECK);
    }
  }
  /**
   * settle notes that the messages up to upTo are durable.
   * @param {number} upTo
   */
  #settle(upTo) {
    if (upTo <= this.#durable) {
      return;
    }
    this.#durable = upTo;
    const due = this.#waiters.filter((w) => w.upTo <= upTo);
    this.#waiters = this.#waiters.filter((w) => w.upTo > upTo);
    for (const w of due) {
      w.resolve();
    }
    this.#calls.dispatch(Object.assign(new Event("durable"), { sent: upTo }));
  }
  /**
   * fail stops the store for good, with an error event: the socket goes on
   * with what it holds in memory.
   * @param {string} message
   * @param {unknown} cause
   */
  #fail(message, cause) {
    const ev = errorEvent(message, cause);
    this.#failure = /** @type {Error} */
    /** @type {{error: Error}} */
    ev.error;
    this.#off();
    this.#calls.dispatch(ev);
  }
  // off stops writing and lets the database and the lock go. What waits
  // for a write that will not come learns it.
  #off() {
    this.#state = "off";
    this.#puts = [];
    this.#deletes = [];
    this.#mirror = this.#mirror.slice(this.#mirror.length - this.#waiting);
    this.#head = 0;
    const err = this.#failure ?? new DOMException("the socket closed before its messages were stored", "InvalidStateError");
    for (const w of this.#waiters) {
      w.reject(err);
    }
    this.#waiters = [];
    if (this.#ackTimer !== 0) {
      clearTimeout(this.#ackTimer);
      this.#ackTimer = 0;
    }
    this.#db?.close();
    this.#db = null;
    this.#unlock?.();
    this.#unlock = null;
  }
};

// jsglue/src/socket.js
var CONNECTING = 0;
var OPEN2 = 1;
var CLOSING = 2;
var CLOSED = 3;
var EVENTS = (
  /** @type {const} */
  ["open", "message", "close", "error", "reconnecting", "statechange", "dropped", "durable"]
);
function deadError(program2) {
  return new DOMException(`resock is not running: ${program2.exited}`, "InvalidStateError");
}
function check(result) {
  if (result instanceof Error || result instanceof DOMException) {
    throw result;
  }
  return (
    /** @type {Exclude<T, Error>} */
    result
  );
}
var encoder = new TextEncoder();
function defineSocket(program2) {
  const bridge = program2.bridge;
  const dead = () => program2.exited !== null;
  class ReconnectingWebSocket2 extends EventTarget {
    /** @type {SocketBridge} */
    #b;
    /** @type {DataPath | null} */
    #path = null;
    /** @type {Store | null} */
    #store = null;
    #url = "";
    // Only url is named, so that the constructor's length is 1, as
    // WebSocket's is; protocols and options are read from arguments.
    /** @param {unknown} url */
    constructor(url) {
      super();
      handlersOf(this, true);
      if (dead()) {
        throw deadError(program2);
      }
      const args = constructorArgs(arguments);
      if (args.length > 0) {
        args.length = 3;
        args.push(globalThis.navigator?.onLine !== false);
      }
      this.#b = check(this.#call(() => bridge.create(this, ...args)));
      const first = this.#b.url();
      this.#url = typeof first === "string" ? first : "";
      const path = this.#b.path;
      if (path instanceof DataPath) {
        this.#path = path;
        path.setTarget(this, (frame) => this.#queue(frame));
      }
      if (typeof this.#b.persist === "string") {
        this.#persist(this.#b.persist);
      }
      track(this, this.#b, program2);
    }
    /**
     * persist starts the store of a persistent socket, which reads what
     * it holds and then releases the socket, held until then. Its
     * listeners come before any the page adds.
     * @param {string} name
     */
    #persist(name) {
      const store = this.#store = new Store(name, this.#url, {
        progress: () => dead() ? null : this.#bridge("progress", []),
        release: (state) => {
          if (!dead()) {
            this.#bridge("release", [state]);
          }
        },
        dispatch: (ev) => this.dispatchEvent(ev),
        closing: () => this.readyState >= CLOSING
      }, (data) => this.#sendNow([data]));
      this.addEventListener("dropped", (ev) => store.dropped(
        /** @type {API.DroppedEvent} */
        ev.messages
      ));
      this.addEventListener("message", () => store.changed());
      this.addEventListener("open", () => store.changed());
      this.addEventListener("close", (ev) => {
        if (!/** @type {API.ReconnectingCloseEvent} */
        ev.willReconnect) {
          store.close();
        }
      });
    }
    /**
     * #call runs a call into Go. A wasm trap means the Go program is broken
     * beyond use: it is reported as an exit.
     * @template T
     * @param {() => T} f
     * @returns {T}
     */
    #call(f) {
      try {
        return f();
      } catch (err) {
        if (err instanceof WebAssembly.RuntimeError) {
          program2.fatal(`the Go program crashed: ${err.message}`);
          throw deadError(program2);
        }
        throw err;
      }
    }
    /**
     * @template {keyof SocketMethods} K
     * @param {K} name
     * @param {Parameters<SocketMethods[K]>} args
     * @returns {Exclude<ReturnType<SocketMethods[K]>, Error>}
     */
    #bridge(name, args) {
      if (dead()) {
        throw deadError(program2);
      }
      return check(this.#call(() => (
        /** @type {(...args: Parameters<SocketMethods[K]>) => ReturnType<SocketMethods[K]>} */
        this.#b[name](...args)
      )));
    }
    /**
     * @template {Getter} K
     * @param {K} name
     * @param {Exclude<ReturnType<SocketMethods[K]>, Error>} fallback
     * @returns {Exclude<ReturnType<SocketMethods[K]>, Error>}
     */
    #get(name, fallback) {
      return dead() ? fallback : this.#bridge(
        name,
        /** @type {Parameters<SocketMethods[K]>} */
        []
      );
    }
    /**
     * #queue hands Go's outbox a frame the data path held and could not
     * send; a refusal (the outbox is full) is an error event, as for a Blob
     * the Go path could not send.
     * @param {string | Uint8Array} frame
     */
    #queue(frame) {
      try {
        this.#bridge("sendFrame", [typeof frame === "string" ? encoder.encode(frame) : frame]);
      } catch (err) {
        const message = `failed to send message: ${err instanceof Error ? err.message : err}`;
        this.dispatchEvent(Object.assign(new Event("error"), { message, error: err }));
      }
    }
    /** The URL of the current or last attempt: absolute, with ws: or wss:. */
    get url() {
      if (!dead()) {
        this.#url = this.#bridge("url", []);
      }
      return this.#url;
    }
    /** @returns {API.ReadyState} */
    get readyState() {
      return this.#get("readyState", CLOSED);
    }
    /** @returns {API.SocketState} */
    get state() {
      return this.#get("state", "closed");
    }
    /** @returns {string} */
    get protocol() {
      return this.#get("protocol", "");
    }
    /** @returns {string} */
    get extensions() {
      return this.#get("extensions", "");
    }
    /** @returns {number} */
    get bufferedAmount() {
      const waiting = this.#store?.waiting[1] ?? 0;
      const path = this.#path;
      if (path !== null && !dead()) {
        const n = path.bufferedAmount();
        if (n >= 0) {
          return n + waiting;
        }
      }
      return this.#get("bufferedAmount", 0) + waiting;
    }
    /** @returns {number} */
    get retryCount() {
      return this.#get("retryCount", 0);
    }
    /** @returns {number} */
    get queuedMessages() {
      return this.#get("queuedMessages", 0) + (this.#store?.waiting[0] ?? 0);
    }
    /** @returns {number | null} */
    get rtt() {
      return this.#get("rtt", null);
    }
    /** @returns {API.BinaryType} */
    get binaryType() {
      if (this.#path !== null) {
        return this.#path.binaryType;
      }
      return this.#get("binaryType", "blob");
    }
    /** @param {unknown} value */
    set binaryType(value) {
      if (this.#path !== null) {
        this.#path.binaryType = `${value}`;
        return;
      }
      this.#bridge("setBinaryType", [`${value}`]);
    }
    /** @returns {API.SocketStats} */
    stats() {
      if (dead()) {
        return {
          attempts: 0,
          reconnects: 0,
          messagesIn: 0,
          messagesOut: 0,
          bytesIn: 0,
          bytesOut: 0,
          queued: 0,
          queuedBytes: 0,
          rtt: null,
          uptime: 0,
          state: "closed"
        };
      }
      return this.#bridge("stats", []);
    }
    /** @param {string | ArrayBuffer | ArrayBufferView | Blob} data */
    send(data) {
      const store = this.#store;
      if (store !== null && !dead() && arguments.length > 0) {
        const [message] = (
          /** @type {[string | ArrayBuffer | ArrayBufferView | Blob]} */
          messageArg(arguments)
        );
        store.send(message);
        return;
      }
      this.#sendNow(arguments);
    }
    /**
     * whenDurable resolves once every message sent so far is stored by
     * options.persist, or acknowledged by the server; it rejects if the
     * store stopped before, or if the socket does not persist.
     * @returns {Promise<void>}
     */
    whenDurable() {
      if (this.#store === null) {
        return Promise.reject(new DOMException("the socket has no options.persist", "InvalidStateError"));
      }
      return this.#store.whenDurable();
    }
    /**
     * sendNow sends send()'s arguments through the data path or Go. It
     * takes them as they are, so that a send makes no copy of them.
     * @param {ArrayLike<unknown>} args
     */
    #sendNow(args) {
      const data = (
        /** @type {string | ArrayBuffer | ArrayBufferView | Blob} */
        args[0]
      );
      const path = this.#path;
      if (path !== null && !dead() && args.length > 0) {
        const message = typeof data === "string" || data instanceof ArrayBuffer || ArrayBuffer.isView(data) || data instanceof Blob ? data : `${data}`;
        if (!path.send(message)) {
          this.#bridge("send", [message]);
        }
        return;
      }
      this.#bridge("send", messageArg(args));
    }
    // close and reconnect take (code, reason) from arguments: as
    // WebSocket.close, their length is 0.
    close() {
      this.#bridge("close", closeArgs(arguments));
    }
    reconnect() {
      this.#bridge("reconnect", closeArgs(arguments));
    }
    static {
      defineSocketMembers(this, EVENTS, { CONNECTING, OPEN: OPEN2, CLOSING, CLOSED });
    }
  }
  return (
    /** @type {(new (url: unknown) => Instance) & typeof ReconnectingWebSocket & Constants} */
    ReconnectingWebSocket2
  );
}
function debug(program2) {
  if (program2.exited !== null) {
    throw deadError(program2);
  }
  return check(program2.bridge.debug());
}

// jsglue/src/resock.js
var moduleURL = new URL(import.meta.url);
var wasmParam = moduleURL.searchParams.get("wasm");
var wasmExecParam = moduleURL.searchParams.get("wasm_exec");
var wasmURL = wasmParam !== null ? new URL(wasmParam, moduleURL) : new URL("./resock.wasm", import.meta.url);
var wasmExecURL = wasmExecParam !== null ? new URL(wasmExecParam, moduleURL) : new URL("./wasm_exec.js", import.meta.url);
var program = await load(wasmURL, wasmExecURL);
var wire2 = program.bridge.init(DataPath);
if (wire2 instanceof Error) {
  throw new Error(`resock: failed to start: ${wire2.message}`);
}
setWire(wire2);
var ReconnectingWebSocket = defineSocket(program);
var resock_default = ReconnectingWebSocket;
function __resockDebug() {
  return debug(program);
}
var ready = Promise.resolve();
export {
  CLOSED,
  CLOSING,
  CONNECTING,
  OPEN2 as OPEN,
  ReconnectingWebSocket,
  __resockDebug,
  resock_default as default,
  ready
};
