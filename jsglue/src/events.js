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
