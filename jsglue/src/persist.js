// persist.js: the IndexedDB store of a persistent socket (options.persist).
// It keeps the resume session (ids and counters) and every message the
// server has not acknowledged, sent or queued, so that a socket made with
// the same name after a reload, a crash or in a new tab goes on with them.
//
// The store mirrors the socket's stream of outgoing messages. Every message
// send() accepts is appended to the mirror, in order; each becomes exactly
// one data frame, in that order, or is dropped by outboxPolicy
// "drop-oldest". Data frame n of a session has the message id firstID+n-1,
// and ids never change (a fresh session goes on counting), so the mirror's
// first entry is the message with id headID, the first one the server has
// not acknowledged, and the entries after it take the ids after it. An
// acknowledgement removes entries from the front; a drop removes the
// oldest that have no frame yet, which follow the ones that have.
//
// Writes are batched: what changed during a task is written in one
// transaction at its end, and the next one waits for it to complete. A
// message is durable once the transaction that wrote it completed; the
// socket's whenDurable() and its durable event say when. A message read
// back after a reload is sent with its id again, so a server that has it
// already drops it.

import { utf8Length } from "./utf8.js";
import { bytesOf } from "./webidl.js";

/** @import { Progress, StoredState } from "./socket.js" */

const DB_NAME = "resock";
// DB_VERSION is the schema: the object stores below. FORMAT is that of the
// records in them.
const DB_VERSION = 1;
const FORMAT = 1;
const SESSIONS = "sessions";
const MESSAGES = "messages";

// LOCK_WAIT is how long a socket waits for the Web Lock of its name, held
// by another socket: long enough for a socket closed just before (a React
// remount) to finish its last write, short enough that a page whose other
// tab holds the name is not held back for long.
const LOCK_WAIT = 2000;
// OPEN_WAIT is how long the socket waits for IndexedDB to open and read
// the store before it goes on in memory.
const OPEN_WAIT = 5000;
// ACK_CHECK is how often a store with messages sent and not acknowledged
// looks for acknowledgements, to forget what the server has.
const ACK_CHECK = 250;

/**
 * Data is a message as the store keeps it: text, bytes, or a Blob not read
 * yet.
 * @typedef {string | ArrayBuffer | Blob} Data
 */

/**
 * Entry is a message of the mirror: its key in the store once written (0
 * before), its data, gone once acknowledged or dropped before it was, and
 * its size in bytes while it waits behind a Blob.
 * @typedef {{seq: number, data: Data, gone: boolean, size: number}} Entry
 */

/**
 * sizeOf is the size of data as the outbox counts it.
 * @param {Data} data
 */
function sizeOf(data) {
	return typeof data === "string" ? utf8Length(data) : data instanceof Blob ? data.size : data.byteLength;
}

/**
 * Meta is the session record of a name.
 * @typedef {{v: number, url: string, session: string, token: string, client: string, firstID: number, sent: number, acked: number, received: number, nextSeq: number}} Meta
 */

/**
 * Calls are what the store asks of its socket.
 * @typedef {object} Calls
 * @property {() => Progress | null} progress the session's ids and counters
 * @property {(state: StoredState | null) => void} release ends the hold, restoring state; throws if Go refuses it
 * @property {(ev: Event) => void} dispatch dispatches an event on the socket
 * @property {() => boolean} closing whether close() was called
 */

/**
 * errorEvent makes the error event of a store that failed.
 * @param {string} message
 * @param {unknown} [cause]
 */
function errorEvent(message, cause) {
	const error = new Error(message, cause === undefined ? undefined : { cause });
	return Object.assign(new Event("error"), { message, error });
}

/**
 * describe names what went wrong in a DOMException or an Error.
 * @param {unknown} err
 * @returns {string}
 */
function describe(err) {
	if (err instanceof DOMException || err instanceof Error) {
		return err.message === "" ? err.name : `${err.name}: ${err.message}`;
	}
	return `${err}`;
}

/**
 * request turns an IDBRequest into a Promise.
 * @template T
 * @param {IDBRequest<T>} req
 * @returns {Promise<T>}
 */
function request(req) {
	return new Promise((resolve, reject) => {
		req.onsuccess = () => resolve(req.result);
		req.onerror = () => reject(req.error);
	});
}

/**
 * openDB opens resock's database, creating its stores the first time.
 * @returns {Promise<IDBDatabase>}
 */
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
			// A later version of resock that needs another schema asks to
			// upgrade: this page lets it, and stops persisting.
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

/**
 * readStore opens the database and reads the session record and the
 * messages of name, with their keys.
 * @param {string} name
 * @returns {Promise<{db: IDBDatabase, meta: unknown, keys: IDBValidKey[], values: unknown[]}>}
 */
async function readStore(name) {
	const db = await openDB();
	try {
		const tx = db.transaction([SESSIONS, MESSAGES], "readonly");
		const [meta, keys, values] = await Promise.all([
			request(tx.objectStore(SESSIONS).get(name)),
			request(tx.objectStore(MESSAGES).getAllKeys(keyRange(name))),
			request(tx.objectStore(MESSAGES).getAll(keyRange(name))),
		]);
		return { db, meta, keys, values };
	} catch (err) {
		db.close();
		throw err;
	}
}

/**
 * keyRange is every message key of name.
 * @param {string} name
 */
function keyRange(name) {
	return IDBKeyRange.bound([name, 0], [name, Infinity]);
}

/**
 * copyOf copies binary data as WebSocket.send takes it (bytesOf: only the
 * bytes a view views, none of a detached buffer, and the TypeError of a
 * shared or resizable one). Text and Blobs are immutable and kept as they
 * are.
 * @param {string | ArrayBuffer | ArrayBufferView | Blob} data
 * @returns {Data}
 */
function copyOf(data) {
	if (typeof data === "string" || data instanceof Blob) {
		return data;
	}
	return bytesOf(data).slice().buffer;
}

/**
 * Store is a persistent socket's store.
 */
export class Store {
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
			// Copied at the call, which throws what send() throws for binary
			// data WebSocket refuses; after close() the socket throws what
			// it throws.
			const copy = copyOf(data);
			if (this.#calls.closing()) {
				this.#send(data);
			}
			const entry = { seq: 0, data: copy, gone: false, size: sizeOf(copy) };
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
					},
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
		// The entries that wait are the mirror's last: nothing behind them
		// reached the socket.
		while (this.#waiting > 0) {
			const i = this.#mirror.length - this.#waiting;
			const entry = /** @type {Entry} */ (this.#mirror[i]);
			if (entry.data instanceof Blob && !entry.gone) {
				return;
			}
			this.#waiting--;
			this.#waitingBytes -= entry.size;
			if (!entry.gone) {
				try {
					this.#send(/** @type {string | ArrayBuffer} */ (entry.data));
					if (this.#state === "off") {
						// Nothing mirrors it any more.
						this.#mirror.splice(i, 1);
					}
					continue;
				} catch (err) {
					entry.gone = true;
					this.#calls.dispatch(errorEvent(`failed to send message: ${describe(err)}`, err));
				}
			}
			// It will never have a frame: it leaves the mirror, and the store
			// unless close() was called, after which what was sent stays
			// stored for the next socket of the name.
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
		/** @type {StoredState | null} */
		let state = null;
		/** @type {Entry[]} */
		let stored = [];
		let nextSeq = 1;
		try {
			await this.#lock();
			// An IndexedDB that never answers (a browser's private mode, a
			// broken profile) must not hold the socket back for good.
			const read = readStore(this.#name);
			/** @type {ReturnType<typeof setTimeout> | 0} */
			let timer = 0;
			/** @type {Promise<never>} */
			const late = new Promise((_, reject) => {
				timer = setTimeout(() => {
					read.then(({ db }) => db.close(), () => {});
					reject(new DOMException(`IndexedDB did not answer within ${OPEN_WAIT / 1000} s`, "TimeoutError"));
				}, OPEN_WAIT);
			});
			const { db, meta, keys, values } = await Promise.race([read, late]).finally(() => clearTimeout(timer));
			this.#db = db;
			if (meta !== undefined) {
				const m = /** @type {Meta} */ (meta);
				if (m === null || typeof m !== "object" || m.v !== FORMAT) {
					throw new DOMException(`persist "${this.#name}" was written in format ${m?.v ?? "unknown"}; this version of resock reads format ${FORMAT}; it is left as it is`, "VersionError");
				}
				if (m.url !== this.#url) {
					throw new DOMException(`persist "${this.#name}" holds a session of ${m.url}, not of ${this.#url}; it is left as it is`, "InvalidStateError");
				}
				// Blobs stored before they were read are read now.
				const data = await Promise.all(values.map((v) => v instanceof Blob ? v.arrayBuffer() : /** @type {string | ArrayBuffer} */ (v)));
				stored = data.map((d, i) => ({ seq: /** @type {[string, number]} */ (keys[i])[1], data: d, gone: false, size: 0 }));
				const unacked = Math.min(m.sent - m.acked, stored.length);
				state = {
					session: m.session, token: m.token, client: m.client,
					firstID: m.firstID, received: m.received,
					acked: m.acked, sent: m.acked + unacked,
					unacked: stored.slice(0, unacked).map((e) => /** @type {string | ArrayBuffer} */ (e.data)),
					queued: stored.slice(unacked).map((e) => /** @type {string | ArrayBuffer} */ (e.data)),
				};
				nextSeq = Math.max(m.nextSeq, (stored.at(-1)?.seq ?? 0) + 1);
				this.#written = JSON.stringify(m);
			}
		} catch (err) {
			this.#fail(`persist "${this.#name}" is not available, and the socket keeps its messages in memory only: ${describe(err)}`, err);
			this.#release(null);
			return;
		}
		// What was sent during the load follows what was stored.
		this.#mirror = [...stored, ...this.#mirror];
		this.#nextSeq = nextSeq;
		this.#headID = state === null ? 1 : state.firstID + state.acked;
		if (this.#closed) {
			// Closed during the load: the store stays as it was.
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
			// The socket reports a Go program that ended on its own.
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
		if (locks === undefined) {
			return Promise.resolve();
		}
		return new Promise((resolve, reject) => {
			locks.request(`resock-persist:${this.#name}`, { signal: AbortSignal.timeout(LOCK_WAIT) }, () => {
				resolve();
				return new Promise((unlock) => {
					this.#unlock = () => unlock(undefined);
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
		/** @type {Meta} */
		const meta = {
			v: FORMAT, url: this.#url,
			session: p.session, token: p.token, client: p.client,
			firstID: p.firstID, sent: p.sent, acked: p.acked, received: p.received,
			nextSeq: this.#nextSeq,
		};
		const json = JSON.stringify(meta);
		const upTo = this.#accepted;
		if (puts.length === 0 && deletes.length === 0 && json === this.#written) {
			this.#settle(upTo);
			this.#afterWrite(p);
			return;
		}
		/** @type {IDBTransaction} */
		let tx;
		try {
			tx = db.transaction([SESSIONS, MESSAGES], "readwrite");
			const messages = tx.objectStore(MESSAGES);
			for (const e of puts) {
				messages.put(e.data, [this.#name, e.seq]);
			}
			deletes.sort((a, b) => a - b);
			for (let i = 0; i < deletes.length;) {
				let j = i;
				while (j + 1 < deletes.length && deletes[j + 1] === /** @type {number} */ (deletes[j]) + 1) {
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
			const entry = /** @type {Entry} */ (this.#mirror[this.#head]);
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
		this.#failure = /** @type {Error} */ (/** @type {{error: Error}} */ (ev).error);
		this.#off();
		this.#calls.dispatch(ev);
	}

	// off stops writing and lets the database and the lock go. What waits
	// for a write that will not come learns it.
	#off() {
		this.#state = "off";
		this.#puts = [];
		this.#deletes = [];
		// Only what waits behind a Blob needs the mirror from now on.
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
}
