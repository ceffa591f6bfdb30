// Package engine is resock's reconnect engine: one long-lived Socket that
// keeps a WebSocket connection up across drops. It owns the state machine,
// the jittered backoff, the connect timeout, the bounded outbox, heartbeats
// and the client side of the resume protocol, and talks to the network
// through a small Transport interface.
//
// The package is platform-neutral and has two users: the browser bridge
// (package wasm), which supplies a Transport over the browser's WebSocket and
// uses the hooks a page needs (Carrier, QuietConn, SetHidden, Suspend,
// Reserve, OnDirect, Defer), and package client, the Go client, which shows
// Go programs only the client API over WebSocketTransport
// (github.com/coder/websocket). Time and randomness are injected through
// Options, so tests drive backoff and timeouts on a fake clock.
package engine
