// events.js: the events resock dispatches that WebSocket's own would be, and
// the reporting of an exception thrown by a handler.

/** @type {readonly MessagePort[]} */
const NO_PORTS = Object.freeze([]);

/**
 * MessageInit is what initMessageEvent set on a message event.
 * @typedef {object} MessageInit
 * @property {unknown} data
 * @property {string} origin
 * @property {string} lastEventId
 * @property {MessageEventSource | null} source
 * @property {readonly MessagePort[]} ports
 */

/**
 * messageEventClass makes the class of message events from origin. Its
 * events are instances of MessageEvent by their prototype, and answer
 * every member MessageEvent has, but underneath they are plain Events with
 * the message in a private field: constructing a real MessageEvent costs
 * four times as much (its MessageEventInit is converted member by member,
 * an origin string afresh each time), which took a few hundredths of the
 * echo rate a page gets. The members are getters on this class, so none
 * reaches MessageEvent's own, which would refuse an object that is not one.
 * @param {string} origin
 */
export function messageEventClass(origin) {
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
			scratch.initMessageEvent(.../** @type {Parameters<globalThis.MessageEvent["initMessageEvent"]>} */ (/** @type {unknown} */ (arguments)));
			// As on any event: no effect while it is being dispatched.
			if (this.eventPhase !== Event.NONE) {
				return;
			}
			this.initEvent(scratch.type, scratch.bubbles, scratch.cancelable);
			const { data, origin, lastEventId, source, ports } = scratch;
			this.#init = { data, origin, lastEventId, source, ports };
		}
	}
	const own = MessageEvent.prototype;
	// Enumerable, as Web IDL makes a MessageEvent's members.
	for (const name of Object.getOwnPropertyNames(own)) {
		if (name !== "constructor") {
			Object.defineProperty(own, name, { enumerable: true });
		}
	}
	// Members of MessageEvent this class does not know (userActivation in
	// Chromium, anything a browser adds) answer what a MessageEvent made
	// with no init would. A getter that accepts these events runs on them:
	// one a page added to MessageEvent.prototype may read their data, and
	// may not expect a MessageEvent without any.
	const blank = new globalThis.MessageEvent("message");
	const native = globalThis.MessageEvent.prototype;
	for (const name of Object.getOwnPropertyNames(native)) {
		const get = /** @type {PropertyDescriptor} */ (Object.getOwnPropertyDescriptor(native, name)).get;
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
				configurable: true,
			});
		}
	}
	Object.setPrototypeOf(own, native);
	return MessageEvent;
}

/**
 * reportException reports an exception of an on* handler as the browser
 * reports one from an event listener, without stopping the dispatch.
 * @param {unknown} err
 */
export function reportException(err) {
	if (typeof globalThis.reportError === "function") {
		globalThis.reportError(err);
	} else {
		setTimeout(() => {
			throw err;
		});
	}
}

/**
 * Handler is an on* handler, and the listener that calls it.
 * @typedef {{value: unknown, listener: (event: Event) => void}} Handler
 */

/** @type {WeakMap<EventTarget, Map<string, Handler>>} the on* handlers of each target defineHandlers serves */
const handlers = new WeakMap();

/**
 * defineSocketMembers adds to a socket class what WebSocket has beside
 * its methods and attributes: the on* attributes of types, the ready-state
 * constants on the class and its prototype, and its toStringTag.
 * @param {Function} cls
 * @param {readonly string[]} types
 * @param {Record<string, number>} constants
 */
export function defineSocketMembers(cls, types, constants) {
	defineHandlers(cls.prototype, types);
	for (const [name, value] of Object.entries(constants)) {
		const desc = { value, enumerable: true, writable: false, configurable: false };
		Object.defineProperty(cls, name, desc);
		Object.defineProperty(cls.prototype, name, desc);
	}
	Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: "ReconnectingWebSocket", configurable: true });
}

/**
 * defineHandlers adds the on* attributes of types to proto, for the
 * targets given to handlersOf; on any other object they throw, as a
 * browser's attributes do on the wrong object.
 * @param {object} proto
 * @param {readonly string[]} types
 */
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
			configurable: true,
		});
	}
}

/**
 * handlersOf returns target's handlers; with create, it makes target one
 * that has them.
 * @param {EventTarget} target
 * @param {boolean} [create]
 */
export function handlersOf(target, create = false) {
	let m = handlers.get(target);
	if (m === undefined) {
		if (!create) {
			throw new TypeError("Illegal invocation");
		}
		m = new Map();
		handlers.set(target, m);
	}
	return m;
}

/**
 * setHandler follows the event handler IDL attribute: a non-object means
 * null, which removes the listener; the first non-null value adds it, so
 * the handler runs in the order it was first set among listeners.
 * @param {EventTarget} target
 * @param {string} type
 * @param {unknown} value
 */
function setHandler(target, type, value) {
	const m = handlersOf(target);
	const handler = (typeof value === "object" && value !== null) || typeof value === "function" ? value : null;
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
	/** @type {Handler} */
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
		},
	};
	m.set(type, added);
	target.addEventListener(type, added.listener);
}
