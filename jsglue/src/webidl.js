// webidl.js: converts the arguments of every call with JavaScript's own
// operations, as Web IDL does for WebSocket, before Go sees them. A
// toString, valueOf, getter, iterator or Proxy of the page's may throw: its
// exception then reaches the caller as it would from WebSocket, and never
// unwinds through the Go program (syscall/js reads properties without
// catching what a getter throws).

/** @import { ReconnectingWebSocketOptions } from "../resock.d.ts" */

// MEMBERS names every member of the options dictionary: the type makes tsc
// refuse a member resock.d.ts does not declare, and one it declares that is
// missing here, which the glue would otherwise drop without a word.
/** @type {{ [K in keyof ReconnectingWebSocketOptions]-?: true }} */
const MEMBERS = {
	backoffFactor: true, binaryType: true, connectTimeout: true, delays: true, heartbeat: true,
	heartbeatInterval: true, heartbeatTimeout: true, hiddenHeartbeatInterval: true, initialDelay: true,
	maxDelay: true, maxMessageSize: true, maxQueuedBytes: true, maxQueuedMessages: true, maxRetries: true,
	maxUnackedBytes: true, minUptime: true, networkChange: true, outboxPolicy: true, persist: true, resume: true,
	shouldReconnect: true,
};

// OPTIONS are the members of the options dictionary, read in Web IDL's
// order (sorted by name) into a plain object.
const OPTIONS = Object.keys(MEMBERS).sort();

/**
 * @param {unknown} v
 * @returns {v is object}
 */
function isObject(v) {
	return (typeof v === "object" && v !== null) || typeof v === "function";
}

/**
 * constructorArgs converts url (USVString), protocols (DOMString or a
 * sequence of them) and options; functions, which resock accepts for url
 * and protocols, stay as they are, and Go checks every value. The count of
 * arguments is kept: Go treats a missing one as Web IDL does.
 * @param {Iterable<unknown>} args
 * @returns {unknown[]}
 */
export function constructorArgs(args) {
	const out = [...args];
	if (out.length > 0 && typeof out[0] !== "function") {
		out[0] = `${out[0]}`;
	}
	if (out.length > 1 && out[1] !== undefined && typeof out[1] !== "function") {
		const p = out[1];
		const iterator = isObject(p) ? /** @type {{[Symbol.iterator]?: unknown}} */ (p)[Symbol.iterator] : undefined;
		if (iterator === undefined || iterator === null) {
			out[1] = `${p}`;
		} else if (typeof iterator !== "function") {
			throw new TypeError("The provided value cannot be converted to a sequence.");
		} else {
			out[1] = Array.from({ [Symbol.iterator]: () => iterator.call(p) }, (e) => `${e}`);
		}
	}
	if (out.length > 2 && isObject(out[2])) {
		const o = /** @type {Record<string, unknown>} */ (out[2]);
		/** @type {Record<string, unknown>} */
		const copy = {};
		for (const name of OPTIONS) {
			let v = o[name];
			if (name === "heartbeat" && isObject(v)) {
				const h = /** @type {{expect?: unknown, message?: unknown}} */ (v);
				v = { expect: h.expect, message: h.message };
			} else if (name === "delays" && isObject(v)) {
				v = Array.from(/** @type {Iterable<unknown> | ArrayLike<unknown>} */ (v));
			}
			if (v !== undefined) {
				copy[name] = v;
			}
		}
		out[2] = copy;
	}
	return out;
}

/**
 * messageArg converts send's data: binary data as it is, anything else to a
 * string.
 * @param {ArrayLike<unknown>} args
 * @returns {[] | [string | ArrayBuffer | ArrayBufferView | Blob]}
 */
export function messageArg(args) {
	if (args.length === 0) {
		return [];
	}
	const data = args[0];
	if (data instanceof ArrayBuffer || ArrayBuffer.isView(data) || data instanceof Blob) {
		return [data];
	}
	return [`${data}`];
}

/**
 * closeArgs converts close's and reconnect's code (a number) and reason (a
 * string), in that order.
 * @param {Iterable<unknown>} args
 * @returns {unknown[]}
 */
export function closeArgs(args) {
	const out = [...args];
	if (out.length > 0 && out[0] !== undefined) {
		// Unary plus is Web IDL's ToNumber: null is 0, a BigInt throws.
		// tsc refuses it on null, hence the cast.
		out[0] = +(/** @type {{}} */ (out[0]));
	}
	if (out.length > 1 && out[1] !== undefined) {
		out[1] = `${out[1]}`;
	}
	return out;
}

/**
 * sendError is the TypeError send() throws for data WebSocket refuses.
 * @param {string} message
 */
function sendError(message) {
	return new TypeError(`Failed to execute 'send' on 'ReconnectingWebSocket': ${message}`);
}

/**
 * bytesOf is the bytes of an ArrayBuffer or a view of one that send() was
 * given, as WebSocket takes them: only the bytes a view views, nothing from
 * a detached buffer; a view of a shared buffer and a resizable buffer are
 * refused with the TypeError WebSocket throws.
 * @param {ArrayBuffer | ArrayBufferView} data
 * @returns {Uint8Array<ArrayBuffer>}
 */
export function bytesOf(data) {
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
