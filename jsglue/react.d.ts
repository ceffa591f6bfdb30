// The React hook of resock: import { useReconnectingWebSocket } from "resock/react".
// React 18 or later is a peer dependency.

import type {
	DroppedEvent,
	OpenEvent,
	ProtocolsProvider,
	ReadyState,
	ReconnectingCloseEvent,
	ReconnectingErrorEvent,
	ReconnectingEvent,
	ReconnectingWebSocket,
	ReconnectingWebSocketOptions,
	SendData,
	SocketState,
	StateChangeEvent,
	UrlProvider,
} from "./resock.js";

/**
 * The hook's options: every option of the socket, plus handlers for its
 * events and `enabled`. Handlers are read from the latest render when an
 * event comes, so an inline function is fine: it never makes a new socket.
 * `shouldReconnect` is read the same way, and `binaryType` is set on the
 * socket as it changes. A change of any other option (by value, not by
 * identity) replaces the socket with a new one, and what the old one had
 * queued is not carried over.
 */
export interface UseReconnectingWebSocketOptions extends ReconnectingWebSocketOptions {
	/**
	 * false closes the connection and makes none (a socket is not made
	 * while it is false). Messages given to `send` meanwhile wait, and go out
	 * in order, with what the socket had queued, once it is true again.
	 * Default true.
	 */
	enabled?: boolean;
	onOpen?: (this: ReconnectingWebSocket, ev: OpenEvent) => void;
	/** Called for each message, without rendering the component. */
	onMessage?: (this: ReconnectingWebSocket, ev: MessageEvent<string | Blob | ArrayBuffer>) => void;
	onClose?: (this: ReconnectingWebSocket, ev: ReconnectingCloseEvent) => void;
	onError?: (this: ReconnectingWebSocket, ev: ReconnectingErrorEvent) => void;
	onReconnecting?: (this: ReconnectingWebSocket, ev: ReconnectingEvent) => void;
	onStateChange?: (this: ReconnectingWebSocket, ev: StateChangeEvent) => void;
	onDropped?: (this: ReconnectingWebSocket, ev: DroppedEvent) => void;
}

export interface UseReconnectingWebSocketResult {
	/**
	 * The socket, once the component has mounted; null before, and while
	 * `enabled` is false and no socket was made yet.
	 */
	readonly socket: ReconnectingWebSocket | null;
	/** The socket's state; the component renders when it changes. */
	readonly state: SocketState;
	/** The socket's readyState as of this render. */
	readonly readyState: ReadyState;
	/**
	 * The last message received. Reading it makes the component render on
	 * every message; a component that does not read it is not rendered
	 * for messages (use `onMessage`).
	 */
	readonly lastMessage: MessageEvent<string | Blob | ArrayBuffer> | null;
	/**
	 * Sends as the socket's `send` does, with its exceptions. Called before
	 * the socket exists (in a child's effect, say) or while `enabled` is
	 * false, it holds the message and sends it, in order, when the socket
	 * can take it. Its identity never changes.
	 */
	send(data: SendData): void;
}

/**
 * useReconnectingWebSocket keeps one ReconnectingWebSocket open while the
 * component is mounted, and closes it (code 1000) when it unmounts.
 *
 * - StrictMode's second mount keeps the first mount's socket: one
 *   connection, never two.
 * - A new `url` (a string or URL that differs by value) reconnects the same
 *   socket to it: queued messages, and in resume mode unacknowledged ones,
 *   go to the new connection. A URL function is called before every
 *   attempt; its identity does not matter.
 * - A bad `url` throws the SyntaxError the WebSocket constructor throws;
 *   bad protocols or options throw from the effect that makes the socket,
 *   as the constructor does, for an error boundary to catch.
 */
export function useReconnectingWebSocket(
	url: string | URL | UrlProvider,
	protocols?: string | Iterable<string> | ProtocolsProvider,
	options?: UseReconnectingWebSocketOptions,
): UseReconnectingWebSocketResult;
