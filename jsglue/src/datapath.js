// datapath.js: the data path, which moves a socket's messages between the
// page and the browser WebSocket without entering Go. Every crossing between
// JavaScript and Go costs more than the browser WebSocket spends on a whole
// small message, so while the engine allows it, send() goes straight to the
// open connection and the connection's messages straight to the page.
//
// Go owns everything else (connecting, closing, backoff, the outbox,
// heartbeats, the resume handshake) and drives a DataPath through its
// methods only; it never reads or writes its fields:
//
//   - attach(ws, slow, origin) when a connection opens, detach() when it
//     closes or is closed;
//   - setDirect(direct), from inside the engine's lock, whenever it changes
//     whether a message may go straight to the connection (see
//     reconnect.Options.OnDirect): nothing queued in Go can be overtaken;
//   - in resume mode, carry(...) hands it the session's ledger once the
//     handshake is done, reclaim() takes the ledger back, and sendFrame,
//     release and window let the engine work on it meanwhile;
//   - counts(), held() and sinceHeard() for stats, bufferedAmount and the
//     heartbeat; messageEvent(data, origin) for messages that pass through Go.
//
// In plain mode messages go as they are. In resume mode (docs/PROTOCOL.md)
// each is a resock.v1 data frame behind its type byte: text a text message
// the browser converts itself, binary data a binary message. The path
// numbers, keeps and acknowledges them, and hands the engine, through slow,
// every frame that is not data; in both modes also the heartbeat's answer, a
// message over maxMessageSize and anything it cannot read.

import { messageEventClass } from "./events.js";
import { utf8Length } from "./utf8.js";
import { bytesOf } from "./webidl.js";

const OPEN = 1;

/**
 * @typedef {object} Wire The constants of resock.v1 the path needs, as the
 * Go program (internal/wire) hands them to the glue when it starts.
 * @property {string} protocol the subprotocol's name
 * @property {number} textFrame type byte of a text data frame
 * @property {number} binaryFrame type byte of a binary data frame
 * @property {number} ackFrame type byte of an acknowledgement
 * @property {number} ackEvery acknowledge once this many frames are unacknowledged
 * @property {number} ackBytes … or this many bytes of payload
 * @property {number} ackQuietMillis … or once the stream was quiet this many ms
 * @property {number} ackMaxMillis … and at the latest this many ms after the oldest
 */

/** @type {Wire} */
let wire = { protocol: "", textFrame: 0, binaryFrame: 0, ackFrame: 0, ackEvery: 0, ackBytes: 0, ackQuietMillis: 0, ackMaxMillis: 0 };
let textType = "";
// binaryTypeByte is the type byte of a binary data frame, put before a Blob.
let binaryTypeByte = new Uint8Array(1);

/**
 * setWire takes the protocol's constants from the Go program, once it runs.
 * @param {Wire} w
 */
export function setWire(w) {
	wire = { ...w };
	textType = String.fromCharCode(wire.textFrame);
	binaryTypeByte = Uint8Array.of(wire.binaryFrame);
}

/**
 * sendText sends s on ws, which is open, and returns its size in UTF-8.
 * Within send() a browser adds exactly that to bufferedAmount (WHATWG
 * WebSockets: "the number of bytes needed to express the argument as
 * UTF-8"), and reading it twice costs less than counting a string of more
 * than a few code units. A browser that added nothing to it gets counted.
 * @param {WebSocket} ws
 * @param {string} s
 * @returns {number}
 */
function sendText(ws, s) {
	const before = ws.bufferedAmount;
	ws.send(s);
	const added = ws.bufferedAmount - before;
	return added > 0 || s.length === 0 ? added : utf8Length(s);
}

/**
 * uvarint reads the unsigned LEB128 number after a frame's type byte, which
 * must end the frame; -1 if it is malformed, longer than 10 bytes or
 * beyond 2^53.
 * @param {Uint8Array} bytes
 * @returns {number}
 */
export function uvarint(bytes) {
	let n = 0;
	let scale = 1;
	// As Go's encoding/binary reads it, and so the server: at most 10 bytes.
	const end = Math.min(bytes.length, 11);
	for (let i = 1; i < end; i++) {
		const b = /** @type {number} */ (bytes[i]);
		n += (b & 0x7f) * scale;
		if (b < 0x80) {
			return i === bytes.length - 1 && n <= Number.MAX_SAFE_INTEGER ? n : -1;
		}
		scale *= 0x80;
	}
	return -1;
}

/**
 * A data frame as the path keeps it: the type byte and the payload, a string
 * for text (sent as a text message), a Uint8Array for binary data.
 * @typedef {string | Uint8Array<ArrayBuffer>} Frame
 */

/**
 * sizeOf is the payload size of a frame.
 * @param {Frame} frame
 * @returns {number}
 */
function sizeOf(frame) {
	return (typeof frame === "string" ? utf8Length(frame) : frame.length) - 1;
}

/**
 * binaryFrame frames binary data: the type byte, then a copy of the bytes,
 * so that what the page changes after send() is not what gets resent.
 * @param {Uint8Array} bytes
 * @returns {Uint8Array<ArrayBuffer>}
 */
function binaryFrame(bytes) {
	const frame = new Uint8Array(bytes.length + 1);
	frame[0] = wire.binaryFrame;
	frame.set(bytes, 1);
	return frame;
}

/**
 * A message the path holds in resume mode, behind a Blob whose bytes are
 * still being read or for room in the window: frame is null until a Blob's
 * bytes are read, "" if they could not be.
 * @typedef {{frame: Frame | null, size: number}} Held
 */

/**
 * The configuration Go makes a DataPath with, from the socket's options.
 * @typedef {object} Config
 * @property {boolean} resume resume mode
 * @property {number} maxMessageSize the largest message delivered
 * @property {string | null} expect plain mode's heartbeat answer, or null
 * @property {boolean} arrayBuffer binaryType is "arraybuffer"
 * @property {number} maxUnacked resume mode's window in frames
 * @property {number} maxUnackedBytes resume mode's window in bytes
 * @property {number} maxQueuedMessages the outbox's bound by count
 * @property {number} maxQueuedBytes the outbox's bound by size
 */

/**
 * The resume ledger as Go hands it over and takes it back.
 * @typedef {object} Ledger
 * @property {Frame[]} frames the frames sent and not acknowledged
 * @property {number} received the server's data frames delivered
 * @property {number} ackSent of which the server was told
 * @property {number} sent our data frames
 * @property {number} acked of which the server acknowledged
 */

/** @typedef {(ev: MessageEvent) => void} Slow */

export class DataPath {
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
	#queue = () => {};

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
		// As an event handler it runs with this set to the browser socket,
		// which is cheaper to read than ev.target.
		this.#receive = config.resume
			? function (ev) {
				if (this === path.#ws) {
					path.#receiveFrame(ev);
				}
			}
			: function (ev) {
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
		// The browser checks binary data as WebSocket.send always does, and
		// keeps a Blob's place among the messages around it while it reads it.
		if (typeof data === "string") {
			this.#bytesOut += sendText(ws, data);
		} else if (data instanceof Blob) {
			ws.send(data);
			this.#bytesOut += data.size;
		} else {
			// Sent as it is, so the browser checks it as WebSocket.send does
			// (a shared or resizable buffer throws its TypeError), and a view
			// sends only what it views; a detached buffer has 0 bytes.
			ws.send(/** @type {ArrayBuffer | ArrayBufferView<ArrayBuffer>} */ (data));
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
			// n code units take n to 3n bytes in UTF-8: only text that may
			// pass the limit is counted before the event.
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
		/** @type {string | ArrayBuffer | Blob} */
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
				// With nothing queued in Go, an acknowledgement only
				// releases frames; anything else about it is Go's to judge.
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
		while (n >= 0x80) {
			frame.push((n % 0x80) | 0x80);
			n = Math.floor(n / 0x80);
		}
		frame.push(n);
		this.#ws?.send(new Uint8Array(frame));
		this.#ackSent = this.#received;
		this.#sinceAck = 0;
		// A pending timer stays: it finds nothing to do, or the frames that
		// came since, and saves clearing and setting one for every ack.
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
			acked: this.#acked,
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
			this.#unackedBytes -= /** @type {number} */ (this.#sizes[i]);
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
		if (this.#heldCount() > 0 || (this.#direct && data instanceof Blob)) {
			return this.#hold(data);
		}
		if (!this.#direct) {
			return false;
		}
		const frame = typeof data === "string" ? textType + data : binaryFrame(bytesOf(/** @type {ArrayBuffer | ArrayBufferView} */ (data)));
		if (this.#sendData(frame)) {
			return true;
		}
		// The window is full: the frame waits here for the server to
		// acknowledge, rather than crossing into Go's outbox and back.
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
			/** @type {Held} */
			const entry = { frame: null, size: data.size };
			if (!this.#keep(entry)) {
				return false;
			}
			// Read with its type byte before it, the frame is the one copy
			// the browser makes of a Blob, not a second one made of that.
			new Blob([binaryTypeByte, data]).arrayBuffer().then(
				(buffer) => {
					entry.frame = new Uint8Array(buffer);
					this.#drain();
				},
				(err) => {
					// Nothing to send: the page learns it as from the Go
					// path, by an error event, and the rest goes on.
					entry.frame = "";
					const message = `failed to send message: failed to read Blob: ${err}`;
					this.#dispatch(Object.assign(new Event("error"), { message, error: new Error(message) }));
					this.#drain();
				},
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
			const entry = /** @type {Held} */ (this.#held[this.#heldHead]);
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
			const entry = /** @type {Held} */ (this.#held[this.#heldHead]);
			const frame = entry.frame;
			if (frame === null || (frame !== "" && !this.#sendData(frame))) {
				return;
			}
			this.#shift(entry);
		}
	}
}
