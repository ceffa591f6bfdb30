// Package reconnect is resock's reconnect engine: one long-lived Socket that
// keeps a WebSocket connection up across drops. It owns the state machine,
// the jittered backoff, the connect timeout and the bounded outbox, and talks
// to the network through a small Transport interface.
//
// The package is platform-neutral. The browser build of resock supplies a
// Transport over the browser's WebSocket; natively, WebSocketTransport uses
// github.com/coder/websocket, so the same engine runs in tests under -race
// and as a Go client. Time and randomness are injected through Options, so
// tests drive backoff and timeouts on a fake clock.
//
// As a Go client it behaves as resock does in a page, which behaves as the
// browser's WebSocket does where it can:
//
//   - New refuses what the WebSocket constructor refuses: a URL that is not
//     absolute, has a scheme other than ws, wss, http or https, or has a
//     fragment (ErrInvalidURL), and subprotocols that are not HTTP tokens or
//     are offered twice (ErrInvalidProtocol). An http or https URL is dialled
//     as ws or wss. See ValidateURL and ValidateProtocols.
//   - Options.MaxRetries means what maxRetries means in JavaScript: nil, the
//     default, never gives up, and new(0) never reconnects.
//   - An opening handshake the server refused with an HTTP status carries it
//     in the ErrorEvent and CloseEvent (HTTPStatus), where ShouldReconnect
//     sees it; DefaultShouldReconnect gives up on 401, 403 and 404. A page
//     never learns the status: the browser hides it, so there such a refusal
//     is a plain close 1006, retried.
//
// See ExampleNew.
package reconnect
