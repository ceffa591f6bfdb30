// Package client is resock's Go client: a WebSocket connection that stays up.
//
// A Socket keeps one logical connection to a server for as long as the
// program wants it. When the connection drops, or goes silent without
// closing (a sleeping laptop, a NAT that forgot it, a server that died
// without a FIN), it reconnects with jittered exponential backoff, holding
// what is sent meanwhile in a bounded outbox. With Options.Resume and a
// resock server (package github.com/resock/resock/server), every message is
// delivered exactly once and in order across reconnects, in both
// directions.
//
// It is the engine a page runs as WebAssembly, so a Go program and a page
// behave the same, and both behave as the browser's WebSocket does where
// they can:
//
//   - New refuses what the WebSocket constructor refuses: a URL that is not
//     absolute, has a scheme other than ws, wss, http or https, or has a
//     fragment (ErrInvalidURL), and subprotocols that are not HTTP tokens or
//     are offered twice (ErrInvalidProtocol). An http or https URL is
//     dialled as ws or wss. See ValidateURL.
//   - Close refuses the codes and reasons WebSocket.close refuses.
//   - Options.MaxRetries means what maxRetries means in JavaScript: nil, the
//     default, never gives up, and new(0) never reconnects.
//   - An opening handshake the server refused with an HTTP status carries
//     it in the ErrorEvent and CloseEvent (HTTPStatus), where
//     Options.ShouldReconnect sees it; DefaultShouldReconnect gives up on
//     401, 403 and 404. A page never learns the status: the browser hides
//     it, so there such a refusal is a plain close 1006, retried.
//
// Events arrive through Options.OnEvent, one at a time and in order, from the
// Socket's own goroutines; a listener may call back into the Socket.
//
// See ExampleNew.
package client
