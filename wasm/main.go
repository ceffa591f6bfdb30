//go:build js && wasm

// Command resock is the WebAssembly half of resock's reconnecting WebSocket.
// It registers the bridge that jsglue/resock.js wraps in the
// ReconnectingWebSocket class, then waits for JavaScript to call it.
package main

func main() {
	if _, err := register(); err != nil {
		// Returning ends the program; resock.js reports the exit.
		consoleError("failed to start", err)
		return
	}
	select {}
}
