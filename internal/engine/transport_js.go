//go:build js

package engine

// In the browser there is no default: resock's JS bridge passes a Transport
// over the browser's WebSocket.
func defaultTransport(Options) Transport { return nil }
