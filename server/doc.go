// Package server is resock's server side: a small WebSocket server library
// built on github.com/coder/websocket.
//
// A Server accepts WebSocket connections through Handler, keeps a registry of
// the connected clients (see Stats and StatsHandler), pings every client and
// drops those that stop answering, enforces a read limit, a host check and an
// origin check, and closes every client with 1012 (service restart) on
// Shutdown so that reconnecting clients know to come back (after a wait,
// with Options.ShutdownRetryAfter).
//
// The host check keeps DNS-rebinding pages out: a handshake is answered only
// when its Host is localhost, a loopback address, the address the request
// arrived on, or one of Options.AllowedHosts, and only then is its Origin
// compared with that Host. Behind a reverse proxy, list the public names
// there. StatsHandler is mounted only where the application mounts it, and
// lists the clients' addresses only to loopback peers unless
// Options.StatsShowAddrs says otherwise.
//
// A client that offers the subprotocol resock.v1 (docs/PROTOCOL.md; the
// browser's ReconnectingWebSocket with {resume: true}, or the Go engine in
// wasm/reconnect with Options.Resume) gets a session instead of a
// connection: the app's Conn outlives reconnects, every message is delivered
// exactly once and in order in both directions, and ReadMessage gives each
// client message a stable MessageID, so that an app can drop the resends
// that follow a lost session. Plain WebSocket clients get plain behaviour
// from the same handler.
//
// A Hub sends to many clients without letting one hold up the others; with
// PreparedMessage and JoinWithBacklog it is also a room with a history (see
// ExampleHub_JoinWithBacklog). Echo is a ready-made application for Handler.
// The demo (package github.com/resock/resock/demo) is built on this package
// alone.
//
// See ExampleServer_Handler.
package server
