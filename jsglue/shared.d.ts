// Shared sockets: import { ReconnectingWebSocket } from "resock/shared".
//
// Sockets made with the same URL, protocols, options and `shared` name in
// any tab of an origin share one connection, held by resock's SharedWorker,
// which runs the origin's one Go program: a tab that imports this module
// starts no WebAssembly of its own. Each tab's socket is a whole socket:
// its own listeners, the connection's state and events mirrored, its sends
// in the order it made them, and every message the connection receives
// (each tab's socket gets each message once, in order; with `resume`,
// exactly once across reconnects). `close()` closes this tab's socket; the
// connection closes once no tab has a socket on it, after `sharedGrace`,
// so that reloading the only tab resumes its session. `reconnect()`
// reconnects the connection, for every tab.
//
// Where there is no SharedWorker (Chrome for Android before 148, some
// WebViews), or its script cannot load, the socket's connection is this
// tab's own, in this page's Go program, loaded on the first socket;
// `sharing` says which a socket got.
//
// What differs from resock.js's sockets: the URL and protocols must be
// values, not functions, and `shouldReconnect` cannot be given (functions
// do not cross to the worker); the URL and protocols are checked in the
// constructor, which throws what WebSocket throws, but the other options
// are checked where the connection lives, and a bad one ends the socket
// with an `error` and a `close` (1006) instead of an exception; a send the
// connection's outbox refuses is an `error` event; attributes are the
// connection's as of its last event.

import type {
	ReconnectingWebSocket as LocalSocket,
	ReconnectingWebSocketOptions,
} from "./resock.js";

export type {
	BinaryType,
	DroppedEvent,
	NetworkChange,
	OpenEvent,
	OutboxPolicy,
	ReadyState,
	ReconnectingCloseEvent,
	ReconnectingErrorEvent,
	ReconnectingEvent,
	ReconnectingWebSocketEventMap,
	SendData,
	SocketState,
	SocketStats,
	StateChangeEvent,
} from "./resock.js";

export const CONNECTING: 0;
export const OPEN: 1;
export const CLOSING: 2;
export const CLOSED: 3;

/** Where a shared socket's connection is held: the origin's SharedWorker, or this page. */
export type Sharing = "worker" | "page";

export interface SharedSocketOptions extends Omit<ReconnectingWebSocketOptions, "shouldReconnect"> {
	/**
	 * The sharing's name: sockets share a connection only if their names
	 * are equal, as well as their URL, protocols and other options. Default "".
	 */
	shared?: string;
	/**
	 * How long the connection outlives the last tab's socket, in ms, so that
	 * a reload finds it. Default 3000.
	 */
	sharedGrace?: number;
}

export interface ReconnectingWebSocket extends LocalSocket {
	/** Where this socket's connection is held. */
	readonly sharing: Sharing;
}

export const ReconnectingWebSocket: {
	prototype: ReconnectingWebSocket;
	new (url: string | URL, protocols?: string | Iterable<string>, options?: SharedSocketOptions): ReconnectingWebSocket;
	readonly CONNECTING: 0;
	readonly OPEN: 1;
	readonly CLOSING: 2;
	readonly CLOSED: 3;
};

export default ReconnectingWebSocket;
