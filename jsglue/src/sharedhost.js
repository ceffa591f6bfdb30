// sharedhost.js: the side of a shared socket that holds the connection. It
// runs in resock's SharedWorker (sharedworker.js), one per origin, and,
// where there is no SharedWorker, in the page itself. Each tab talks to it
// over one MessagePort; shared.js is the other end. Sockets made with the
// same URL, protocols, options and sharing name, from any tab, are members
// of one connection: one ReconnectingWebSocket of resock.js here.
//
// Messages from a tab (op):
//   hello {lock}                 the tab holds the Web Lock lock while it lives
//   open {id, key, url, protocols, options, grace}
//   send {id, data}
//   close {id, code, reason}     this member leaves
//   reconnect {id, code, reason} the connection reconnects, for every member
//   ack {id, n}                  the tab dispatched n more messages
// Messages to a tab (op):
//   ready                        the host runs: first of all
//   event {id, type, init, snap} an event for the member, with a snapshot
//                                (a message event has none)
//   took {id, n, bufferedAmount, queuedMessages}
//                                n sends were handed to the socket
//   failed {id, name, message}   the socket could not be made
//   left {id}                    the membership is over: the tab's close,
//                                or the host cut a tab that did not read off
//
// Each member has a window of messages posted to its tab and not yet
// dispatched there. A tab that does not read (frozen, busy) fills it, and
// what comes next waits here, bounded by maxQueuedMessages and
// maxQueuedBytes, the outbox's limits: past them, outboxPolicy
// "drop-oldest" drops the oldest waiting messages (a dropped event, for
// that tab only), and "throw" cuts that tab's member off with an error and
// a close. The connection and the other tabs never wait for a tab.

import { ReconnectingWebSocket as Glue } from "./resock.js";
import { utf8Length } from "./utf8.js";

/** @typedef {import("../resock.d.ts").ReconnectingWebSocket} Socket */

/** The class, as resock.d.ts declares it. */
const ReconnectingWebSocket = /** @type {typeof import("../resock.d.ts").ReconnectingWebSocket} */ (/** @type {unknown} */ (Glue));

/** Messages posted to a tab and not dispatched there yet, at most. */
const WINDOW = 256;

const DEFAULT_MAX_QUEUED_MESSAGES = 10000;
const DEFAULT_MAX_QUEUED_BYTES = 8 << 20;

/** @type {Map<string, Connection>} by key */
const connections = new Map();

/**
 * Snapshot is what a tab's object answers for the socket's attributes.
 * @typedef {object} Snapshot
 * @property {number} readyState
 * @property {string} state
 * @property {string} url
 * @property {string} protocol
 * @property {string} extensions
 * @property {number} bufferedAmount
 * @property {number} queuedMessages
 * @property {number} retryCount
 * @property {number | null} rtt
 * @property {import("../resock.d.ts").SocketStats} stats
 */

/**
 * snapshot reads the socket's attributes.
 * @param {Socket} ws
 * @returns {Snapshot}
 */
function snapshot(ws) {
	return {
		readyState: ws.readyState,
		state: ws.state,
		url: ws.url,
		protocol: ws.protocol,
		extensions: ws.extensions,
		bufferedAmount: ws.bufferedAmount,
		queuedMessages: ws.queuedMessages,
		retryCount: ws.retryCount,
		rtt: ws.rtt,
		stats: { ...ws.stats() },
	};
}

/**
 * Waiting is what a member's tab has not been posted yet: a message, which
 * counts against the limits, or an event, which keeps its place behind
 * the messages that came before it.
 * @typedef {{data: string | ArrayBuffer, size: number} | {type: string, init: object, snap: Snapshot}} Waiting
 */

/**
 * Member is one tab's socket in a connection.
 */
class Member {
	/** @type {Tab} */
	tab;
	/** @type {number} */
	id;
	/** @type {Connection} */
	conn;
	/** Messages posted to the tab and not acknowledged. */
	unacked = 0;
	/** @type {Waiting[]} what waits for room in the window, in order */
	waiting = [];
	/** Messages among waiting, and their bytes (UTF-8 for text, as the outbox counts). */
	waitingMessages = 0;
	waitingBytes = 0;
	/**
	 * With persist: the connection's numbers of this member's sends not yet
	 * durable, oldest first, and how many of its sends are.
	 * @type {number[]}
	 */
	sends = [];
	durable = 0;

	/**
	 * @param {Tab} tab
	 * @param {number} id
	 * @param {Connection} conn
	 */
	constructor(tab, id, conn) {
		this.tab = tab;
		this.id = id;
		this.conn = conn;
	}

	/**
	 * post sends the tab an event of this member's socket, after the
	 * messages that wait before it.
	 * @param {string} type
	 * @param {object} init
	 */
	post(type, init) {
		const snap = snapshot(this.conn.ws);
		if (this.waiting.length > 0) {
			this.waiting.push({ type, init, snap });
			return;
		}
		this.tab.port.postMessage({ op: "event", id: this.id, type, init, snap });
	}

	/**
	 * message hands the tab a message, or keeps it while the tab's window
	 * is full.
	 * @param {string | ArrayBuffer} data
	 */
	message(data) {
		if (this.unacked < WINDOW && this.waiting.length === 0) {
			this.unacked++;
			this.tab.port.postMessage({ op: "event", id: this.id, type: "message", init: { data } });
			return;
		}
		const size = typeof data === "string" ? utf8Length(data) : data.byteLength;
		this.waiting.push({ data, size });
		this.waitingMessages++;
		this.waitingBytes += size;
		const { maxQueuedMessages, maxQueuedBytes, outboxPolicy } = this.conn.limits;
		if (this.waitingMessages <= maxQueuedMessages && this.waitingBytes <= maxQueuedBytes) {
			return;
		}
		if (outboxPolicy === "drop-oldest") {
			let messages = 0;
			let bytes = 0;
			/** @type {Waiting[]} */
			const kept = [];
			for (const w of this.waiting) {
				if ("data" in w && (this.waitingMessages > maxQueuedMessages || this.waitingBytes > maxQueuedBytes)) {
					this.waitingMessages--;
					this.waitingBytes -= w.size;
					messages++;
					bytes += w.size;
				} else {
					kept.push(w);
				}
			}
			this.waiting = kept;
			this.post("dropped", { messages, bytes, reason: "this tab did not read its messages" });
			return;
		}
		// A tab that does not read loses its socket, not the others theirs.
		const message = `this tab did not read ${this.waitingMessages} messages (${this.waitingBytes} bytes): over the queue's limits`;
		this.waiting = [];
		this.waitingMessages = 0;
		this.waitingBytes = 0;
		this.post("error", { message });
		this.conn.leave(this, 1008, "too many messages unread", true);
	}

	/**
	 * ack frees n places of the window, and fills them, with the events
	 * that wait between the messages.
	 * @param {number} n
	 */
	ack(n) {
		this.unacked = Math.max(0, this.unacked - n);
		while (this.waiting.length > 0) {
			const w = /** @type {Waiting} */ (this.waiting[0]);
			if ("data" in w) {
				if (this.unacked >= WINDOW) {
					return;
				}
				this.waitingMessages--;
				this.waitingBytes -= w.size;
				this.unacked++;
				this.tab.port.postMessage({ op: "event", id: this.id, type: "message", init: { data: w.data } });
			} else {
				this.tab.port.postMessage({ op: "event", id: this.id, type: w.type, init: w.init, snap: w.snap });
			}
			this.waiting.shift();
		}
	}
}

/** The events of the socket a tab's object mirrors, and the fields of each. */
const FIELDS = {
	open: ["reconnected", "resumed", "downtime"],
	close: ["code", "reason", "wasClean", "willReconnect"],
	error: ["message"],
	reconnecting: ["attempt", "delay", "code", "reason"],
	statechange: ["from", "to"],
	dropped: ["messages", "bytes", "reason"],
};

/**
 * Connection is one ReconnectingWebSocket and the tabs' sockets that share
 * it.
 */
class Connection {
	/** @type {string} */
	key;
	/** @type {Socket} */
	ws;
	/** @type {Set<Member>} */
	members = new Set();
	/** @type {ReturnType<typeof setTimeout> | null} */
	closing = null;
	/** How long the connection outlives its last member, in ms. */
	grace = 0;
	/** @type {{maxQueuedMessages: number, maxQueuedBytes: number, outboxPolicy: string}} */
	limits;
	/** Whether the connection persists (options.persist), and the sends it took. */
	persist = false;
	sends = 0;

	/**
	 * @param {string} key
	 * @param {Socket} ws
	 * @param {Record<string, unknown>} options
	 */
	constructor(key, ws, options) {
		this.key = key;
		this.ws = ws;
		this.persist = typeof options.persist === "string";
		this.limits = {
			maxQueuedMessages: typeof options.maxQueuedMessages === "number" ? options.maxQueuedMessages : DEFAULT_MAX_QUEUED_MESSAGES,
			maxQueuedBytes: typeof options.maxQueuedBytes === "number" ? options.maxQueuedBytes : DEFAULT_MAX_QUEUED_BYTES,
			outboxPolicy: options.outboxPolicy === "drop-oldest" ? "drop-oldest" : "throw",
		};
		ws.binaryType = "arraybuffer";
		ws.addEventListener("message", (e) => {
			for (const m of this.members) {
				m.message(/** @type {string | ArrayBuffer} */ (/** @type {MessageEvent} */ (e).data));
			}
		});
		// The connection's durable event counts every tab's sends; each
		// member's socket hears how many of its own are durable.
		ws.addEventListener("durable", (e) => {
			const upTo = /** @type {{sent: number}} */ (/** @type {unknown} */ (e)).sent;
			for (const m of this.members) {
				let n = 0;
				while (m.sends.length > 0 && /** @type {number} */ (m.sends[0]) <= upTo) {
					m.sends.shift();
					n++;
				}
				if (n > 0) {
					m.durable += n;
					m.post("durable", { sent: m.durable });
				}
			}
		});
		for (const [type, fields] of Object.entries(FIELDS)) {
			ws.addEventListener(type, (e) => {
				/** @type {Record<string, unknown>} */
				const init = {};
				for (const f of fields) {
					init[f] = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (e))[f];
				}
				for (const m of this.members) {
					m.post(type, init);
				}
			});
		}
	}

	/**
	 * join adds a member, which starts as a socket that is connecting: it
	 * learns at once where the connection is.
	 * @param {Member} m
	 * @param {number} grace
	 */
	join(m, grace) {
		if (this.closing !== null) {
			clearTimeout(this.closing);
			this.closing = null;
		}
		this.grace = Math.max(this.grace, grace);
		this.members.add(m);
		const state = this.ws.state;
		if (state !== "connecting") {
			m.post("statechange", { from: "connecting", to: state });
		}
		if (state === "open") {
			m.post("open", { reconnected: false, resumed: false, downtime: 0 });
		}
		if (state === "closed") {
			// The connection gave up before this member came.
			try {
				this.ws.reconnect();
			} catch (err) {
				m.post("error", { message: `failed to reconnect: ${err instanceof Error ? err.message : err}` });
			}
		}
	}

	/**
	 * leave removes a member. The tab's object gets its close (unless the
	 * tab is gone); the connection closes after the grace once no member
	 * is left, with the last member's code and reason.
	 * @param {Member} m
	 * @param {number | undefined} code
	 * @param {string | undefined} reason
	 * @param {boolean} tell whether the tab is there to be told
	 */
	leave(m, code, reason, tell) {
		if (!this.members.delete(m)) {
			return;
		}
		if (m.tab.members.get(m.id) === m) {
			m.tab.members.delete(m.id);
		}
		if (tell) {
			// The member closes as a socket of its own would; the
			// connection goes on for the others. A connection that is
			// closed for good has told it its close already.
			const state = this.ws.state;
			if (state !== "closed") {
				if (state !== "closing") {
					m.post("statechange", { from: state, to: "closing" });
				}
				m.post("close", { code: code ?? 1005, reason: reason ?? "", wasClean: true, willReconnect: false });
				m.post("statechange", { from: "closing", to: "closed" });
			}
			// Whatever waits is posted in order, then the tab forgets the
			// membership.
			m.ack(0);
			m.waiting.length = 0;
			m.tab.port.postMessage({ op: "left", id: m.id });
		}
		if (this.members.size > 0) {
			return;
		}
		// The last member's code, if a tab may close with it.
		const closeCode = code === 1000 || (code !== undefined && code >= 3000 && code <= 4999) ? code : 1000;
		this.closing = setTimeout(() => {
			this.closing = null;
			if (this.members.size === 0) {
				connections.delete(this.key);
				try {
					this.ws.close(closeCode, closeCode === code ? (reason ?? "") : "");
				} catch {
					this.ws.close(1000);
				}
			}
		}, this.grace);
	}
}

/**
 * Tab is one port: a tab, or a worker, with its sockets.
 */
class Tab {
	/** @type {MessagePort} */
	port;
	/** @type {Map<number, Member>} */
	members = new Map();

	/** @param {MessagePort} port */
	constructor(port) {
		this.port = port;
	}

	/** @type {Map<number, number>} sends taken per member since the tab was last told */
	taken = new Map();

	/**
	 * sent counts a send of m's, and tells the tab, once per task, how many
	 * it took and what the outbox holds now.
	 * @param {Member} m
	 */
	sent(m) {
		if (this.taken.size === 0) {
			queueMicrotask(() => {
				for (const [id, n] of this.taken) {
					const mm = this.members.get(id);
					if (mm !== undefined) {
						const ws = mm.conn.ws;
						this.port.postMessage({ op: "took", id, n, bufferedAmount: ws.bufferedAmount, queuedMessages: ws.queuedMessages });
					}
				}
				this.taken.clear();
			});
		}
		this.taken.set(m.id, (this.taken.get(m.id) ?? 0) + 1);
	}

	/** gone removes every member of a tab that closed, navigated or crashed. */
	gone() {
		for (const m of [...this.members.values()]) {
			m.conn.leave(m, undefined, undefined, false);
		}
		this.port.close();
	}
}

/**
 * OpenRequest is what a tab's constructor sends.
 * @typedef {object} OpenRequest
 * @property {number} id
 * @property {string} key
 * @property {string} url
 * @property {string[]} protocols
 * @property {Record<string, unknown>} options
 * @property {number} grace
 */

/**
 * open makes the tab's socket a member of the connection with its key,
 * making the connection if there is none.
 * @param {Tab} tab
 * @param {OpenRequest} r
 */
function open(tab, r) {
	let conn = connections.get(r.key);
	if (conn === undefined) {
		/** @type {Socket} */
		let ws;
		try {
			ws = new ReconnectingWebSocket(r.url, r.protocols, r.options);
		} catch (err) {
			const e = err instanceof Error ? err : new Error(String(err));
			tab.port.postMessage({ op: "failed", id: r.id, name: e.name, message: e.message });
			return;
		}
		conn = new Connection(r.key, ws, r.options);
		connections.set(r.key, conn);
	}
	const old = tab.members.get(r.id);
	if (old !== undefined) {
		old.conn.leave(old, undefined, undefined, false);
	}
	const m = new Member(tab, r.id, conn);
	tab.members.set(r.id, m);
	conn.join(m, r.grace);
}

/**
 * serve answers the tab at the other end of port.
 * @param {MessagePort} port
 */
export function serve(port) {
	const tab = new Tab(port);
	port.addEventListener("message", (e) => {
		const msg = e.data;
		if (msg.op === "hello") {
			// The tab holds its lock while it lives: this request is granted
			// when it is gone.
			globalThis.navigator?.locks?.request(msg.lock, () => tab.gone());
			return;
		}
		if (msg.op === "open") {
			open(tab, msg);
			return;
		}
		const m = tab.members.get(msg.id);
		if (m === undefined) {
			// A membership the host ended (a tab cut off) that the tab has
			// not heard of yet: it hears now.
			if (msg.op === "send") {
				port.postMessage({ op: "left", id: msg.id });
			}
			return;
		}
		switch (msg.op) {
			case "send":
				try {
					m.conn.ws.send(msg.data);
					if (m.conn.persist) {
						m.sends.push(++m.conn.sends);
					}
				} catch (err) {
					m.post("error", { message: `failed to send message: ${err instanceof Error ? err.message : err}` });
				}
				tab.sent(m);
				break;
			case "whenDurable":
				// Every send the tab posted before is the connection's now.
				m.conn.ws.whenDurable().then(
					() => port.postMessage({ op: "durable", id: msg.id, n: msg.n }),
					(err) => port.postMessage({ op: "durable", id: msg.id, n: msg.n, name: err?.name ?? "Error", message: err?.message ?? String(err) }),
				);
				break;
			case "close":
				m.conn.leave(m, msg.code, msg.reason, true);
				break;
			case "reconnect":
				try {
					m.conn.ws.reconnect(msg.code, msg.reason);
				} catch (err) {
					m.post("error", { message: `failed to reconnect: ${err instanceof Error ? err.message : err}` });
				}
				break;
			case "ack":
				m.ack(msg.n);
				break;
		}
	});
	port.start();
	// The tab keeps what it posts until it hears this, to post it again to
	// a host in the page should this one never have started.
	port.postMessage({ op: "ready" });
}
