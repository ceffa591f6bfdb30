// Package reconnect is resock's reconnect engine: one long-lived Socket that
// keeps a WebSocket connection up across drops. It owns the state machine,
// the jittered backoff, the connect timeout and the bounded outbox, and talks
// to the network through a small Transport interface.
//
// The package is platform-neutral. The browser build of resock supplies a
// Transport over the browser's WebSocket; natively, DialWebSocket uses
// github.com/coder/websocket, so the same engine runs in tests under -race
// and as a Go client. Time and randomness are injected through Options, so
// tests drive backoff and timeouts on a fake clock.
package reconnect
